/**
 * Warehouse bench (issue 17): the example flights suite on the 3M flights, on DuckDB (the
 * parquet file, on this machine) and inside PostgreSQL (the same rows as a table in a server this
 * bench starts from the Debian packages, as the tests do), side by side, with whether the two
 * reports agree check for check (status, failing_rows, message). Best of REPEAT runs each.
 *
 * `node bench/warehouse.ts` runs it alone; `npm run bench` runs it with the other bench modules.
 * Needs PostgreSQL installed (scripts/bootstrap installs it); loading the tables takes ~20 s.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadProject } from '../src/core/project.ts';
import { runSuite, type RunSuiteOptions } from '../src/core/quality/run.ts';
import type { DatasetSpec } from '../src/core/quality/suite.ts';
import type { Report } from '../src/core/report/report.ts';
import { loadWarehouse, postgresBin, READER, startPostgres } from '../tests/helpers/postgres.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const EXAMPLE = path.join(ROOT, 'templates/example-pipeline');
const REPEAT = 2;

async function best(opts: RunSuiteOptions): Promise<{ ms: number; report: Report }> {
  let out: { ms: number; report: Report } | undefined;
  for (let i = 0; i < REPEAT; i++) {
    const t = performance.now();
    const report = await runSuite(opts);
    const ms = performance.now() - t;
    if (!out || ms < out.ms) out = { ms, report };
  }
  return out!;
}

const key = (r: Report) => JSON.stringify(r.checks.map((c) => [c.id, c.status, c.failing_rows, c.message]));

export async function run(): Promise<void> {
  const bin = postgresBin();
  if (!bin) throw new Error('PostgreSQL is not installed (scripts/bootstrap installs it)');
  const { server, stop } = await startPostgres(bin);
  try {
    const t = performance.now();
    await loadWarehouse(server);
    console.log(`loaded flights (3M rows), airports into PostgreSQL in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const project = await loadProject(EXAMPLE);
    const datasets: Record<string, DatasetSpec> = {
      flights: { ...project.config.datasets.flights!, table: 'vega.flights' },
      airports: { ...project.config.datasets.airports!, table: 'vega.airports' },
    };
    const common: RunSuiteOptions = {
      suiteFile: path.join(EXAMPLE, 'quality/flights.yml'),
      projectDatasets: datasets,
      projectDir: EXAMPLE,
      now: new Date('2001-07-05T00:00:00Z'),
      connections: { warehouse: { type: 'postgres', host: server.host, port: server.port, database: server.database, user: READER.user, password_env: 'BENCH_PG_PASSWORD', statement_timeout: '10m' } },
      env: { BENCH_PG_PASSWORD: READER.password },
    };
    const duck = await best(common);
    const pg = await best({ ...common, engine: 'postgres' });
    const row = (name: string, r: { ms: number; report: Report }) => console.log(`${name.padEnd(28)} ${(r.ms / 1000).toFixed(2).padStart(8)} s  ${r.report.status.padEnd(5)} ${r.report.checks.length} checks  ${r.report.tool.engine}`);
    console.log(`${'flights suite, 3M rows'.padEnd(28)} ${'wall'.padStart(10)}  status`);
    row('duckdb (parquet file)', duck);
    row('postgres (table)', pg);
    console.log(`identical results: ${key(duck.report) === key(pg.report) ? 'yes' : 'NO'}`);
    if (key(duck.report) !== key(pg.report)) throw new Error('DuckDB and PostgreSQL disagree on the flights suite');
  } finally {
    stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run();
