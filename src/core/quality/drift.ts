/**
 * `type: drift`: per-column distribution drift between the base version of a dataset (`base:`,
 * another declared dataset: the base branch's output, last release's file) and its head version
 * (`dataset:`), computed by the engine:
 * - population stability index (PSI) over bins: for numbers, the base's deciles (`bins` quantiles,
 *   duplicate edges merged) plus a bin for nulls; for other types, the base's most frequent
 *   `bins` values plus "other" and null. PSI = Σ (h − b) · ln(h / b) over bin shares, an empty
 *   bin counted as 0.0001 (the usual smoothing). Reading (credit-scoring practice): < 0.1 stable,
 *   0.1–0.25 moderate, > 0.25 major shift; default threshold 0.2.
 * - for numbers, the two-sample Kolmogorov–Smirnov statistic D = max |F_base(x) − F_head(x)| over
 *   the non-null values, exact (the empirical distribution functions at every distinct value).
 *   The statistic, not its p-value, is thresholded (default 0.1): on millions of rows any
 *   difference is "significant"; D says how large it is.
 * A column fails when any of its measures exceeds its threshold; failing_rows counts failing columns.
 */
import type { Engine } from '../engine/duckdb.ts';
import { ident, literal } from '../engine/quote.ts';
import { isNumericType } from '../engine/types.ts';
import { CheckCompileError, resolveColumn, type DatasetInfo } from './compile.ts';

/** Default PSI threshold. */
export const PSI_THRESHOLD = 0.2;
/** Default KS statistic threshold. */
export const KS_THRESHOLD = 0.1;
const EPS = 1e-4;

/** Thresholds of one column (undefined: the default). */
export interface DriftThresholds {
  psi?: number | undefined;
  ks?: number | undefined;
}

/** Drift measured on one column. */
export interface ColumnDrift {
  column: string;
  psi: number;
  /** Numbers only. */
  ks?: number;
  psi_threshold: number;
  ks_threshold?: number;
  drifted: boolean;
}

/** PSI of two count vectors over the same bins. */
export function psi(base: readonly number[], head: readonly number[]): number {
  const nb = base.reduce((a, b) => a + b, 0) || 1;
  const nh = head.reduce((a, b) => a + b, 0) || 1;
  let sum = 0;
  for (let i = 0; i < base.length; i++) {
    const b = Math.max(base[i]! / nb, EPS);
    const h = Math.max((head[i] ?? 0) / nh, EPS);
    sum += (h - b) * Math.log(h / b);
  }
  return sum;
}

const round = (x: number) => Number(x.toPrecision(4));

/**
 * Measures drift of `columns` (name → thresholds) from `base` to `head`.
 * @throws CheckCompileError for a column missing in either version; the engine's errors as they come.
 */
export async function measureDrift(engine: Engine, head: DatasetInfo, base: DatasetInfo, columns: ReadonlyMap<string, DriftThresholds>, bins: number): Promise<ColumnDrift[]> {
  const out: ColumnDrift[] = [];
  const h = ident(head.name);
  const b = ident(base.name);
  for (const [name, t] of columns) {
    const hc = resolveColumn(head, name);
    const bc = resolveColumn(base, name);
    const type = base.columns.get(bc) ?? '';
    const numeric = isNumericType(type) && isNumericType(head.columns.get(hc) ?? '');
    const hr = `${ident(hc)}`;
    const br = `${ident(bc)}`;
    let binOf: (ref: string) => string;
    let nbins: number;
    if (numeric) {
      const qs = Array.from({ length: bins - 1 }, (_, i) => (i + 1) / bins);
      const [row] = await engine.query<{ q: number[] | null }>(`SELECT quantile_cont(${br}::DOUBLE, [${qs.join(', ')}]) AS q FROM ${b}`);
      const edges = [...new Set((row?.q ?? []).map(Number))].filter(Number.isFinite);
      binOf = (ref) => `CASE WHEN ${ref} IS NULL THEN -1 ${edges.map((e, i) => `WHEN ${ref}::DOUBLE < ${e} THEN ${i}`).join(' ')} ELSE ${edges.length} END`;
      nbins = edges.length + 1;
    } else {
      const top = await engine.query<{ v: string }>(`SELECT CAST(${br} AS VARCHAR) AS v FROM ${b} WHERE ${br} IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT ${bins}`);
      const values = top.map((r) => r.v);
      binOf = (ref) => `CASE WHEN ${ref} IS NULL THEN -1 ELSE coalesce(list_position([${values.map(literal).join(', ')}]::VARCHAR[], CAST(${ref} AS VARCHAR)) - 1, ${values.length}) END`;
      nbins = values.length + 1;
    }
    const counts = await engine.query<{ side: string; bin: number; n: number }>(
      `SELECT 'b' AS side, ${binOf(br)} AS bin, count(*) AS n FROM ${b} GROUP BY ALL UNION ALL SELECT 'h', ${binOf(hr)}, count(*) FROM ${h} GROUP BY ALL`,
    );
    const vec = (side: string) => Array.from({ length: nbins + 1 }, (_, i) => Number(counts.find((c) => c.side === side && Number(c.bin) === i - 1)?.n ?? 0));
    const p = psi(vec('b'), vec('h'));
    const drift: ColumnDrift = { column: hc, psi: round(p), psi_threshold: t.psi ?? PSI_THRESHOLD, drifted: p > (t.psi ?? PSI_THRESHOLD) };
    if (numeric) {
      const [ks] = await engine.query<{ d: number | null }>(
        `WITH v AS (SELECT x, sum(fb) AS fb, sum(fh) AS fh FROM (SELECT ${br}::DOUBLE AS x, 1 AS fb, 0 AS fh FROM ${b} WHERE ${br} IS NOT NULL UNION ALL SELECT ${hr}::DOUBLE, 0, 1 FROM ${h} WHERE ${hr} IS NOT NULL) GROUP BY x),
         c AS (SELECT sum(fb) OVER w / sum(fb) OVER () AS cb, sum(fh) OVER w / sum(fh) OVER () AS ch FROM v WINDOW w AS (ORDER BY x ROWS UNBOUNDED PRECEDING))
         SELECT max(abs(cb - ch)) AS d FROM c`,
      );
      const d = Number(ks?.d ?? 0);
      drift.ks = round(Number.isFinite(d) ? d : 0);
      drift.ks_threshold = t.ks ?? KS_THRESHOLD;
      if (drift.ks > drift.ks_threshold) drift.drifted = true;
    }
    out.push(drift);
  }
  return out;
}

/** The columns of a drift check with their thresholds: a list (defaults) or a mapping. */
export function driftColumns(columns: string[] | Record<string, DriftThresholds | null>, head: DatasetInfo): Map<string, DriftThresholds> {
  if (Array.isArray(columns)) return new Map(columns.map((c) => [c, {}]));
  const m = new Map<string, DriftThresholds>();
  for (const [c, t] of Object.entries(columns)) m.set(c, t ?? {});
  if (m.size === 0) throw new CheckCompileError(`a drift check needs columns; dataset "${head.name}" has ${[...head.columns.keys()].join(', ')}`);
  return m;
}
