#!/usr/bin/env node
// `npm run synth [-- -c name=value ...]`: `cdk synth --quiet`, printing what matters (errors,
// cdk-nag findings, warnings) and one final line. Left out, and only these: CDK's
// "Bundling asset <path>..." line per function bundle (written by aws-cdk-lib as it bundles)
// and the CLI's "N feature flags are not configured" note (the flags keep their defaults, which
// the infra tests assert the template with; `npx cdk flags --unstable=flags` lists them).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { isNoise } from './synth-noise.mjs';

const args = process.argv.slice(2);
const outAt = args.findIndex((arg) => arg === '-o' || arg === '--output');
const outdir = outAt >= 0 ? args[outAt + 1] : 'cdk.out';
const began = Date.now();
const cdk = createRequire(import.meta.url).resolve('aws-cdk/bin/cdk');
const child = spawn(process.execPath, [cdk, 'synth', '--quiet', ...args], { stdio: ['inherit', 'pipe', 'pipe'] });

let bundles = 0;
const pass = (stream, to) =>
  new Promise((done) => {
    createInterface({ input: stream, crlfDelay: Infinity })
      .on('line', (line) => {
        if (line.includes('Bundling asset ')) bundles += 1;
        if (!isNoise(line)) to.write(`${line}\n`);
      })
      .on('close', done);
  });
const streams = Promise.all([pass(child.stdout, process.stdout), pass(child.stderr, process.stderr)]);

const [code, signal] = await new Promise((done) => child.on('close', (c, s) => done([c, s])));
await streams;
const seconds = ((Date.now() - began) / 1000).toFixed(1);
if (code !== 0) {
  console.error(`npm run synth failed (${signal ?? `exit code ${code}`}) after ${seconds} s`);
  process.exit(code ?? 1);
}

/** The stacks' templates, from the assembly's manifest. */
function templates() {
  try {
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8'));
    return Object.values(manifest.artifacts ?? {})
      .filter((artifact) => artifact.type === 'aws:cloudformation:stack')
      .map((artifact) => relative(process.cwd(), join(outdir, artifact.properties.templateFile)));
  } catch {
    return [outdir];
  }
}
const built = bundles ? `, ${bundles} function bundle${bundles === 1 ? '' : 's'} built` : ', function bundles unchanged';
console.log(`synthesized ${templates().join(', ')}${built}, cdk-nag passed, in ${seconds} s`);
