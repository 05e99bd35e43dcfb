/**
 * Access to the embedded SQL engine (DuckDB through `@duckdb/node-api`).
 *
 * The engine module is loaded on first use through the `duckdb` loader of the options' runtime
 * modules (src/core/runtime/modules.ts: the actions install the pinned engine into the tool cache),
 * by default from node_modules (the CLI, the tests). Instances are opened in memory with extension
 * autoinstall/autoload off (no network), a `memory_limit` and a private spill directory (a fresh
 * `dataops-duckdb-*` directory under `tempDirectory`, removed on close) so large inputs spill to
 * disk instead of failing. With `trace` (DATAOPS_TRACE_SQL=1, src/core/runner-context.ts) every
 * statement is printed with its time to stderr.
 *
 * Untrusted SQL (quality suites arrive in pull requests) runs only after {@link Engine.lock}: the
 * engine may then open exactly the listed files, nothing else, and its configuration is frozen
 * (DuckDB's `allowed_paths`, `enable_external_access=false`, `lock_configuration=true`; see
 * https://duckdb.org/docs/stable/operations_manual/securing_duckdb/overview). {@link Engine.select}
 * runs a text only when DuckDB's own parser and binder find exactly one SELECT statement in it.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type * as DuckDB from '@duckdb/node-api';
import { once, type DuckDBModule, type RuntimeModules } from '../runtime/modules.ts';
import { duckdbDialect, type Dialect } from './dialect.ts';
import { ident, literal } from './quote.ts';

// left to Node at run time: the bundle does not carry the native engine
const fromNodeModules = once<DuckDBModule>(() => import(/* webpackIgnore: true */ '@duckdb/node-api'));

/** Settings of an engine instance. */
export interface EngineOptions {
  /** DuckDB `memory_limit`, e.g. `"1GB"`, `"256MB"`. Default: DuckDB's (80% of RAM). */
  memoryLimit?: string | undefined;
  /** Where the private spill directory is created (the runner context's `temp`). Default: the OS temp directory. */
  tempDirectory?: string | undefined;
  /** Worker threads. Default: DuckDB's (one per core). */
  threads?: number | undefined;
  /** Where the engine module comes from (`duckdb` loader). Default: node_modules. */
  runtime?: RuntimeModules | undefined;
  /** Print every statement with its time to stderr. */
  trace?: boolean | undefined;
}

/** A plain JS row: BIGINT as number when safe (string otherwise), timestamps/dates as ISO-like strings. */
export type Row = Record<string, unknown>;

/** A value bound to a `$1`-style parameter of {@link Engine.query}. */
export type Param = string | number | boolean | null;

/**
 * A statement refused by {@link Engine.select}: not exactly one statement, or not a SELECT.
 * `found` names what DuckDB found (`2 statements`, `a COPY statement`).
 */
export class StatementShapeError extends Error {
  override readonly name = 'StatementShapeError';
  readonly found: string;
  constructor(found: string, expected = 'SELECT') {
    super(`expected one ${expected} statement, found ${found}`);
    this.found = found;
  }
}

/**
 * An engine error with the phase it came from: `prepare` (parsing and binding: the message can
 * only quote the statement, names and types) or `run` (execution: the message may quote values
 * read from the data).
 */
export class EngineError extends Error {
  override readonly name = 'EngineError';
  readonly phase: 'prepare' | 'run';
  constructor(message: string, phase: 'prepare' | 'run', options?: { cause?: unknown }) {
    super(message, options);
    this.phase = phase;
  }
}

/** Files an engine may read after {@link Engine.lock}. */
export interface EngineAccess {
  /** Exact files (absolute, symlinks resolved) the engine may open; every other path is refused. */
  allowedPaths: string[];
}

/** A column of a described query: its name and its type as DuckDB names it (`BIGINT`, `VARCHAR`, `DECIMAL(18,3)`). */
export interface DescribedColumn {
  name: string;
  type: string;
}

/**
 * An open engine connection: the embedded DuckDB ({@link openEngine}) or a warehouse
 * (engine/postgres.ts, engine/bigquery.ts), behind one interface. Suite SQL reaches every engine
 * only through {@link Engine.select}, {@link Engine.describe} and {@link Engine.createView}.
 */
