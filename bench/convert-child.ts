import { createDeps } from '#adapters/deps.ts';
import type { Settings } from '#adapters/settings.ts';
import { convertUpload } from '#domain/uploads.ts';

/**
 * Converts one upload in a process of its own, as a Lambda would, and reports the time and
 * this process's peak resident memory.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const settings = JSON.parse(process.env.BENCH_SETTINGS!) as Settings;
const started = performance.now();
const outcome = await convertUpload(createDeps(settings), process.env.BENCH_UPLOAD_KEY!);
const ms = performance.now() - started;
console.log(JSON.stringify({ outcome, ms, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
