import { Duration, RemovalPolicy, Size } from 'aws-cdk-lib';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { join } from 'node:path';
import { BUNDLING, lambdaTarget, nativeModulesBundling } from './bundling.ts';
import { SERVICE_NAME } from '#http/log.ts';
import { METRICS_NAMESPACE } from '#http/metrics.ts';

export const PROJECT_ROOT = join(import.meta.dirname, '..', '..');

export interface SyncTrailFunctionProps {
  /** Entry module under `functions/`, without extension, e.g. `api/ingest` (one of `FUNCTION_ENTRIES`). */
  readonly fn: string;
  readonly environment: Record<string, string>;
  readonly timeout?: Duration;
  readonly memorySize?: number;
  readonly logRetention?: RetentionDays;
  /** The function's /tmp, in MiB (Lambda's default, 512, when left out). */
  readonly ephemeralStorageMiB?: number;
  /**
   * Packages with native binaries the function imports (e.g. `@duckdb/node-api`): kept out of the
   * esbuild bundle and shipped in the asset's `node_modules` for the function's platform
   * (`nativeModulesBundling` in bundling.ts). Every other function bundles everything.
   */
  readonly nativeModules?: readonly string[];
}

/**
 * Every SyncTrail function's defaults in one place: Node.js 24 (the code also runs on 20 and 22) on arm64, bundled with
 * esbuild as ESM (`bundling.ts`), JSON logs into a log group with bounded retention, X-Ray active tracing (CDK grants
 * `xray:PutTraceSegments`/`PutTelemetryRecords`), Powertools' service name and metrics namespace.
 * Grants are added by the construct that owns the resource, per function, as narrow as
 * what the function's routes or job need.
 */
export class SyncTrailFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: SyncTrailFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const architecture = Architecture.ARM_64;
    const native = props.nativeModules?.length ? nativeModulesBundling(props.nativeModules, lambdaTarget(architecture)) : undefined;
    super(scope, id, {
      entry: join(PROJECT_ROOT, 'functions', `${props.fn}.ts`),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_24_X,
      architecture,
      memorySize: props.memorySize ?? 1024,
      ...(props.ephemeralStorageMiB ? { ephemeralStorageSize: Size.mebibytes(props.ephemeralStorageMiB) } : {}),
      // API Gateway gives up on an integration after 30 s.
      timeout: props.timeout ?? Duration.seconds(29),
      tracing: Tracing.ACTIVE,
      loggingFormat: LoggingFormat.JSON,
      logGroup,
      // Powertools (shared/http/log.ts, metrics.ts, tracing.ts): one service name in logs and traces, the dashboard's namespace.
      environment: { NODE_OPTIONS: '--enable-source-maps', POWERTOOLS_SERVICE_NAME: SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE, ...props.environment },
      bundling: {
        ...BUNDLING,
        externalModules: [...BUNDLING.externalModules, ...(native?.externalModules ?? [])],
        mainFields: [...BUNDLING.mainFields],
        ...(native ? { commandHooks: native.commandHooks } : {}),
      },
    });
  }
}
