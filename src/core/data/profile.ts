/**
 * Per-column profile of a dataset, computed by DuckDB in one scan: row count, and for every
 * column its null count, its distinct count (exact `count(DISTINCT)`: DuckDB's HyperLogLog
 * `approx_count_distinct` is 10-20% off on vega-datasets columns, too coarse for drift checks, and
 * the exact count spills to disk past the memory limit instead of failing), min and max (orderable scalar types), and for numeric columns mean and sample standard deviation.
 * Quality history (anomaly and drift checks) and the data manifest (manifest.ts) both build on it.
 *
 * PII: a column named in `pii` keeps only its counts (nulls, distinct); min, max, mean and stddev
 * are never computed for it, so no value of it can reach a manifest, a registry or a summary.
 */
import { z } from 'zod';
import type { Engine } from '../engine/duckdb.ts';
import { ident } from '../engine/quote.ts';
import { isNumericType, isTemporalType } from '../engine/types.ts';

/** Longest text kept for a string min/max (characters); longer values are cut and end in `…`. */
export const MAX_TEXT_VALUE = 100;

/** Significant digits kept of mean and stddev (parallel float sums differ in the last bits between runs). */
export const FLOAT_DIGITS = 12;

/** A min or max: numbers as numbers (exact integers beyond 2^53 and non-finite floats as text), dates/times/strings as DuckDB's text. */
const boundSchema = z.union([z.number(), z.string(), z.boolean()]).nullable();

/** One column's profile. */
export const columnProfileSchema = z
  .strictObject({
    name: z.string().describe('Column name as the engine reads it.'),
    type: z.string().describe('DuckDB type name (DESCRIBE), e.g. BIGINT, VARCHAR, TIMESTAMP, DECIMAL(18,3).'),
    nulls: z.number().int().min(0).describe('Rows where the column is NULL.'),
    distinct: z.number().int().min(0).nullable().describe('Number of distinct non-null values (exact count); null for nested types (STRUCT, MAP, UNION, lists).'),
    min: boundSchema.describe('Smallest non-null value (orderable scalar types; text cut at 100 characters); null when absent, not orderable or PII.'),
    max: boundSchema.describe('Largest non-null value; as min.'),
    mean: z.number().nullable().optional().describe('Numeric columns: mean of the non-null values (12 significant digits); null when there are none or PII.'),
    stddev: z.number().nullable().optional().describe('Numeric columns: sample standard deviation (12 significant digits); null for fewer than two values or PII.'),
    pii: z.boolean().optional().describe('True when the column holds personal data: only counts are profiled.'),
  })
  .superRefine((c, ctx) => {
    // a profile read back (a manifest from a registry, a file in a pull request) is hostile: a PII column never carries a value
    if (!c.pii) return;
    for (const k of ['min', 'max', 'mean', 'stddev'] as const) {
      if (c[k] !== null && c[k] !== undefined) ctx.addIssue({ code: 'custom', path: [k], message: 'a PII column carries a value: its profile holds counts only (nulls, distinct); the value is not shown' });
    }
  })
  .describe('Profile of one column (a PII column has no min, max, mean or stddev).');
export type ColumnProfile = z.output<typeof columnProfileSchema>;

/** A column as DESCRIBE reports it. */
export interface ColumnType {
  name: string;
  type: string;
}

/** What {@link profileRelation} returns. */
export interface RelationProfile {
  row_count: number;
  /** Columns in the relation's order. */
  schema: ColumnType[];
  columns: ColumnProfile[];
}

/** Options of {@link profileRelation}. */
export interface ProfileOptions {
  /** Lower-cased names of PII columns: only counted, never their values. */
  pii?: ReadonlySet<string> | undefined;
}

/** Types whose values are ordered scalars (min/max make sense and print as one value). */
function orderable(type: string): boolean {
  return isNumericType(type) || isTemporalType(type) || /^(VARCHAR|BOOLEAN|UUID|INTERVAL|ENUM\b)/i.test(type.trim());
}

/** Types whose distinct values are counted (everything except nested containers). */
function countable(type: string): boolean {
  return !/^(STRUCT|MAP|UNION)\b|\[\]$|\[\d+\]$/i.test(type.trim());
}

/** Columns of a relation (`DESCRIBE SELECT * FROM relation`). */
export async function describeRelation(engine: Engine, relation: string): Promise<ColumnType[]> {
  const rows = await engine.query<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${relation}`);
  return rows.map((r) => ({ name: r.column_name, type: r.column_type }));
}

/**
 * Profiles `relation` (SQL text of a table, view or table function: `"flights"`,
 * `read_parquet(['/abs/f.parquet'])`) in one aggregate query.
 * @throws the engine's error when the relation cannot be read.
 */
export async function profileRelation(engine: Engine, relation: string, opts: ProfileOptions = {}): Promise<RelationProfile> {
  const schema = await describeRelation(engine, relation);
  const pii = opts.pii ?? new Set<string>();
  const select = ['count(*) AS n'];
  schema.forEach((c, i) => {
    const col = ident(c.name);
    select.push(`count(${col}) AS c${i}`);
    if (countable(c.type)) select.push(`count(DISTINCT ${col}) AS d${i}`);
    if (pii.has(c.name.toLowerCase())) return;
    if (orderable(c.type)) {
      const text = !isNumericType(c.type) && !isTemporalType(c.type) && !/^BOOLEAN$/i.test(c.type.trim());
      const bound = (fn: string) => (text ? `left(CAST(${fn}(${col}) AS VARCHAR), ${MAX_TEXT_VALUE + 1})` : `${fn}(${col})`);
      select.push(`${bound('min')} AS lo${i}`, `${bound('max')} AS hi${i}`);
    }
    if (isNumericType(c.type)) select.push(`avg(${col})::DOUBLE AS m${i}`, `stddev_samp(${col})::DOUBLE AS s${i}`);
  });
  const [row = {}] = await engine.query(`SELECT ${select.join(', ')} FROM ${relation}`);
  const n = Number(row.n ?? 0);
  const columns = schema.map((c, i): ColumnProfile => {
    const isPii = pii.has(c.name.toLowerCase());
    const numeric = isNumericType(c.type);
    const profile: ColumnProfile = {
      name: c.name,
      type: c.type,
      nulls: n - Number(row[`c${i}`] ?? 0),
      distinct: row[`d${i}`] === undefined || row[`d${i}`] === null ? null : Number(row[`d${i}`]),
      min: isPii ? null : bound(row[`lo${i}`]),
      max: isPii ? null : bound(row[`hi${i}`]),
    };
    if (numeric) {
      profile.mean = isPii ? null : float(row[`m${i}`]);
      profile.stddev = isPii ? null : float(row[`s${i}`]);
    }
    if (isPii) profile.pii = true;
    return profile;
  });
  return { row_count: n, schema, columns };
}

/** A min/max as JSON: finite numbers stay numbers, long text is cut. */
function bound(v: unknown): string | number | boolean | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'boolean') return v;
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > MAX_TEXT_VALUE ? `${s.slice(0, MAX_TEXT_VALUE)}…` : s;
}

/** A mean/stddev rounded to {@link FLOAT_DIGITS} significant digits; null when absent or not finite. */
function float(v: unknown): number | null {
  if (v === undefined || v === null) return null;
  const n = Number(v);
  return Number.isFinite(n) ? Number(n.toPrecision(FLOAT_DIGITS)) : null;
}
