/**
 * Performance budget of a deployed digest: the fixtures scaled N× (rows duplicated with DuckDB),
 * one run of the image on them, and the measurements (duration, input rows per second, peak
 * memory) compared to the budgets of `deploy.verify.performance` and to the last successful
 * baseline. Budget and regression checks are pure functions.
 */
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { openEngine, type EngineOptions } from '../engine/duckdb.ts';
import { literal } from '../engine/quote.ts';
import { copyOptions, formatFromPath, readerSql, type DatasetFormat, type ReaderOptions } from '../formats.ts';
import { matchesGlob } from '../glob.ts';
import type { CheckResult, CheckStatus } from '../report/report.ts';

/** Measurements of one performance run. */
export interface PerformanceMetrics {
  duration_seconds: number;
  /** Rows of the (scaled) input. */
  input_rows: number;
  rows_per_second: number;
  /** Peak memory in MiB; undefined when the runner could not measure it. */
  peak_memory_mb?: number | undefined;
  scale_factor: number;
}

/** The last successful measurement of an environment. */
export interface Baseline {
  environment: string;
  /** Digest measured. */
  digest: string;
  recorded_at: string;
  metrics: PerformanceMetrics;
}

/** Budgets (`deploy.verify.performance`). */
export interface Budgets {
  max_duration_seconds?: number | undefined;
  min_rows_per_second?: number | undefined;
  max_peak_memory_mb?: number | undefined;
  regression_threshold_percent: number;
}

/** CSV and TSV are scaled as text (header kept, every value copied as written); other formats keep their types. */
function textOptions(format: DatasetFormat): ReaderOptions {
  return format === 'csv' || format === 'tsv' ? { header: true, all_varchar: true } : {};
}

/**
 * Writes N× the fixtures to `outDir`: tabular files matching `scaleFiles` (all tabular files when
 * empty) get every row `factor` times; other files are copied unchanged (reference data such as
 * lookup tables whose keys must stay unique).
 * @returns rows of the tabular files written and the files scaled.
 */
