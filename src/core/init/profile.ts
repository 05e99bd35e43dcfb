/**
 * Dataset profiling for `dataops init`: column types, null counts, distinct counts, ranges and
 * (for low-cardinality columns) the observed values, computed by the embedded engine (DuckDB) in
 * one aggregate scan plus one small query per low-cardinality column.
 */
import { openEngine, type Engine } from '../engine/duckdb.ts';
import { ident } from '../engine/quote.ts';
import { isNumericType, isTemporalType } from '../engine/types.ts';
import { formatFromPath, readerSql } from '../formats.ts';
import { ConfigError } from '../errors.ts';

/** Profile of one column. */
export interface ColumnProfile {
  name: string;
  /** DuckDB type, e.g. `BIGINT`, `DOUBLE`, `VARCHAR`, `DATE`. */
  type: string;
  nulls: number;
  /** Exact count of distinct non-null values. */
  distinct: number;
  /** Smallest and largest value (numeric columns: numbers; temporal: ISO strings); null when not ordered or all null. */
  min: number | string | null;
  max: number | string | null;
  /** Distinct non-null values, sorted, when there are at most {@link ProfileOptions.maxCategories}. */
  values?: Array<string | number | boolean>;
}

/** Profile of one dataset file. */
export interface DatasetProfile {
  file: string;
  format: string;
  rows: number;
  columns: ColumnProfile[];
}

/** Options of {@link profileDataset}. */
export interface ProfileOptions {
  /** Columns with at most this many distinct values get their values listed. Default 12. */
  maxCategories?: number;
}

/**
 * Profiles a dataset file (CSV, TSV, Parquet, JSON, NDJSON; format from the extension).
 * @param engine an open engine, or undefined to open (and close) one.
 * @throws ConfigError when the format is unknown or the file cannot be read.
 */
export async function profileDataset(file: string, opts: ProfileOptions = {}, engine?: Engine): Promise<DatasetProfile> {
  const format = formatFromPath(file);
  if (!format) throw new ConfigError('unknown dataset format', { location: { file }, fix: 'Use a .csv, .tsv, .parquet, .json or .ndjson/.jsonl file.' });
  const own = engine ?? (await openEngine());
  const maxCategories = opts.maxCategories ?? 12;
  try {
    const from = readerSql([file], format);
    let described: Array<{ column_name: string; column_type: string }>;
    try {
      described = await own.query<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${from}`);
    } catch (err) {
      throw new ConfigError(`cannot read the dataset: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`, { location: { file }, fix: 'Check the file is a valid ' + format + ' file.', cause: err });
    }
    const parts = ['count(*) AS "rows"'];
    described.forEach((c, i) => {
      const col = ident(c.column_name);
      parts.push(`count(${col}) AS "n${i}"`, `count(DISTINCT ${col}) AS "d${i}"`);
      if (isNumericType(c.column_type) || isTemporalType(c.column_type)) parts.push(`min(${col}) AS "lo${i}"`, `max(${col}) AS "hi${i}"`);
    });
    const [agg] = await own.query(`SELECT ${parts.join(', ')} FROM ${from}`);
    const rows = Number(agg?.rows ?? 0);
    const columns: ColumnProfile[] = [];
    for (const [i, c] of described.entries()) {
      const nonNull = Number(agg?.[`n${i}`] ?? 0);
      const distinct = Number(agg?.[`d${i}`] ?? 0);
      const num = (v: unknown) => (v === null || v === undefined ? null : isNumericType(c.column_type) ? Number(v) : typeof v === 'string' ? v : JSON.stringify(v));
      const profile: ColumnProfile = { name: c.column_name, type: c.column_type, nulls: rows - nonNull, distinct, min: num(agg?.[`lo${i}`]), max: num(agg?.[`hi${i}`]) };
      if (distinct > 0 && distinct <= maxCategories) {
        const col = ident(c.column_name);
        const vals = await own.query<{ v: unknown }>(`SELECT DISTINCT ${col} AS v FROM ${from} WHERE ${col} IS NOT NULL ORDER BY 1`);
        profile.values = vals.map((r) => (typeof r.v === 'number' || typeof r.v === 'boolean' ? r.v : String(r.v as string)));
      }
      columns.push(profile);
    }
    return { file, format, rows, columns };
  } finally {
    if (!engine) own.close();
  }
}
