/**
 * Quality history records read back from a git branch: the branch holds whatever was pushed to it
 * (a pull request's job with `contents: write` included). Every record is checked before its rows
 * are read: a regular file, within HISTORY_RECORD_LIMITS, Parquet, the columns and types the store
 * writes, known kinds and statuses, and named by its run id (prune removes that path). Each bad
 * record is refused with one line naming the record and the field, never a value; the CLI exits 2.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { openEngine } from '../../src/core/engine/duckdb.ts';
import { literal } from '../../src/core/engine/quote.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { GitHistoryStore, HISTORY_BRANCH } from '../../src/core/history/git.ts';
import { HISTORY_RECORD_LIMITS, LocalHistoryStore, runFile } from '../../src/core/history/local.ts';
import type { HistoryRun } from '../../src/core/history/record.ts';
import { tool } from '../helpers/tools.ts';

const CLI = path.resolve(import.meta.dirname, '../../src/cli/main.ts');
const hasGit = await tool('git', 'apt-get install git');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'history-hostile-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const SECRET = 'ann.secret@example.com';
const MONTH = '2026-11';

const run = (id: string): HistoryRun => ({
  id,
  repository: 'acme/shop',
  branch: 'main',
  commit: 'a'.repeat(40),
  run_at: `${MONTH}-02T10:00:00.000Z`,
  suite: 'orders',
  checks: [{ id: 'id_unique', type: 'unique', dataset: 'orders', status: 'pass', failing_rows: 0, total_rows: 3 }],
  metrics: [{ dataset: 'orders', name: 'row_count', value: 3 }],
  columns: [{ dataset: 'orders', name: 'id', type: 'BIGINT', nullable: true }],
});

/** A row as the store writes it, as SQL, with `over` replacing columns (SQL expressions). */
function recordSql(over: Record<string, string> = {}, drop: string[] = []): string {
  const cols: Record<string, string> = {
    run_id: "'r2'",
    repository: "'acme/shop'",
    branch: "'pr'",
    commit: `'${'b'.repeat(40)}'`,
    run_at: `TIMESTAMP '${MONTH}-03 10:00:00'`,
    suite: "'orders'",
    kind: "'check'",
    dataset: "'orders'",
    name: "'id_unique'",
    type: "'unique'",
    status: "'pass'",
    value: '0::DOUBLE',
    total: '3::DOUBLE',
    nullable: 'NULL::BOOLEAN',
    ...over,
  };
  return `SELECT ${Object.entries(cols)
    .filter(([k]) => !drop.includes(k))
    .map(([k, v]) => `${v} AS "${k}"`)
    .join(', ')}`;
}

let n = 0;
/**
 * A history branch with one good run (written by the store) and, pushed over it by "a pull
 * request", the file `write` makes at runs/<MONTH>/<name>; @returns the error reading it back.
 */
async function hostile(name: string, write: (file: string) => Promise<void> | void): Promise<ConfigError> {
  const dir = path.join(tmp, `case-${++n}`);
  const bare = path.join(dir, 'remote.git');
  execFileSync('git', ['init', '--quiet', '--bare', bare]);
  const writer = new GitHistoryStore({ remote: bare, tempDirectory: dir });
  await writer.append(run(`20261102T100000Z-aaaaaaa-orders-00000${n}`));
  await writer.close();
  const work = path.join(dir, 'pr');
  execFileSync('git', ['clone', '--quiet', '--branch', HISTORY_BRANCH, bare, work]);
  mkdirSync(path.join(work, 'runs', MONTH), { recursive: true });
  await write(path.join(work, 'runs', MONTH, name));
  const git = (...args: string[]) => execFileSync('git', ['-C', work, '-c', 'user.name=pr', '-c', 'user.email=pr@example.com', ...args]);
  git('add', '--all');
  git('commit', '--quiet', '-m', 'a pull request writes to the history branch');
  git('push', '--quiet', 'origin', HISTORY_BRANCH);
  const reader = new GitHistoryStore({ remote: bare, tempDirectory: dir });
  try {
    await reader.list();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const e = err as ConfigError;
    expect(e.message.split('\n'), e.message).toHaveLength(1);
    expect(e.message).toContain(`git:${bare}#${HISTORY_BRANCH}/runs/${MONTH}/${name}`);
    expect(e.message).not.toContain(SECRET);
    return e;
  } finally {
    await reader.close();
  }
  throw new Error(`${name} was read back without complaint`);
}

/** Writes the result of `sql` as Parquet to `file`. */
async function parquet(file: string, sql: string): Promise<void> {
  const engine = await openEngine({ tempDirectory: tmp });
  try {
    await engine.run(`COPY (${sql}) TO ${literal(file)} (FORMAT parquet)`);
  } finally {
    engine.close();
  }
}

