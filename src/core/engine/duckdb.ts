/**
 * Access to the embedded SQL engine (DuckDB through `@duckdb/node-api`).
 *
 * The engine module is loaded lazily through an injectable loader: the CLI and the tests use the
 * copy in node_modules (the default), the data-quality action registers a loader that installs the
 * pinned engine into the runner's tool cache first ({@link setEngineLoader}). Instances are opened
 * in memory with extension autoinstall/autoload off (no network), a `memory_limit` and a
 * `temp_directory` so large inputs spill to disk instead of failing. `DATAOPS_TRACE_SQL=1` prints
 * every statement with its time to stderr.
 */
import os from 'node:os';
import type * as DuckDB from '@duckdb/node-api';

/** The `@duckdb/node-api` module shape. */
export type EngineModule = typeof DuckDB;

let loader: () => Promise<EngineModule> = () => import(/* webpackIgnore: true */ '@duckdb/node-api'); // left to Node at run time: the bundle does not carry the native engine
let loaded: Promise<EngineModule> | undefined;

/**
 * Replaces how the engine module is loaded (e.g. from the tool cache). Call before the first
 * {@link openEngine}; a loader set later applies to later opens.
 */
export function setEngineLoader(fn: () => Promise<EngineModule>): void {
  loader = fn;
  loaded = undefined;
}

/** Loads (once) and returns the engine module. */
export function loadEngine(): Promise<EngineModule> {
  loaded ??= loader();
  return loaded;
}

/** Settings of an engine instance. */
export interface EngineOptions {
  /** DuckDB `memory_limit`, e.g. `"1GB"`, `"256MB"`. Default: DuckDB's (80% of RAM). */
  memoryLimit?: string | undefined;
  /** Spill directory. Default: `RUNNER_TEMP` (in Actions) or the OS temp directory. */
  tempDirectory?: string | undefined;
  /** Worker threads. Default: DuckDB's (one per core). */
  threads?: number | undefined;
}

/** A plain JS row: BIGINT as number when safe (string otherwise), timestamps/dates as ISO-like strings. */
export type Row = Record<string, unknown>;

/** An open engine connection. */
export interface Engine {
  /** Runs `sql` and returns all rows as plain JS objects (see {@link Row}). */
  query<T extends Row = Row>(sql: string): Promise<T[]>;
  /** Runs `sql` (one or more statements) ignoring results. */
  run(sql: string): Promise<void>;
  /** Engine name and version, e.g. `duckdb v1.5.0`. */
  readonly version: string;
  /** Closes the connection and the instance. Idempotent. */
  close(): void;
}

/**
 * Opens an in-memory engine instance and a connection to it.
 * @throws the loader's error when the engine cannot be loaded (a setup problem, not a data problem).
 */
export async function openEngine(opts: EngineOptions = {}): Promise<Engine> {
  const duckdb = await loadEngine();
  const config: Record<string, string> = {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    temp_directory: opts.tempDirectory ?? process.env.RUNNER_TEMP ?? os.tmpdir(),
  };
  if (opts.memoryLimit) config.memory_limit = opts.memoryLimit;
  if (opts.threads) config.threads = String(opts.threads);
  const instance = await duckdb.DuckDBInstance.create(':memory:', config);
  const conn = await instance.connect();
  let closed = false;
  const trace = !!process.env.DATAOPS_TRACE_SQL;
  const query = async <T extends Row = Row>(sql: string): Promise<T[]> => {
    const t = trace ? performance.now() : 0;
    const reader = await conn.runAndReadAll(sql);
    // JSON conversion keeps dates, times and timestamps in DuckDB's text form ("2001-07-01",
    // "2001-07-01 00:00:00"); top-level integer and decimal columns become numbers when exact.
    const names = reader.columnNames();
    const numeric = new Set(names.filter((_, i) => NUMERIC_TYPE_IDS.has(reader.columnType(i).typeId)));
    const rows = reader.getRowObjectsJson().map((r) => {
      const row = r as Record<string, unknown>;
      for (const k of numeric) row[k] = toNumber(row[k]);
      return row as T;
    });
    if (trace) process.stderr.write(`[sql ${(performance.now() - t).toFixed(1)} ms] ${sql.length > 300 ? sql.slice(0, 300) + '…' : sql}\n`);
    return rows;
  };
  const versionRows = await query<{ v: string }>('SELECT version() AS v');
  return {
    query,
    async run(sql: string) {
      const t = trace ? performance.now() : 0;
      await conn.run(sql);
      if (trace) process.stderr.write(`[sql ${(performance.now() - t).toFixed(1)} ms] ${sql.length > 300 ? sql.slice(0, 300) + '…' : sql}\n`);
    },
    version: `duckdb ${versionRows[0]?.v ?? 'unknown'}`,
    close() {
      if (closed) return;
      closed = true;
      conn.closeSync();
      instance.closeSync();
    },
  };
}

/** DuckDB type ids (`DuckDBTypeId`) whose JSON form is a string but whose values are numbers. */
const NUMERIC_TYPE_IDS = new Set([5 /* BIGINT */, 9 /* UBIGINT */, 16 /* HUGEINT */, 32 /* UHUGEINT */, 19 /* DECIMAL */]);

/** A numeric string as a number when that loses nothing (integers within 2^53, decimals that round-trip); else unchanged. */
function toNumber(v: unknown): unknown {
  if (typeof v !== 'string' || !/^-?\d+(\.\d+)?$/.test(v)) return v;
  const n = Number(v);
  if (/^-?\d+$/.test(v)) return Number.isSafeInteger(n) ? n : v;
  return Number.isFinite(n) && Math.abs(n) < 2 ** 53 ? n : v;
}

/** Converts engine JS values to plain JSON-friendly values. */
export function toPlain(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? String(v) : v.toISOString().replace('T', ' ').replace(/\.000Z$|Z$/, '');
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (Array.isArray(v)) return v.map(toPlain);
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = toPlain(x);
    return out;
  }
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return v;
}

/** Quotes an SQL identifier: `"a ""b"""`. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes an SQL string literal: `'it''s'`. */
export function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
