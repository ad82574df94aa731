import { execFileSync } from 'node:child_process';
import { closeSync, cpSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Template } from 'aws-cdk-lib/assertions';
import { Architecture } from 'aws-cdk-lib/aws-lambda';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { esbuildExternals, ESBUILD_OPTIONS, lambdaTarget, MAX_BUNDLE_BYTES, nativePackages } from '../../infra/constructs/bundling.ts';
import { Storage } from '../../infra/constructs/storage.ts';
import { CONVERTER_NATIVE_MODULES, CONVERTER_TMP_MIB, UploadConversion } from '../../infra/constructs/upload-conversion.ts';
import { assetPackages, hostBindingsOverlay } from '../support/native-host.ts';

/**
 * The converter's asset as `cdk synth` writes it: its bundle, and DuckDB's linux-arm64 binaries in
 * node_modules beside it (bundling.ts `nativeModulesBundling`). Synthesizes only the converter (one
 * bundle); the deployed-bundle test checks the other functions' assets ship no native module.
 */
const EM_AARCH64 = 183;
const EM_X86_64 = 62;
let work: string;
let assetDir: string;
let template: Template;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'synctrail-native-'));
  const app = new App({ outdir: join(work, 'cdk.out'), context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new Stack(app, 'Converter', { env: { account: '123456789012', region: 'eu-west-1' } });
  const storage = new Storage(stack, 'Storage', { retentionDays: 14, historyRetentionDays: 14, deletionProtection: false });
  new UploadConversion(stack, 'Uploads', { storage, eventBus: new EventBus(stack, 'Bus'), environment: { SYNCTRAIL_TABLE: 'table' } });
  const assembly = app.synth();
  const raw = assembly.getStackByName('Converter').template;
  template = Template.fromJSON(raw);
  const [fn] = Object.values(raw.Resources as Record<string, any>).filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Environment?.Variables?.SYNCTRAIL_TABLE);
  assetDir = join(work, 'cdk.out', fn.Metadata['aws:asset:path']);
}, 180_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

const filesUnder = (dir: string): string[] => readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)));

/** e_machine of an ELF file (undefined for any other file): the 16-bit field at offset 18, in the file's byte order. */
function elfMachine(path: string): number | undefined {
  const header = Buffer.alloc(20);
  const fd = openSync(path, 'r');
  try {
    if (readSync(fd, header, 0, 20, 0) < 20) return undefined;
  } finally {
    closeSync(fd);
  }
  if (header.readUInt32BE(0) !== 0x7f454c46) return undefined;
  return header[5] === 2 ? header.readUInt16BE(18) : header.readUInt16LE(18);
}

