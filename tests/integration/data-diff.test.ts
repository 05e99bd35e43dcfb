/**
 * `dataops data diff` on what a pull request changes: the example pipeline's transformation is
 * changed (a flight is on time under 10 minutes instead of 15), the base and the changed pipeline
 * run on the same fixtures, and the diff of their outputs is checked against an independent
 * plain-JS comparison of the two CSV outputs. Also: schema changes, added/removed rows on vega
 * flights, PII columns masked, manifests compared, bad input exits 2 with one line.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataDiff } from '../../src/core/data/diff.ts';
import { computeManifest, writeManifests } from '../../src/core/data/manifest.ts';
import { openEngine } from '../../src/core/engine/duckdb.ts';
import { literal } from '../../src/core/engine/quote.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const EXAMPLE = path.join(ROOT, 'templates/example-pipeline');
const CLI = path.join(ROOT, 'src/cli/main.ts');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'data-diff-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const run = promisify(execFile);
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [CLI, 'data', 'diff', ...args], { cwd: tmp, env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 1 << 24 });
    return { code: 0, ...r };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A copy of the example pipeline (its code only; node_modules linked), with `edit` applied to transform.mjs. */
async function pipelineRun(name: string, edit: (src: string) => string): Promise<string> {
  const dir = path.join(tmp, name);
  cpSync(path.join(EXAMPLE, 'pipeline'), path.join(dir, 'pipeline'), { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), readFileSync(path.join(EXAMPLE, 'package.json')));
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  const transform = path.join(dir, 'pipeline', 'transform.mjs');
  const before = readFileSync(transform, 'utf8');
  const after = edit(before);
  writeFileSync(transform, after);
  const out = path.join(dir, 'out');
  await run(process.execPath, [path.join(dir, 'pipeline', 'main.mjs'), '--in', path.join(EXAMPLE, 'fixtures'), '--out', out]);
  return out;
}

/** Rows of a CSV without quoted fields (the pipeline's daily_routes.csv), as objects. */
function csvRows(file: string): Array<Record<string, string>> {
  const [header, ...lines] = readFileSync(file, 'utf8').trimEnd().split('\n');
  const cols = header!.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i]!, v])));
}

let baseOut: string;
let headOut: string;
beforeAll(async () => {
  baseOut = await pipelineRun('base', (s) => s);
  headOut = await pipelineRun('head', (s) => {
    const changed = s.replace('f.delay < 15', 'f.delay < 10');
    if (changed === s) throw new Error('the example transformation no longer has "f.delay < 15": update this test');
    return changed;
  });
});

