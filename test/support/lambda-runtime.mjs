// A Lambda runtime for one deployed bundle, as a child process: it loads the function's
// handler from the asset folder CDK wrote (plain Node, no TypeScript loader, only the
// environment it was given) and answers invocations sent over the IPC channel.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [taskRoot, handlerSetting] = process.argv.slice(2);
const dot = handlerSetting.lastIndexOf('.');
const [file, name] = [handlerSetting.slice(0, dot), handlerSetting.slice(dot + 1)];
const timeoutMs = Number(process.env.SYNCTRAIL_TEST_TIMEOUT_MS);

try {
  const module = await import(pathToFileURL(join(taskRoot, `${file}.mjs`)).href);
  const handler = module[name];
  if (typeof handler !== 'function') throw new Error(`${file}.mjs exports no function ${name}`);

  process.on('message', async ({ id, event }) => {
    const deadline = Date.now() + timeoutMs;
    const context = {
      callbackWaitsForEmptyEventLoop: true,
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:123456789012:function:${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      awsRequestId: randomUUID(),
      logGroupName: `/aws/lambda/${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
      logStreamName: 'deployed-bundle-test',
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
    let timer;
    const timedOut = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`)), timeoutMs);
    });
    try {
      const result = await Promise.race([handler(event, context), timedOut]);
      clearTimeout(timer);
      process.send({ id, result: result === undefined ? null : result });
    } catch (error) {
      clearTimeout(timer);
      process.send({ id, error: { name: error?.name, message: String(error?.message ?? error), stack: String(error?.stack ?? '') } });
    }
  });
  process.send({ ready: true });
} catch (error) {
  process.send({ initError: String(error?.stack ?? error) });
  process.exit(1);
}
