/**
 * "The check could not run" is never reported as bad data: bad SQL, missing columns, unreadable,
 * missing or empty files end in `error` with a clear message, the other checks still run, and the
 * CLI exits 2 while still writing the report.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.ts';
import { errorReport, runSuite } from '../../src/core/quality/run.ts';
import { writeReport } from '../../src/core/report/report.ts';
import type { Report } from '../../src/core/report/report.ts';
import { qualityStage } from '../../src/core/flow/stages/quality.ts';
import type { FlowContext } from '../../src/core/flow/types.ts';
import { localContext } from '../../src/core/runner-context.ts';

const run = promisify(execFile);
const CLI = path.resolve('src/cli/main.ts');
let dir: string;

async function write(name: string, text: string | Buffer): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, 'quality', ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const id = (r: Report, x: string) => r.checks.find((c) => c.id === x)!;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dq-errors-'));
  await write('people.csv', 'id,email,age\n1,ann@example.com,34\n2,bob@example.com,\n');
  await write('empty.csv', '');
  await write('broken.parquet', Buffer.from('this is not a parquet file at all'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('check errors are not data failures', () => {
  let r: Report;
  let suiteFile: string;
  beforeAll(async () => {
    suiteFile = await write(
      'errs.yml',
      `version: 1
suite: errs
datasets:
  people: { path: people.csv, columns: { email: { pii: true } } }
  gone: { path: nowhere/*.csv }
  empty: { path: empty.csv }
  broken: { path: broken.parquet }
  derived: { sql: SELECT * FROM not_declared }
checks:
  - { id: good_fail, type: not_null, dataset: people, columns: age }
  - { id: good_pass, type: not_null, dataset: people, columns: id }
  - { id: bad_sql, type: sql, dataset: people, query: SELEC nonsense }
  - { id: missing_col, type: unique, dataset: people, columns: [id, emial] }
  - { id: bad_where, type: not_null, dataset: people, columns: id, where: 'no_such_col > 1' }
  - { id: bad_regex, type: regex, dataset: people, column: email, pattern: '([a-z' }
  - { id: pii_cast, type: range, dataset: people, column: id, min: 0, where: 'CAST(email AS INTEGER) > 0' }
  - { id: on_missing_file, type: row_count, dataset: gone, min: 1 }
  - { id: on_empty_file, type: row_count, dataset: empty, min: 1 }
  - { id: on_broken_file, type: row_count, dataset: broken, min: 1 }
  - { id: on_bad_sql_dataset, type: row_count, dataset: derived, min: 1 }
  - { id: unknown_ds, type: row_count, dataset: nope, min: 1 }
`,
    );
    r = await runSuite({ suiteFile, threads: 1 });
  });

  it('keeps data verdicts of the checks that could run', () => {
    expect(id(r, 'good_fail')).toMatchObject({ status: 'fail', failing_rows: 1 });
    expect(id(r, 'good_pass')).toMatchObject({ status: 'pass' });
  });

  it('marks every check that could not run as error, with a reason', () => {
    for (const x of ['bad_sql', 'missing_col', 'bad_where', 'bad_regex', 'pii_cast', 'on_missing_file', 'on_empty_file', 'on_broken_file', 'on_bad_sql_dataset', 'unknown_ds']) {
      const c = id(r, x);
      expect(c.status, x).toBe('error');
      expect(c.failing_rows, x).toBeNull();
      expect(c.error, x).toBeTruthy();
    }
    expect(r.status).toBe('error');
    expect(r.failed_step).toBe(true);
    expect(r.counts).toMatchObject({ total: 12, pass: 1, fail: 1, error: 10 });
  });

  it('names the missing column and the available ones', () => {
    expect(id(r, 'missing_col').error).toBe('column "emial" not found in dataset "people"; available columns: id, email, age');
  });

  it('names the file, line and field of missing, empty and unreadable inputs', () => {
    const gone = r.datasets.find((d) => d.name === 'gone')!;
    expect(gone.error).toMatch(/errs\.yml:5: datasets\.gone\.path: "nowhere\/\*\.csv" matches no file/);
    expect(r.datasets.find((d) => d.name === 'empty')!.error).toMatch(/errs\.yml:6: datasets\.empty\.path: data file .*empty\.csv is empty/);
    expect(r.datasets.find((d) => d.name === 'broken')!.error).toBeTruthy();
    expect(r.errors.some((e) => e.includes('dataset "broken" could not be read'))).toBe(true);
    expect(r.datasets.find((d) => d.name === 'derived')!.error).toMatch(/datasets\.derived\.sql: SQL dataset "derived" is invalid/);
    expect(id(r, 'on_missing_file').error).toContain('matches no file');
    expect(r.errors.find((e) => e.includes('unknown dataset "nope"'))).toMatch(/errs\.yml:21: checks\[11\] \(unknown_ds\): unknown dataset "nope"; declared datasets: people, gone, empty, broken, derived/);
  });

  it('keeps PII out of engine error messages', () => {
    expect(id(r, 'pii_cast').error).toBeTruthy();
    expect(JSON.stringify(r)).not.toContain('ann@example.com');
  });

  it('a malformed suite throws ConfigError and errorReport records it', async () => {
    const bad = await write('bad.yml', 'version: 1\nsuite: bad\nchecks:\n  - type: uniq\n    dataset: people\n');
    const err = await runSuite({ suiteFile: bad }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain('bad.yml:4');
    const rep = errorReport(bad, err);
    expect(rep).toMatchObject({ status: 'error', failed_step: true, checks: [], counts: { total: 0 } });
    expect(rep.errors[0]).toContain('unknown check type "uniq"');
    const out = path.join(dir, 'out', 'r.json');
    await writeReport(rep, out);
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual(rep);
  });
});

describe('dataops quality', () => {
  it('exits 1 on failing data, writes JSON and JUnit, prints failures first', async () => {
    await write('ok.yml', 'version: 1\nsuite: ok\ndatasets:\n  people: { path: people.csv }\nchecks:\n  - { type: not_null, dataset: people, columns: id }\n  - { type: not_null, dataset: people, columns: age }\n');
    const res = await cli(['--suite', 'ok.yml', '--report', 'out/ok.json', '--junit', 'out/ok.xml']);
    expect(res.code).toBe(1);
    const lines = res.stdout.split('\n');
    expect(lines[0]).toMatch(/^suite ok FAIL {2}2 checks: 1 pass, 0 warn, 1 fail, 0 error/);
    expect(lines.findIndex((l) => l.includes('not_null_people_age'))).toBeLessThan(lines.findIndex((l) => l.includes('not_null_people_id')));
    const report = JSON.parse(await readFile(path.join(dir, 'out/ok.json'), 'utf8')) as Report;
    expect(report).toMatchObject({ report_version: 1, status: 'fail', counts: { fail: 1 } });
    expect(XMLValidator.validate(await readFile(path.join(dir, 'out/ok.xml'), 'utf8'))).toBe(true);
    expect((await cli(['--suite', 'ok.yml', '--fail-on', 'never'])).code).toBe(0);
  });

  it('exits 2 on a configuration error and still writes the report', async () => {
    const res = await cli(['--suite', 'bad.yml', '--report', 'out/bad.json']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('configuration error');
    expect(res.stderr).toContain('Use one of: row_count, not_null');
    const report = JSON.parse(await readFile(path.join(dir, 'out/bad.json'), 'utf8')) as Report;
    expect(report.status).toBe('error');
    expect(report.errors[0]).toContain('bad.yml:4');
  });

  it('exits 2 on a check error while recording what ran', async () => {
    const res = await cli(['--suite', 'errs.yml', '--report', 'out/errs.json']);
    expect(res.code).toBe(2);
    const report = JSON.parse(await readFile(path.join(dir, 'out/errs.json'), 'utf8')) as Report;
    expect(report.checks.find((c) => c.id === 'good_fail')!.status).toBe('fail');
    expect(report.errors.length).toBeGreaterThan(0);
  });

  it('runs suites from a glob; a missing suite file is a configuration error', async () => {
    await mkdir(path.join(dir, 'many'), { recursive: true });
    for (const n of ['a', 'b']) await write(`many/${n}.yml`, `version: 1\nsuite: ${n}\ndatasets:\n  p: { path: ../people.csv }\nchecks:\n  - { type: row_count, dataset: p, min: 1 }\n`);
    const res = await cli(['--suite', 'many/*.yml', '--report', 'out/many.json']);
    expect(res.code).toBe(0);
    const reports = JSON.parse(await readFile(path.join(dir, 'out/many.json'), 'utf8')) as Report[];
    expect(reports.map((x) => x.suite.name)).toEqual(['a', 'b']);
    const missing = await cli(['--suite', 'nope.yml']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.yml: cannot read suite file (ENOENT)');
  });
});

describe('flow stage', () => {
  it('runs the project suites with project datasets and hands the reports on', async () => {
    const proj = path.join(dir, 'proj');
    await mkdir(path.join(proj, 'quality'), { recursive: true });
    await writeFile(path.join(proj, 'people.csv'), 'id\n1\n2\n');
    await writeFile(path.join(proj, 'quality', 's.yml'), 'version: 1\nsuite: s\nchecks:\n  - { type: unique, dataset: people, columns: id }\n  - { type: row_count, dataset: people, min: 3, severity: warn }\n');
    const logs: string[] = [];
    const ctx = {
      project: {
        file: path.join(proj, 'dataops.yml'),
        dir: proj,
        lineOf: () => undefined,
        config: { version: 1, name: 'p', datasets: { people: { path: 'people.csv' } }, quality: { suites: ['quality/s.yml'], fail_on: 'error', samples: 5 } },
      },
      runner: localContext(),
      workDir: path.join(proj, '.dataops', 'run'),
      now: new Date(),
      approve: false,
      confirm: () => Promise.resolve(false),
      log: (m: string) => logs.push(m),
      onCleanup: () => undefined,
      state: {},
    } as unknown as FlowContext;
    const result = await qualityStage.run(ctx);
    expect(result.status).toBe('warned');
    expect(result.summary).toBe('1 suite: 1 pass, 1 warn, 0 fail, 0 error');
    const entry = ctx.state.quality!.reports[0]!;
    expect(entry).toMatchObject({ suite: 's', status: 'warn', reportPath: path.join(proj, '.dataops/run/quality/s.json'), sha256: expect.stringMatching(/^sha256:/) });
    expect(JSON.parse(await readFile(entry.reportPath, 'utf8'))).toMatchObject({ suite: { name: 's' }, datasets: [{ name: 'people', row_count: 2 }] });
    expect(XMLValidator.validate(await readFile(path.join(proj, '.dataops/run/quality/junit.xml'), 'utf8'))).toBe(true);
    expect(logs.join('\n')).toContain('WARN row_count_people');
  });

  it('keeps the report of each of two suites with the same name (no overwrite)', async () => {
    const proj = path.join(dir, 'proj-same');
    await mkdir(path.join(proj, 'a'), { recursive: true });
    await mkdir(path.join(proj, 'b'), { recursive: true });
    await writeFile(path.join(proj, 'people.csv'), 'id\n1\n2\n');
    await writeFile(path.join(proj, 'a', 'checks.yml'), 'version: 1\nsuite: checks\nchecks:\n  - { type: row_count, dataset: people, min: 1 }\n');
    await writeFile(path.join(proj, 'b', 'checks.yml'), 'version: 1\nsuite: checks\nchecks:\n  - { type: row_count, dataset: people, min: 3, severity: warn }\n');
    const ctx = {
      project: { file: path.join(proj, 'dataops.yml'), dir: proj, lineOf: () => undefined, config: { version: 1, name: 'p', datasets: { people: { path: 'people.csv' } }, quality: { suites: ['a/checks.yml', 'b/checks.yml'], fail_on: 'error', samples: 5 } } },
      runner: localContext(),
      workDir: path.join(proj, '.dataops', 'run'),
      now: new Date(),
      approve: false,
      confirm: () => Promise.resolve(false),
      log: () => undefined,
      onCleanup: () => undefined,
      state: {},
    } as unknown as FlowContext;
    const result = await qualityStage.run(ctx);
    expect(result.status).toBe('warned');
    const entries = ctx.state.quality!.reports;
    expect(entries.map((e) => path.basename(e.reportPath))).toEqual(['checks.json', 'checks-2.json']);
    const files = await Promise.all(entries.map(async (e) => JSON.parse(await readFile(e.reportPath, 'utf8')) as Report));
    expect(files.map((r) => [r.suite.file, r.status])).toEqual([
      [path.join(proj, 'a', 'checks.yml'), 'pass'],
      [path.join(proj, 'b', 'checks.yml'), 'warn'],
    ]);
    expect(Object.keys(result.details ?? {})).toHaveLength(2);
  });
});
