import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import type { Event, Result } from '#http/api-handler.ts';
import { createLocalServer, type LocalRoute } from '../../infra/local/http-server.ts';
import type { LocalStores } from '../../infra/local/local-stack.ts';
import { SyncTrailStack } from '../../infra/synctrail-stack.ts';
import { FakeAws } from './fake-aws.ts';
import { hostBindingsOverlay } from './native-host.ts';

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';

/** A Lambda function of the synthesized template, with the asset folder CDK bundled it into. */
export interface TemplateFunction {
  logicalId: string;
  assetDir: string;
  handler: string;
  environment: Record<string, unknown>;
  timeoutSeconds: number;
  memorySize: number;
}

export interface TemplateRule {
  logicalId: string;
  /** The logical id of the bus it listens on; undefined for the default bus (where S3 sends). */
  busLogicalId?: string;
  pattern?: any;
  schedule?: string;
  targets: string[];
}

export interface SynthesizedStack {
  template: any;
  functions: Map<string, TemplateFunction>;
  /** API Gateway route key → the function its integration invokes. */
  routes: Map<string, string>;
  rules: TemplateRule[];
}

/** `cdk synth` as `npm run synth` does it, bundling every function, into `outdir`. */
export function synthesize(outdir: string): SynthesizedStack {
  // The CLI's own context: asset metadata names the folder each function was bundled into.
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
  new SyncTrailStack(app, 'SyncTrail', { env: { account: ACCOUNT, region: REGION } });
  const assembly = app.synth();
  const template = assembly.getStackByName('SyncTrail').template;
  const resources = Object.entries(template.Resources as Record<string, any>);
  const functions = new Map<string, TemplateFunction>();
  for (const [logicalId, resource] of resources) {
    if (resource.Type !== 'AWS::Lambda::Function' || !resource.Properties.Environment?.Variables?.SYNCTRAIL_TABLE) continue;
    functions.set(logicalId, {
      logicalId,
      assetDir: join(outdir, resource.Metadata['aws:asset:path']),
      handler: resource.Properties.Handler,
      environment: resource.Properties.Environment.Variables,
      timeoutSeconds: resource.Properties.Timeout,
      memorySize: resource.Properties.MemorySize,
    });
  }
  const integrations = new Map(resources.filter(([, r]) => r.Type === 'AWS::ApiGatewayV2::Integration').map(([id, r]) => [id, r.Properties.IntegrationUri['Fn::GetAtt'][0] as string]));
  const routes = new Map<string, string>();
  for (const [, resource] of resources.filter(([, r]) => r.Type === 'AWS::ApiGatewayV2::Route')) {
    const integrationId = resource.Properties.Target['Fn::Join'][1][1].Ref as string;
    routes.set(resource.Properties.RouteKey, integrations.get(integrationId)!);
  }
  const rules = resources
    .filter(([, r]) => r.Type === 'AWS::Events::Rule')
    .map(([logicalId, r]) => ({
      logicalId,
      busLogicalId: r.Properties.EventBusName?.Ref,
      pattern: r.Properties.EventPattern,
      schedule: r.Properties.ScheduleExpression,
      targets: (r.Properties.Targets as any[]).map((t) => t.Arn['Fn::GetAtt'][0] as string),
    }));
  return { template, functions, routes, rules };
}

/** EventBridge's pattern matching, for the operators SyncTrail's rules use (values and `prefix`). */
export function matchesPattern(pattern: any, event: any): boolean {
  return Object.entries(pattern).every(([key, expected]) => {
    const actual = event?.[key];
    if (!Array.isArray(expected)) return matchesPattern(expected, actual);
    return expected.some((candidate) => {
      if (candidate === null || typeof candidate !== 'object') return actual === candidate;
      if ('prefix' in candidate && Object.keys(candidate).length === 1) return typeof actual === 'string' && actual.startsWith(candidate.prefix);
      throw new Error(`the deployed-bundle test does not match the EventBridge operator ${JSON.stringify(candidate)}: teach matchesPattern`);
    });
  });
}

interface Invocation {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/**
 * One function's runtime: a child process holding the bundle, invoked over IPC, one
 * invocation at a time as a Lambda execution environment takes them (with the template's
 * timeout, enforced by the runtime).
 */
class FunctionRuntime {
  private readonly pending = new Map<string, Invocation>();
  private child?: ChildProcess;
  private queue: Promise<unknown> = Promise.resolve();
  output = '';

  constructor(
    readonly fn: TemplateFunction,
    private readonly environment: Record<string, string>,
  ) {}

