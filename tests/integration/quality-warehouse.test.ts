/**
 * The same suites on DuckDB (the files) and PostgreSQL (the same data as tables, loaded by
 * tests/helpers/postgres.ts into a real server this run started), compared row for row: every
 * check's status, failing_rows, total_rows, failing_distinct and message, and the checked values of
 * the samples; and the untrusted-suite rules on PostgreSQL.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { EngineError, StatementShapeError } from '../../src/core/engine/duckdb.ts';
import { openPostgresEngine } from '../../src/core/engine/postgres.ts';
import { ConfigErrors } from '../../src/core/errors.ts';
import { MASK } from '../../src/core/quality/mask.ts';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { ConnectionSpec } from '../../src/core/connections.ts';
import { loadProject } from '../../src/core/project.ts';
import { runSuite, type RunSuiteOptions } from '../../src/core/quality/run.ts';
import type { DatasetSpec } from '../../src/core/quality/suite.ts';
import type { CheckResult, Report } from '../../src/core/report/report.ts';
import { loadWarehouse, READER } from '../helpers/postgres.ts';
import { runQualityCli } from '../helpers/quality-cli.ts';
import { required } from '../helpers/tools.ts';

const server = inject('postgres');
const available = required('PostgreSQL', server.host !== '', `${server.missing ?? ''}; scripts/bootstrap installs it (apt-get install postgresql)`);
const example = path.resolve('templates/example-pipeline');
const PASSWORD_ENV = 'DQ_TEST_PG_PASSWORD';
const env = { ...process.env, [PASSWORD_ENV]: READER.password };
const connections: Record<string, ConnectionSpec> = {
  warehouse: { type: 'postgres', host: server.host, port: server.port, database: server.database, user: READER.user, password_env: PASSWORD_ENV, statement_timeout: '2m' },
};

/** The checked values of a sample row (what the check's message quotes). */
const checkedValues = (c: CheckResult) => c.samples.map((s) => c.columns.map((col) => (s)[col]));

/** What must be identical across engines for one check. */
function comparable(c: CheckResult) {
  const deterministic = ['range', 'regex', 'accepted_values', 'relationships', 'schema'].includes(c.type);
  return { id: c.id, status: c.status, failing_rows: c.failing_rows, total_rows: c.total_rows, failing_distinct: c.failing_distinct, failing_key_rows: c.failing_key_rows, message: c.message, error: c.error, samples: deterministic ? checkedValues(c) : c.samples.length };
}

async function both(suiteFile: string, datasets: Record<string, DatasetSpec>, extra: Partial<RunSuiteOptions> = {}): Promise<{ duck: Report; pg: Report }> {
  const common: RunSuiteOptions = { suiteFile, projectDatasets: datasets, projectDir: example, now: new Date('2001-07-05T00:00:00Z'), samples: 5, connections, env, ...extra };
  const duck = await runSuite(common);
  const pg = await runSuite({ ...common, engine: 'postgres' });
  return { duck, pg };
}

