import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';

/**
 * Exact S3 object actions on one prefix. CDK's `grantRead`/`grantReadWrite` add wildcard
 * actions (`s3:GetObject*`, `s3:List*`, `s3:Abort*`) that no SyncTrail function needs:
 * handlers never list the bucket (a run's files are known from its batch items).
 */
export function bindBucket(grantee: IGrantable, bucket: IBucket, prefix: string, access: 'read' | 'write' | 'readWrite'): void {
  const actions = {
    read: ['s3:GetObject'],
    write: ['s3:PutObject'],
    readWrite: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
  }[access];
  grantee.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions, resources: [bucket.arnForObjects(`${prefix}*`)] }));
}