describe('dataops data diff on a changed transformation', () => {
  it('reports exactly the rows and columns that changed in both outputs, as a plain-JS comparison counts them', async () => {
    const key = ['date', 'origin', 'destination'];
    const base = csvRows(path.join(baseOut, 'daily_routes.csv'));
    const head = new Map(csvRows(path.join(headOut, 'daily_routes.csv')).map((r) => [key.map((k) => r[k]).join('|'), r]));
    const perColumn: Record<string, number> = {};
    let changedRows = 0;
    for (const b of base) {
      const h = head.get(key.map((k) => b[k]).join('|'))!;
      const cols = Object.keys(b).filter((c) => !key.includes(c) && Number(b[c]) !== Number(h[c]) && b[c] !== h[c]);
      if (cols.length) changedRows++;
      for (const c of cols) perColumn[c] = (perColumn[c] ?? 0) + 1;
    }
    expect(changedRows).toBeGreaterThan(0);
    expect(Object.keys(perColumn)).toEqual(['on_time_ratio']);

    const r = await cli([baseOut, headOut, '--key', 'date,origin,destination', '--check-keys', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const diffs = JSON.parse(r.stdout) as DataDiff[];
    expect(diffs.map((d) => path.basename(d.head))).toEqual(['daily_routes.csv', 'daily_routes.parquet']);
    for (const d of diffs) {
      expect(d.schema).toEqual({ added: [], removed: [], retyped: [] });
      expect(d.row_count).toEqual({ base: base.length, head: base.length, delta: 0 });
      expect(d.rows).toMatchObject({ added: 0, removed: 0, changed: changedRows, unchanged: base.length - changedRows, duplicate_keys: { base: 0, head: 0 } });
      expect(Object.fromEntries(Object.entries(d.rows!.columns).filter(([, n]) => n > 0))).toEqual(perColumn);
      // every sample is a real change: the head value is the head output's, and lower (fewer flights count as on time)
      expect(d.rows!.samples.changed).toHaveLength(5);
      for (const s of d.rows!.samples.changed) {
        const h = head.get([s.key.date, s.key.origin, s.key.destination].join('|'))!;
        expect(Object.keys(s.changes)).toEqual(['on_time_ratio']);
        expect(Number(s.changes.on_time_ratio!.head)).toBe(Number(h.on_time_ratio));
        expect(Number(s.changes.on_time_ratio!.head)).toBeLessThan(Number(s.changes.on_time_ratio!.base));
      }
    }
    // --exit-code: 1 when something differs; Markdown names the column and the count
    const md = path.join(tmp, 'diff.md');
    const again = await cli([baseOut, headOut, '--key', 'date,origin,destination', '--exit-code', '--markdown', md]);
    expect(again.code).toBe(1);
    expect(readFileSync(md, 'utf8')).toContain(`| \`on_time_ratio\` | ${changedRows} |`);
    expect((await cli([baseOut, baseOut, '--key', 'date,origin,destination', '--exit-code'])).code).toBe(0);
  });

  it('PII columns never show a value, not even in the key of a sample', async () => {
    const r = await cli([baseOut, headOut, '--key', 'date,origin,destination', '--pii', 'origin,ORIGIN_STATE', '--json']);
    const diffs = JSON.parse(r.stdout) as DataDiff[];
    const origins = new Set(csvRows(path.join(baseOut, 'daily_routes.csv')).map((x) => x.origin!));
    for (const d of diffs) {
      expect(d.rows!.samples.changed.length).toBeGreaterThan(0);
      for (const s of d.rows!.samples.changed) expect(s.key.origin).toBe('***');
    }
    const destinations = new Set(csvRows(path.join(baseOut, 'daily_routes.csv')).map((x) => x.destination!));
    const onlyOrigins = [...origins].filter((o) => !destinations.has(o));
    for (const o of onlyOrigins) expect(r.stdout).not.toContain(`"${o}"`);
  });
});

describe('data diff on vega flights', () => {
  it('added, removed and changed rows and a retyped, added and removed column, one pass, against independent counts', async () => {
    const engine = await openEngine({ tempDirectory: tmp });
    const src = path.join(ROOT, 'node_modules/vega-datasets/data/flights-20k.json');
    const a = path.join(tmp, 'a.parquet');
    const b = path.join(tmp, 'b.parquet');
    try {
      await engine.run(`COPY (SELECT row_number() OVER () AS id, * FROM read_json(${literal(src)})) TO ${literal(a)} (FORMAT parquet)`);
      await engine.run(`COPY (SELECT id, date, CASE WHEN id % 50 = 0 THEN delay + 1 ELSE delay END AS delay, CAST(distance AS DOUBLE) AS distance, origin, 1 AS note FROM read_parquet(${literal(a)}) WHERE id % 400 <> 3) TO ${literal(b)} (FORMAT parquet)`);
      const [expected] = await engine.query<{ changed: number; removed: number; total: number }>(
        `SELECT count(*) FILTER (WHERE id % 50 = 0 AND id % 400 <> 3) AS changed, count(*) FILTER (WHERE id % 400 = 3) AS removed, count(*) AS total FROM read_parquet(${literal(a)})`,
      );
      const r = await cli([a, b, '--key', 'id', '--json']);
      const [d] = JSON.parse(r.stdout) as DataDiff[];
      expect(d!.schema.added).toEqual([{ name: 'note', type: 'INTEGER' }]);
      expect(d!.schema.removed).toEqual([{ name: 'destination', type: 'VARCHAR' }]);
      expect(d!.schema.retyped).toEqual([{ name: 'distance', from: 'BIGINT', to: 'DOUBLE' }]);
      // a retyped column compares as text: 123 vs 123.0 differ, so every kept row changed
      expect(d!.rows).toMatchObject({ added: 0, removed: expected!.removed, changed: expected!.total - expected!.removed, unchanged: 0 });
      expect(d!.rows!.columns).toEqual({ date: 0, delay: expected!.changed, distance: expected!.total - expected!.removed, origin: 0 });
    } finally {
      engine.close();
    }
  });

  it('two manifests: schema and row count; a missing file or a missing key column exits 2 with one line', async () => {
    const engine = await openEngine({ tempDirectory: tmp });
    try {
      const mk = async (name: string, file: string) => computeManifest(engine, { name, location: file, files: [file], format: 'parquet', root: tmp });
      const [ma] = await writeManifests(path.join(tmp, 'ma'), [await mk('a', path.join(tmp, 'a.parquet'))]);
      const [mb] = await writeManifests(path.join(tmp, 'mb'), [await mk('a', path.join(tmp, 'b.parquet'))]);
      const r = await cli([ma!.file, mb!.file, '--json']);
      const [d] = JSON.parse(r.stdout) as DataDiff[];
      expect(d!.row_count.delta).toBe(-50);
      expect(d!.schema.added.map((c) => c.name)).toEqual(['note']);
    } finally {
      engine.close();
    }
    mkdirSync(path.join(tmp, 'empty'), { recursive: true });
    for (const args of [[path.join(tmp, 'nope.csv'), path.join(tmp, 'a.parquet')], [path.join(tmp, 'a.parquet'), path.join(tmp, 'b.parquet'), '--key', 'destination']]) {
      const bad = await cli(args);
      expect(bad.code).toBe(2);
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
      expect(bad.stderr).toMatch(/configuration error: .*(does not exist|key column "destination" is not in the head)/);
    }
    // images: both or none, and not with paths
    const image = `localhost/x@sha256:${'0'.repeat(64)}`;
    for (const [args, message] of [
      [['--base-image', image], /--head-image: give both --base-image and --head-image/],
      [[path.join(tmp, 'a.parquet'), path.join(tmp, 'b.parquet'), '--base-image', image, '--head-image', image], /give either <base> <head> or --base-image\/--head-image, not both/],
      [[path.join(tmp, 'a.parquet')], /<head>: name <base> and <head>, or --base-image and --head-image/],
    ] as const) {
      const bad = await cli([...args]);
      expect(bad.code).toBe(2);
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
      expect(bad.stderr).toMatch(message);
    }
  });
});
