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
  version: string;
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
 * The engine lock written next to a bundle: `@duckdb/*` entries of the project's package-lock.json
 * plus their dependency closure (npm ci refuses an incomplete lock), with versions, integrity
 * hashes and platform fields, under a root that depends on `@duckdb/node-api` only.
 * @throws Error when the lock has no `@duckdb/node-api` (run npm install).
 */
export function engineLockFrom(packageLock: PackageLock): EngineLock {
  const api = packageLock.packages['node_modules/@duckdb/node-api'];
  if (!api) throw new Error('package-lock.json has no @duckdb/node-api: run npm install');
  const packages: Record<string, EngineLockPackage> = {};
  const wanted = Object.keys(packageLock.packages).filter((key) => key.startsWith('node_modules/@duckdb/'));
  for (let i = 0; i < wanted.length; i++) {
    const key = wanted[i]!;
    const value = packageLock.packages[key];
    if (!value || key in packages) continue;
    const { version, integrity, os, cpu, libc, optional, dependencies, optionalDependencies } = value;
    // platforms the project lock does not hold (npm prunes foreign optional bindings) are dropped so npm ci sees an in-sync lock
    const optionals = optionalDependencies ? Object.fromEntries(Object.entries(optionalDependencies).filter(([dep]) => packageLock.packages[`node_modules/${dep}`])) : undefined;
    packages[key] = { version, integrity, os, cpu, libc, optional, dependencies, optionalDependencies: optionals };
    for (const dep of Object.keys(dependencies ?? {})) if (packageLock.packages[`node_modules/${dep}`]) wanted.push(`node_modules/${dep}`);
  }
  const sorted = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => a.localeCompare(b)));
  return { name: 'dataops-engine', lockfileVersion: 3, requires: true, packages: { '': { name: 'dataops-engine', dependencies: { '@duckdb/node-api': api.version } } as unknown as EngineLockPackage, ...sorted } };
}

/** Where and how the engine was made available. Durations in milliseconds. */
export interface EngineInstall {
  /** Directory holding `node_modules/@duckdb/node-api`. */
  dir: string;
  /** Pinned `@duckdb/node-api` version. */
  version: string;
  /** True when a complete earlier install was reused. */
  cached: boolean;
  /** Time spent checking and (when not cached) installing. */
  installMs: number;
}

/** The engine could not be installed (npm missing, registry unreachable, integrity mismatch). */
export class EngineInstallError extends Error {
  override readonly name = 'EngineInstallError';
}

const MARKER = '.complete';

/** `<platform>-<arch>` as used in the tool-cache path, e.g. `linux-x64`. */
export function platformKey(platform: string = process.platform, arch: string = process.arch): string {
  return `${platform}-${arch}`;
}

/**
 * Reads and checks an engine lock.
 * @throws EngineInstallError when the file is unreadable or does not pin `@duckdb/node-api`.
 */
export async function readEngineLock(file: string): Promise<EngineLock> {
  let lock: EngineLock;
  try {
    lock = JSON.parse(await readFile(file, 'utf8')) as EngineLock;
  } catch (err) {
    throw new EngineInstallError(`cannot read the engine lock ${file}: ${(err as Error).message}`, { cause: err });
  }
  if (!lock.packages?.['node_modules/@duckdb/node-api']?.version) throw new EngineInstallError(`${file} pins no @duckdb/node-api version; rebuild the bundle (npm run bundle)`);
  return lock;
}

/** The pinned `@duckdb/node-api` version of a lock. */
export function engineVersion(lock: EngineLock): string {
  return lock.packages['node_modules/@duckdb/node-api']!.version;
}