describe('the converter asset', () => {
  it('ships DuckDB (@duckdb/node-api, node-bindings, detect-libc, node-bindings-linux-arm64) at the locked versions beside its bundle', () => {
    const locked = nativePackages(CONVERTER_NATIVE_MODULES, lambdaTarget(Architecture.ARM_64));
    expect(locked.map((p) => p.name).sort()).toEqual(['@duckdb/node-api', '@duckdb/node-bindings', '@duckdb/node-bindings-linux-arm64', 'detect-libc']);
    const shipped = assetPackages(assetDir).map((p) => [p.name, p.manifest.version]);
    expect(shipped.sort()).toEqual(locked.map((p) => [p.name, p.version]).sort());
  });

  it('holds duckdb.node and libduckdb.so as aarch64 ELF files, and no x86-64 binary', () => {
    const bindings = join(assetDir, 'node_modules', '@duckdb', 'node-bindings-linux-arm64');
    expect(elfMachine(join(bindings, 'duckdb.node'))).toBe(EM_AARCH64);
    expect(elfMachine(join(bindings, 'libduckdb.so'))).toBe(EM_AARCH64);
    const elves = filesUnder(assetDir).map((file) => [file, elfMachine(join(assetDir, file))] as const).filter(([, machine]) => machine !== undefined);
    expect(elves.map(([file]) => file).sort()).toEqual(['node_modules/@duckdb/node-bindings-linux-arm64/duckdb.node', 'node_modules/@duckdb/node-bindings-linux-arm64/libduckdb.so']);
    expect(elves.filter(([, machine]) => machine === EM_X86_64)).toEqual([]);
    expect(filesUnder(assetDir).filter((file) => /x64|x86|darwin|win32|musl/.test(file))).toEqual([]);
  });

  it('ships no docs, type declarations or source maps of the packages, and reports its size unzipped', () => {
    const files = filesUnder(assetDir);
    const modules = files.filter((file) => file.startsWith('node_modules/'));
    expect(modules.filter((file) => /\.md$|\.d\.[cm]?ts$|\.map$/i.test(file))).toEqual([]);
    const size = (list: string[]) => list.reduce((sum, file) => sum + statSync(join(assetDir, file)).size, 0);
    const binaries = modules.filter((file) => /\.(node|so)$/.test(file));
    const report = {
      total: size(files),
      bundle: size(['index.mjs']),
      sourceMap: size(files.filter((f) => !f.startsWith('node_modules/') && f !== 'index.mjs')),
      nativeBinaries: size(binaries),
      nativePackagesJs: size(modules.filter((f) => !binaries.includes(f))),
    };
    console.info(`converter asset bytes unzipped: ${JSON.stringify(report)}`);
    // Lambda's limit is 250 MB unzipped; DuckDB's arm64 build is ~64 MB of it.
    expect(report.total).toBeLessThan(100 * 1024 * 1024);
    expect(statSync(join(assetDir, 'index.mjs')).size).toBeLessThanOrEqual(MAX_BUNDLE_BYTES);
  });

  it('keeps DuckDB out of the esbuild bundle (it is external, loaded from node_modules)', () => {
    const bundle = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
    expect(bundle).not.toContain('Error loading duckdb native binding');
    expect(bundle).not.toContain('duckdb.node');
  });

  it(`is an arm64 function with ${CONVERTER_TMP_MIB} MiB of /tmp`, () => {
    template.hasResourceProperties('AWS::Lambda::Function', { Architectures: ['arm64'], EphemeralStorage: { Size: CONVERTER_TMP_MIB }, MemorySize: 2048 });
  });

  it('loads @duckdb/node-api from its own node_modules with plain Node (this machine\'s bindings standing in for arm64), and so does its bundle', async () => {
    // Arrange: the asset without the arm64 binaries (64 MB this machine cannot load), this machine's
    // bindings on NODE_PATH as the deployed-bundle test runs it, and a probe bundled as the function is.
    const taskRoot = join(work, 'task');
    cpSync(assetDir, taskRoot, { recursive: true, filter: (path) => !path.includes('node-bindings-linux-arm64') });
    const overlay = hostBindingsOverlay(assetDir, join(work, 'host'));
    expect(overlay).toBeDefined();
    const probe = join(work, 'probe.ts');
    writeFileSync(probe, [
      "import { createRequire } from 'node:module';",
      "import { DuckDBInstance } from '@duckdb/node-api';",
      'const instance = await DuckDBInstance.create(":memory:");',
      'const connection = await instance.connect();',
      "const reader = await connection.runAndReadAll('SELECT 42 AS answer');",
      "console.log(JSON.stringify({ resolved: createRequire(import.meta.url).resolve('@duckdb/node-api'), answer: reader.getRowObjectsJson()[0].answer }));",
    ].join('\n'));
    await build({ ...ESBUILD_OPTIONS, mainFields: [...ESBUILD_OPTIONS.mainFields], entryPoints: [probe], outfile: join(taskRoot, 'probe.mjs'), external: esbuildExternals('ingest/convert-upload'), logLevel: 'warning' });
    const env = { PATH: process.env.PATH ?? '', NODE_PATH: overlay! };

    // Act
    const probed = JSON.parse(execFileSync(process.execPath, ['probe.mjs'], { cwd: taskRoot, env, encoding: 'utf8' }));
    const loaded = execFileSync(process.execPath, ['--input-type=module', '-e', "const m = await import('./index.mjs'); console.log(typeof m.handler)"], { cwd: taskRoot, env, encoding: 'utf8' });

    // Without the stand-in the asset's own node-bindings looks for this machine's package, and finds none: nothing outside the asset leaks in.
    const bare = (() => {
      try {
        execFileSync(process.execPath, ['probe.mjs'], { cwd: taskRoot, env: { PATH: env.PATH }, encoding: 'utf8', stdio: 'pipe' });
        return 'loaded';
      } catch (error: any) {
        return String(error.stderr);
      }
    })();

    // Assert
    expect(bare).toContain(`Cannot find module '@duckdb/node-bindings-${process.platform}-${process.arch}/duckdb.node'`);
    expect(probed).toEqual({ resolved: join(taskRoot, 'node_modules', '@duckdb', 'node-api', 'lib', 'index.js'), answer: 42 });
    expect(loaded.trim()).toBe('function');
  }, 60_000);
});
