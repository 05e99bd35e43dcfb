/**
 * Which engine a suite runs on, and opening a warehouse engine for it.
 *
 * - `duckdb` (default): the datasets' files, on the runner.
 * - `postgres` / `bigquery`: the datasets' `table:` in the warehouse a `connections:` entry of
 *   dataops.yml names; only aggregates and `LIMIT`ed, masked samples leave it. Chosen with
 *   `--engine` (the `engine` input), or without it when a dataset the checks read is a table only
 *   (no `path:`): then the engine of that table's connection.
 *
 * On a warehouse every non-SQL dataset the suite needs must name a `table:`, and all of them one
 * connection (a suite's statements run in one place: a join across warehouses is not a thing).
 *
 * The warehouse engines (and their clients: `pg`, the BigQuery client) load only when a suite runs
 * on one, so a DuckDB run does not pay for them at start.
 */
import { ConfigError, ConfigErrors } from '../errors.ts';
import { resolvePostgres, type ConnectionSpec } from '../connections.ts';
import type { DialectName } from '../engine/dialect.ts';
export { ENGINE_KINDS } from '../engine/dialect.ts';
import type { Engine } from '../engine/duckdb.ts';
import type { BigQueryClient } from '../engine/bigquery.ts';
import type { RuntimeModules } from '../runtime/modules.ts';
import type { DeclaredDataset, LoadedSuite } from './load.ts';

/** An engine kind: where the checks run. */
export type EngineKind = DialectName;


/** What choosing and opening a warehouse needs (a subset of the suite run's options). */
export interface WarehouseOptions {
  /** Requested engine; default: see the module doc. */
  engine?: EngineKind | undefined;
  /** `connections:` of dataops.yml. */
  connections?: Record<string, ConnectionSpec> | undefined;
  /** Connection to use, overriding the datasets' `connection:`. */
  connection?: string | undefined;
  /** Where the connections' secrets are read from. Default `process.env`. */
  env?: NodeJS.ProcessEnv | undefined;
  /** Print every statement with its time to stderr. */
  trace?: boolean | undefined;
  /** BigQuery client seam (tests; default the `@google-cloud/bigquery` client). */
  bigqueryClient?: BigQueryClient | undefined;
  /** Where runtime packages come from (the BigQuery client). Default: node_modules. */
  runtime?: RuntimeModules | undefined;
}

const lc = (s: string) => s.toLowerCase();

/** The engine a suite runs on (see the module doc). */
export function engineKind(suite: LoadedSuite, declared: Map<string, DeclaredDataset>, opts: WarehouseOptions): EngineKind {
  if (opts.engine) return opts.engine;
  const byLower = new Map([...declared.values()].map((d) => [lc(d.name), d]));
  for (const c of suite.spec.checks) {
    for (const name of [c.dataset, ...(c.type === 'relationships' ? [c.to.dataset] : [])]) {
      const spec = byLower.get(lc(name))?.spec;
      if (spec && 'table' in spec && !('path' in spec)) {
        const conn = pickConnection(opts, spec.connection, undefined);
        if (conn) return conn.spec.type;
      }
    }
  }
  return 'duckdb';
}

/** The named (or only) connection, optionally of one type; undefined when none fits. */
function pickConnection(opts: WarehouseOptions, named: string | undefined, type: EngineKind | undefined): { name: string; spec: ConnectionSpec } | undefined {
  const all = Object.entries(opts.connections ?? {});
  const name = opts.connection ?? named;
  if (name) {
    const spec = opts.connections?.[name];
    return spec ? { name, spec } : undefined;
  }
  const fitting = all.filter(([, s]) => !type || s.type === type);
  return fitting.length === 1 ? { name: fitting[0]![0], spec: fitting[0]![1] } : undefined;
}

/**
 * Opens the warehouse engine of `kind` for the datasets the suite needs.
 * @throws ConfigErrors when a needed dataset names no table, the datasets name different
 *   connections, the connection is missing or of another type, or a secret's variable is unset.
 */
export async function openWarehouse(kind: Exclude<EngineKind, 'duckdb'>, needed: readonly string[], declared: Map<string, DeclaredDataset>, opts: WarehouseOptions): Promise<Engine> {
  const problems: ConfigError[] = [];
  const named = new Set<string>();
  for (const name of needed) {
    const d = declared.get(name)!;
    if ('sql' in d.spec) continue;
    const where = { file: d.origin.file, line: d.origin.line, field: `datasets.${name}.table` };
    if (!('table' in d.spec) || !d.spec.table) {
      problems.push(new ConfigError(`dataset "${name}" has no table: for the ${kind} engine`, { location: where, fix: `Add table: <schema>.<table> naming the same data in the warehouse, or run the suite with --engine duckdb.` }));
      continue;
    }
    if (d.spec.connection) named.add(d.spec.connection);
  }
  if (!opts.connection && named.size > 1) {
    problems.push(new ConfigError(`the datasets name several connections (${[...named].join(', ')}); one suite runs in one warehouse`, { location: { field: 'datasets.*.connection' }, fix: 'Split the suite, or pass --connection.' }));
  }
  if (problems.length) throw new ConfigErrors(problems);
  const conn = pickConnection(opts, [...named][0], kind);
  if (!conn) {
    const known = Object.keys(opts.connections ?? {});
    const asked = opts.connection ?? [...named][0];
    throw new ConfigError(asked ? `connection "${asked}" is not declared under connections: in dataops.yml` : `no connection of type ${kind} to run on (declared: ${known.length ? known.join(', ') : 'none'})`, {
      location: { field: asked ? 'connection' : 'connections' },
      fix: `Declare it in dataops.yml (connections: { warehouse: { type: ${kind}, … } }, see docs/warehouse.md) and pass --connection when there are several.`,
    });
  }
  if (conn.spec.type !== kind) {
    throw new ConfigError(`connection "${conn.name}" is ${conn.spec.type}, not ${kind}`, { location: { field: `connections.${conn.name}.type` }, fix: `Run with --engine ${conn.spec.type}, or name a ${kind} connection.` });
  }
  const env = opts.env ?? process.env;
  if (conn.spec.type === 'postgres') {
    const { statementTimeoutMs, ...connection } = resolvePostgres(conn.name, conn.spec, env);
    const { openPostgresEngine } = await import('../engine/postgres.ts');
    return openPostgresEngine({ connection, statementTimeoutMs, trace: opts.trace });
  }
  const { openBigQueryEngine } = await import('../engine/bigquery.ts');
  return openBigQueryEngine({ name: conn.name, spec: conn.spec, client: opts.bigqueryClient, runtime: opts.runtime, trace: opts.trace });
}
