/**
 * The same suites on DuckDB (the files) and PostgreSQL (the same data as tables, loaded by
 * tests/helpers/postgres.ts into a real server this run started), compared row for row: every
 * check's status, failing_rows, total_rows, failing_distinct and message, and the checked values of
 * the samples; and the untrusted-suite rules on PostgreSQL.
 */
import path from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { ConnectionSpec } from '../../src/core/connections.ts';
import { loadProject } from '../../src/core/project.ts';
import { runSuite, type RunSuiteOptions } from '../../src/core/quality/run.ts';
import type { DatasetSpec } from '../../src/core/quality/suite.ts';
import type { CheckResult, Report } from '../../src/core/report/report.ts';
import { loadWarehouse, READER } from '../helpers/postgres.ts';
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
const checkedValues = (c: CheckResult) => c.samples.map((s) => c.columns.map((col) => (s as Record<string, unknown>)[col]));

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
      flights: { ...project.config.datasets.flights!, table: 'vega.flights' } as DatasetSpec,
      airports: { ...project.config.datasets.airports!, table: 'vega.airports' } as DatasetSpec,
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
});
