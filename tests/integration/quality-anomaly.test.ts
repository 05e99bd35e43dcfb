/**
 * `type: anomaly` checks: the measurement of issue 16 on flights-3m (recall of injected anomalies
 * ≥ 95%, false alarms on untouched days ≤ 2%; the time is printed, not asserted: see bench/anomaly.ts),
 * and an anomaly check run by a suite against a recorded history, with the chart in its verdict.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalHistoryStore } from '../../src/core/history/local.ts';
import { runSuites } from '../../src/core/quality/run-suites.ts';
import { renderSummary } from '../../src/core/report/summary.ts';
import { measureAnomalies } from '../helpers/flights-anomalies.ts';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'quality-anomaly-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('anomaly checks on a daily flights-3m history', () => {
  it('catch ≥ 95% of injected anomalies with ≤ 2% false alarms on untouched days', async () => {
    const m = await measureAnomalies(path.join(tmp, 'flights-history'));
    console.log(`anomaly measurement: recall ${m.caught}/${m.injected}, false alarms ${m.falseAlarms}/${m.untouched}, evaluated in ${m.evaluateMs.toFixed(0)} ms (${m.evaluateCpuMs.toFixed(0)} ms CPU)`);
    expect(m.days).toBe(181);
    expect(m.injected).toBe(24);
    expect(m.untouched).toBeGreaterThan(100);
    expect(m.missed).toEqual([]);
    expect(m.recall).toBeGreaterThanOrEqual(0.95);
    expect(m.falseAlarmRate).toBeLessThanOrEqual(0.02);
  });
});

describe('an anomaly check in a suite', () => {
  it('passes until min_history, then fails a row count far from the median and draws the series', async () => {
    const dir = path.join(tmp, 'suite');
    const store = new LocalHistoryStore(path.join(tmp, 'suite-history'));
    await import('node:fs/promises').then((fs) => fs.mkdir(dir, { recursive: true }));
    await writeFile(
      path.join(dir, 'events.yml'),
      `version: 1
suite: events
datasets:
  events: { path: events.csv }
checks:
  - { id: volume, type: anomaly, dataset: events, metric: row_count, min_history: 3, sensitivity: 3 }
  - { id: amount_mean, type: anomaly, dataset: events, metric: mean, column: amount, min_history: 3 }
`,
    );
    const run = async (rows: number, day: number) => {
      await writeFile(path.join(dir, 'events.csv'), `id,amount\n${Array.from({ length: rows }, (_, i) => `${i},${10 + (i % 3)}`).join('\n')}\n`);
      const outcome = await runSuites([path.join(dir, 'events.yml')], { root: dir, history: { store, identity: { repository: 'acme/events', branch: 'main', commit: String(day).padEnd(40, '0'), runAt: new Date(Date.UTC(2026, 10, day, 6)) } } });
      if (outcome.failure) throw outcome.failure;
      return outcome.reports[0]!;
    };
    try {
      const first = await run(100, 1);
      expect(first.checks[0]).toMatchObject({ status: 'pass', observed: 100 });
      expect(first.checks[0]!.message).toBe('row_count is 100; 0 runs of main recorded, 3 needed before it can fail');
      for (const [i, n] of [102, 98, 101].entries()) expect((await run(n, 2 + i)).checks[0]!.status).toBe('pass');
      const normal = await run(99, 5);
      expect(normal.checks[0]).toMatchObject({ status: 'pass', threshold: { median: 100.5 } });
      const drop = await run(60, 6);
      const volume = drop.checks[0]!;
      expect(volume.status).toBe('fail');
      expect(volume.message).toMatch(/^row_count 60 is below the expected .* \(median 100 ± 3 × .* over 5 runs of main; .* robust σ\) — new: pass on main@5000000$/);
      expect(volume.chart).toContain('xychart-beta');
      expect(volume.chart).toContain('line [100, 102, 98, 101, 99, 60]');
      expect(drop.checks[1]!.status).toBe('pass');
      expect(renderSummary([drop])).toContain('```mermaid\nxychart-beta');
    } finally {
      await store.close();
    }
  });
});
