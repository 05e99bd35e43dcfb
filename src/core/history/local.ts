/**
 * The local quality history store: a directory of Parquet files, one per run
 * (`runs/<YYYY-MM>/<run id>.parquet`, rows as in record.ts), written and read by DuckDB
 * (`COPY … TO … (FORMAT parquet)`, `read_parquet(glob)`; every file has the columns of {@link COLUMNS}: a later format adds columns and reads with `union_by_name`). A run's file is
 * written under a temporary name and renamed into place, so a reader never sees half a run and
 * two writers never touch the same file. The default store of `dataops quality` (`.dataops/history`).
 */
import { existsSync } from 'node:fs';
import { lstat, mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { openEngine, type Engine, type EngineOptions } from '../engine/duckdb.ts';
import { ident, literal } from '../engine/quote.ts';
import { ConfigError } from '../errors.ts';
import { fromRows, runsToPrune, selectRuns, toRows, type HistoryFilter, type HistoryRow, type HistoryRun, type HistoryStore } from './record.ts';

/** Columns of a history Parquet file, in order, with their DuckDB types. */
const COLUMNS: ReadonlyArray<[keyof HistoryRow, string]> = [
  ['run_id', 'VARCHAR'],
  ['repository', 'VARCHAR'],
  ['branch', 'VARCHAR'],
  ['commit', 'VARCHAR'],
  ['run_at', 'TIMESTAMP'],
  ['suite', 'VARCHAR'],
  ['kind', 'VARCHAR'],
  ['dataset', 'VARCHAR'],
  ['name', 'VARCHAR'],
  ['type', 'VARCHAR'],
  ['status', 'VARCHAR'],
  ['value', 'DOUBLE'],
  ['total', 'DOUBLE'],
  ['nullable', 'BOOLEAN'],
];

/**
 * Limits of one history record read back (a run's Parquet file): a store on a git branch holds
 * whatever was pushed there, a pull request included. A record over a limit is refused before its
 * rows are read. A run of a 1,000-column suite is about 8,000 rows and 300 KB.
 */
export const HISTORY_RECORD_LIMITS = {
  /** File size and uncompressed size (Parquet metadata), bytes. */
  bytes: 4 << 20,
  rows: 100_000,
  /** Longest text value, characters. */
  text: 1024,
} as const;

const KINDS = new Set(['check', 'metric', 'column']);
const STATUSES = new Set(['pass', 'warn', 'fail', 'error']);
const REQUIRED: ReadonlyArray<keyof HistoryRow> = ['run_id', 'repository', 'branch', 'commit', 'run_at', 'suite', 'kind', 'dataset', 'name'];
const RECORD_FIX = 'The history holds a record dataops-actions did not write (a push to the history branch, a damaged file): remove it from the store (git rm on the history branch) and run again.';

function value(v: string | number | boolean | null | undefined, type: string): string {
  if (v === null || v === undefined) return 'NULL';
  if (type === 'DOUBLE') return Number.isFinite(v) ? String(v) : 'NULL';
  if (type === 'BOOLEAN') return v ? 'true' : 'false';
  if (type === 'TIMESTAMP') return `CAST(${literal(String(v).replace(/Z$/, ''))} AS TIMESTAMP)`;
  return literal(String(v));
}

/** The file of a run inside a store directory. */
export function runFile(dir: string, run: Pick<HistoryRun, 'id' | 'run_at'>): string {
  return path.join(dir, 'runs', run.run_at.slice(0, 7), `${run.id}.parquet`);
}

/** A quality history in a local directory (see the module doc). */
export class LocalHistoryStore implements HistoryStore {
  readonly dir: string;
  readonly location: string;
  private readonly engineOptions: EngineOptions;
  private engine: Engine | undefined;

  /**
   * @param dir the store directory (created on the first append).
   * @param location what messages call it (default `dir`; the git store passes its `git:…#branch`).
   */
  constructor(dir: string, engineOptions: EngineOptions = {}, location = dir) {
    this.dir = path.resolve(dir);
    this.location = location;
    this.engineOptions = engineOptions;
  }

  private async db(): Promise<Engine> {
    this.engine ??= await openEngine(this.engineOptions);
    return this.engine;
  }

  async append(run: HistoryRun): Promise<void> {
    const file = runFile(this.dir, run);
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    const rows = toRows(run);
    const select = rows.length
      ? rows.map((r) => `SELECT ${COLUMNS.map(([k, t]) => `${value(r[k], t)}::${t} AS ${k}`).join(', ')}`).join(' UNION ALL ')
      : `SELECT ${COLUMNS.map(([k, t]) => `NULL::${t} AS ${k}`).join(', ')} WHERE false`;
    const engine = await this.db();
    await engine.run(`COPY (${select}) TO ${literal(tmp)} (FORMAT parquet)`);
    await rename(tmp, file);
  }

  /** A read-back record that is not what {@link append} writes: one line naming it and the field, never a value. */
  private refuse(file: string, field: string | undefined, problem: string): ConfigError {
    const rel = path.relative(this.dir, file).split(path.sep).join('/');
    return new ConfigError(problem, { location: { file: `${this.location.replace(/\/$/, '')}/${rel}`, ...(field ? { field } : {}) }, fix: RECORD_FIX });
  }

  /** The run files of the store, each checked (regular file, limits, columns and types) before any row is read. */
  private async checkedFiles(engine: Engine, root: string): Promise<string[]> {
    const files: string[] = [];
    for (const month of (await readdir(root)).filter((m) => /^\d{4}-\d{2}$/.test(m)).sort()) {
      for (const name of (await readdir(path.join(root, month))).filter((f) => f.endsWith('.parquet')).sort()) {
        const file = path.join(root, month, name);
        const st = await lstat(file);
        // a symbolic link in a pushed branch could point anywhere on the runner
        if (!st.isFile()) throw this.refuse(file, undefined, 'not a regular file (a link or a directory)');
        if (st.size > HISTORY_RECORD_LIMITS.bytes) throw this.refuse(file, undefined, `larger than the record limit of ${HISTORY_RECORD_LIMITS.bytes} bytes; not read`);
        let types: Map<string, string>;
        let bytes: unknown;
        try {
          types = new Map((await engine.query<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM read_parquet(${literal(file)})`)).map((c) => [c.column_name, c.column_type]));
          bytes = (await engine.query(`SELECT sum(total_uncompressed_size) AS bytes FROM parquet_metadata(${literal(file)})`))[0]?.bytes;
        } catch {
          throw this.refuse(file, undefined, 'not a Parquet file');
        }
        if (Number(bytes ?? 0) > HISTORY_RECORD_LIMITS.bytes) throw this.refuse(file, undefined, `uncompressed larger than the record limit of ${HISTORY_RECORD_LIMITS.bytes} bytes; not read`);
        for (const [k, t] of COLUMNS) {
          const got = types.get(k);
          if (got === undefined) throw this.refuse(file, k, 'missing column');
          if (got !== t) throw this.refuse(file, k, `is ${got.length > 40 ? 'another type' : got}, expected ${t}`);
        }
        const text = COLUMNS.filter(([, t]) => t === 'VARCHAR').map(([k]) => k);
        const [agg] = await engine.query(`SELECT count(*) AS n, ${text.map((k) => `max(length(${ident(k)})) AS ${ident(k)}`).join(', ')} FROM read_parquet(${literal(file)})`);
        if (Number(agg!.n) > HISTORY_RECORD_LIMITS.rows) throw this.refuse(file, undefined, `more than ${HISTORY_RECORD_LIMITS.rows} rows; not read`);
        for (const k of text) if (Number(agg![k] ?? 0) > HISTORY_RECORD_LIMITS.text) throw this.refuse(file, k, `a value longer than ${HISTORY_RECORD_LIMITS.text} characters`);
        files.push(file);
      }
    }
    return files;
  }

  /** A row's fields as {@link append} writes them; @throws ConfigError naming the file and field. */
  private checkRow(r: HistoryRow & { filename: string }): HistoryRow {
    const file = r.filename;
    for (const k of REQUIRED) if (r[k] === null || r[k] === undefined || r[k] === '') throw this.refuse(file, k, 'empty');
    if (!KINDS.has(r.kind)) throw this.refuse(file, 'kind', 'not one of check, metric, column');
    if (r.kind === 'check' && !STATUSES.has(r.status ?? '')) throw this.refuse(file, 'status', 'not one of pass, warn, fail, error');
    // the run's file is named by its id and month: prune removes runFile(id, run_at), which must be this file
    if (runFile(this.dir, { id: r.run_id, run_at: r.run_at }) !== file) throw this.refuse(file, 'run_id', 'does not name this file (a record is runs/<YYYY-MM of run_at>/<run_id>.parquet)');
    const { filename: _, ...row } = r;
    return row;
  }

  /** Every row of the store, each record checked first (hostile until checked: {@link HISTORY_RECORD_LIMITS}). */
  private async rows(): Promise<HistoryRow[]> {
    const root = path.join(this.dir, 'runs');
    if (!existsSync(root)) return [];
    const engine = await this.db();
    const files = await this.checkedFiles(engine, root);
    if (!files.length) return [];
    const rows = (await engine.query(
      `SELECT filename, ${COLUMNS.map(([k]) => (k === 'run_at' ? `strftime(run_at, '%Y-%m-%dT%H:%M:%S.%g') || 'Z' AS run_at` : k)).join(', ')} FROM read_parquet([${files.map(literal).join(', ')}], filename = true)`,
    )) as unknown as Array<HistoryRow & { filename: string }>;
    return rows.map((r) => this.checkRow(r));
  }

  async list(filter: HistoryFilter = {}): Promise<HistoryRun[]> {
    return selectRuns(fromRows(await this.rows()), filter);
  }

  async prune(filter: HistoryFilter & { keep?: number | undefined }): Promise<number> {
    const doomed = runsToPrune(await this.list(), filter);
    for (const r of doomed) await rm(runFile(this.dir, r), { force: true });
    return doomed.length;
  }

  close(): Promise<void> {
    this.engine?.close();
    this.engine = undefined;
    return Promise.resolve();
  }
}