/** Directory the engine of `version` goes to under `toolCache` for this platform. */
export function engineDir(toolCache: string, version: string, platform = process.platform, arch = process.arch): string {
  return path.join(toolCache, 'dataops-duckdb', version, platformKey(platform, arch));
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

async function installedVersion(dir: string): Promise<string | undefined> {
  try {
    return (JSON.parse(await readFile(path.join(dir, 'node_modules', '@duckdb', 'node-api', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return undefined;
  }
}

/** True when `dir` holds a complete install of exactly this lock. */
async function isComplete(dir: string, lock: EngineLock, lockHash: string): Promise<boolean> {
  const marker = await readMarker(dir);
  return marker?.version === engineVersion(lock) && marker.lock === lockHash && (await installedVersion(dir)) === engineVersion(lock);
}

function run(cmd: string, args: string[], cwd: string, timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { cwd, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, shell: process.platform === 'win32', env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' } },
      (err, stdout, stderr) => {
        if ((err as NodeJS.ErrnoException | null)?.code === 'ENOENT') {
          reject(new EngineInstallError(`"${cmd}" was not found on PATH: the engine is installed with npm (present on GitHub-hosted runners; on other runners set up Node.js, e.g. with actions/setup-node)`));
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

/** Options of {@link ensureEngine}. */
export interface EnsureEngineOptions {
  /** Path of `engine-lock.json`. */
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
 * Installs the pinned engine into the tool cache unless a complete install of the same lock is
 * already there, and returns where it is.
 * @throws EngineInstallError when npm fails; an integrity mismatch says so and names the package.
 */
export async function ensureEngine(options: EnsureEngineOptions): Promise<EngineInstall> {
  const started = performance.now();
  const lock = await readEngineLock(options.lockFile);
  const version = engineVersion(lock);
  const lockText = JSON.stringify(lock);
  const lockHash = sha256(lockText);
  const toolCache = options.toolCache ?? (process.env.RUNNER_TOOL_CACHE || os.tmpdir());
  const dir = engineDir(toolCache, version);
  if (await isComplete(dir, lock, lockHash)) return { dir, version, cached: true, installMs: performance.now() - started };

  // npm skips an optional package whose download or integrity check fails without a word, so the
  // binding for this platform is made a direct, required dependency: a mismatch then fails npm ci.
  const binding = platformBinding(lock);
  const log = options.log ?? (() => {});
  log(`installing the DuckDB engine ${version} (${platformKey()}) into ${dir}`);
  const parent = path.dirname(dir);
  // same parent directory as the target, so the final rename is atomic on one file system
  const tmp = path.join(parent, `.tmp-${platformKey()}-${randomBytes(6).toString('hex')}`);
  try {
    await mkdir(tmp, { recursive: true });
  } catch (err) {
    throw new EngineInstallError(`cannot create ${tmp} for the engine (${(err as NodeJS.ErrnoException).code ?? String(err)}): set RUNNER_TOOL_CACHE to a writable directory`, { cause: err });
  }
  try {
    const rootDeps = { '@duckdb/node-api': version, [binding]: lock.packages[`node_modules/${binding}`]!.version };
    const { optional: _optional, ...required } = lock.packages[`node_modules/${binding}`]!;
    await writeFile(path.join(tmp, 'package.json'), JSON.stringify({ name: lock.name || 'dataops-engine', version: '0.0.0', private: true, dependencies: rootDeps }, null, 2) + '\n');
    await writeFile(path.join(tmp, 'package-lock.json'), JSON.stringify({ ...lock, packages: { ...lock.packages, [`node_modules/${binding}`]: required, '': { name: lock.name || 'dataops-engine', version: '0.0.0', dependencies: rootDeps } } }, null, 2) + '\n');
    const npm = options.npm ?? 'npm';
    const res = await run(npm, ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--omit=dev', '--loglevel=error'], tmp, options.timeoutMs ?? 600_000);
    if (res.code !== 0) {
      const output = `${res.stderr}\n${res.stdout}`.trim();
      if (/EINTEGRITY|integrity checksum failed|sha512-.*integrity/i.test(output)) {
        const wanted = /wanted (sha\d+-[A-Za-z0-9+/=]+)/.exec(output)?.[1];
        const pkg = Object.entries(lock.packages).find(([, v]) => wanted && v.integrity === wanted)?.[0].replace('node_modules/', '');
        throw new EngineInstallError(`engine integrity check failed${pkg ? ` for ${pkg}` : ''}: the package npm downloaded does not match the integrity pinned in ${options.lockFile}. Refusing to use it.\n${tail(output)}`);
      }
      throw new EngineInstallError(`installing the DuckDB engine with "npm ci" failed (exit ${res.code}) in ${tmp}:\n${tail(output)}`);
    }
    if (!existsSync(path.join(tmp, 'node_modules', binding, 'package.json'))) throw new EngineInstallError(`npm ci finished but did not install ${binding}`);
    if ((await installedVersion(tmp)) !== version) throw new EngineInstallError(`npm ci finished but @duckdb/node-api ${version} is not in ${tmp}/node_modules`);
    await writeFile(path.join(tmp, MARKER), JSON.stringify({ version, lock: lockHash } satisfies Marker) + '\n');
    if (existsSync(dir)) {
      // another job finished first, or an older incomplete install: keep a complete one, replace the rest
      if (await isComplete(dir, lock, lockHash)) return { dir, version, cached: true, installMs: performance.now() - started };
      await rm(dir, { recursive: true, force: true });
    }
    try {
      await rename(tmp, dir);
    } catch (err) {
      if (!(await isComplete(dir, lock, lockHash))) throw err;
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return { dir, version, cached: false, installMs: performance.now() - started };
}

/** The telling lines of npm's error output (its usage text is noise). */
function tail(text: string, lines = 12): string {
  const all = text.split('\n').filter((l) => l.trim() && !/^npm error\s*$/.test(l));
  const telling = all.filter((l) => /error (code|Missing|Invalid)|EINTEGRITY|integrity|ENOTFOUND|ETARGET|E404|in sync|network/i.test(l));
  return (telling.length ? telling : all).slice(-lines).join('\n');
}

/** The `@duckdb/node-api` module as loaded. */
export type DuckDBModule = typeof DuckDB;

/** Imports `@duckdb/node-api` from an engine directory made by {@link ensureEngine}. */
export async function loadEngine(dir: string): Promise<DuckDBModule> {
  const require = createRequire(path.join(dir, 'package.json'));
  const entry = require.resolve('@duckdb/node-api');
  return (await import(/* webpackIgnore: true */ pathToFileURL(entry).href)) as DuckDBModule;
}
