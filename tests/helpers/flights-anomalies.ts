/**
 * The anomaly measurement of issue 16, shared by tests/integration/quality-anomaly.test.ts (which
 * asserts it) and bench/anomaly.ts (which prints it): a daily quality history built from
 * vega-datasets' flights-3m (181 days of 2001, ~16.5k flights a day, fewer on Saturdays), with
 * anomalies injected into a copy of the data — days that lose 30% of their rows, a 5% null spike
 * in `delay`, a +20 minute shift of the mean delay, a duplicated day — recorded one run per day in
 * a local Parquet history store, then every day judged by three anomaly checks against the days
 * before it.
 */
import path from 'node:path';
import { openEngine } from '../../src/core/engine/duckdb.ts';
import { literal } from '../../src/core/engine/quote.ts';
import { detectAnomaly, type AnomalySettings } from '../../src/core/history/anomaly.ts';
import { metricSeries } from '../../src/core/history/gate.ts';
import { LocalHistoryStore } from '../../src/core/history/local.ts';
import type { HistoryRun } from '../../src/core/history/record.ts';
import { metricExpression } from '../../src/core/quality/compile.ts';

export const FLIGHTS_3M = path.resolve(import.meta.dirname, '../../node_modules/vega-datasets/data/flights-3m.parquet');

/** Kinds of injected anomaly and the check that must catch each. */
export const INJECTIONS = ['lose_30pct_rows', 'null_spike_5pct', 'mean_shift_20min', 'duplicated_day'] as const;
export type Injection = (typeof INJECTIONS)[number];

/** The anomaly checks of the measurement (as a suite would write them; defaults elsewhere). */
export const CHECKS: ReadonlyArray<{ id: string; metric: 'row_count' | 'null_ratio' | 'mean' | 'median'; column?: string; settings: AnomalySettings }> = [
  { id: 'rows', metric: 'row_count', settings: { window: 8, bucket: 'day', seasonality: 'weekday', min_history: 4, sensitivity: 4, direction: 'both', min_change_percent: 15 } },
  { id: 'delay_nulls', metric: 'null_ratio', column: 'delay', settings: { window: 28, bucket: 'day', seasonality: 'none', min_history: 7, sensitivity: 4, direction: 'both', min_change_percent: 0 } },
  { id: 'delay_median', metric: 'median', column: 'delay', settings: { window: 28, bucket: 'day', seasonality: 'none', min_history: 7, sensitivity: 5, direction: 'both', min_change_percent: 0 } },
];

/** The mean of delay, measured alongside (not part of the targets): see {@link AnomalyMeasurement.mean}. */
export const MEAN_CHECK = { id: 'delay_mean', metric: 'mean', column: 'delay', settings: { window: 28, bucket: 'day', seasonality: 'none', min_history: 7, sensitivity: 3, direction: 'both', min_change_percent: 0 } } as const;

/** What catches each injection. */
const CATCHER: Record<Injection, string> = { lose_30pct_rows: 'rows', null_spike_5pct: 'delay_nulls', mean_shift_20min: 'delay_median', duplicated_day: 'rows' };

/** Outcome of {@link measureAnomalies}. */
export interface AnomalyMeasurement {
  days: number;
  injected: number;
  caught: number;
  /** caught / injected. */
  recall: number;
  /** Untouched days with enough history for every check. */
  untouched: number;
  falseAlarms: number;
  /** falseAlarms / untouched. */
  falseAlarmRate: number;
  /** Injected days not caught, and untouched days flagged, for the record. */
  missed: string[];
  alarms: string[];
  /** Time to read the whole history from the store and judge every day with every check, ms. */
  evaluateMs: number;
  /** CPU time of the same (all threads of the process): steadier than wall time on a shared machine. */
  evaluateCpuMs: number;
  /** Time to build the data copy and write the history, ms. */
  buildMs: number;
  /** The same days judged by `mean` of delay instead of `median` (heavy-tailed: storm days): mean shifts caught, untouched days flagged. */
  mean: { caught: number; injected: number; falseAlarms: number; untouched: number };
}

/** The days of injection: 24 days from day 35 on, spread over weekdays, kinds in turn. */
export function injectionPlan(days: readonly string[]): Map<string, Injection> {
  const plan = new Map<string, Injection>();
  for (let k = 0; k < 24; k++) plan.set(days[35 + k * 6]!, INJECTIONS[k % INJECTIONS.length]!);
  return plan;
}