  start(): Promise<void> {
    // A native module shipped for Lambda's linux-arm64 loads this machine's build instead (native-host.ts).
    const overlay = hostBindingsOverlay(this.fn.assetDir, `${this.fn.assetDir}.host`);
    const child = (this.child = fork(join(import.meta.dirname, 'lambda-runtime.mjs'), [this.fn.assetDir, this.fn.handler], {
      cwd: this.fn.assetDir,
      env: overlay ? { ...this.environment, NODE_PATH: overlay } : this.environment,
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    }));
    child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    return new Promise((resolve, reject) => {
      child.on('message', (message: any) => {
        if (message.ready) return resolve();
        if (message.initError) return reject(new Error(`${this.fn.logicalId} failed to load: ${message.initError}`));
        const invocation = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.error) invocation?.reject(Object.assign(new Error(`${this.fn.logicalId}: ${message.error.message}`), { stack: message.error.stack }));
        else invocation?.resolve(message.result);
      });
      child.on('exit', (code) => {
        reject(new Error(`${this.fn.logicalId} exited with ${code}:\n${this.output}`));
        for (const invocation of this.pending.values()) invocation.reject(new Error(`${this.fn.logicalId} exited with ${code}`));
        this.pending.clear();
      });
    });
  }

  invoke(event: unknown): Promise<unknown> {
    const run = () => {
      const id = randomUUID();
      return new Promise((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        this.child!.send({ id, event });
      });
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}

export interface DeployedStack {
  url: string;
  aws: FakeAws;
  stack: SynthesizedStack;
  /** Every asynchronous invocation (rule targets), with its outcome. */
  asyncInvocations: Array<{ functionId: string; ruleId: string; event: any; outcome: Promise<unknown> }>;
  /** Invokes a function as its rule would (a schedule, or an event). */
  invoke(functionId: string, event: unknown): Promise<unknown>;
  /** Resolves once every asynchronous invocation so far, and those they caused, has finished. */
  settle(): Promise<void>;
  functionOf(fnPrefix: string): string;
  close(): Promise<void>;
}

export interface DeployedStackOptions {
  stack: SynthesizedStack;
  stores: LocalStores;
  rootKey: string;
}

/**
 * The synthesized stack, run here: each function's bundle in a runtime of its own with the
 * environment the template gives it (CloudFormation's references filled with local names), its
 * SDK clients pointed at the local stores and at FakeAws; API Gateway's routes as an HTTP server
 * sending payload-v2 events to the function each route's integration names; EventBridge's
 * rules (S3's object-created events on the default bus, SyncTrail's own bus) handing matching
 * events to their targets.
 */
export async function startDeployedStack({ stack, stores, rootKey }: DeployedStackOptions): Promise<DeployedStack> {
  const resources = stack.template.Resources as Record<string, any>;
  const busName = 'synctrail-events';
  const secretArn = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:synctrail-root-key`;
  // CloudFormation's physical names, by resource type: what a `Ref` resolves to.
  const physical: Record<string, string> = {
    'AWS::DynamoDB::GlobalTable': stores.settings.table,
    'AWS::S3::Bucket': stores.settings.bucket,
    'AWS::SecretsManager::Secret': secretArn,
    'AWS::Events::EventBus': busName,
  };
  const resolve = (value: unknown, where: string): string => {
    if (typeof value === 'string') return value;
    const ref = (value as { Ref?: string }).Ref;
    const type = ref ? resources[ref]?.Type : undefined;
    if (type && physical[type]) return physical[type]!;
    // The console's address (CloudFront's domain name), joined into its URL.
    const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    if (join) return join[1].map((part, i) => resolve(part, `${where} part ${i}`)).join(join[0]);
    const [logicalId, attribute] = (value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'] ?? [];
    if (logicalId && attribute === 'DomainName' && resources[logicalId]?.Type === 'AWS::CloudFront::Distribution') return 'd111111abcdef8.cloudfront.net';
    throw new Error(`${where} is ${JSON.stringify(value)}: the deployed-bundle test has no local value for it`);
  };
  const busOf = (logicalId?: string) => (logicalId ? resolve({ Ref: logicalId }, 'a rule bus') : 'default');
  // Rule patterns name the bucket by reference, as functions do.
  const resolveDeep = (value: any, where: string): any =>
    Array.isArray(value)
      ? value.map((v) => resolveDeep(v, where))
      : value && typeof value === 'object'
        ? 'Ref' in value
          ? resolve(value, where)
          : Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveDeep(v, where)]))
        : value;
  const patterns = new Map(stack.rules.map((rule) => [rule.logicalId, rule.pattern ? resolveDeep(rule.pattern, `${rule.logicalId}'s pattern`) : undefined]));

  const runtimes = new Map<string, FunctionRuntime>();
  const asyncInvocations: DeployedStack['asyncInvocations'] = [];
  const deliver = (bus: string, event: any) => {
    for (const rule of stack.rules) {
      const pattern = patterns.get(rule.logicalId);
      if (!pattern || busOf(rule.busLogicalId) !== bus || !matchesPattern(pattern, event)) continue;
      for (const functionId of rule.targets) {
        const outcome = runtimes.get(functionId)!.invoke(event);
        outcome.catch(() => undefined); // seen by settle() and the test
        asyncInvocations.push({ functionId, ruleId: rule.logicalId, event, outcome });
      }
    }
  };
  const envelope = (source: string, detailType: string, detail: unknown) => ({
    version: '0',
    id: randomUUID(),
    'detail-type': detailType,
    source,
    account: ACCOUNT,
    time: new Date().toISOString(),
    region: REGION,
    resources: [],
    detail,
  });

  const aws = new FakeAws({ [secretArn]: rootKey }, (entries) => {
    for (const entry of entries) deliver(entry.EventBusName ?? 'default', envelope(entry.Source, entry.DetailType, JSON.parse(entry.Detail)));
  });
  await aws.start();
  // S3 sends object-created events to the default bus (the bucket's EventBridge setting).
  const onObject = (event: { Records: Array<{ eventName: string; s3: { bucket: { name: string }; object: { key: string; size: number } } }> }) => {
    for (const record of event.Records) {
      if (!record.eventName.startsWith('ObjectCreated')) continue;
      deliver('default', envelope('aws.s3', 'Object Created', { bucket: { name: record.s3.bucket.name }, object: { key: decodeURIComponent(record.s3.object.key.replace(/\+/g, ' ')), size: record.s3.object.size } }));
    }
  };
  stores.s3.on('event', onObject);

  const tmpDirs: string[] = [];
  for (const fn of stack.functions.values()) {
    const tmp = mkdtempSync(join(tmpdir(), `synctrail-lambda-tmp-${fn.logicalId}-`));
    tmpDirs.push(tmp);
    const environment: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      TZ: 'UTC',
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      AWS_LAMBDA_FUNCTION_NAME: fn.logicalId,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
      LAMBDA_TASK_ROOT: fn.assetDir,
      _HANDLER: fn.handler,
      SYNCTRAIL_TEST_TIMEOUT_MS: String(fn.timeoutSeconds * 1000),
      // The function's credentials; the local stores take these.
      AWS_ACCESS_KEY_ID: stores.settings.localCredentials!.accessKeyId,
      AWS_SECRET_ACCESS_KEY: stores.settings.localCredentials!.secretAccessKey,
      AWS_SESSION_TOKEN: 'deployed-bundle-test',
      ...Object.fromEntries(Object.entries(fn.environment).map(([name, value]) => [name, resolve(value, `${fn.logicalId}'s ${name}`)])),
      // Each function's /tmp is its own, as in Lambda (the converter clears leftovers in it at start).
      TMPDIR: tmp,
      // Where this machine's stand-ins are; nothing else differs from the deployed function.
      SYNCTRAIL_DYNAMODB_ENDPOINT: stores.settings.dynamodbEndpoint!,
      SYNCTRAIL_S3_ENDPOINT: stores.settings.s3Endpoint!,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.url,
      AWS_ENDPOINT_URL_GLUE: aws.url,
      AWS_ENDPOINT_URL_EVENTBRIDGE: aws.url,
    };
    runtimes.set(fn.logicalId, new FunctionRuntime(fn, environment));
  }
  const stopAll = async () => {
    stores.s3.off('event', onObject);
    await Promise.all([...runtimes.values()].map((runtime) => runtime.stop()));
    await aws.close();
    await Promise.all(tmpDirs.map((dir) => rm(dir, { recursive: true, force: true })));
  };
  try {
    await Promise.all([...runtimes.values()].map((runtime) => runtime.start()));
  } catch (error) {
    // A bundle that does not load fails the test; the others and the stand-ins do not outlive it.
    await stopAll();
    throw error;
  }

  const routes: LocalRoute[] = [...stack.routes].map(([routeKey, functionId]) => {
    const [method, path] = routeKey.split(' ') as [string, string];
    return {
      method,
      path,
      handler: async (event: Event): Promise<Result> => {
        try {
          return (await runtimes.get(functionId)!.invoke(event)) as Result;
        } catch {
          // What API Gateway answers when the function fails.
          return { statusCode: 500, headers: { 'content-type': 'application/json' }, body: '{"message":"Internal Server Error"}' };
        }
      },
    };
  });
  const server: Server = createLocalServer({ routes });
  await new Promise<void>((resolvePromise) => server.listen(0, '127.0.0.1', resolvePromise));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    aws,
    stack,
    asyncInvocations,
    invoke: (functionId, event) => runtimes.get(functionId)!.invoke(event),
    async settle() {
      for (let seen = -1; seen !== asyncInvocations.length; ) {
        seen = asyncInvocations.length;
        await Promise.allSettled(asyncInvocations.map((i) => i.outcome));
      }
    },
    functionOf(prefix) {
      const id = [...stack.functions.keys()].find((logicalId) => logicalId.startsWith(prefix));
      if (!id) throw new Error(`no function ${prefix}* in the template`);
      return id;
    },
    async close() {
      server.closeAllConnections?.();
      await new Promise<void>((resolvePromise) => server.close(() => resolvePromise()));
      await stopAll();
    },
  };
}

/** The event a schedule rule sends its target. */
export const scheduledEvent = (ruleId: string) => ({
  version: '0',
  id: randomUUID(),
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: ACCOUNT,
  time: new Date().toISOString(),
  region: REGION,
  resources: [`arn:aws:events:${REGION}:${ACCOUNT}:rule/${ruleId}`],
  detail: {},
});
