/**
 * actions/data-diff as GitHub runs it: the committed bundle (copied away from the repository)
 * started with the runner's protocol (INPUT_*, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY,
 * GITHUB_EVENT_PATH of a pull_request) on two directories of outputs, with the check run going to
 * the fake GitHub API (tests/helpers/github-server.ts), which records the requests. Every value of
 * a PII column is searched for in everything the action wrote or sent.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiffReport } from '../../src/core/data/diff-report.ts';
import { startFakeGitHub, type FakeGitHub } from '../helpers/github-server.ts';
import { copyBundle, runBundle, type BundleRun } from '../helpers/run-bundle.ts';

const root = path.resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'data-diff-action-'));
const bundle = copyBundle('data-diff', path.join(tmp, 'action', 'dist'));
const ws = path.join(tmp, 'workspace');
const HEAD_SHA = 'c0ffee'.padEnd(40, '1');
let gh: FakeGitHub;

/** 40 people; head: ids 5 and 17 change email (PII), id 9 changes city, id 40 is removed, id 41 added. */
const people = (side: 'base' | 'head') => {
  const rows: string[] = ['id,name,email,city'];
  for (let id = 1; id <= 41; id++) {
    if (side === 'base' && id === 41) continue;
    if (side === 'head' && id === 40) continue;
    const email = side === 'head' && (id === 5 || id === 17) ? `moved${id}@secret-mail.test` : `person${id}@secret-mail.test`;
    const city = side === 'head' && id === 9 ? 'Lisbon' : 'Porto';
    rows.push(`${id},Secretname${id},${email},${city}`);
  }
  return rows.join('\n') + '\n';
};
/** Every PII value of both sides (names and emails). */
const PII_VALUES = [...Array.from({ length: 41 }, (_, i) => `Secretname${i + 1}`), ...Array.from({ length: 41 }, (_, i) => `person${i + 1}@secret-mail.test`), 'moved5@secret-mail.test', 'moved17@secret-mail.test', 'secret-mail'];

beforeAll(async () => {
  for (const side of ['base', 'head'] as const) {
    mkdirSync(path.join(ws, side), { recursive: true });
    writeFileSync(path.join(ws, side, 'people.csv'), people(side));
    writeFileSync(path.join(ws, side, 'cities.csv'), 'city,country\nPorto,PT\nLisbon,PT\n');
  }
  writeFileSync(path.join(ws, 'event.json'), JSON.stringify({ pull_request: { number: 7, head: { sha: HEAD_SHA }, base: { sha: 'b'.repeat(40) } } }));
  gh = await startFakeGitHub();
});
afterAll(async () => {
  await gh?.close();
  rmSync(tmp, { recursive: true, force: true });
});

let runNo = 0;
async function runAction(inputs: Record<string, string>): Promise<BundleRun & { dir: string }> {
  const dir = path.join(tmp, `run-${++runNo}`);
  const r = await runBundle(bundle, inputs, {
    dir,
    cwd: ws,
    env: {
      GITHUB_WORKSPACE: ws,
      GITHUB_REPOSITORY: 'octo/pipeline',
      GITHUB_SHA: 'd'.repeat(40), // the merge commit: the check run goes on the pull request's head
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: path.join(ws, 'event.json'),
      GITHUB_API_URL: gh.url,
      RUNNER_TOOL_CACHE: path.join(root, '.cache', 'tool-cache'),
    },
  });
  return { ...r, dir };
}

const base = () => ({ base: 'base', head: 'head', key: 'people.csv: id', pii: 'EMAIL, name', token: gh.token, 'report-dir': path.join(tmp, `report-${runNo + 1}`) });

/** Everything the action wrote or sent, as one text: log, outputs, summary, report files, every API request. */
function everything(r: BundleRun & { dir: string }, reportDir: string): string {
  const files = ['data-diff.json', 'data-diff.md'].map((f) => readFileSync(path.join(reportDir, f), 'utf8'));
  return [r.stdout, JSON.stringify(r.outputs), r.summary, ...files, JSON.stringify(gh.requests.map((q) => q.body))].join('\n');
}