/** Builds the history in `dir` and measures (see the module doc). */
export async function measureAnomalies(dir: string): Promise<AnomalyMeasurement> {
  const t0 = performance.now();
  const engine = await openEngine({ threads: 2 });
  const store = new LocalHistoryStore(dir);
  try {
    await engine.run(`CREATE TABLE flights AS SELECT *, CAST(date AS DATE) AS day FROM read_parquet(${literal(FLIGHTS_3M)}) WHERE date < TIMESTAMP '2001-07-01'`);
    const days = (await engine.query<{ d: string }>(`SELECT DISTINCT CAST(day AS VARCHAR) AS d FROM flights ORDER BY d`)).map((r) => r.d);
    const plan = injectionPlan(days);
    for (const [d, kind] of plan) {
      const day = `DATE ${literal(d)}`;
      if (kind === 'lose_30pct_rows') await engine.run(`DELETE FROM flights WHERE day = ${day} AND hash(date, origin, destination, distance, delay) % 10 < 3`);
      if (kind === 'null_spike_5pct') await engine.run(`UPDATE flights SET delay = NULL WHERE day = ${day} AND hash(date, origin, destination, distance) % 100 < 5`);
      if (kind === 'mean_shift_20min') await engine.run(`UPDATE flights SET delay = delay + 20 WHERE day = ${day}`);
      if (kind === 'duplicated_day') await engine.run(`INSERT INTO flights SELECT * FROM flights WHERE day = ${day}`);
    }
    const ref = 't.delay';
    const rows = await engine.query<{ d: string; n: number; nr: number; mean: number; median: number }>(
      `SELECT CAST(day AS VARCHAR) AS d, count(*) AS n, ${metricExpression('null_ratio', ref, 'BIGINT')} AS nr, ${metricExpression('mean', ref, 'BIGINT')} AS mean, ${metricExpression('median', ref, 'BIGINT')} AS median FROM flights AS t GROUP BY day ORDER BY day`,
    );
    for (const r of rows) {
      const run: HistoryRun = {
        id: `${r.d.replace(/-/g, '')}T230000Z-f11e000-flights-000000`,
        repository: 'vega/flights',
        branch: 'main',
        commit: r.d.replace(/-/g, '').padEnd(40, '0'),
        run_at: `${r.d}T23:00:00.000Z`,
        suite: 'flights',
        checks: [],
        metrics: [
          { dataset: 'flights', name: 'row_count', value: Number(r.n) },
          { dataset: 'flights', name: 'null_ratio(delay)', value: Number(r.nr) },
          { dataset: 'flights', name: 'mean(delay)', value: Number(r.mean) },
          { dataset: 'flights', name: 'median(delay)', value: Number(r.median) },
        ],
        columns: [],
      };
      await store.append(run);
    }
    const buildMs = performance.now() - t0;

    // What is timed: reading the history back from Parquet and judging every day with every check.
    const t1 = performance.now();
    const cpu1 = process.cpuUsage();
    const runs = await store.list({ repository: 'vega/flights', branch: 'main', suite: 'flights' });
    const verdicts = new Map<string, Map<string, boolean | undefined>>();
    const series = new Map(CHECKS.map((c) => [c.id, metricSeries(runs, { dataset: 'flights', columns: c.column ? [c.column] : [], threshold: { metric: c.metric } })]));
    for (const run of runs) {
      const byCheck = new Map<string, boolean | undefined>();
      for (const c of CHECKS) {
        const s = series.get(c.id)!;
        const now = s.find((p) => p.at === run.run_at);
        if (!now) continue;
        const v = detectAnomaly(now.value, run.run_at, s, c.settings);
        byCheck.set(c.id, v.enough ? v.anomalous : undefined);
      }
      verdicts.set(run.run_at.slice(0, 10), byCheck);
    }
    const evaluateMs = performance.now() - t1;
    const cpu = process.cpuUsage(cpu1);
    const evaluateCpuMs = (cpu.user + cpu.system) / 1000;
    const meanSeries = metricSeries(runs, { dataset: 'flights', columns: ['delay'], threshold: { metric: 'mean' } });
    const meanFired = new Map(meanSeries.map((p) => [p.at.slice(0, 10), detectAnomaly(p.value, p.at, meanSeries, MEAN_CHECK.settings)]));
    const mean = { caught: 0, injected: 0, falseAlarms: 0, untouched: 0 };
    for (const [day, v] of meanFired) {
      if (!v.enough) continue;
      const kind = plan.get(day);
      if (kind === 'mean_shift_20min') {
        mean.injected++;
        if (v.anomalous) mean.caught++;
      } else if (!kind) {
        mean.untouched++;
        if (v.anomalous) mean.falseAlarms++;
      }
    }

    const missed: string[] = [];
    const alarms: string[] = [];
    let caught = 0;
    let untouched = 0;
    for (const [day, byCheck] of verdicts) {
      const kind = plan.get(day);
      if (kind) {
        if (byCheck.get(CATCHER[kind]) === true) caught++;
        else missed.push(`${day} ${kind}`);
        continue;
      }
      if ([...byCheck.values()].some((v) => v === undefined) || byCheck.size < CHECKS.length) continue;
      untouched++;
      const fired = CHECKS.filter((c) => byCheck.get(c.id)).map((c) => c.id);
      if (fired.length) alarms.push(`${day} ${fired.join('+')}`);
    }
    return { days: days.length, injected: plan.size, caught, recall: caught / plan.size, untouched, falseAlarms: alarms.length, falseAlarmRate: alarms.length / untouched, missed, alarms, evaluateMs, evaluateCpuMs, buildMs, mean };
  } finally {
    engine.close();
    await store.close();
  }
}
