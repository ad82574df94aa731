// Types of native-modules.mjs (plain JavaScript: CDK runs it with `node` after esbuild).
export interface Target {
  os?: string;
  cpu?: string;
  libc?: string;
}
export interface LockedPackage {
  name: string;
  version: string;
  integrity?: string;
  /** Its key in package-lock.json's `packages`, e.g. `node_modules/@duckdb/node-api`. */
  key: string;
}
/** An entry of package-lock.json's `packages`, as far as the closure reads it. */
export interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  os?: string[];
  cpu?: string[];
  libc?: string[];
  optional?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}
export declare const PROJECT_ROOT: string;
export declare const NATIVE_CACHE: string;
export declare function isShipped(path: string): boolean;
export declare function lockClosure(lock: { packages: Record<string, LockEntry> }, names: readonly string[], target: Target): LockedPackage[];
export declare function readLock(root?: string): { packages: Record<string, LockEntry> };
export declare function cachedPackage(root: string, pkg: LockedPackage, log?: (line: string) => void): string;
export declare function shipNativeModules(options: { root?: string; outputDir: string; names: readonly string[]; target: Target }): Array<{ name: string; version: string }>;