describe('actions/data-diff', () => {
  it('changed data: a neutral check run on the PR head with the summary table, exact counts as outputs, no PII value anywhere', async () => {
    const inputs = base();
    const r = await runAction(inputs);
    expect(r.code, r.stdout).toBe(0);
    expect(r.outputs).toMatchObject({ changed: 'true', 'rows-added': '1', 'rows-removed': '1', 'rows-changed': '3', conclusion: 'neutral' });
    const report = JSON.parse(readFileSync(r.outputs['report-path']!, 'utf8')) as DiffReport;
    expect(report).toMatchObject({ kind: 'data-diff', changed: true, pii: ['email', 'name'], totals: { datasets: 2, changed_datasets: 1, rows_added: 1, rows_removed: 1, rows_changed: 3 } });
    const people = report.diffs.find((d) => d.dataset === 'people.csv')!;
    expect(people.rows!.columns).toEqual({ name: 0, email: 2, city: 1 });
    // the check run: on the pull request's head commit, neutral, titled with the counts, the table in its summary
    const runs = gh.checkRuns.filter((c) => c.name === 'data-diff');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ head_sha: HEAD_SHA, status: 'completed', conclusion: 'neutral', external_id: 'data-diff' });
    expect(runs[0]!.output.title).toBe('1 of 2 datasets changed: 1 rows added, 1 removed, 3 changed');
    const summary = runs[0]!.output.summary!;
    expect(summary).toContain('| dataset | rows (base) | rows (head) | added | removed | changed | schema changes |');
    expect(summary).toContain('| `people.csv` ✱ | 40 | 40 (0) | 1 | 1 | 3 | 0 |');
    expect(summary).toContain('| `cities.csv` | 2 | 2 (0) | — | — | — | 0 |'); // no key for it: counts only
    expect(summary).toContain('| `email` | 2 |');
    expect(summary).toContain('| 9 | `city` | Porto | Lisbon |'); // a non-PII change shows its values
    expect(summary).toContain('| 5 | `email` | *** | *** |');
    // the job summary is the same table
    expect(r.summary).toBe(summary);
    // PII: not one value of a PII column in the log, outputs, summary, report files or any API request
    const all = everything(r, inputs['report-dir']);
    for (const v of PII_VALUES) expect(all, v).not.toContain(v);
    expect(all).toContain('Lisbon'); // the search itself works: a non-PII value is there
  });

  it('fail-on-change: the step fails and the same check run is updated in place to failure', async () => {
    const r = await runAction({ ...base(), 'fail-on-change': 'true' });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('::error::data-diff: the data changed (1 of 2 datasets changed: 1 rows added, 1 removed, 3 changed) — fail-on-change: true');
    expect(r.outputs.conclusion).toBe('failure');
    const runs = gh.checkRuns.filter((c) => c.name === 'data-diff');
    expect(runs).toHaveLength(1);
    expect(runs[0]!.conclusion).toBe('failure');
  });

  it('equal data: success, changed=false, under the given check name', async () => {
    const r = await runAction({ ...base(), head: 'base', 'check-name': 'data diff (outputs)', 'fail-on-change': 'true' });
    expect(r.code, r.stdout).toBe(0);
    expect(r.outputs).toMatchObject({ changed: 'false', 'rows-added': '0', 'rows-removed': '0', 'rows-changed': '0', conclusion: 'success' });
    const run = gh.checkRuns.find((c) => c.name === 'data diff (outputs)');
    expect(run).toMatchObject({ conclusion: 'success', head_sha: HEAD_SHA });
    expect(run!.output.title).toBe('no change in 2 datasets');
  });

  it('a token without checks: write warns once and the job summary still has the table', async () => {
    gh.failNext('POST /repos/octo/pipeline/check-runs', 403, 1, 'Resource not accessible by integration');
    const r = await runAction({ ...base(), 'check-name': 'data-diff (forbidden)' });
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/::warning title=data-diff%3A check runs skipped::data-diff: cannot write check runs: .*checks: write/);
    expect(r.summary).toContain('| `people.csv` ✱ |');
  });

  it('a summary over GitHub\'s 65535-character limit is cut in the check run, whole in the job summary', async () => {
    for (const side of ['base', 'head'] as const) {
      mkdirSync(path.join(ws, `wide-${side}`), { recursive: true });
      const rows = Array.from({ length: 10 }, (_, i) => `${i},${(side === 'base' ? 'a' : 'b').repeat(15_000)}`);
      writeFileSync(path.join(ws, `wide-${side}`, 'notes.csv'), ['id,note', ...rows].join('\n') + '\n');
    }
    const r = await runAction({ base: 'wide-base', head: 'wide-head', key: 'id', samples: '10', token: gh.token, 'check-name': 'data-diff (wide)' });
    expect(r.code, r.stdout).toBe(0);
    const run = gh.checkRuns.find((c) => c.name === 'data-diff (wide)')!;
    expect(r.summary.length).toBeGreaterThan(300_000);
    expect(run.output.summary!.length).toBeLessThanOrEqual(65_535);
    expect(run.output.summary).toContain('| `notes.csv` ✱ | 10 | 10 (0) | 0 | 0 | 10 | 0 |');
    expect(run.output.summary).toMatch(/… \(truncated: the full summary is in the job summary and the JSON report\)$/);
  });

  it('bad inputs fail as one configuration error line: only base, or paths and images mixed', async () => {
    const only = await runAction({ base: 'base', 'check-run': 'false' });
    expect(only.code).toBe(1);
    expect(only.stdout).toMatch(/::error::data-diff: configuration error: input "head": is required/);
    const mixed = await runAction({ base: 'base', head: 'head', 'head-image': 'localhost/x@sha256:' + '0'.repeat(64), 'check-run': 'false' });
    expect(mixed.code).toBe(1);
    expect(mixed.stdout).toMatch(/::error::data-diff: configuration error: .*both paths and images given/);
    expect(mixed.stdout).not.toMatch(/\n\s+at /); // no stack trace
  });
});
