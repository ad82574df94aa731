import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, type IBucket } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { CONSOLE_SECURITY_HEADERS, buildConsoleSync, writeConsole } from '../../console/build.ts';

export interface ConsoleHostingProps {
  /** The API the console calls, served on the same origin under `/v1/*`. */
  readonly api: HttpApi;
  /** A domain of your own (e.g. sync.example.com) and its ACM certificate in us-east-1: then TLS 1.2+ only. */
  readonly domain?: { readonly name: string; readonly certificateArn: string };
  /** An AWS WAF web ACL (CLOUDFRONT scope, us-east-1) to put in front of console and API. */
  readonly webAclArn?: string;
  /** Where CloudFront and the console bucket write access logs (the stack's access-logs bucket). */
  readonly accessLogs: IBucket;
}

/**
 * The web console in AWS: its files in a private bucket read through CloudFront (origin
 * access control), and the API as a second origin on `/v1/*`, so the console and the API
 * share one origin: no CORS, and the key never leaves a same-origin request.
 */
export class ConsoleHosting extends Construct {
  readonly distribution: Distribution;
  readonly bucket: Bucket;
  /** The console's address (its own domain, or CloudFront's): webhook messages link to it. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: ConsoleHostingProps) {
    super(scope, id);
    const logs = props.accessLogs;
    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: logs,
      serverAccessLogsPrefix: 'console-bucket/',
      // Only built files live here; a redeploy writes them again.
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: false,
    });

    const headers = new ResponseHeadersPolicy(this, 'Headers', {
      comment: 'SyncTrail console: strict CSP, no framing, no referrer, HSTS',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: CONSOLE_SECURITY_HEADERS['content-security-policy']!, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
      },
    });

    const region = Stack.of(this).region;
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'SyncTrail console and API',
      ...(props.domain
        ? {
            domainNames: [props.domain.name],
            certificate: Certificate.fromCertificateArn(this, 'Certificate', props.domain.certificateArn),
            minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
      ...(props.webAclArn ? { webAclId: props.webAclArn } : {}),
      defaultRootObject: 'index.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: logs,
      logFilePrefix: 'cloudfront/',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        compress: true,
      },
      additionalBehaviors: {
        '/v1/*': {
          origin: new HttpOrigin(`${props.api.apiId}.execute-api.${region}.amazonaws.com`, { protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY }),
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: AllowedMethods.ALLOW_ALL,
          // Never cached; with caching off, this policy forwards Authorization (but not Host, which API Gateway checks).
          cachePolicy: CachePolicy.CACHING_DISABLED,
          originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          compress: true,
        },
      },
    });

    // Built now, at synth: the files go up with the stack, hashed assets first so a new
    // index.html never points at a file that is not there yet.
    const dir = mkdtempSync(join(tmpdir(), 'synctrail-console-'));
    writeConsole(buildConsoleSync(), dir);
    const deploymentLogs = new LogGroup(this, 'DeploymentLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    const assets = new BucketDeployment(this, 'Assets', {
      sources: [Source.asset(dir, { exclude: ['index.html'] })],
      destinationBucket: this.bucket,
      cacheControl: [CacheControl.fromString('public, max-age=31536000, immutable')],
      prune: false,
      logGroup: deploymentLogs,
      memoryLimit: 256,
    });
    const page = new BucketDeployment(this, 'Page', {
      sources: [Source.asset(dir, { exclude: ['assets', 'assets/*'] })],
      destinationBucket: this.bucket,
      cacheControl: [CacheControl.fromString('no-cache')],
      prune: false,
      distribution: this.distribution,
      distributionPaths: ['/index.html', '/'],
      logGroup: deploymentLogs,
      memoryLimit: 256,
    });
    page.node.addDependency(assets);

    this.url = `https://${props.domain?.name ?? this.distribution.distributionDomainName}`;
    new CfnOutput(scope, 'ConsoleUrl', { value: this.url, description: 'The SyncTrail console (and the API under /v1 on the same origin)' });
  }
}
