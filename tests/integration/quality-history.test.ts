/**
 * Baseline-aware gating through the quality history: a base branch and pull requests run suites
 * through the local Parquet store and the git-branch store (a real bare remote, two writers
 * pushing at once); `fail-on: new` passes a pull request with only known failures and fails one
 * that adds a failure; schema contracts catch a breaking change and pass a compatible one, each
 * with its reason.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitHistoryStore } from '../../src/core/history/git.ts';
import { LocalHistoryStore } from '../../src/core/history/local.ts';
import { runRecord, type HistoryStore } from '../../src/core/history/record.ts';
import { runSuites } from '../../src/core/quality/run-suites.ts';
import { checkAnnotations } from '../../src/core/report/annotations.ts';
import type { Report } from '../../src/core/report/report.ts';
import { renderSummary } from '../../src/core/report/summary.ts';
import { tool } from '../helpers/tools.ts';

const hasGit = await tool('git', 'apt-get install git');

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'quality-history-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const SUITE = `version: 1
suite: orders
datasets:
  orders: { path: orders.csv }
checks:
  - { id: customer_present, type: not_null, dataset: orders, columns: customer }
  - { id: id_unique, type: unique, dataset: orders, columns: id }
  - { id: contract, type: schema, dataset: orders, compatibility: full }
`;

/** A project directory holding the suite and `csv` as orders.csv. */
async function project(name: string, csv: string, suite = SUITE): Promise<string> {
  const dir = path.join(tmp, name);
  execFileSync('mkdir', ['-p', dir]);
  await writeFile(path.join(dir, 'orders.yml'), suite);
  await writeFile(path.join(dir, 'orders.csv'), csv);
  return dir;
}

/** Runs the suite of `dir` as `branch`@`commit` (a pull request into `base` when given). */
async function runAs(store: HistoryStore, dir: string, branch: string, commit: string, at: string, base?: string): Promise<Report> {
  const outcome = await runSuites([path.join(dir, 'orders.yml')], {
    root: dir,
    failOn: 'new',
    history: { store, identity: { repository: 'acme/shop', branch, commit, runAt: new Date(at) }, base },
  });
  if (outcome.failure) throw outcome.failure;
  return outcome.reports[0]!;
}

const MAIN = 'id,customer,amount\n1,ann,10.5\n2,,20\n3,cid,7\n';
const KNOWN_ONLY = 'id,customer,amount\n1,ann,10.5\n2,,20\n3,cid,7\n4,dan,1\n';
const ADDS_FAILURE = 'id,customer,amount\n1,ann,10.5\n2,,20\n3,cid,7\n3,cid,7\n';

/** The base branch and two pull requests through `store`. */
async function baseAndPullRequests(store: HistoryStore, tag: string) {
  const main = await runAs(store, await project(`${tag}-main`, MAIN), 'main', 'a'.repeat(40), '2026-11-01T10:00:00Z');
  // the known failure fails main's own run too (nothing before it to compare with)
  expect(main.checks.find((c) => c.id === 'customer_present')).toMatchObject({ status: 'fail', known: false, baseline: null });

  const known = await runAs(store, await project(`${tag}-pr1`, KNOWN_ONLY), 'feature-1', 'b'.repeat(40), '2026-11-02T10:00:00Z', 'main');
  const notNull = known.checks.find((c) => c.id === 'customer_present')!;
  expect(notNull).toMatchObject({ status: 'fail', known: true, baseline: { branch: 'main', commit: 'a'.repeat(40), status: 'fail', failing_rows: 1 } });
  expect(notNull.message).toContain('known: fail on main@aaaaaaa too');
  expect(known.checks.find((c) => c.id === 'id_unique')).toMatchObject({ status: 'pass', baseline: { branch: 'main', status: 'pass' } });
  expect(known.failed_step).toBe(false);
  // the check run shows the known failure as a notice, marked known; the summary too
  expect(checkAnnotations([known]).find((a) => a.checkId === 'customer_present')).toMatchObject({ level: 'notice', title: expect.stringContaining('data-quality fail (known)') });
  expect(renderSummary([known])).toContain('❌ fail (known) | `customer_present`');

  const adds = await runAs(store, await project(`${tag}-pr2`, ADDS_FAILURE), 'feature-2', 'c'.repeat(40), '2026-11-03T10:00:00Z', 'main');
  const unique = adds.checks.find((c) => c.id === 'id_unique')!;
  expect(unique).toMatchObject({ status: 'fail', known: false, baseline: { branch: 'main', status: 'pass' } });
  expect(unique.message).toContain('new: pass on main@aaaaaaa');
  expect(adds.checks.find((c) => c.id === 'customer_present')).toMatchObject({ known: true });
  expect(adds.failed_step).toBe(true);

  // the pull requests were recorded on their own branches; main's baseline stays main's run
  const runs = await store.list({ repository: 'acme/shop' });
  expect(runs.map((r) => r.branch)).toEqual(['feature-2', 'feature-1', 'main']);
}

