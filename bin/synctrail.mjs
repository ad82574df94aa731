#!/usr/bin/env node
// The `synctrail` command: TypeScript through tsx, so it runs from a checkout with no build step.
import { register } from 'tsx/esm/api';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
const { main } = await import('../shared/client/cli.ts');
process.exitCode = await main(process.argv);
