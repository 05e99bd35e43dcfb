/**
 * Bad input gets exit 2 and one clear line naming the file, line and field, never a stack trace:
 * a YAML alias bomb, latin-1 or NUL bytes, an unknown key inside a dataset, usage errors of the
 * CLI, ragged CSV rows near the top. And `dataops quality --project` takes its settings and
 * suites from dataops.yml.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runQualityCli, type CliRun } from '../helpers/quality-cli.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'dq-bad-input-'));
beforeAll(() => {
  writeFileSync(path.join(tmp, 'people.csv'), 'id,email,age\n1,a@x,30\n2,b@x,\n3,c@x,200\n');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
async function cli(args: string[], cwd = tmp): Promise<CliRun> {
  return runQualityCli(args, { cwd, outDir: mkdtempSync(path.join(tmp, `out-${++n}-`)) });
}
function expectCleanConfigError(r: CliRun, message: RegExp): void {
  expect(r.code, r.stdout + r.stderr).toBe(2);
  expect(r.stderr).toMatch(message);
  expect(r.stderr + r.stdout).not.toMatch(/\n\s+at .*\(|internal error/);
}

const OK_SUITE = 'version: 1\nsuite: s\ndatasets:\n  people: { path: people.csv }\nchecks:\n  - { type: row_count, dataset: people, min: 1 }\n';

describe('bad suite files', () => {
  it('a YAML alias bomb is refused with its line, not expanded', async () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(', ')}]`);
    writeFileSync(path.join(tmp, 'bomb.yml'), `${OK_SUITE}${levels.join('\n')}\n`);
    const r = await cli(['--suite', 'bomb.yml']);
    expectCleanConfigError(r, /bomb\.yml:1: invalid YAML: aliases expand too far/);
  });

  it('latin-1 bytes are refused with the line they are on', async () => {
    writeFileSync(path.join(tmp, 'latin1.yml'), Buffer.concat([Buffer.from(OK_SUITE), Buffer.from('description: caf\xe9\n', 'latin1')]));
    const r = await cli(['--suite', 'latin1.yml']);
    expectCleanConfigError(r, /latin1\.yml:7: the file is not UTF-8 \(invalid byte 0xe9/);
  });

  it('a NUL byte is refused (a binary file is not a suite)', async () => {
    writeFileSync(path.join(tmp, 'nul.yml'), `${OK_SUITE}description: "a\u0000b"\n`);
    const r = await cli(['--suite', 'nul.yml']);
    expectCleanConfigError(r, /nul\.yml:7: the file holds a NUL byte/);
  });

  it('an unknown key inside a dataset is named, with its line', async () => {
    writeFileSync(path.join(tmp, 'unknown.yml'), 'version: 1\nsuite: s\ndatasets:\n  people:\n    path: people.csv\n    colums: { email: { pii: true } }\nchecks:\n  - { type: row_count, dataset: people }\n');
    const r = await cli(['--suite', 'unknown.yml']);
    expectCleanConfigError(r, /unknown\.yml:6: datasets\.people: unknown key "colums"/);
  });

  it('a dataset with both path and sql says which keys a dataset takes', async () => {
    writeFileSync(path.join(tmp, 'both.yml'), 'version: 1\nsuite: s\ndatasets:\n  people: { path: people.csv, sql: SELECT 1 }\nchecks:\n  - { type: row_count, dataset: people }\n');
    const r = await cli(['--suite', 'both.yml']);
    expectCleanConfigError(r, /both\.yml:4: datasets\.people: a dataset has "path" .*, "table" .* or "sql"/);
  });

  it('a reader option that does not exist is named', async () => {
    writeFileSync(path.join(tmp, 'option.yml'), 'version: 1\nsuite: s\ndatasets:\n  people: { path: people.csv, options: { binary_as_string: true } }\nchecks:\n  - { type: row_count, dataset: people }\n');
    const r = await cli(['--suite', 'option.yml']);
    expectCleanConfigError(r, /option\.yml:4: datasets\.people\.options\.binary_as_string: reader option "binary_as_string" does not apply to csv files/);
  });
});

describe('usage errors of the CLI exit 2 (1 means failed checks)', () => {
  it.each([
    [['--suite', 'x.yml', '--bogus'], /unknown option '--bogus'/],
    [['--suite'], /option '-s, --suite <files\.\.\.>' argument missing/],
    [['--suite', 'x.yml', '--fail-on', 'sometimes'], /--fail-on: invalid value "sometimes"/],
    [['--suite', 'x.yml', '--samples', 'many'], /--samples: invalid value "many"/],
    [[], /no suite given/],
  ])('%j', async (args, message) => {
    const r = await cli(args);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});

describe('ragged CSV rows near the top', () => {
  it('are reported as ragged rows with the line, not as a missing column', async () => {
    writeFileSync(path.join(tmp, 'ragged.csv'), 'id,email,age\n1,a@x,30,extra,more\n2,b@x\n3,c@x,4\n');
    writeFileSync(path.join(tmp, 'ragged.yml'), 'version: 1\nsuite: s\ndatasets:\n  people: { path: ragged.csv }\nchecks:\n  - { type: not_null, dataset: people, columns: age }\n');
    const r = await cli(['--suite', 'ragged.yml']);
    expect(r.code).toBe(2);
    const error = r.reports[0]!.datasets[0]!.error!;
    expect(error).toMatch(/rows of ragged\.csv differ in their number of ","-separated fields near the top \(the header has 3, line 2 has 5\)/);
    expect(r.reports[0]!.checks[0]!.error).not.toMatch(/column "age" not found/);
  });
});

describe('dataops quality --project', () => {
  beforeAll(() => {
    const proj = path.join(tmp, 'proj');
    mkdirSync(path.join(proj, 'quality'), { recursive: true });
    writeFileSync(path.join(proj, 'people.csv'), 'id,age\n1,30\n2,200\n3,\n');
    writeFileSync(
      path.join(proj, 'quality', 'a.yml'),
      'version: 1\nsuite: a\nchecks:\n  - { id: age_range, type: range, dataset: people, column: age, max: 120, severity: warn }\n  - { id: age_nn, type: not_null, dataset: people, columns: age }\n',
    );
    writeFileSync(path.join(proj, 'quality', 'b.yml'), 'version: 1\nsuite: b\nchecks:\n  - { type: row_count, dataset: people, min: 1 }\n');
    writeFileSync(path.join(proj, 'dataops.yml'), 'version: 1\nname: p\ndatasets:\n  people: { path: people.csv }\nquality:\n  suites: [quality/a.yml, quality/b.yml]\n  fail_on: warn\n  samples: 1\n');
  });

  it('runs the suites listed in dataops.yml without --suite, with its fail_on and samples', async () => {
    const r = await cli(['--project', 'proj']);
    expect(r.reports.map((x) => x.suite.name)).toEqual(['a', 'b']);
    const a = r.reports[0]!;
    expect(a.fail_on).toBe('warn');
    expect(a.checks.find((c) => c.id === 'age_nn')!.samples).toHaveLength(1);
    expect(a.checks.find((c) => c.id === 'age_range')!.status).toBe('warn');
    // fail_on: warn makes the warning fail the run
    expect(r.code).toBe(1);
  });

  it('flags override the project settings', async () => {
    const r = await cli(['--project', 'proj', '--suite', 'proj/quality/a.yml', '--fail-on', 'never', '--samples', '0']);
    expect(r.code).toBe(0);
    expect(r.reports[0]!.fail_on).toBe('never');
    expect(r.reports[0]!.checks.every((c) => c.samples.length === 0)).toBe(true);
  });

  it('from the project directory, without flags', async () => {
    const r = await cli([], path.join(tmp, 'proj'));
    expect(r.reports.map((x) => x.suite.name)).toEqual(['a', 'b']);
    expect(r.code).toBe(1);
  });
});
