/**
 * Anomaly bench (issue 16): a daily quality history of vega-datasets' flights-3m (181 days of
 * 2001) with anomalies injected into a copy of the data (days losing 30% of their rows, 5% null
 * spikes in delay, +20 minute delay shifts, duplicated days), one run per day in a local Parquet
 * history store, every day judged by the anomaly checks against the days before it
 * (tests/helpers/flights-anomalies.ts; tests/integration/quality-anomaly.test.ts asserts the same
 * figures). Targets: recall of injected anomalies ≥ 95%, false alarms on untouched days ≤ 2%,
 * evaluating every anomaly check over the whole history (reading it back from Parquet included)
 * ≤ 1 s.
 *
 * `node bench/anomaly.ts` runs it alone; `npm run bench` runs it with the other bench modules.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHECKS, measureAnomalies, MEAN_CHECK } from '../tests/helpers/flights-anomalies.ts';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export async function run(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-anomaly-'));
  try {
    const m = await measureAnomalies(dir);
    console.log(`flights-3m daily history: ${m.days} days, ${m.injected} injected anomalies, ${m.untouched} untouched days with enough history; built and written in ${(m.buildMs / 1000).toFixed(1)} s`);
    console.log(`checks: ${CHECKS.map((c) => `${c.id} = ${c.metric}${c.column ? `(${c.column})` : ''} [sensitivity ${c.settings.sensitivity}, ${c.settings.seasonality === 'weekday' ? 'weekday seasonality, ' : ''}window ${c.settings.window} ${c.settings.bucket}s${c.settings.min_change_percent ? `, min_change ${c.settings.min_change_percent}%` : ''}]`).join('; ')}`);
    console.log('| measure | value | target |');
    console.log('|---|---:|---:|');
    console.log(`| recall of injected anomalies | ${pct(m.recall)} (${m.caught}/${m.injected}) | ≥ 95% |`);
    console.log(`| false alarms on untouched days | ${pct(m.falseAlarmRate)} (${m.falseAlarms}/${m.untouched}) | ≤ 2% |`);
    console.log(`| evaluate all checks over the history (wall) | ${m.evaluateMs.toFixed(0)} ms | ≤ 1000 ms |`);
    console.log(`| same, CPU time | ${m.evaluateCpuMs.toFixed(0)} ms | |`);
    console.log(`| for comparison: mean(delay) [sensitivity ${MEAN_CHECK.settings.sensitivity}] on the mean shifts | ${m.mean.caught}/${m.mean.injected} caught, ${m.mean.falseAlarms}/${m.mean.untouched} false alarms | |`);
    if (m.missed.length) console.log(`missed: ${m.missed.join(', ')}`);
    if (m.alarms.length) console.log(`false alarms: ${m.alarms.join(', ')}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run();
