/**
 * The data diff of two images on the same fixtures, as a pull request sees it: the example
 * pipeline's image (the base branch) and an image of the pipeline with one transformation changed
 * (a flight is on time under 10 minutes instead of 15: the pull request), both built with real
 * buildah, each run by digest on the example's fixtures through the system-test core. The diff of
 * their outputs (`dataops data diff --base-image … --head-image …`, and the data-diff action in
 * image mode) is checked against an independent plain-JS comparison of the two images' CSV outputs.
 */
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiffReport } from '../../src/core/data/diff-report.ts';
import type { DataDiff } from '../../src/core/data/diff.ts';
import { runBuild } from '../../src/core/image/builder.ts';
import { haveBuildah } from '../helpers/buildah.ts';
import { startFakeGitHub, type FakeGitHub } from '../helpers/github-server.ts';
import { copyBundle, runBundle } from '../helpers/run-bundle.ts';
import { buildExampleImage, type ExampleImage } from '../helpers/system-test-image.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const EXAMPLE = path.join(ROOT, 'templates/example-pipeline');
const CLI = path.join(ROOT, 'src/cli/main.ts');
const KEY = ['date', 'origin', 'destination'];
const tmp = mkdtempSync(path.join(os.tmpdir(), 'data-diff-images-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The example image with `f.delay < 15` changed to `< 10` in its transformation (the build context: pipeline/ copied, node_modules hard-linked). */
async function changedImage(base: ExampleImage): Promise<ExampleImage> {
  const work = path.join(ROOT, '.cache', 'system-test', 'data-diff-head');
  const context = path.join(work, 'context');
  rmSync(context, { recursive: true, force: true });
  mkdirSync(context, { recursive: true });
  for (const f of ['Dockerfile', '.dockerignore', 'package.json', 'package-lock.json']) cpSync(path.join(EXAMPLE, f), path.join(context, f));
  cpSync(path.join(EXAMPLE, 'pipeline'), path.join(context, 'pipeline'), { recursive: true });
  execFileSync('cp', ['-al', path.join(EXAMPLE, 'node_modules'), path.join(context, 'node_modules')]);
  const transform = path.join(context, 'pipeline', 'transform.mjs');
  const before = readFileSync(transform, 'utf8');
  const after = before.replace('f.delay < 15', 'f.delay < 10');
  if (after === before) throw new Error('the example transformation no longer has "f.delay < 15": update this test');
  writeFileSync(transform, after);
  const outcome = await runBuild(
    'buildah',
    { contextDir: context, dockerfile: path.join(context, 'Dockerfile'), tags: [`${base.name}:data-diff-head`], labels: {}, buildArgs: {}, platforms: [], secrets: [], cache: true, timestamp: 0, layoutDir: path.join(work, 'layout'), iidFile: path.join(work, 'iid') },
    { storageRoot: base.storageRoot, displayBase: ROOT },
  );
  return { ...base, digest: outcome.digest, ref: `${base.name}@${outcome.digest}`, layoutDir: outcome.layoutDir };
}

/** Rows of a CSV without quoted fields (the pipeline's daily_routes.csv), as objects. */
function csvRows(file: string): Array<Record<string, string>> {
  const [header, ...lines] = readFileSync(file, 'utf8').trimEnd().split('\n');
  const cols = header!.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i]!, v])));
}

/** Independent count: rows of `base` whose non-key values differ in `head`, per column (plain JS over the CSV text). */
function independentCount(baseCsv: string, headCsv: string): { rows: number; changed: number; added: number; removed: number; perColumn: Record<string, number> } {
  const keyOf = (r: Record<string, string>) => KEY.map((k) => r[k]).join('|');
  const base = csvRows(baseCsv);
  const head = new Map(csvRows(headCsv).map((r) => [keyOf(r), r]));
  const perColumn: Record<string, number> = {};
  let changed = 0;
  let removed = 0;
  for (const b of base) {
    const h = head.get(keyOf(b));
    if (!h) {
      removed++;
      continue;
    }
    head.delete(keyOf(b));
    const cols = Object.keys(b).filter((c) => !KEY.includes(c) && b[c] !== h[c] && Number(b[c]) !== Number(h[c]));
    if (cols.length) changed++;
    for (const c of cols) perColumn[c] = (perColumn[c] ?? 0) + 1;
  }
  return { rows: base.length, changed, added: head.size, removed, perColumn };
}

const run = promisify(execFile);

let base: ExampleImage;
let head: ExampleImage;
let gh: FakeGitHub;
beforeAll(async () => {
  if (!haveBuildah) return;
  base = await buildExampleImage('data-diff-base');
  head = await changedImage(base);
  gh = await startFakeGitHub();
}, 1_800_000);
afterAll(async () => {
  await gh?.close();
});

