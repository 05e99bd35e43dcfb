/**
 * `type: drift` on flights-3m: the base version against head versions that shift delays, drop a
 * carrier hub, or change nothing. PSI (numbers and categories) and the KS statistic, thresholds per
 * column; a stable column passes next to a drifted one.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { psi } from '../../src/core/quality/drift.ts';
import { runSuite } from '../../src/core/quality/run.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'quality-drift-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function run(head: string, checks: string) {
  const file = path.join(tmp, `drift-${Math.random().toString(36).slice(2)}.yml`);
  await writeFile(
    file,
    `version: 1
suite: drift
datasets:
  base: { path: "npm:vega-datasets/data/flights-3m.parquet" }
  head: { sql: "${head}" }
checks:
${checks}`,
  );
  return runSuite({ suiteFile: file, root: ROOT });
}

describe('drift between a base and a head version', () => {
  it('flags a +15 minute delay shift by KS and PSI, and passes distance and origin', async () => {
    const r = await run('SELECT * REPLACE (delay + 15 AS delay) FROM base', '  - { id: d, type: drift, dataset: head, base: base, columns: [delay, distance, origin] }\n');
    const c = r.checks[0]!;
    expect(c.status).toBe('fail');
    expect(c.failing_rows).toBe(1);
    expect(c.total_rows).toBe(3);
    const byCol = new Map(c.samples.map((s) => [s.column, s]));
    expect(byCol.get('delay')).toMatchObject({ drifted: true });
    expect(byCol.get('delay')!.ks as number).toBeGreaterThan(0.3);
    expect(byCol.get('distance')).toMatchObject({ drifted: false, psi: 0, ks: 0 });
    expect(byCol.get('origin')).toMatchObject({ drifted: false, psi: 0 });
    expect(c.message).toMatch(/^1 column drifted from base: delay \(PSI [\d.]+, KS [\d.]+\)/);
  });

  it('flags a category that disappeared, with a per-column threshold', async () => {
    const r = await run("SELECT * FROM base WHERE origin NOT IN ('ORD', 'ATL', 'DFW')", '  - { id: d, type: drift, dataset: head, base: base, columns: { origin: { psi: 0.1 }, distance: { psi: 5, ks: 0.9 } } }\n');
    const c = r.checks[0]!;
    expect(c.status).toBe('fail');
    expect(c.samples.find((s) => s.column === 'origin')).toMatchObject({ drifted: true, psi_threshold: 0.1 });
    expect(c.samples.find((s) => s.column === 'distance')).toMatchObject({ drifted: false, psi_threshold: 5, ks_threshold: 0.9 });
  });

  it('reports an unknown base dataset as the suite to fix', async () => {
    const r = await run('SELECT * FROM base', '  - { id: d, type: drift, dataset: head, base: nope, columns: [delay] }\n');
    expect(r.checks[0]).toMatchObject({ status: 'error' });
    expect(r.errors[0]).toContain('unknown dataset "nope" in base');
  });

  it('computes PSI as the sum of (h - b) ln(h / b)', () => {
    expect(psi([50, 50], [50, 50])).toBe(0);
    expect(psi([50, 50], [25, 75])).toBeCloseTo(0.25 * Math.log(0.5 / 0.5) + -0.25 * Math.log(0.25 / 0.5) + 0.25 * Math.log(0.75 / 0.5), 9);
  });
});
