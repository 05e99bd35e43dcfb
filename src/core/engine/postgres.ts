/**
 * PostgreSQL as a quality engine (the `pg` client): the checks run where the data is; only
 * aggregates and `LIMIT`ed samples come back.
 *
 * Safe by construction, like the locked DuckDB engine (engine/duckdb.ts):
 * - every statement runs in a transaction of its own, `BEGIN READ ONLY`, with
 *   `SET LOCAL statement_timeout`, and is always rolled back (so even a `set_config(…, false)` a
 *   SELECT could call is undone); the session starts with `default_transaction_read_only=on`;
 * - statements go through the extended query protocol, where PostgreSQL itself refuses more than
 *   one statement per query, and a result whose command is not SELECT is refused;
 * - nothing is created in the warehouse: datasets are `WITH name AS NOT MATERIALIZED (…)` prefixes
 *   of every statement ({@link Engine.createView}), so suite SQL names datasets, never tables;
 * - which tables and functions suite SQL may name is decided before it runs (quality/sql.ts
 *   `warehouseProblems`); the connection's role should hold SELECT on the checked tables only
 *   (docs/warehouse.md), the last line of defence.
 *
 * Values come back as DuckDB's engine gives them (engine/duckdb.ts `Row`): dates and timestamps
 * in their ISO text form (session TimeZone UTC), BIGINT and NUMERIC as numbers when exact, JSON as
 * its text; column types are described with DuckDB's names (`double precision` → DOUBLE), so the
 * same suite reads the same on both engines.
 */
import pg from 'pg';
import { postgresDialect, withDatasets } from './dialect.ts';
import { warehouseViews } from './views.ts';
import { EngineError, StatementShapeError, toNumber, type DescribedColumn, type Engine, type Param, type Row } from './duckdb.ts';

/** How to reach the server (a resolved `connections:` entry, secrets already read from the environment). */
export interface PostgresConnection {
  connectionString?: string | undefined;
  host?: string | undefined;
  port?: number | undefined;
  database?: string | undefined;
  user?: string | undefined;
  password?: string | undefined;
  /** TLS: `disable`, `require` (encrypted, server not verified) or `verify-full`. */
  sslmode?: 'disable' | 'require' | 'verify-full' | undefined;
}

/** Options of {@link openPostgresEngine}. */
export interface PostgresEngineOptions {
  connection: PostgresConnection;
  /** Per-statement limit in milliseconds (`statement_timeout`). */
  statementTimeoutMs: number;
  /** Print every statement with its time to stderr. */
  trace?: boolean | undefined;
}

/** PostgreSQL type names (`format_type`) → DuckDB's (what schema checks and the compiler read). */
const PG_TO_DUCKDB: Record<string, string> = {
  bigint: 'BIGINT', integer: 'INTEGER', smallint: 'SMALLINT', 'double precision': 'DOUBLE', real: 'FLOAT', text: 'VARCHAR',
  'character varying': 'VARCHAR', character: 'VARCHAR', name: 'VARCHAR', boolean: 'BOOLEAN', date: 'DATE',
  'timestamp without time zone': 'TIMESTAMP', 'timestamp with time zone': 'TIMESTAMP WITH TIME ZONE', 'time without time zone': 'TIME',
  numeric: 'DECIMAL', json: 'JSON', jsonb: 'JSON', bytea: 'BLOB', uuid: 'UUID', interval: 'INTERVAL',
};

/** A PostgreSQL type name as DuckDB names the same type (`numeric(10,2)` → `DECIMAL(10,2)`, `text[]` → `VARCHAR[]`). */
export function duckdbTypeName(pgType: string): string {
  const array = /(\[\])+$/.exec(pgType)?.[0] ?? '';
  const base = pgType.slice(0, pgType.length - array.length);
  const m = /^([a-z ]+?)(\(.*\))?$/.exec(base);
  const name = m ? PG_TO_DUCKDB[m[1]!] : undefined;
  if (!name) return pgType.toUpperCase();
  // DECIMAL keeps its precision and scale; other types' modifiers (varchar length, timestamp precision) DuckDB does not name
  return `${name}${name === 'DECIMAL' && m![2] ? m![2].replace(/\s/g, '') : ''}${array}`;
}

/** Type OIDs whose values stay in PostgreSQL's text form (dates, times, timestamps, JSON) or become exact numbers (int8, numeric). */
const TEXT_OIDS = new Set([1082 /* date */, 1083 /* time */, 1114 /* timestamp */, 1184 /* timestamptz */, 114 /* json */, 3802 /* jsonb */, 1186 /* interval */]);
const NUMBER_OIDS = new Set([20 /* int8 */, 1700 /* numeric */]);

const typeParsers = {
  getTypeParser(oid: number, format?: string) {
    if (TEXT_OIDS.has(oid)) return (v: string) => v;
    if (NUMBER_OIDS.has(oid)) return (v: string) => toNumber(v);
    return pg.types.getTypeParser(oid, format as 'text') as (v: string) => unknown;
  },
};