describe.runIf(available)('quality suites inside PostgreSQL', () => {
  let flightsDatasets: Record<string, DatasetSpec>;
  beforeAll(async () => {
    await loadWarehouse(server);
    const project = await loadProject(example);
    flightsDatasets = {
      flights: { ...project.config.datasets.flights!, table: 'vega.flights' },
      airports: { ...project.config.datasets.airports!, table: 'vega.airports' },
    };
  }, 600_000);

  it('the flights suite on the 3M-row table gives DuckDB\'s results, check for check', async () => {
    const { duck, pg } = await both(path.join(example, 'quality/flights.yml'), flightsDatasets);
    expect(duck.tool.engine).toMatch(/^duckdb /);
    expect(pg.tool.engine).toMatch(/^postgres 1\d/);
    expect(pg.errors).toEqual([]);
    expect(pg.datasets.map((d) => [d.name, d.kind, d.row_count])).toEqual([
      ['flights', 'table', 3_000_000],
      ['airports', 'table', duck.datasets[1]!.row_count],
    ]);
    expect(pg.checks.map(comparable)).toEqual(duck.checks.map(comparable));
    expect(pg.status).toBe(duck.status);
    // the suite's documented outcome, on both
    expect(pg.checks.find((c) => c.id === 'delay_within_operational_bounds')).toMatchObject({ status: 'warn', failing_rows: 14_304 });
    expect(pg.checks.find((c) => c.id === 'no_duplicate_flights')).toMatchObject({ status: 'pass', failing_rows: 191 });
  });

  it('dataops quality --engine postgres runs the project\'s flights suite in the warehouse and prints what DuckDB prints', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dq-pg-cli-'));
    try {
      mkdirSync(path.join(dir, 'quality'));
      copyFileSync(path.join(example, 'quality/flights.yml'), path.join(dir, 'quality/flights.yml'));
      writeFileSync(
        path.join(dir, 'dataops.yml'),
        [
          'version: 1',
          'name: flights-warehouse',
          'datasets:',
          '  flights: { path: "npm:vega-datasets/data/flights-3m.parquet", table: vega.flights }',
          '  airports: { path: "npm:vega-datasets/data/airports.csv", table: vega.airports }',
          'connections:',
          `  warehouse: { type: postgres, host: ${server.host}, port: ${server.port}, database: ${server.database}, user: ${READER.user}, password_env: ${PASSWORD_ENV} }`,
          'quality:',
          '  suites: [quality/flights.yml]',
          '',
        ].join('\n'),
      );
      const run = (engine: string) => runQualityCli(['--project', dir, '--engine', engine, '--now', '2001-07-05T00:00:00Z'], { cwd: process.cwd(), outDir: path.join(dir, engine), env: { [PASSWORD_ENV]: READER.password } });
      const pg = await run('postgres');
      expect(pg.stderr).not.toContain(READER.password);
      expect(pg.code).toBe(0);
      expect(pg.reports[0]!.tool.engine).toMatch(/^postgres /);
      const duck = await run('duckdb');
      const table = (out: string) => out.replace(/\(\d[\d.]* (ms|s)\)/g, '(…)');
      expect(table(pg.stdout)).toBe(table(duck.stdout));
      expect(pg.stdout).toMatch(/WARN\s+delay_within_operational_bounds\s+14304 of 3000000 rows/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a suite of every check type over text, number, date and JSON columns gives DuckDB\'s results', async () => {
    const npm = (f: string) => `npm:vega-datasets/data/${f}`;
    const datasets = {
      birdstrikes: { path: npm('birdstrikes.csv'), table: 'vega.birdstrikes' },
      airports: { path: npm('airports.csv'), table: 'vega.airports', columns: { name: { pii: true } } },
      movies: { path: npm('movies.json'), table: 'vega.movies' },
    } as Record<string, DatasetSpec>;
    const { duck, pg } = await both(path.resolve('tests/fixtures/warehouse/portable.yml'), datasets);
    expect(pg.errors).toEqual([]);
    expect(pg.datasets.map((d) => [d.name, d.row_count])).toEqual(duck.datasets.map((d) => [d.name, d.row_count]));
    expect(pg.checks.map(comparable)).toEqual(duck.checks.map(comparable));
    // the suite exercises every outcome: it is no comparison of passes only
    expect(new Set(pg.checks.map((c) => c.status))).toEqual(new Set(['pass', 'warn', 'fail']));
    expect(pg.checks.filter((c) => c.status !== 'pass').length).toBeGreaterThan(15);
    // a PII column stays masked in the warehouse's samples and messages
    const names = pg.checks.find((c) => c.id === 'airport_names')!;
    expect(names.status).toBe('fail');
    expect(names.samples.length).toBeGreaterThan(0);
    expect(names.samples.every((r) => (r).name === MASK)).toBe(true);
    expect(names.message).not.toMatch(/"[A-Za-z]/);
  });

  describe('untrusted suites on PostgreSQL', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dq-pg-attack-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const suite = (name: string, checks: string, datasets = '') => {
      const file = path.join(dir, `${name}.yml`);
      writeFileSync(file, `version: 1\nsuite: ${name}\n${datasets ? `datasets:\n${datasets}\n` : ''}checks:\n${checks}\n`);
      return file;
    };
    const tables = () => ({ flights: flightsDatasets.flights!, airports: { ...flightsDatasets.airports!, columns: { name: { pii: true } } } as DatasetSpec });
    const run = (file: string, extra: Partial<RunSuiteOptions> = {}) => runSuite({ suiteFile: file, projectDatasets: tables(), projectDir: example, connections, env, engine: 'postgres', ...extra });
    const refused = async (file: string) => {
      const err = await run(file).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ConfigErrors);
      return (err as ConfigErrors).errors.map((e) => e.message).join('\n');
    };

    it.each([
      ['a sql check reading a warehouse table by name', `  - { type: sql, dataset: airports, query: "SELECT * FROM payroll.salaries" }`, /reads the table "payroll.salaries" by its warehouse name/],
      ['a sql check reading a catalog view', `  - { type: sql, dataset: airports, query: "SELECT usename FROM pg_user" }`, /reads "pg_user", which is not a declared dataset/],
      ['a where reading a server file', `  - { type: not_null, dataset: airports, columns: iata, where: "pg_read_file('/etc/passwd') IS NOT NULL" }`, /calls pg_read_file\(\)/],
      ['a sql check running SQL given as text', `  - { type: sql, dataset: airports, query: "SELECT query_to_xml('select * from payroll.salaries', true, true, '') AS x" }`, /calls query_to_xml\(\)/],
      ['a sql check turning read-only off', `  - { type: sql, dataset: airports, query: "SELECT set_config('default_transaction_read_only', 'off', false) AS x" }`, /calls set_config\(\)/],
      ['a table function', `  - { type: sql, dataset: airports, query: "SELECT * FROM generate_series(1, 10)" }`, /table function/],
      ['a schema-qualified function', `  - { type: sql, dataset: airports, query: "SELECT pg_catalog.now() AS x" }`, /schema-qualified/],
      ['a SQL dataset over a warehouse table', `  - { type: row_count, dataset: stolen, min: 1 }`, /reads the table "payroll.salaries"/, `  stolen: { sql: "SELECT * FROM payroll.salaries" }`],
      ['several statements', `  - { type: sql, dataset: airports, query: "SELECT 1; DELETE FROM airports" }`, /expected one SELECT statement/],
      ['a write', `  - { type: sql, dataset: airports, query: "DELETE FROM airports" }`, /expected one SELECT statement/],
    ])('refuses %s before anything runs', async (name, checks, message, datasets = '') => {
      expect(await refused(suite(name.replace(/\W+/g, '_'), checks, datasets))).toMatch(message);
    });

    it('a regex PostgreSQL would read differently refuses the suite, naming the check', async () => {
      const text = await refused(suite('regex_flavour', `  - { id: word_codes, type: regex, dataset: airports, column: iata, pattern: '\\w{3}' }`));
      expect(text).toMatch(/check "word_codes" cannot run on postgres: regex pattern "\\\\w\{3\}": the escape \\w/);
    });

    it('the server refuses writes, second statements and reads beyond the role, and settings do not outlive a statement', async () => {
      const engine = await openPostgresEngine({ connection: { host: server.host, port: server.port, database: server.database, user: READER.user, password: READER.password }, statementTimeoutMs: 60_000 });
      try {
        await expect(engine.select('WITH d AS (DELETE FROM vega.airports RETURNING 1) SELECT count(*) AS n FROM d')).rejects.toThrow(/read-only transaction/);
        await expect(engine.select('SELECT 1 AS a; DELETE FROM vega.airports')).rejects.toBeInstanceOf(StatementShapeError);
        await expect(engine.select('SELECT * FROM payroll.salaries')).rejects.toThrow(/permission denied/);
        await engine.select("SELECT set_config('statement_timeout', '0', false) AS x");
        expect(await engine.select("SELECT current_setting('statement_timeout') AS t")).toEqual([{ t: '1min' }]);
        expect(await engine.select('SELECT count(*) AS n FROM vega.airports')).toEqual([{ n: expect.any(Number) }]);
        const err = await engine.select('SELECT CAST(name AS integer) AS n FROM vega.airports').catch((e: unknown) => e);
        expect(err).toBeInstanceOf(EngineError);
        expect((err as EngineError).phase).toBe('run');
      } finally {
        engine.close();
      }
    });

    it('a statement beyond statement_timeout ends its check in error; the others still run', async () => {
      const slow = { ...connections, warehouse: { ...connections.warehouse!, statement_timeout: '1s' } } as Record<string, ConnectionSpec>;
      const file = suite('slow', `  - { id: cross_join, type: sql, dataset: flights, query: "SELECT a.origin FROM flights a, flights b WHERE a.delay > b.delay + 100000" }\n  - { id: airports_rows, type: row_count, dataset: airports, min: 1 }`);
      const report = await run(file, { connections: slow, projectDatasets: flightsDatasets });
      expect(report.checks.find((c) => c.id === 'cross_join')).toMatchObject({ status: 'error', error: expect.stringMatching(/statement timeout/) });
      expect(report.checks.find((c) => c.id === 'airports_rows')?.status).toBe('pass');
    });

    it('an error of suite SQL over PII columns is withheld (it may quote a value)', async () => {
      const file = suite('leak', `  - { id: leak, type: sql, dataset: airports, query: "SELECT CAST(name AS integer) AS n FROM airports" }`);
      const report = await run(file);
      const leak = report.checks.find((c) => c.id === 'leak')!;
      expect(leak.status).toBe('error');
      expect(leak.error).toMatch(/withheld/);
      expect(JSON.stringify(report)).not.toMatch(/Thigpen|invalid input syntax/);
    });

    it('a missing secret names the variable, never a value', async () => {
      const file = suite('nosecret', `  - { type: row_count, dataset: airports, min: 1 }`);
      await expect(run(file, { env: {} })).rejects.toThrow(/environment variable DQ_TEST_PG_PASSWORD \(connections\.warehouse\.password_env\) is not set/);
    });
  });
});
