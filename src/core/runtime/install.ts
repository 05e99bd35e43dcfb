/**
 * Run time: installs a runtime package (packages.ts) from the pinned lock next to a bundle
 * (lock.ts) into the runner's tool cache, `<toolCache>/dataops-<id>/<version>/<platform>-<arch>`,
 * with `npm ci --ignore-scripts`, which verifies every tarball against the lock's `integrity`; a
 * complete earlier install of the same lock is reused. Given a {@link RuntimeCache} (the action
 * layer passes the Actions cache), a directory missing from the tool cache is first restored from
 * it ({@link runtimeCacheKey}) and saved to it after a fresh install, so only the first job of a
 * lock, OS, architecture and Node ABI pays (and needs the registry for) `npm ci`.
 *
 * The directory is filled under a temporary name and renamed into place with a `.complete` marker,
 * so a crashed or concurrent install never leaves a half-populated directory that looks usable.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { execTool } from '../exec.ts';
import { sha256 } from '../hash.ts';
import { childEnv } from '../runner-context.ts';
import type { LockPackage, RuntimeLock } from './lock.ts';
import type { RuntimePackageSpec } from './packages.ts';

/** Where and how a runtime package was made available. Durations in milliseconds. */
export interface RuntimeInstall {
  /** Directory holding `node_modules/<package>`. */
  dir: string;
  /** Pinned version of the spec's first package. */
  version: string;
  /** True when a complete earlier install was reused (in the tool cache, or restored from the {@link RuntimeCache}). */
  cached: boolean;
  /** The {@link RuntimeCache} key the directory was restored from; undefined when it was not. */
  restoredKey?: string;
  /** Time spent checking and (when not cached) installing. */
  installMs: number;
}

/** A runtime package could not be installed (npm missing, registry unreachable, integrity mismatch, unusable lock). */
export class RuntimeInstallError extends Error {
  override readonly name = 'RuntimeInstallError';
}

const MARKER = '.complete';

/** `<platform>-<arch>` as used in the tool-cache path, e.g. `linux-x64`. */
export function platformKey(platform: string = process.platform, arch: string = process.arch): string {
  return `${platform}-${arch}`;
}

/**
 * Reads and checks the lock of a runtime package.
 * @throws RuntimeInstallError when the file is unreadable or does not pin every package of `spec`.
 */
export async function readRuntimeLock(file: string, spec: RuntimePackageSpec): Promise<RuntimeLock> {
  let lock: RuntimeLock;
  try {
    lock = JSON.parse(await readFile(file, 'utf8')) as RuntimeLock;
  } catch (err) {
    throw new RuntimeInstallError(`cannot read the lock of ${spec.label} ${file}: ${(err as Error).message}`, { cause: err });
  }
  for (const name of spec.packages) if (!lock.packages?.[`node_modules/${name}`]?.version) throw new RuntimeInstallError(`${file} pins no ${name} version; rebuild the bundle (npm run bundle)`);
  return lock;
}

/** The pinned version of the spec's first package. */
export function pinnedVersion(lock: RuntimeLock, spec: RuntimePackageSpec): string {
  return lock.packages[`node_modules/${spec.packages[0]!}`]!.version;
}

/** Directory a runtime package of `version` goes to under `toolCache` for this platform: `dataops-<id>/<version>/<platform>-<arch>`. */
export function runtimeDir(toolCache: string, id: RuntimePackageSpec['id'], version: string, platform = process.platform, arch = process.arch): string {
  return path.join(toolCache, `dataops-${id}`, version, platformKey(platform, arch));
}

/** `glibc` or `musl` on Linux (npm's `libc` field), undefined elsewhere. */
export function currentLibc(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return header?.glibcVersionRuntime ? 'glibc' : 'musl';
}

/**
 * The native binding package (`spec.nativeBindings` prefix) the lock pins for this platform, e.g.
 * `@duckdb/node-bindings-linux-x64` (the lock holds only the platforms the bundle was built against).
 * @throws RuntimeInstallError naming the platform when none is pinned.
 */
export function nativeBinding(lock: RuntimeLock, spec: RuntimePackageSpec & { nativeBindings: string }, platform = process.platform, arch = process.arch, libc = currentLibc()): string {
  const prefix = `node_modules/${spec.nativeBindings}`;
  const all = Object.keys(lock.packages).filter((k) => k.startsWith(prefix));
  const found = all.find((k) => {
    const v = lock.packages[k]!;
    return (v.os ?? []).includes(platform) && (v.cpu ?? []).includes(arch) && (!v.libc || !libc || v.libc.includes(libc));
  });
  if (!found) {
    throw new RuntimeInstallError(`the lock of ${spec.label} pins no ${spec.nativeBindings}* binding for ${platformKey(platform, arch)} (pinned: ${all.map((k) => k.slice(prefix.length)).join(', ') || 'none'}); run the action on a runner of a pinned platform`);
  }
  return found.slice('node_modules/'.length);
}