describe.runIf(hasGit)('history records read back from a git branch are hostile until checked', () => {
  it('the records the store writes read back', async () => {
    const bare = path.join(tmp, 'good.git');
    execFileSync('git', ['init', '--quiet', '--bare', bare]);
    const store = new GitHistoryStore({ remote: bare, tempDirectory: tmp });
    await store.append(run('20261102T100000Z-aaaaaaa-orders-000001'));
    expect((await store.list()).map((r) => r.id)).toEqual(['20261102T100000Z-aaaaaaa-orders-000001']);
    await store.close();
  });

  it('a file that is not Parquet, a link, a file past the size limit: refused unread', async () => {
    expect((await hostile('r2.parquet', (f) => writeFileSync(f, `run_id,email\nr2,${SECRET}\n`))).message).toContain('not a Parquet file');
    expect((await hostile('r2.parquet', (f) => symlinkSync('/etc/passwd', f))).message).toContain('not a regular file');
    expect((await hostile('r2.parquet', (f) => writeFileSync(f, randomBytes(HISTORY_RECORD_LIMITS.bytes + 1)))).message).toContain(`larger than the record limit of ${HISTORY_RECORD_LIMITS.bytes} bytes`);
  });

  it('a missing column, a column of another type: refused naming the column, never its values', async () => {
    expect((await hostile('r2.parquet', (f) => parquet(f, recordSql({}, ['status'])))).message).toMatch(/r2\.parquet: status: missing column/);
    expect((await hostile('r2.parquet', (f) => parquet(f, recordSql({ value: `'${SECRET}'` })))).message).toMatch(/r2\.parquet: value: is VARCHAR, expected DOUBLE/);
  });

  it('an unknown kind or status, an over-long value, too many rows: refused naming the field', async () => {
    expect((await hostile('r2.parquet', (f) => parquet(f, recordSql({ kind: "'evil'" })))).message).toMatch(/: kind: not one of check, metric, column/);
    expect((await hostile('r2.parquet', (f) => parquet(f, recordSql({ status: `'${SECRET}'` })))).message).toMatch(/: status: not one of pass, warn, fail, error/);
    expect((await hostile('r2.parquet', (f) => parquet(f, recordSql({ name: `repeat('${SECRET}', 100)` })))).message).toMatch(/: name: a value longer than 1024 characters/);
    expect((await hostile('r2.parquet', (f) => parquet(f, `SELECT r.* FROM (${recordSql()}) r, range(${HISTORY_RECORD_LIMITS.rows + 1})`))).message).toContain(`more than ${HISTORY_RECORD_LIMITS.rows} rows`);
  });

  it('a run id that does not name its file (prune would remove another path): refused', async () => {
    const e = await hostile('r2.parquet', (f) => parquet(f, recordSql({ run_id: "'../../../../outside'" })));
    expect(e.message).toMatch(/: run_id: does not name this file/);
  });

  it('dataops history list and dataops quality exit 2 with one line on a bad record', async () => {
    const repo = path.join(tmp, 'cli');
    mkdirSync(repo);
    execFileSync('git', ['init', '--quiet', '--initial-branch', 'main', repo]);
    const store = new LocalHistoryStore(path.join(repo, '.dataops/history'), { tempDirectory: tmp });
    const good = run('20261102T100000Z-aaaaaaa-orders-000009');
    await store.append(good);
    await store.close();
    writeFileSync(path.join(path.dirname(runFile(path.join(repo, '.dataops/history'), good)), 'r2.parquet'), `not parquet ${SECRET}`);
    writeFileSync(path.join(repo, 'orders.csv'), 'id\n1\n');
    writeFileSync(path.join(repo, 'orders.yml'), 'version: 1\nsuite: orders\ndatasets:\n  orders: { path: orders.csv }\nchecks:\n  - { id: id_unique, type: unique, dataset: orders, columns: id }\n');
    const env = { ...process.env, NO_COLOR: '1', GITHUB_REPOSITORY: '', GITHUB_HEAD_REF: '', GITHUB_REF_NAME: '', GITHUB_SHA: '', GITHUB_BASE_REF: '' };
    for (const args of [
      ['history', 'list', '--history', '.dataops/history'],
      ['quality', '--suite', 'orders.yml', '--history', '.dataops/history', '--branch', 'pr', '--commit', 'c'.repeat(40), '--report', path.join(tmp, 'r.json')],
    ]) {
      const r = await promisify(execFile)(process.execPath, [CLI, ...args], { cwd: repo, env }).then(
        (x) => ({ code: 0, ...x }),
        (e: { code: number; stdout: string; stderr: string }) => e,
      );
      expect(r.code, `${args[0]}: ${r.stderr}`).toBe(2);
      const lines = r.stderr.trim().split('\n').filter((l) => l.includes('configuration error'));
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toContain(`.dataops/history/runs/${MONTH}/r2.parquet: not a Parquet file`);
      expect(r.stderr + r.stdout).not.toContain(SECRET);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    }
  });
});