/** SQLSTATE class 42 (syntax error or access rule violation) and 0A (feature not supported): found before anything ran. */
const PREPARE_CLASS = /^(42|0A)/;

/**
 * Connects to PostgreSQL and returns an {@link Engine} on it (see the module doc for its rules).
 * @throws EngineError (phase `prepare`) when the server cannot be reached or refuses the login;
 *   the message names host and database, never the password.
 */
export async function openPostgresEngine(opts: PostgresEngineOptions): Promise<Engine> {
  const c = opts.connection;
  const ssl = c.sslmode === 'require' ? { rejectUnauthorized: false } : c.sslmode === 'verify-full' ? { rejectUnauthorized: true } : undefined;
  const client = new pg.Client({
    ...(c.connectionString ? { connectionString: c.connectionString } : {}),
    ...(c.host ? { host: c.host } : {}),
    ...(c.port ? { port: c.port } : {}),
    ...(c.database ? { database: c.database } : {}),
    ...(c.user ? { user: c.user } : {}),
    ...(c.password !== undefined ? { password: c.password } : {}),
    ...(ssl ? { ssl } : {}),
    application_name: 'dataops-quality',
    options: `-c default_transaction_read_only=on -c TimeZone=UTC -c statement_timeout=${Math.round(opts.statementTimeoutMs)}`,
    types: typeParsers,
    connectionTimeoutMillis: 30_000,
  });
  client.on('error', () => {
    // a dropped connection surfaces as the error of the statement in flight
  });
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    const where = c.host ? `${c.host}:${c.port ?? 5432}/${c.database ?? ''}` : 'the connection URL';
    throw new EngineError(`cannot connect to PostgreSQL at ${where}: ${err instanceof Error ? err.message : String(err)}`, 'prepare', { cause: err });
  }
  const views: Array<[string, string]> = [];
  const trace = opts.trace === true;
  let locked = false;
  let closed = false;

  const withViews = (sql: string) => withDatasets(postgresDialect, views, sql);
  /** Runs one statement of suite SQL in a read-only transaction that is always rolled back. */
  const readOnly = async (sql: string): Promise<pg.QueryResult> => {
    const t = trace ? performance.now() : 0;
    await client.query('BEGIN TRANSACTION READ ONLY');
    try {
      await client.query(`SET LOCAL statement_timeout = ${Math.round(opts.statementTimeoutMs)}`);
      let result: pg.QueryResult;
      try {
        result = await client.query({ text: withViews(sql), queryMode: 'extended' } as pg.QueryConfig);
      } catch (err) {
        const e = err as { code?: string; message?: string };
        if (e.code === '42601' && /multiple commands/.test(e.message ?? '')) throw new StatementShapeError('several statements');
        throw new EngineError(e.message ?? String(err), PREPARE_CLASS.test(e.code ?? '') ? 'prepare' : 'run', { cause: err });
      }
      if (result.command !== 'SELECT') throw new StatementShapeError(`a ${result.command} statement`);
      if (trace) process.stderr.write(`[sql ${(performance.now() - t).toFixed(1)} ms] ${sql.length > 300 ? sql.slice(0, 300) + '…' : sql}\n`);
      return result;
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
    }
  };
  const typeNames = new Map<string, string>();
  const describe = async (sql: string): Promise<DescribedColumn[]> => {
    const result = await readOnly(`SELECT * FROM (\n${sql}\n) AS __dq_d LIMIT 0`);
    const key = (f: pg.FieldDef) => `${f.dataTypeID}:${f.dataTypeModifier}`;
    const missing = result.fields.filter((f) => !typeNames.has(key(f)));
    if (missing.length) {
      const rows = await client.query<{ k: string; t: string }>('SELECT k, format_type(split_part(k, \':\', 1)::oid, split_part(k, \':\', 2)::int) AS t FROM unnest($1::text[]) AS k', [missing.map(key)]);
      for (const r of rows.rows) typeNames.set(r.k, duckdbTypeName(r.t));
    }
    return result.fields.map((f) => ({ name: f.name, type: typeNames.get(key(f)) ?? 'UNKNOWN' }));
  };
  const select = async <T extends Row = Row>(sql: string): Promise<T[]> => (await readOnly(sql)).rows as T[];
  const version = (await client.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ?? 'unknown';
  return {
    dialect: postgresDialect,
    async query<T extends Row = Row>(sql: string, params?: Param[]) {
      return (await client.query(sql, params)).rows as T[];
    },
    async run(sql: string) {
      await client.query(sql);
    },
    select,
    describe,
    ...warehouseViews(views, describe, select),
    lock() {
      // nothing to open: every statement is read-only, time-limited and rolled back already
      locked = true;
      return Promise.resolve();
    },
    get locked() {
      return locked;
    },
    version: `postgres ${version.split(' ')[0]}`,
    close() {
      if (closed) return;
      closed = true;
      void client.end().catch(() => undefined);
    },
  };
}
