import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SyncTrailStack } from './synctrail-stack.ts';
import { applyNagSuppressions } from './nag-suppressions.ts';

/**
 * `npx cdk deploy` (or `npm run synth` offline). Context values, all optional:
 *   -c stackName=SyncTrail  -c retentionDays=14  -c historyRetentionDays=14
 *   -c bucketName=<your bucket>  -c consoleOrigin=https://console.example.com
 *   -c deletionProtection=true  -c alarmEmail=ops@example.com
 *   -c console=false  -c consoleDomainName=sync.example.com -c consoleCertificateArn=arn:aws:acm:us-east-1:…
 *   -c consoleWebAclArn=arn:aws:wafv2:us-east-1:…
 */
const app = new App();
const context = (name: string) => app.node.tryGetContext(name) as string | undefined;
const number = (name: string) => (context(name) === undefined ? undefined : Number(context(name)));

const stack = new SyncTrailStack(app, context('stackName') ?? 'SyncTrail', {
  description: 'SyncTrail: sync run history, destination status and row-level record logs',
  ...(number('retentionDays') ? { retentionDays: number('retentionDays')! } : {}),
  ...(number('historyRetentionDays') ? { historyRetentionDays: number('historyRetentionDays')! } : {}),
  ...(context('bucketName') ? { existingBucketName: context('bucketName')! } : {}),
  ...(context('consoleOrigin') ? { consoleOrigin: context('consoleOrigin')! } : {}),
  ...(context('deletionProtection') !== undefined ? { deletionProtection: String(context('deletionProtection')) !== 'false' } : {}),
  ...(context('alarmEmail') ? { alarmEmail: context('alarmEmail')! } : {}),
  ...(context('console') !== undefined ? { console: String(context('console')) !== 'false' } : {}),
  ...(context('consoleDomainName') && context('consoleCertificateArn')
    ? { consoleDomain: { name: context('consoleDomainName')!, certificateArn: context('consoleCertificateArn')! } }
    : {}),
  ...(context('consoleWebAclArn') ? { consoleWebAclArn: context('consoleWebAclArn')! } : {}),
});
if (Boolean(context('consoleDomainName')) !== Boolean(context('consoleCertificateArn'))) {
  throw new Error('consoleDomainName and consoleCertificateArn go together: the certificate (in us-east-1) must cover the domain');
}
applyNagSuppressions(stack, stack.storage, stack.console, stack.analytics);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
