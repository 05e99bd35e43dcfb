/**
 * BigQuery as a quality engine (`@google-cloud/bigquery`, Application Default Credentials: on
 * GitHub, workload identity federation through google-github-actions/auth).
 *
 * Cost and safety, by construction:
 * - a dry run first ({@link Engine.preflight}): every aggregate query of the suite is dry-run
 *   before any runs; the bytes they would scan are printed, and above the connection's
 *   `maximum_bytes_billed` the suite is refused ({@link BytesBudgetError}) with nothing billed;
 * - every statement is dry-run again before it runs: one statement whose type is SELECT (a script
 *   or DML is refused), charged against what is left of the budget, and the job itself carries
 *   `maximumBytesBilled` (BigQuery fails a job that would bill more) and `jobTimeoutMs`;
 * - nothing is created: datasets are `WITH` prefixes of every statement; suite SQL names datasets,
 *   never tables (quality/sql.ts `warehouseProblems`); grant the service account
 *   `roles/bigquery.dataViewer` on the checked datasets and `roles/bigquery.jobUser`, nothing more.
 *
 * The client sits behind {@link BigQueryClient}, the seam the tests drive: no BigQuery service is
 * reachable where this toolkit's tests run, so the budget logic is tested up to that boundary and
 * the SQL by golden tests (docs/warehouse.md says so).
 */
import { bigqueryDialect, withDatasets } from './dialect.ts';
import { warehouseViews } from './views.ts';
import { EngineError, StatementShapeError, toNumber, type DescribedColumn, type Engine, type Row } from './duckdb.ts';
import { parseBytes, type BigQueryConnectionSpec } from '../connections.ts';
import { ConfigError } from '../errors.ts';
import { parseDuration } from '../fields.ts';
import { once, type BigQueryModule, type RuntimeModules } from '../runtime/modules.ts';

/** A column of a dry run's schema (BigQuery TableFieldSchema). */
export interface BigQueryField {
  name: string;
  type: string;
  mode?: string | undefined;
}

/** What a dry run tells (BigQuery JobStatistics2). */
export interface DryRun {
  totalBytesProcessed: number;
  /** `SELECT`, `SCRIPT`, `INSERT`… */
  statementType: string;
  schema: BigQueryField[];
}

/** The calls the engine makes: the seam between this module and `@google-cloud/bigquery`. */
export interface BigQueryClient {
  dryRun(sql: string): Promise<DryRun>;
  /** Runs a query job (standard SQL) with these limits and returns its rows. */
  query(sql: string, limits: { maximumBytesBilled: number; jobTimeoutMs: number }): Promise<Row[]>;
}

/** The suite would scan more than the connection allows: refused (a configuration error, exit 2), nothing billed. */
export class BytesBudgetError extends ConfigError {
  constructor(message: string, connection: string) {
    super(message, { location: { field: `connections.${connection}.maximum_bytes_billed` }, fix: 'Narrow the suite (where filters on partitioning columns, fewer datasets) or raise maximum_bytes_billed.' });
  }
}

/** BigQuery type names → DuckDB's (what schema checks and the compiler read). */
const BQ_TO_DUCKDB: Record<string, string> = {
  STRING: 'VARCHAR', INT64: 'BIGINT', INTEGER: 'BIGINT', FLOAT64: 'DOUBLE', FLOAT: 'DOUBLE', BOOL: 'BOOLEAN', BOOLEAN: 'BOOLEAN',
  DATE: 'DATE', DATETIME: 'TIMESTAMP', TIMESTAMP: 'TIMESTAMP WITH TIME ZONE', TIME: 'TIME', NUMERIC: 'DECIMAL(38,9)', BIGNUMERIC: 'DECIMAL',
  JSON: 'JSON', BYTES: 'BLOB', RECORD: 'STRUCT', STRUCT: 'STRUCT', GEOGRAPHY: 'GEOGRAPHY', INTERVAL: 'INTERVAL',
};

/** A field's type as DuckDB names it (`REPEATED INT64` → `BIGINT[]`). */
export function duckdbTypeOfField(f: BigQueryField): string {
  const t = BQ_TO_DUCKDB[f.type.toUpperCase()] ?? f.type.toUpperCase();
  return f.mode === 'REPEATED' ? `${t}[]` : t;
}