export interface Engine {
  /** The SQL dialect the engine speaks (what the check compiler writes for it). */
  readonly dialect: Dialect;
  /** Runs `sql` (our own SQL, with optional `$1`… parameters) and returns all rows as plain JS objects (see {@link Row}). */
  query<T extends Row = Row>(sql: string, params?: Param[]): Promise<T[]>;
  /** Runs `sql` (one or more statements of our own) ignoring results. */
  run(sql: string): Promise<void>;
  /**
   * Runs `sql` only if DuckDB parses it as exactly one statement whose prepared type is SELECT
   * (`extract_statements`, then the prepared statement's `statementType`), and returns its rows.
   * @throws StatementShapeError for anything else (several statements, COPY, ATTACH, SET, PRAGMA…);
   *   EngineError (phase `prepare` or `run`) for the engine's own errors.
   */
  select<T extends Row = Row>(sql: string): Promise<T[]>;
  /**
   * Output columns of one SELECT (checked like {@link select}), types as DuckDB names them.
   * @throws like {@link select}.
   */
  describe(sql: string): Promise<DescribedColumn[]>;
  /**
   * Makes the SELECT `sql` (checked like {@link select}) queryable as `name` by later statements:
   * a view on DuckDB, a `WITH … AS NOT MATERIALIZED` prefix of every later statement on a warehouse
   * (nothing is created there).
   * @throws like {@link select}.
   */
  createView(name: string, sql: string): Promise<void>;
  /**
   * Before the suite's main queries run: lets a metered warehouse dry-run them all, report the
   * cost and refuse the suite above its budget (engine/bigquery.ts). Absent on other engines.
   */
  preflight?(statements: string[]): Promise<void>;
  /** Like {@link select} for one statement of the given type (e.g. a `CREATE VIEW` around checked SQL). */
  one<T extends Row = Row>(sql: string, type: 'SELECT' | 'CREATE'): Promise<T[]>;
  /**
   * Freezes the engine for untrusted SQL: it may open exactly `access.allowedPaths` (read; no
   * directory is allowed, spilling is internal to the engine), no other file, URL, extension or
   * database, and no setting can change afterwards. Irreversible.
   */
  lock(access: EngineAccess): Promise<void>;
  /** Whether {@link lock} ran. */
  readonly locked: boolean;
  /** Engine name and version, e.g. `duckdb v1.5.0`. */
  readonly version: string;
  /** Closes the connection and the instance and removes the spill directory. Idempotent. */
  close(): void;
}

/**
 * Opens an in-memory engine instance and a connection to it.
 * @throws the loader's error when the engine cannot be loaded (a setup problem, not a data problem).
 */
