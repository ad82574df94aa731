import { CfnOutput, Duration, RemovalPolicy } from 'aws-cdk-lib';
import { CorsHttpMethod, HttpApi, HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface SyncTrailHttpApiProps {
  /** The console's origin, the only one CORS lets in; none means no CORS at all. */
  readonly consoleOrigin?: string;
  /** Steady requests per second across the API, and the burst above it. */
  readonly throttle: { rateLimit: number; burstLimit: number };
}

/**
 * The one HTTP API producers and the console call, and the deployment's root key. Keys are
 * checked in one place, the middleware every handler shares (`shared/http/api-handler.ts`):
 * org keys live hashed in DynamoDB, so a separate authorizer would only add a hop.
 */
export class SyncTrailHttpApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly rootKey: Secret;

  constructor(scope: Construct, id: string, props: SyncTrailHttpApiProps) {
    super(scope, id);
    this.rootKey = new Secret(this, 'RootKey', {
      description: 'SyncTrail root key: may only create orgs (POST /v1/orgs)',
      generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
    });
    this.api = new HttpApi(this, 'Api', {
      description: 'SyncTrail API v1',
      createDefaultStage: false,
      ...(props.consoleOrigin
        ? {
            corsPreflight: {
              allowOrigins: [props.consoleOrigin],
              allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.PUT, CorsHttpMethod.DELETE],
              allowHeaders: ['authorization', 'content-type'],
              exposeHeaders: ['content-disposition', 'x-request-id'],
              maxAge: Duration.hours(1),
            },
          }
        : {}),
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.DESTROY });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
    });
    const cfnStage = this.stage.node.defaultChild as import('aws-cdk-lib/aws-apigatewayv2').CfnStage;
    cfnStage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        time: '$context.requestTime',
        routeKey: '$context.routeKey',
        status: '$context.status',
        latencyMs: '$context.responseLatency',
        integrationError: '$context.integrationErrorMessage',
        bytes: '$context.responseLength',
      }),
    };
    new CfnOutput(scope, 'ApiUrl', { value: this.api.apiEndpoint, description: 'Base URL of the SyncTrail API' });
    new CfnOutput(scope, 'RootKeySecretArn', { value: this.rootKey.secretArn, description: 'Secrets Manager secret holding the root key' });
  }
}
