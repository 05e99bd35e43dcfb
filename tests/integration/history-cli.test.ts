/**
 * `dataops quality --history … --fail-on new` and `dataops history list|prune` as a user runs them,
 * in a git repository of their own: exit codes, what is printed, and the history left behind.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runQualityCli } from '../helpers/quality-cli.ts';
import { tool } from '../helpers/tools.ts';

const CLI = path.resolve(import.meta.dirname, '../../src/cli/main.ts');
const hasGit = await tool('git', 'apt-get install git');
let repo: string;
const env = { GITHUB_REPOSITORY: '', GITHUB_HEAD_REF: '', GITHUB_REF_NAME: '', GITHUB_SHA: '', GITHUB_BASE_REF: '' };

async function dataops(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await promisify(execFile)(process.execPath, [CLI, ...args], { cwd: repo, env: { ...process.env, NO_COLOR: '1', ...env } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  repo = await mkdtemp(path.join(os.tmpdir(), 'history-cli-'));
  if (hasGit) execFileSync('git', ['init', '--quiet', '--initial-branch', 'main', repo]);
  await writeFile(path.join(repo, 'orders.yml'), 'version: 1\nsuite: orders\ndatasets:\n  orders: { path: orders.csv }\nchecks:\n  - { id: customer_present, type: not_null, dataset: orders, columns: customer }\n  - { id: id_unique, type: unique, dataset: orders, columns: id }\n');
});
afterAll(async () => {
  await rm(repo, { recursive: true, force: true });
});

describe.runIf(hasGit)('dataops quality --fail-on new and dataops history', () => {
  it('passes known failures, fails a new one, lists and prunes the runs', async () => {
    const q = (args: string[]) => runQualityCli(['--suite', 'orders.yml', '--history', '.dataops/history', ...args], { cwd: repo, outDir: path.join(repo, 'out'), env });
    await writeFile(path.join(repo, 'orders.csv'), 'id,customer\n1,ann\n2,\n');
    const main = await q(['--branch', 'main', '--commit', 'a'.repeat(40)]);
    expect(main.code).toBe(1);
    const pr = await q(['--branch', 'feature', '--base', 'main', '--commit', 'b'.repeat(40), '--fail-on', 'new']);
    expect(pr.code).toBe(0);
    expect(pr.stdout).toContain('known: fail on main@aaaaaaa too');
    await writeFile(path.join(repo, 'orders.csv'), 'id,customer\n1,ann\n2,\n2,bob\n');
    const worse = await q(['--branch', 'feature', '--base', 'main', '--commit', 'c'.repeat(40), '--fail-on', 'new']);
    expect(worse.code).toBe(1);
    expect(worse.stdout).toContain('new: pass on main@aaaaaaa');

    const list = await dataops(['history', 'list', '--history', '.dataops/history']);
    expect(list.code).toBe(0);
    const lines = list.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/feature@ccccccc {2}orders {2}2 checks, 2 failing {2}rows: orders 3$/);
    expect(lines[2]).toContain('main@aaaaaaa');
    const pruned = await dataops(['history', 'prune', '--history', '.dataops/history', '--keep', '1']);
    expect(pruned.stdout).toContain('pruned 1 run');
    expect(JSON.parse((await dataops(['history', 'list', '--history', '.dataops/history', '--json'])).stdout).map((r: { commit: string }) => r.commit[0])).toEqual(['c', 'a']);
  });

  it('refuses fail-on new without a history, and a prune without a bound (exit 2, one line)', async () => {
    const r = await runQualityCli(['--suite', 'orders.yml', '--fail-on', 'new'], { cwd: repo, outDir: path.join(repo, 'out2'), env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--history: fail-on "new" compares with the quality history, and none is configured');
    const p = await dataops(['history', 'prune', '--history', '.dataops/history']);
    expect(p.code).toBe(2);
    expect(p.stderr.trim()).toBe('dataops history prune: configuration error: --before: nothing to prune by. Give --before <date>, --keep <n>, or both.');
  });
});