/** A value of the client as a plain JSON value (dates and timestamps as text, exact numbers as numbers). */
function plain(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('value' in o && Object.keys(o).length === 1) return toNumber(o.value);
    if (typeof (o as { toFixed?: unknown }).toFixed === 'function') return toNumber((o as { toString: () => string }).toString());
    if (Buffer.isBuffer(v)) return v.toString('base64');
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

// left to Node at run time: the bundle installs the client on first use (runtime/packages.ts)
const fromNodeModules = once<BigQueryModule>(() => import(/* webpackIgnore: true */ '@google-cloud/bigquery'));

/** The default client: `@google-cloud/bigquery` (from `runtime`, else node_modules) with Application Default Credentials. */
async function defaultClient(spec: BigQueryConnectionSpec, runtime: RuntimeModules | undefined): Promise<BigQueryClient> {
  const { BigQuery } = await (runtime?.bigquery ?? fromNodeModules)();
  const bq = new BigQuery({ projectId: spec.project, ...(spec.location ? { location: spec.location } : {}) });
  const labels = { tool: 'dataops-quality' };
  return {
    async dryRun(sql) {
      const [job] = await bq.createQueryJob({ query: sql, dryRun: true, useLegacySql: false, labels, ...(spec.location ? { location: spec.location } : {}) });
      const metadata = job.metadata as { statistics?: { totalBytesProcessed?: string; query?: { totalBytesProcessed?: string; statementType?: string; schema?: { fields?: BigQueryField[] } } } } | undefined;
      const stats = metadata?.statistics ?? {};
      return {
        totalBytesProcessed: Number(stats.totalBytesProcessed ?? stats.query?.totalBytesProcessed ?? 0),
        statementType: String(stats.query?.statementType ?? 'UNKNOWN'),
        schema: stats.query?.schema?.fields ?? [],
      };
    },
    async query(sql, limits) {
      const [rows] = await bq.query({ query: sql, useLegacySql: false, labels, maximumBytesBilled: String(limits.maximumBytesBilled), jobTimeoutMs: limits.jobTimeoutMs, wrapIntegers: false, ...(spec.location ? { location: spec.location } : {}) });
      return (rows as Row[]).map((r) => plain(r) as Row);
    },
  };
}

/** Options of {@link openBigQueryEngine}. */
export interface BigQueryEngineOptions {
  /** Connection name (messages). */
  name: string;
  spec: BigQueryConnectionSpec;
  /** Default: the `@google-cloud/bigquery` client. */
  client?: BigQueryClient | undefined;
  /** Where the client module comes from (`bigquery` loader). Default: node_modules. */
  runtime?: RuntimeModules | undefined;
  trace?: boolean | undefined;
  /** Where the dry run's figures are printed. Default stderr. */
  log?: ((line: string) => void) | undefined;
}

const fmtBytes = (n: number) => (n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(2)} GiB` : n >= 1024 ** 2 ? `${(n / 1024 ** 2).toFixed(1)} MiB` : `${n} B`);

/**
 * An {@link Engine} on BigQuery (see the module doc).
 * @throws nothing itself: credentials are looked up on the first query.
 */
export async function openBigQueryEngine(opts: BigQueryEngineOptions): Promise<Engine> {
  const client = opts.client ?? (await defaultClient(opts.spec, opts.runtime));
  const max = parseBytes(opts.spec.maximum_bytes_billed, `connections.${opts.name}.maximum_bytes_billed`);
  const jobTimeoutMs = parseDuration(opts.spec.statement_timeout, `connections.${opts.name}.statement_timeout`);
  const log = opts.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const views: Array<[string, string]> = [];
  let spent = 0;
  let locked = false;
  const dry = async (sql: string): Promise<DryRun> => {
    let d: DryRun;
    try {
      d = await client.dryRun(withDatasets(bigqueryDialect, views, sql));
    } catch (err) {
      throw new EngineError(err instanceof Error ? err.message : String(err), 'prepare', { cause: err });
    }
    if (d.statementType !== 'SELECT') throw new StatementShapeError(`a ${d.statementType} statement`);
    return d;
  };
  const select = async <T extends Row = Row>(sql: string): Promise<T[]> => {
    const d = await dry(sql);
    if (spent + d.totalBytesProcessed > max) {
      throw new BytesBudgetError(`the query would scan ${fmtBytes(d.totalBytesProcessed)} with ${fmtBytes(spent)} already scanned, above maximum_bytes_billed ${fmtBytes(max)} of connection "${opts.name}"`, opts.name);
    }
    const t = performance.now();
    let rows: Row[];
    try {
      rows = await client.query(withDatasets(bigqueryDialect, views, sql), { maximumBytesBilled: Math.max(1, max - spent), jobTimeoutMs });
    } catch (err) {
      throw new EngineError(err instanceof Error ? err.message : String(err), 'run', { cause: err });
    }
    spent += d.totalBytesProcessed;
    if (opts.trace) log(`[sql ${(performance.now() - t).toFixed(1)} ms, ${fmtBytes(d.totalBytesProcessed)}] ${sql.slice(0, 300)}`);
    return rows as T[];
  };
  const describe = async (sql: string): Promise<DescribedColumn[]> => (await dry(sql)).schema.map((f) => ({ name: f.name, type: duckdbTypeOfField(f) }));
  return {
    dialect: bigqueryDialect,
    async query<T extends Row = Row>(sql: string) {
      return select<T>(sql);
    },
    run() {
      return Promise.reject(new StatementShapeError('a statement of our own that changes the warehouse'));
    },
    select,
    describe,
    ...warehouseViews(views, describe, select),
    async preflight(statements: string[]) {
      let total = 0;
      for (const s of statements) total += (await dry(s)).totalBytesProcessed;
      log(`bigquery dry run: the suite's ${statements.length} aggregate quer${statements.length === 1 ? 'y scans' : 'ies scan'} ${fmtBytes(total)} (maximum_bytes_billed ${fmtBytes(max)})`);
      if (total > max) throw new BytesBudgetError(`the suite would scan ${fmtBytes(total)}, above maximum_bytes_billed ${fmtBytes(max)} of connection "${opts.name}"; nothing ran`, opts.name);
    },
    lock() {
      locked = true;
      return Promise.resolve();
    },
    get locked() {
      return locked;
    },
    version: `bigquery ${opts.spec.project}${opts.spec.location ? ` (${opts.spec.location})` : ''}`,
    close() {
      // the client holds no connection
    },
  };
}
