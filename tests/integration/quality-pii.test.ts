/**
 * PII by lineage, not by name: each way a raw value of a `pii: true` column used to escape
 * masking gets a suite here, run through `dataops quality` as a child process; every output
 * (stdout, stderr, JSON report, JUnit, job summary, annotations) is searched for the raw values.
 * Each case also asserts the check did what it should (failed, errored), so the search is not
 * vacuous: the values were there to leak.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/core/report/report.ts';
import { outputsContaining, runQualityCli, type CliRun } from '../helpers/quality-cli.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'dq-pii-'));
const EMAILS = ['ann.secret@example.com', 'bob.hidden@example.com', 'cyd.private@example.com'];
const SSNS = ['123-45-6789', '987-65-4321'];
const DOB_FUTURE = '2031-07-08';
const RAW = [...EMAILS, ...SSNS, DOB_FUTURE, 'zed.broken@example.com', 'handle-dup-77'];

beforeAll(() => {
  mkdirSync(path.join(tmp, '.git'));
  writeFileSync(
    path.join(tmp, 'people.csv'),
    ['id,email,ssn,dob,name', `1,${EMAILS[0]},${SSNS[0]},1990-01-02,Ann`, `2,${EMAILS[1]},${SSNS[1]},1985-03-04,Bob`, `3,${EMAILS[2]},${SSNS[0]},${DOB_FUTURE},Cyd`, `4,${EMAILS[0]},${SSNS[1]},1970-05-06,Ann`].join('\n') + '\n',
  );
  writeFileSync(path.join(tmp, 'orders.csv'), `order_id,customer_email,amount\n1,${EMAILS[0]},10\n2,zed.broken@example.com,20\n`);
  writeFileSync(path.join(tmp, 'staff.csv'), 'handle,team\nhandle-dup-77,a\nhandle-dup-77,b\nsolo-1,c\n');
  writeFileSync(path.join(tmp, 'tickets.csv'), 'ticket_id,reporter\n1,handle-dup-77\n2,nobody-9\n');
  // a CSV whose error is found past the reader's sample: DuckDB echoes the row ("Original Line: …")
  const rows = Array.from({ length: 25_000 }, (_, i) => `${i + 1},user${i}@example.org,${i}`);
  writeFileSync(path.join(tmp, 'big.csv'), ['id,email,age', ...rows, '25001,zed.broken@example.com,not-a-number'].join('\n') + '\n');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const DATASETS = `datasets:
  people:
    path: people.csv
    columns:
      email: { pii: true }
      SSN: { pii: true }
      DOB: { pii: true }
`;

async function run(name: string, body: string, extra: string[] = []): Promise<CliRun> {
  writeFileSync(path.join(tmp, `${name}.yml`), `version: 1\nsuite: ${name}\n${body}`);
  return runQualityCli(['--suite', `${name}.yml`, '--now', '2026-01-01T00:00:00Z', ...extra], { cwd: tmp, outDir: mkdtempSync(path.join(tmp, 'out-')) });
}

function check(r: CliRun, id: string): CheckResult {
  const c = r.reports[0]!.checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id}: ${r.outputs.report}`);
  return c;
}

function expectNoRawValue(r: CliRun): void {
  for (const raw of RAW) expect(outputsContaining(r, raw), raw).toEqual([]);
}

describe('PII never reaches an output', () => {
  it('freshness on a PII column prints no value, age or distance (and a future date fails)', async () => {
    const r = await run('fresh', `${DATASETS}checks:\n  - { id: dob_fresh, type: freshness, dataset: people, column: dob, max_age: 30000d }\n`);
    const c = check(r, 'dob_fresh');
    expect(c.status).toBe('fail');
    expect(c.message).toMatch(/newest dob lies in the future.*value not shown: PII/);
    expect(c.threshold.newest).toBeUndefined();
    expectNoRawValue(r);
  });

  it('aliases and aggregates in sql checks are masked', async () => {
    const r = await run(
      'sqlalias',
      `${DATASETS}checks:\n  - { id: alias, type: sql, dataset: people, query: "SELECT email AS contact, id FROM people" }\n  - { id: agg, type: sql, dataset: people, query: "SELECT max(email) AS m, string_agg(ssn, ',') AS s, count(*) AS n FROM people" }\n  - { id: nested, type: sql, dataset: people, query: "WITH c AS (SELECT upper(email) AS e FROM people) SELECT (SELECT max(e) FROM c) AS x, 1 AS k" }\n`,
    );
    expect(check(r, 'alias').samples).toContainEqual({ contact: '••••', id: 1 });
    expect(check(r, 'agg').samples).toEqual([{ m: '••••', s: '••••', n: 4 }]);
    expect(check(r, 'nested').samples).toEqual([{ x: '••••', k: 1 }]);
    expectNoRawValue(r);
  });

  it('renamed columns of an SQL dataset stay PII', async () => {
    const r = await run(
      'renamed',
      `${DATASETS}  contacts:\n    sql: SELECT id, email AS contact, upper(name) AS who FROM people\nchecks:\n  - { id: re, type: regex, dataset: contacts, column: contact, pattern: 'x' }\n  - { id: uq, type: unique, dataset: contacts, columns: contact }\n  - { id: av, type: accepted_values, dataset: contacts, column: contact, values: [nobody] }\n`,
    );
    expect(check(r, 're')).toMatchObject({ status: 'fail', failing_rows: 4 });
    expect(check(r, 're').message).toContain('••••');
    expect(check(r, 'uq').samples).toEqual([{ contact: '••••', occurrences: 2 }]);
    expect(check(r, 'av').samples[0]).toMatchObject({ contact: '••••', who: 'ANN' });
    expectNoRawValue(r);
  });

  it('engine errors that quote values are scrubbed or withheld', async () => {
    const r = await run(
      'errors',
      `${DATASETS}  as_json:\n    sql: SELECT id, email::JSON AS j FROM people\nchecks:\n  - { id: strp, type: sql, dataset: people, query: "SELECT strptime(email, '%Y') AS d FROM people" }\n  - { id: err, type: not_null, dataset: people, columns: id, where: 'error(email) IS NULL' }\n  - { id: json, type: not_null, dataset: as_json, columns: j }\n  - { id: cast, type: range, dataset: people, column: id, min: 0, where: 'CAST(ssn AS INTEGER) > 0' }\n`,
    );
    for (const id of ['strp', 'err', 'json', 'cast']) expect(check(r, id).status, id).toBe('error');
    expect(check(r, 'strp').error).toMatch(/withheld/);
    expectNoRawValue(r);
  });

  it('a PII mark matches its column whatever the letter case (SSN marks ssn)', async () => {
    const r = await run('casing', `${DATASETS}checks:\n  - { id: uq, type: unique, dataset: people, columns: ssn }\n  - { id: re, type: regex, dataset: people, column: SSN, pattern: 'x' }\n`);
    expect(check(r, 'uq').samples).toEqual(expect.arrayContaining([{ ssn: '••••', occurrences: 2 }]));
    expect(check(r, 're')).toMatchObject({ status: 'fail', failing_rows: 4 });
    expectNoRawValue(r);
  });

  it("the CSV reader's echo of a bad row (Original Line) is dropped", async () => {
    const r = await run('csv', `datasets:\n  big:\n    path: big.csv\n    columns: { email: { pii: true } }\nchecks:\n  - { id: rows, type: row_count, dataset: big, min: 1 }\n`);
    expect(r.code).toBe(2);
    expect(check(r, 'rows').status).toBe('error');
    expect(r.reports[0]!.datasets[0]!.error).toMatch(/CSV Error on Line: 25002.*column "age"/);
    expect(r.outputs.report).not.toContain('not-a-number');
    expectNoRawValue(r);
  });

  it('relationships carry PII both ways: a key pointing at a PII column, and the column a PII key points at', async () => {
    const r = await run(
      'rel',
      `${DATASETS}  orders: { path: orders.csv }\n  staff: { path: staff.csv }\n  tickets: { path: tickets.csv, columns: { reporter: { pii: true } } }\nchecks:\n  - { id: fk, type: relationships, dataset: orders, columns: customer_email, to: { dataset: people, columns: email } }\n  - { id: av, type: accepted_values, dataset: orders, column: customer_email, values: [none] }\n  - { id: back, type: relationships, dataset: tickets, columns: reporter, to: { dataset: staff, columns: handle } }\n  - { id: staff_uq, type: unique, dataset: staff, columns: handle }\n`,
    );
    expect(check(r, 'fk')).toMatchObject({ status: 'fail', failing_rows: 1 });
    expect(check(r, 'fk').samples).toEqual([{ order_id: 2, customer_email: '••••', amount: 20 }]);
    expect(check(r, 'staff_uq').samples).toEqual([{ handle: '••••', occurrences: 2 }]);
    expectNoRawValue(r);
  });
});