export async function buildScaledInput(fixturesDir: string, outDir: string, factor: number, scaleFiles: readonly string[] = [], engineOptions: EngineOptions = {}): Promise<{ rows: number; scaled: string[]; copied: string[] }> {
  await mkdir(outDir, { recursive: true });
  const entries = (await readdir(fixturesDir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name).sort();
  const engine = await openEngine({ threads: 2, ...engineOptions });
  const scaled: string[] = [];
  const copied: string[] = [];
  let rows = 0;
  try {
    for (const name of entries) {
      const src = path.join(fixturesDir, name);
      const dst = path.join(outDir, name);
      const format = formatFromPath(name);
      const scale = format !== undefined && (scaleFiles.length === 0 || scaleFiles.some((p) => matchesGlob(name, p)));
      if (format && scale && factor > 1) {
        await engine.run(`COPY (SELECT t.* FROM ${readerSql([src], format, textOptions(format))} t, range(${Math.floor(factor)})) TO ${literal(dst)} ${copyOptions(format)}`);
        scaled.push(name);
      } else {
        await copyFile(src, dst);
        if (scale) scaled.push(name);
        else copied.push(name);
      }
      if (format) {
        const [r] = await engine.query<{ n: number }>(`SELECT count(*) AS n FROM ${readerSql([dst], format, textOptions(format))}`);
        rows += Number(r?.n ?? 0);
      }
    }
  } finally {
    engine.close();
  }
  return { rows, scaled, copied };
}

const check = (id: string, status: CheckStatus, message: string, threshold: CheckResult['threshold'], durationMs = 0): CheckResult => ({
  id,
  type: id,
  dataset: 'performance',
  columns: [],
  severity: 'error',
  status,
  failing_rows: status === 'fail' ? 1 : 0,
  total_rows: 1,
  threshold,
  samples: [],
  message,
  duration_ms: durationMs,
});

const fmt = (n: number, digits = 2) => (Number.isInteger(n) ? String(n) : n.toFixed(digits));

/**
 * Budget checks (`budget_duration`, `budget_rows_per_second`, `budget_peak_memory`) and the
 * regression check against the baseline (`regression_duration`: seconds per input row, so runs at
 * another scale stay comparable). A budget that is not set passes with a note; an unmeasurable
 * peak memory with a memory budget is a `warn`.
 */
export function evaluateBudgets(m: PerformanceMetrics, b: Budgets, baseline: Baseline | undefined): CheckResult[] {
  const out: CheckResult[] = [];
  if (b.max_duration_seconds !== undefined) {
    const ok = m.duration_seconds <= b.max_duration_seconds;
    out.push(check('budget_duration', ok ? 'pass' : 'fail', `run took ${fmt(m.duration_seconds)} s (budget ${fmt(b.max_duration_seconds)} s)`, { max_duration_seconds: b.max_duration_seconds, observed: m.duration_seconds }));
  }
  if (b.min_rows_per_second !== undefined) {
    const ok = m.rows_per_second >= b.min_rows_per_second;
    out.push(check('budget_rows_per_second', ok ? 'pass' : 'fail', `${fmt(m.rows_per_second, 0)} input rows/s over ${m.input_rows} rows (budget ≥ ${fmt(b.min_rows_per_second, 0)})`, { min_rows_per_second: b.min_rows_per_second, observed: m.rows_per_second }));
  }
  if (b.max_peak_memory_mb !== undefined) {
    if (m.peak_memory_mb === undefined) out.push(check('budget_peak_memory', 'warn', 'peak memory could not be measured by this runner', { max_peak_memory_mb: b.max_peak_memory_mb }));
    else {
      const ok = m.peak_memory_mb <= b.max_peak_memory_mb;
      out.push(check('budget_peak_memory', ok ? 'pass' : 'fail', `peak memory ${fmt(m.peak_memory_mb, 1)} MiB (budget ${fmt(b.max_peak_memory_mb)} MiB)`, { max_peak_memory_mb: b.max_peak_memory_mb, observed: m.peak_memory_mb }));
    }
  }
  if (!baseline) {
    out.push(check('regression_duration', 'pass', 'no baseline yet: this run becomes the baseline', { regression_threshold_percent: b.regression_threshold_percent }));
  } else {
    const per = (x: PerformanceMetrics) => x.duration_seconds / Math.max(1, x.input_rows);
    const change = (per(m) / per(baseline.metrics) - 1) * 100;
    const ok = change <= b.regression_threshold_percent;
    out.push(
      check(
        'regression_duration',
        ok ? 'pass' : 'fail',
        `${change >= 0 ? `${fmt(change, 1)}% slower` : `${fmt(-change, 1)}% faster`} per input row than the baseline (sha256:${baseline.digest.slice(7, 19)}, ${fmt(baseline.metrics.duration_seconds)} s for ${baseline.metrics.input_rows} rows, ${baseline.recorded_at}); threshold ${fmt(b.regression_threshold_percent)}%`,
        { regression_threshold_percent: b.regression_threshold_percent, observed_percent: Number(change.toFixed(2)), baseline_digest: baseline.digest },
      ),
    );
  }
  return out;
}

/** Metrics from a run's measurements. */
export function metricsOf(durationMs: number, inputRows: number, scaleFactor: number, peakMemoryBytes: number | undefined): PerformanceMetrics {
  const seconds = Math.max(durationMs, 1) / 1000;
  return {
    duration_seconds: Number(seconds.toFixed(3)),
    input_rows: inputRows,
    rows_per_second: Number((inputRows / seconds).toFixed(1)),
    ...(peakMemoryBytes !== undefined ? { peak_memory_mb: Number((peakMemoryBytes / 1024 / 1024).toFixed(1)) } : {}),
    scale_factor: scaleFactor,
  };
}