interface Marker {
  version: string;
  lock: string;
}

async function readMarker(dir: string): Promise<Marker | undefined> {
  try {
    return JSON.parse(await readFile(path.join(dir, MARKER), 'utf8')) as Marker;
  } catch {
    return undefined;
  }
}

/** The version of package `name` installed in `dir` (its `node_modules/<name>/package.json`), undefined when there is none. */
export async function installedVersion(dir: string, name: string): Promise<string | undefined> {
  try {
    return (JSON.parse(await readFile(path.join(dir, 'node_modules', ...name.split('/'), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return undefined;
  }
}

/** True when `dir` holds a complete install of exactly this lock. */
async function isComplete(dir: string, lock: RuntimeLock, lockHash: string, spec: RuntimePackageSpec): Promise<boolean> {
  const marker = await readMarker(dir);
  if (marker?.version !== pinnedVersion(lock, spec) || marker.lock !== lockHash) return false;
  for (const name of spec.packages) if ((await installedVersion(dir, name)) !== lock.packages[`node_modules/${name}`]!.version) return false;
  return true;
}

/**
 * A cache of runtime-package directories across jobs, the seam in front of the Actions cache
 * (`@actions/cache`'s restoreCache/saveCache: src/actions/lib/runtime-cache.ts). A cache is an
 * optimisation: implementations report their own failures (a warning) and resolve as a miss.
 */
export interface RuntimeCache {
  /** Restores the `paths` saved under exactly `key`; the key restored, undefined on a miss or a failure. */
  restore(paths: string[], key: string): Promise<string | undefined>;
  /** Saves `paths` under `key` (a key that exists already is left as it is). */
  save(paths: string[], key: string): Promise<void>;
}

/**
 * The {@link RuntimeCache} key of a runtime package:
 * `dataops-runtime-<id>-<version>-<platform>-<arch>[-<libc>]-node<ABI>-<sha256 of the lock, hex>`.
 * Everything that changes the installed files is in it: the lock (versions and integrity of every
 * package), the OS, CPU and C library (which native binding npm installs) and Node's module ABI
 * (`process.versions.modules`), so an ARM or musl runner gets its own entry. The C library is
 * named on Linux only (npm's `libc` field).
 */
export function runtimeCacheKey(id: RuntimePackageSpec['id'], version: string, lockHash: string, platform: string = process.platform, arch: string = process.arch, libc = currentLibc(), abi = process.versions.modules): string {
  const c = platform === 'linux' && libc ? `-${libc}` : '';
  return `dataops-runtime-${id}-${version}-${platformKey(platform, arch)}${c}-node${abi}-${lockHash.replace(/^sha256:/, '')}`;
}

/** Options of {@link ensureRuntimePackage}. */
export interface EnsureRuntimeOptions {
  /** Path of the lock written by the bundler (`<id>-lock.json`). */
  lockFile: string;
  /** Tool cache root (the runner context's `toolCache`). */
  toolCache: string;
  /** npm executable (default `npm` on PATH). */
  npm?: string;
  /** Limit for `npm ci` (default 10 minutes). */
  timeoutMs?: number;
  /** Progress lines (e.g. core.info). */
  log?: (line: string) => void;
  /** Cache across jobs: restored from before installing, saved to after a fresh install. */
  cache?: RuntimeCache;
}

/**
 * Installs the pinned runtime package into `<toolCache>/dataops-<id>/<version>/<platform>-<arch>`
 * with `npm ci --ignore-scripts` unless a complete install of the same lock is already there or
 * `options.cache` restores one (checked like a local one: marker, lock hash and installed versions;
 * an incomplete restore is replaced by an install), and returns where it is. The directory is
 * filled under a temporary name, pruned of what nothing loads at run time ({@link pruneInstall};
 * not for data packages), marked `.complete` and renamed into place; a fresh install is
 * then saved to `options.cache` under {@link runtimeCacheKey}.
 * @throws RuntimeInstallError when the lock is unusable or npm fails; an integrity mismatch says so and names the package.
 */
export async function ensureRuntimePackage(spec: RuntimePackageSpec, options: EnsureRuntimeOptions): Promise<RuntimeInstall> {
  const started = performance.now();
  const lock = await readRuntimeLock(options.lockFile, spec);
  const version = pinnedVersion(lock, spec);
  const lockHash = sha256(JSON.stringify(lock));
  const dir = runtimeDir(options.toolCache, spec.id, version);
  if (await isComplete(dir, lock, lockHash, spec)) return { dir, version, cached: true, installMs: performance.now() - started };
  const log = options.log ?? (() => {});
  const cacheKey = runtimeCacheKey(spec.id, version, lockHash);
  if (options.cache) {
    const restoredKey = await options.cache.restore([dir], cacheKey);
    if (restoredKey && (await isComplete(dir, lock, lockHash, spec))) return { dir, version, cached: true, restoredKey, installMs: performance.now() - started };
    if (restoredKey) log(`the cache entry ${restoredKey} of ${spec.label} is incomplete: installing`);
  }

  const rootDeps: Record<string, string> = Object.fromEntries(spec.packages.map((name) => [name, lock.packages[`node_modules/${name}`]!.version]));
  const packages: Record<string, LockPackage> = { ...lock.packages };
  const binding = 'nativeBindings' in spec && spec.nativeBindings ? nativeBinding(lock, { ...spec, nativeBindings: spec.nativeBindings }) : undefined;
  if (binding) {
    const { optional: _optional, ...required } = lock.packages[`node_modules/${binding}`]!;
    packages[`node_modules/${binding}`] = required;
    rootDeps[binding] = required.version;
  }
  log(`installing ${spec.label} ${version} (${platformKey()}) into ${dir}`);
  // same parent directory as the target, so the final rename is atomic on one file system
  const tmp = path.join(path.dirname(dir), `.tmp-${platformKey()}-${randomBytes(6).toString('hex')}`);
  try {
    await mkdir(tmp, { recursive: true });
  } catch (err) {
    throw new RuntimeInstallError(`cannot create ${tmp} for ${spec.label} (${(err as NodeJS.ErrnoException).code ?? String(err)}): set RUNNER_TOOL_CACHE to a writable directory`, { cause: err });
  }
  try {
    const name = lock.name || `dataops-${spec.id}`;
    await writeFile(path.join(tmp, 'package.json'), JSON.stringify({ name, version: '0.0.0', private: true, dependencies: rootDeps }, null, 2) + '\n');
    await writeFile(path.join(tmp, 'package-lock.json'), JSON.stringify({ ...lock, packages: { ...packages, '': { name, version: '0.0.0', dependencies: rootDeps } } }, null, 2) + '\n');
    await npmCi(tmp, spec, options, lock);
    if (binding && !existsSync(path.join(tmp, 'node_modules', binding, 'package.json'))) throw new RuntimeInstallError(`npm ci finished but did not install ${binding}`);
    for (const [pkg, v] of Object.entries(rootDeps)) if ((await installedVersion(tmp, pkg)) !== v) throw new RuntimeInstallError(`npm ci finished but ${pkg} ${v} is not in ${tmp}/node_modules`);
    if (!spec.data) {
      const pruned = await pruneInstall(tmp);
      log(`left out ${pruned.files} files nothing loads at run time (${(pruned.bytes / 2 ** 20).toFixed(1)} MiB of type declarations, TypeScript sources, source maps, docs)`);
    }
    await writeFile(path.join(tmp, MARKER), JSON.stringify({ version, lock: lockHash } satisfies Marker) + '\n');
    if (existsSync(dir)) {
      // another job finished first, or an older incomplete install: keep a complete one, replace the rest
      if (await isComplete(dir, lock, lockHash, spec)) return { dir, version, cached: true, installMs: performance.now() - started };
      await rm(dir, { recursive: true, force: true });
    }
    try {
      await rename(tmp, dir);
    } catch (err) {
      if (!(await isComplete(dir, lock, lockHash, spec))) throw err;
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  const installMs = performance.now() - started;
  await options.cache?.save([dir], cacheKey);
  return { dir, version, cached: false, installMs };
}

/**
 * Files of an install that Node never loads at run time: TypeScript sources and declarations
 * (`.ts`, `.d.ts`, `.mts`, `.cts`: Node does not strip types under node_modules), source maps of
 * JavaScript and declarations (`*.js.map`, `*.d.ts.map`…: a missing map only costs a mapped stack
 * frame) and Markdown docs. Licence and notice files are kept.
 */
const NOT_LOADED = /\.[cm]?ts$|\.[cm]?[jt]s\.map$|\.(md|markdown)$/i;
const KEPT = /^(licen[cs]e|notice|copying)/i;

/**
 * Deletes from the `node_modules` of install directory `dir` the files nothing loads at run time
 * ({@link NOT_LOADED}), so the directory and its Actions cache entry carry fewer files and bytes
 * (the Pub/Sub client: 2,339 of 4,148 files, 32.6 of 53.9 MiB). Not for data packages, whose files
 * are read by name. @returns how many files and bytes went.
 */
export async function pruneInstall(dir: string): Promise<{ files: number; bytes: number }> {
  const entries = await readdir(path.join(dir, 'node_modules'), { recursive: true, withFileTypes: true });
  let files = 0;
  let bytes = 0;
  for (const e of entries) {
    if (!e.isFile() || !NOT_LOADED.test(e.name) || KEPT.test(e.name)) continue;
    const file = path.join(e.parentPath, e.name);
    bytes += (await stat(file)).size;
    await rm(file);
    files++;
  }
  return { files, bytes };
}

/** `npm ci --ignore-scripts` in `dir` under a timeout. @throws RuntimeInstallError naming what failed (npm missing, timeout, integrity, other). */
async function npmCi(dir: string, spec: RuntimePackageSpec, options: EnsureRuntimeOptions, lock: RuntimeLock): Promise<void> {
  const npm = options.npm ?? 'npm';
  const timeoutMs = options.timeoutMs ?? 600_000;
  const args = ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--omit=dev', '--loglevel=error'];
  let res;
  try {
    res = await execTool(npm, args, { cwd: dir, timeoutMs, shell: process.platform === 'win32', env: childEnv({ npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' }) });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new RuntimeInstallError(`"${npm}" was not found on PATH: ${spec.label} is installed with npm (present on GitHub-hosted runners; on other runners set up Node.js, e.g. with actions/setup-node)`, { cause: err });
    }
    throw new RuntimeInstallError(`cannot run "${npm}" to install ${spec.label}: ${(err as Error).message}`, { cause: err });
  }
  if (res.timedOut) throw new RuntimeInstallError(`"${npm} ${args.join(' ')}" did not finish within ${Math.round(timeoutMs / 1000)} s (registry unreachable?)`);
  if (res.code === 0) return;
  const output = `${res.stderr}\n${res.stdout}`.trim();
  if (/EINTEGRITY|integrity checksum failed|sha512-.*integrity/i.test(output)) {
    const wanted = /wanted (sha\d+-[A-Za-z0-9+/=]+)/.exec(output)?.[1];
    const pkg = Object.entries(lock.packages).find(([, v]) => wanted && v.integrity === wanted)?.[0].replace(/^.*node_modules\//, '');
    throw new RuntimeInstallError(`${spec.label}: integrity check failed${pkg ? ` for ${pkg}` : ''}: the package npm downloaded does not match the integrity pinned in ${options.lockFile}. Refusing to use it.\n${tail(output)}`);
  }
  throw new RuntimeInstallError(`installing ${spec.label} with "npm ci" failed (exit ${res.code}) in ${dir}:\n${tail(output)}`);
}

/** The telling lines of npm's error output (its usage text is noise). */
function tail(text: string, lines = 12): string {
  const all = text.split('\n').filter((l) => l.trim() && !/^npm error\s*$/.test(l));
  const telling = all.filter((l) => /error (code|Missing|Invalid)|EINTEGRITY|integrity|ENOTFOUND|ETARGET|E404|in sync|network/i.test(l));
  return (telling.length ? telling : all).slice(-lines).join('\n');
}

/**
 * Imports package `name` from a directory made by {@link ensureRuntimePackage}: its `import` entry
 * (the `"."` export under the `import`, `node` or `default` condition, as Node's ESM resolver picks
 * it), else its `require` entry. ESM-only packages (@actions/artifact 6: `exports` with an `import`
 * condition only) have no `require` entry.
 */
export async function importInstalled<T>(dir: string, name: string): Promise<T> {
  const pkgDir = path.join(dir, 'node_modules', ...name.split('/'));
  const manifest = JSON.parse(await readFile(path.join(pkgDir, 'package.json'), 'utf8')) as { exports?: unknown };
  const esm = importEntry(manifest.exports);
  const entry = esm ? path.join(pkgDir, esm) : createRequire(path.join(dir, 'package.json')).resolve(name);
  return (await import(/* webpackIgnore: true */ pathToFileURL(entry).href)) as T;
}

/** The file of the `"."` export for an ESM import (conditions `import`, `node`, `default`, nested), or undefined. */
function importEntry(exports: unknown): string | undefined {
  const pick = (target: unknown): string | undefined => {
    if (typeof target === 'string') return target;
    if (Array.isArray(target)) return target.map(pick).find((t) => t !== undefined);
    if (target && typeof target === 'object') {
      for (const [cond, sub] of Object.entries(target)) if (cond === 'import' || cond === 'node' || cond === 'default') return pick(sub) ?? undefined;
    }
    return undefined;
  };
  if (!exports || typeof exports !== 'object' || Array.isArray(exports)) return pick(exports);
  const keys = Object.keys(exports);
  return keys.some((k) => k.startsWith('.')) ? pick((exports as Record<string, unknown>)['.']) : pick(exports);
}
