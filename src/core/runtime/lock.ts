/**
 * Build time: the pinned lock of a runtime package, cut out of the project's package-lock.json by
 * scripts/bundle.ts and written next to each bundle that imports the package.
 */
import type { RuntimePackageSpec } from './packages.ts';

/** One package entry of a lock (npm lockfile v3 shape). */
export interface LockPackage {
  /** Real package name of an alias entry (`"x-cjs": "npm:x@^1"`). */
  name?: string;
  version: string;
  peerDependencies?: Record<string, string>;
  integrity?: string;
  os?: string[];
  cpu?: string[];
  libc?: string[];
  optional?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/** A runtime lock: an npm lockfile (v3) whose root depends on the spec's packages only. */
export interface RuntimeLock {
  name: string;
  lockfileVersion: 3;
  requires?: boolean;
  packages: Record<string, LockPackage>;
}

/** The parts of an npm `package-lock.json` (v3) that {@link runtimeLockFrom} reads. */
export interface PackageLock {
  packages: Record<string, LockPackage & { resolved?: string; dev?: boolean }>;
}

/** Lock key of dependency `dep` as Node resolves it from the package at `from` (nearest `node_modules` first). */
function resolveLockKey(lock: PackageLock, from: string, dep: string): string | undefined {
  let base = from;
  for (;;) {
    const key = `${base ? `${base}/` : ''}node_modules/${dep}`;
    if (lock.packages[key]) return key;
    if (!base) return undefined;
    const at = base.lastIndexOf('/node_modules/');
    base = at < 0 ? '' : base.slice(0, at);
  }
}

/**
 * The lock of a runtime package: the transitive closure of `spec.packages` in the project's
 * package-lock.json (nested `node_modules/a/node_modules/b` entries resolved as Node does;
 * dependencies, optional and peer dependencies), with versions, integrity hashes and platform
 * fields, under a root that depends on `spec.packages` only. Optional entries the lock holds
 * without integrity (foreign platforms added by scripts/fix-lock-platforms.ts) are left out, and
 * dropped from their parent's `optionalDependencies`, so every installed tarball is verified.
 * @throws Error when a wanted package or a required dependency is missing or has no integrity.
 */
export function runtimeLockFrom(packageLock: PackageLock, spec: RuntimePackageSpec): RuntimeLock {
  const packages: Record<string, LockPackage> = {};
  const rootDeps: Record<string, string> = {};
  const usable = (key: string | undefined): key is string => !!key && !!packageLock.packages[key]?.integrity;
  const queue: string[] = [];
  for (const name of spec.packages) {
    const key = `node_modules/${name}`;
    if (!usable(key)) throw new Error(`package-lock.json has no ${name} with an integrity hash: run npm install`);
    rootDeps[name] = packageLock.packages[key]!.version;
    queue.push(key);
  }
  while (queue.length > 0) {
    const key = queue.shift()!;
    if (key in packages) continue;
    const { name, version, integrity, os, cpu, libc, dependencies, optionalDependencies, peerDependencies } = packageLock.packages[key]!;
    for (const dep of Object.keys({ ...dependencies, ...peerDependencies })) {
      const depKey = resolveLockKey(packageLock, key, dep);
      if (usable(depKey)) queue.push(depKey);
      else if (dependencies?.[dep]) throw new Error(`package-lock.json has no usable entry (with integrity) for ${dep}, a dependency of ${key.replace(/^.*node_modules\//, '')}: run npm install`);
    }
    const optionals = optionalDependencies ? Object.fromEntries(Object.entries(optionalDependencies).filter(([dep]) => usable(resolveLockKey(packageLock, key, dep)))) : undefined;
    for (const dep of Object.keys(optionals ?? {})) queue.push(resolveLockKey(packageLock, key, dep)!);
    const optional = packageLock.packages[key]!.optional;
    packages[key] = { name, version, integrity, os, cpu, libc, optional, dependencies, optionalDependencies: optionals && Object.keys(optionals).length ? optionals : undefined };
  }
  const sorted = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => a.localeCompare(b, 'en')));
  const lockName = `dataops-${spec.id}`;
  return { name: lockName, lockfileVersion: 3, requires: true, packages: { '': { name: lockName, dependencies: rootDeps } as unknown as LockPackage, ...sorted } };
}
