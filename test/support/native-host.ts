import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../infra/constructs/synctrail-function.ts';

/** The packages of an asset's `node_modules` (scoped ones included) with their package.json. */
export function assetPackages(assetDir: string): Array<{ name: string; dir: string; manifest: any }> {
  const root = join(assetDir, 'node_modules');
  if (!existsSync(root)) return [];
  const names = readdirSync(root).flatMap((entry) => (entry.startsWith('@') ? readdirSync(join(root, entry)).map((name) => `${entry}/${name}`) : entry.startsWith('.') ? [] : [entry]));
  return names.map((name) => ({ name, dir: join(root, name), manifest: JSON.parse(readFileSync(join(root, name, 'package.json'), 'utf8')) }));
}

/**
 * Lambda's platform on this machine: an asset ships its native packages for linux-arm64 (e.g.
 * `@duckdb/node-bindings-linux-arm64`), which this machine's Node cannot load. For each such
 * package this links the project's own package for this machine (`@duckdb/node-bindings-linux-x64`)
 * into `overlayDir/node_modules`; with that folder on `NODE_PATH` (CommonJS resolution only, and
 * after the asset's own node_modules) the bundle's `require` of the host's binding finds it and
 * nothing else of the project. Undefined when the asset ships no foreign native package.
 */
export function hostBindingsOverlay(assetDir: string, overlayDir: string): string | undefined {
  const host = `${process.platform}-${process.arch}`;
  const links: Array<[string, string]> = [];
  for (const pkg of assetPackages(assetDir)) {
    const { os, cpu } = pkg.manifest as { os?: string[]; cpu?: string[] };
    if (!os?.length || !cpu?.length || (os.includes(process.platform) && cpu.includes(process.arch))) continue;
    const foreign = `${os[0]}-${cpu[0]}`;
    if (!pkg.name.includes(foreign)) throw new Error(`${pkg.name} is for ${foreign} but its name does not say so: teach hostBindingsOverlay its host equivalent`);
    const name = pkg.name.replace(foreign, host);
    const installed = join(PROJECT_ROOT, 'node_modules', name);
    if (!existsSync(installed)) throw new Error(`${pkg.name} stands for ${name} on this machine, which is not installed in node_modules`);
    links.push([installed, join(overlayDir, 'node_modules', name)]);
  }
  if (!links.length) return undefined;
  for (const [target, link] of links) {
    mkdirSync(join(link, '..'), { recursive: true });
    if (!existsSync(link)) symlinkSync(target, link, 'dir');
  }
  return join(overlayDir, 'node_modules');
}