describe.skipIf(!haveBuildah)('data diff of two images on the same fixtures', () => {
  it('dataops data diff --base-image --head-image: exactly the rows and the column the changed transformation changes, keys from dataops.yml', async () => {
    expect(head.digest).not.toBe(base.digest);
    const work = path.join(tmp, 'cli');
    const report = path.join(tmp, 'cli-report.json');
    const args = ['data', 'diff', '--base-image', base.ref, '--base-layout', base.layoutDir, '--head-image', head.ref, '--head-layout', head.layoutDir, '--project', EXAMPLE, '--runner', 'buildah', '--storage-root', base.storageRoot, '--work-dir', work, '--report', report, '--json'];
    const r = await run(process.execPath, [CLI, ...args], { cwd: tmp, env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 1 << 24 });
    const diffs = JSON.parse(r.stdout) as DataDiff[];

    // the images really ran: their outputs are on disk, and they differ where the transformation changed
    const expected = independentCount(path.join(work, 'base', 'daily_routes.csv'), path.join(work, 'head', 'daily_routes.csv'));
    expect(expected.changed).toBeGreaterThan(0);
    expect(expected).toMatchObject({ added: 0, removed: 0 });
    expect(Object.keys(expected.perColumn)).toEqual(['on_time_ratio']);

    expect(diffs.map((d) => d.dataset)).toEqual(['daily_routes.csv', 'daily_routes.parquet']);
    for (const d of diffs) {
      expect(d.schema).toEqual({ added: [], removed: [], retyped: [] });
      expect(d.row_count).toEqual({ base: expected.rows, head: expected.rows, delta: 0 });
      // the key of image.system_test.compare, by output file
      expect(d.rows).toMatchObject({ key: KEY, added: 0, removed: 0, changed: expected.changed, unchanged: expected.rows - expected.changed });
      expect(Object.fromEntries(Object.entries(d.rows!.columns).filter(([, n]) => n > 0))).toEqual(expected.perColumn);
    }
    const written = JSON.parse(readFileSync(report, 'utf8')) as DiffReport;
    expect(written).toMatchObject({ base: base.ref, head: head.ref, changed: true, totals: { datasets: 2, changed_datasets: 2, rows_changed: 2 * expected.changed } });
  }, 900_000);

  it('the data-diff action in image mode posts the check run with the counts; a PII key column is masked in every sample', async () => {
    const bundle = copyBundle('data-diff', path.join(tmp, 'action', 'dist'));
    const dir = path.join(tmp, 'action-run');
    const sha = 'e'.repeat(40);
    const r = await runBundle(
      bundle,
      { 'base-image': base.ref, 'base-layout-dir': base.layoutDir, 'head-image': head.ref, 'head-layout-dir': head.layoutDir, project: EXAMPLE, runner: 'buildah', pii: 'origin', token: gh.token },
      { dir, cwd: ROOT, env: { GITHUB_WORKSPACE: ROOT, GITHUB_REPOSITORY: 'octo/pipeline', GITHUB_SHA: sha, GITHUB_API_URL: gh.url, RUNNER_TOOL_CACHE: path.join(ROOT, '.cache', 'tool-cache'), DATAOPS_BUILDAH_ROOT: base.storageRoot } },
    );
    expect(r.code, r.stdout).toBe(0);
    const report = JSON.parse(readFileSync(r.outputs['report-path']!, 'utf8')) as DiffReport;
    const outDir = path.dirname(path.dirname(report.diffs[0]!.base)); // <work>/base/daily_routes.csv
    expect(existsSync(path.join(outDir, 'head', 'daily_routes.csv'))).toBe(true);
    const expected = independentCount(path.join(outDir, 'base', 'daily_routes.csv'), path.join(outDir, 'head', 'daily_routes.csv'));
    expect(r.outputs).toMatchObject({ changed: 'true', 'rows-added': '0', 'rows-removed': '0', 'rows-changed': String(2 * expected.changed), conclusion: 'neutral' });
    const check = gh.checkRuns.find((c) => c.name === 'data-diff' && c.head_sha === sha)!;
    expect(check).toMatchObject({ conclusion: 'neutral' });
    expect(check.output.title).toBe(`2 of 2 datasets changed: 0 rows added, 0 removed, ${2 * expected.changed} changed`);
    expect(check.output.summary).toContain(`| \`daily_routes.csv\` ✱ | ${expected.rows} | ${expected.rows} (0) | 0 | 0 | ${expected.changed} | 0 |`);
    expect(check.output.summary).toContain(`| \`on_time_ratio\` | ${expected.changed} |`);
    // origin is PII: every changed sample's key reads *** for it, in the report and the check run
    for (const d of report.diffs) for (const s of d.rows!.samples.changed) expect(s.key.origin).toBe('***');
    expect(check.output.summary).toMatch(/\| [^|]*, \*\*\*, [A-Z]{3} \| `on_time_ratio` \|/);
  }, 900_000);
});
