/**
 * The local quality history store: a directory of Parquet files, one per run
 * (`runs/<YYYY-MM>/<run id>.parquet`, rows as in record.ts), written and read by DuckDB
 * (`COPY … TO … (FORMAT parquet)`, `read_parquet(glob)`; every file has the columns of {@link COLUMNS}: a later format adds columns and reads with `union_by_name`). A run's file is
 * written under a temporary name and renamed into place, so a reader never sees half a run and
 * two writers never touch the same file. The default store of `dataops quality` (`.dataops/history`).
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { openEngine, type Engine, type EngineOptions } from '../engine/duckdb.ts';
import { literal } from '../engine/quote.ts';
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

  /** @param dir the store directory (created on the first append). */
  constructor(dir: string, engineOptions: EngineOptions = {}) {
    this.dir = path.resolve(dir);
    this.location = dir;
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

  /** Every row of the store. */
  private async rows(): Promise<HistoryRow[]> {
    const root = path.join(this.dir, 'runs');
    if (!existsSync(root)) return [];
    const months = (await readdir(root)).filter((m) => /^\d{4}-\d{2}$/.test(m));
    if (!months.length) return [];
    const engine = await this.db();
    const glob = path.join(root, '*', '*.parquet');
    return (await engine.query(
      `SELECT ${COLUMNS.map(([k]) => (k === 'run_at' ? `strftime(run_at, '%Y-%m-%dT%H:%M:%S.%g') || 'Z' AS run_at` : k)).join(', ')} FROM read_parquet(${literal(glob)})`,
    )) as unknown as HistoryRow[];
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