export async function openEngine(opts: EngineOptions = {}): Promise<Engine> {
  const duckdb = await (opts.runtime?.duckdb ?? fromNodeModules)();
  const base = path.resolve(opts.tempDirectory ?? os.tmpdir());
  mkdirSync(base, { recursive: true });
  // a directory of our own: RUNNER_TEMP also holds the runner's file commands ($GITHUB_ENV…)
  const spill = mkdtempSync(path.join(base, 'dataops-duckdb-'));
  const config: Record<string, string> = {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    temp_directory: spill,
  };
  if (opts.memoryLimit) config.memory_limit = opts.memoryLimit;
  if (opts.threads) config.threads = String(opts.threads);
  let instance: DuckDB.DuckDBInstance;
  try {
    instance = await duckdb.DuckDBInstance.create(':memory:', config);
  } catch (err) {
    rmSync(spill, { recursive: true, force: true });
    throw err;
  }
  const conn = await instance.connect();
  let closed = false;
  let locked = false;
  const trace = opts.trace === true;
  const traced = (sql: string, t: number) => {
    if (trace) process.stderr.write(`[sql ${(performance.now() - t).toFixed(1)} ms] ${sql.length > 300 ? sql.slice(0, 300) + '…' : sql}\n`);
  };
  const query = async <T extends Row = Row>(sql: string, params?: Param[]): Promise<T[]> => {
    const t = trace ? performance.now() : 0;
    const reader = params?.length ? await conn.runAndReadAll(sql, params) : await conn.runAndReadAll(sql);
    traced(sql, t);
    return plainRows<T>(reader);
  };
  const statementName = (type: number) => (duckdb.StatementType as unknown as Record<number, string>)[type] ?? `type ${type}`;
  const one = async <T extends Row = Row>(sql: string, type: 'SELECT' | 'CREATE'): Promise<T[]> => {
    const t = trace ? performance.now() : 0;
    let prepared: DuckDB.DuckDBPreparedStatement;
    try {
      const extracted = await conn.extractStatements(sql);
      if (extracted.count !== 1) throw new StatementShapeError(extracted.count === 0 ? 'no statement' : `${extracted.count} statements`, type);
      prepared = await extracted.prepare(0);
    } catch (err) {
      if (err instanceof StatementShapeError) throw err;
      throw new EngineError(err instanceof Error ? err.message : String(err), 'prepare', { cause: err });
    }
    try {
      if (prepared.statementType !== duckdb.StatementType[type]) throw new StatementShapeError(`a statement of type ${statementName(prepared.statementType)}`, type);
      let reader: DuckDB.DuckDBResultReader;
      try {
        reader = await prepared.runAndReadAll();
      } catch (err) {
        throw new EngineError(err instanceof Error ? err.message : String(err), 'run', { cause: err });
      }
      traced(sql, t);
      return plainRows<T>(reader);
    } finally {
      prepared.destroySync();
    }
  };
  // the library's version, as `SELECT version()` answers it, without a statement
  const libraryVersion = duckdb.version();
  return {
    dialect: duckdbDialect,
    query,
    async describe(sql: string) {
      return (await one<{ column_name: string; column_type: string }>(`DESCRIBE ${sql}`, 'SELECT')).map((r) => ({ name: r.column_name, type: r.column_type }));
    },
    async createView(name: string, sql: string) {
      await one(`CREATE VIEW ${ident(name)} AS\n${sql.trim().replace(/;\s*$/, '')}\n`, 'CREATE');
    },
    async run(sql: string) {
      const t = trace ? performance.now() : 0;
      await conn.run(sql);
      traced(sql, t);
    },
    one,
    select: <T extends Row = Row>(sql: string) => one<T>(sql, 'SELECT'),
    async lock(access: EngineAccess) {
      const list = (xs: string[]) => `[${xs.map(literal).join(', ')}]`;
      await conn.run(`SET allowed_paths = ${list(access.allowedPaths)}`);
      await conn.run('SET allowed_directories = []');
      await conn.run('SET enable_external_access = false');
      await conn.run('SET autoinstall_known_extensions = false');
      await conn.run('SET autoload_known_extensions = false');
      await conn.run('SET lock_configuration = true');
      locked = true;
    },
    get locked() {
      return locked;
    },
    version: `duckdb ${libraryVersion || 'unknown'}`,
    close() {
      if (closed) return;
      closed = true;
      conn.closeSync();
      instance.closeSync();
      rmSync(spill, { recursive: true, force: true });
    },
  };
}

/**
 * Rows of a result as plain objects. JSON conversion keeps dates, times and timestamps in DuckDB's
 * text form ("2001-07-01", "2001-07-01 00:00:00"); top-level integer and decimal columns become
 * numbers when exact.
 */
function plainRows<T extends Row>(reader: DuckDB.DuckDBResultReader): T[] {
  const names = reader.columnNames();
  const numeric = new Set(names.filter((_, i) => NUMERIC_TYPE_IDS.has(reader.columnType(i).typeId)));
  return reader.getRowObjectsJson().map((r) => {
    const row = r as Record<string, unknown>;
    for (const k of numeric) row[k] = toNumber(row[k]);
    return row as T;
  });
}

/** DuckDB type ids (`DuckDBTypeId`) whose JSON form is a string but whose values are numbers. */
const NUMERIC_TYPE_IDS = new Set([5 /* BIGINT */, 9 /* UBIGINT */, 16 /* HUGEINT */, 32 /* UHUGEINT */, 19 /* DECIMAL */]);

/** A numeric string as a number when that loses nothing (integers within 2^53, decimals that round-trip); else unchanged. */
export function toNumber(v: unknown): unknown {
  if (typeof v !== 'string' || !/^-?\d+(\.\d+)?$/.test(v)) return v;
  const n = Number(v);
  if (/^-?\d+$/.test(v)) return Number.isSafeInteger(n) ? n : v;
  return Number.isFinite(n) && Math.abs(n) < 2 ** 53 ? n : v;
}