describe('fail-on: new through the local Parquet store', () => {
  it('passes a pull request with only known failures and fails one that adds a failure', async () => {
    const store = new LocalHistoryStore(path.join(tmp, 'local-history'));
    try {
      await baseAndPullRequests(store, 'local');
    } finally {
      await store.close();
    }
  });

  it('a failure that got worse beyond its tolerance is not known', async () => {
    const store = new LocalHistoryStore(path.join(tmp, 'tolerance-history'));
    const suite = SUITE.replace('columns: customer }', 'columns: customer, max_failing: 1 }');
    try {
      await runAs(store, await project('tol-main', 'id,customer\n1,\n2,\n3,x\n', suite), 'main', 'd'.repeat(40), '2026-11-01T00:00:00Z');
      const same = await runAs(store, await project('tol-pr1', 'id,customer\n1,\n2,\n3,\n', suite), 'pr', 'e'.repeat(40), '2026-11-02T00:00:00Z', 'main');
      expect(same.checks[0]).toMatchObject({ status: 'fail', failing_rows: 3, known: true });
      const worse = await runAs(store, await project('tol-pr2', 'id,customer\n1,\n2,\n3,\n4,\n', suite), 'pr', 'f'.repeat(40), '2026-11-03T00:00:00Z', 'main');
      expect(worse.checks[0]).toMatchObject({ status: 'fail', failing_rows: 4, known: false });
      expect(worse.checks[0]!.message).toContain('worse: 2 failing on main@ddddddd');
      expect(worse.failed_step).toBe(true);
    } finally {
      await store.close();
    }
  });
});

describe.runIf(hasGit)('the git-branch store against a real bare remote', () => {
  it('drives a base branch and pull requests, and two concurrent writers both land every run', async () => {
    const bare = path.join(tmp, 'history.git');
    execFileSync('git', ['init', '--quiet', '--bare', bare]);
    const logs: string[] = [];
    const a = new GitHistoryStore({ remote: bare, tempDirectory: tmp, log: (m) => logs.push(m) });
    const b = new GitHistoryStore({ remote: bare, tempDirectory: tmp, log: (m) => logs.push(m) });
    try {
      await baseAndPullRequests(a, 'git');
      // the branch holds one commit per run, each adding one Parquet file
      expect(execFileSync('git', ['--git-dir', bare, 'log', '--format=%s', 'dataops-history'], { encoding: 'utf8' }).trim().split('\n')).toHaveLength(3);

      // two writers, each with its own clone, racing to push three runs each
      const report = (await runSuites([path.join(tmp, 'git-main', 'orders.yml')], { root: path.join(tmp, 'git-main') })).reports[0]!;
      const write = (store: HistoryStore, who: string, i: number) => store.append(runRecord(report, { repository: 'acme/shop', branch: `race-${who}`, commit: `${who}${i}`.padEnd(40, '0'), runAt: new Date(Date.UTC(2026, 10, 10, 0, i)) }));
      await Promise.all([0, 1].flatMap((w) => [1, 2, 3].map((i) => write(w ? b : a, w ? 'b' : 'a', i))));
      const reader = new GitHistoryStore({ remote: bare, tempDirectory: tmp });
      const runs = await reader.list({ repository: 'acme/shop' });
      await reader.close();
      expect(runs.filter((r) => r.branch === 'race-a')).toHaveLength(3);
      expect(runs.filter((r) => r.branch === 'race-b')).toHaveLength(3);
      expect(runs).toHaveLength(9);
      expect(logs.some((l) => /push rejected .*rebasing and retrying/.test(l))).toBe(true);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('schema contracts against the base branch', () => {
  const contract = (compat: string) => `version: 1
suite: contract
datasets:
  orders: { path: orders.csv }
checks:
  - { id: orders_contract, type: schema, dataset: orders, compatibility: ${compat}, required: [id] }
`;

  it('passes a compatible change and fails a breaking one, naming each change', async () => {
    const store = new LocalHistoryStore(path.join(tmp, 'contract-history'));
    try {
      const run = async (name: string, csv: string, compat: string, at: string) => {
        const dir = await project(name, csv, contract(compat));
        const outcome = await runSuites([path.join(dir, 'orders.yml')], { root: dir, history: { store, identity: { repository: 'acme/shop', branch: name.startsWith('main') ? 'main' : name, commit: name.padEnd(40, '0'), runAt: new Date(at) }, base: 'main' } });
        return outcome.reports[0]!.checks[0]!;
      };
      await run('main', 'id,amount,customer\n1,10.5,ann\n', 'full', '2026-11-01T00:00:00Z');

      const added = await run('pr-add', 'id,amount,customer,note\n1,10.5,ann,x\n', 'backward', '2026-11-02T00:00:00Z');
      expect(added.status).toBe('pass');
      expect(added.message).toBe('compatible (backward) with main@main000: column added: note (VARCHAR)');

      const broken = await run('pr-break', 'id,amount,buyer\n1,10,ann\n', 'full', '2026-11-03T00:00:00Z');
      expect(broken.status).toBe('fail');
      expect(broken.message).toBe('2 breaking changes (full) against main@main000: column renamed: customer → buyer; type narrowed: amount DOUBLE → BIGINT — new: pass on main@main000');
      expect(broken.samples).toContainEqual({ column: 'amount', problem: 'type narrowed', expected: 'DOUBLE', actual: 'BIGINT', breaks: 'backward' });

      // forward compatibility allows the narrowing (old readers read the narrower values), not the rename
      const forward = await run('pr-forward', 'id,amount,customer\n1,10,ann\n', 'forward', '2026-11-04T00:00:00Z');
      expect(forward.status).toBe('pass');
      expect(forward.message).toBe('compatible (forward) with main@main000: type narrowed: amount DOUBLE → BIGINT');
    } finally {
      await store.close();
    }
  });
});
