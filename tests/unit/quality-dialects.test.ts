/**
 * The check compiler's dialects (src/core/engine/dialect.ts): the RE2 → PostgreSQL regex subset,
 * BigQuery's SQL as golden text, BigQuery's dialect-neutral subset executed on DuckDB against
 * DuckDB's own answers, what each dialect refuses to express, and BigQuery's dry-run budget up to
 * the client boundary (no BigQuery service is reachable here: docs/warehouse.md says so).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bigqueryDialect, duckdbDialect, postgresDialect, re2ToPostgres, UnsupportedCheckError } from '../../src/core/engine/dialect.ts';
import { openBigQueryEngine, BytesBudgetError, type BigQueryClient, type DryRun } from '../../src/core/engine/bigquery.ts';
import { openEngine } from '../../src/core/engine/duckdb.ts';
import { aggAlias, aggregateQuery, compileCheck, type DatasetInfo } from '../../src/core/quality/compile.ts';
import { loadSuite } from '../../src/core/quality/load.ts';
import { runSuite } from '../../src/core/quality/run.ts';
import type { CheckSpec } from '../../src/core/quality/suite.ts';

const example = path.resolve('templates/example-pipeline');
const flights: DatasetInfo = {
  name: 'flights',
  columns: new Map([['date', 'TIMESTAMP'], ['delay', 'BIGINT'], ['distance', 'BIGINT'], ['origin', 'VARCHAR'], ['destination', 'VARCHAR']]),
};
const airports: DatasetInfo = { name: 'airports', columns: new Map([['iata', 'VARCHAR'], ['name', 'VARCHAR'], ['latitude', 'DOUBLE'], ['longitude', 'DOUBLE']]) };
const lookup = (n: string) => (n === 'flights' ? flights : n === 'airports' ? airports : undefined);

describe('RE2 patterns on PostgreSQL', () => {
  it.each([
    ['[A-Z]{3}', '[A-Z]{3}'],
    ['a.b', 'a[^\\n]b'],
    ['(?:ab|cd)+?x*', '(?:ab|cd)+?x*'],
    ['[^a-z.]\\.\\-', '[^a-z.]\\.\\-'],
    ['[A-Z][a-z]{2} [0-9]{2} [0-9]{4}', '[A-Z][a-z]{2} [0-9]{2} [0-9]{4}'],
  ])('%s reads as %s', (re2, are) => {
    expect(re2ToPostgres(re2)).toBe(are);
  });

  it.each([
    ['\\d{3}', /the escape \\d/],
    ['\\w+', /the escape \\w/],
    ['(?i)abc', /a group with flags/],
    ['[[:alpha:]]', /nested bracket/],
    ['a{300}', /above 255/],
    ['a**', /repeated quantifier/],
    ['*a', /without something to repeat/],
    ['a{', /not a \{n,m\} repetition/],
    ['\\p{L}', /the escape \\p/],
  ])('%s is refused, naming the construct', (re2, why) => {
    expect(() => re2ToPostgres(re2)).toThrow(UnsupportedCheckError);
    expect(() => re2ToPostgres(re2)).toThrow(why);
  });
});

/** The flights suite's checks compiled in a dialect (checks the dialect cannot express are left out). */
async function compiledFlights(dialect = bigqueryDialect) {
  const suite = await loadSuite(path.join(example, 'quality/flights.yml'));
  return suite.spec.checks.map((spec: CheckSpec, index) => ({ index, spec, compiled: compileCheck(spec, spec.dataset === 'flights' ? flights : airports, lookup, dialect) }));
}

describe('BigQuery SQL', () => {
  it('the flights suite compiles to the golden GoogleSQL', async () => {
    const checks = await compiledFlights();
    const text = ['flights', 'airports']
      .map((ds) => aggregateQuery(ds, checks.filter((c) => c.spec.dataset === ds && c.compiled.aggregate).map((c) => ({ index: c.index, parts: c.compiled.aggregate! })), bigqueryDialect))
      .concat(checks.flatMap((c) => [c.compiled.duplicateQuery?.(3_000_000), c.compiled.countQuery, c.compiled.samples?.(5), c.compiled.distinctQuery].filter((q): q is string => !!q)))
      .join(';\n\n');
    await expect(text + ';\n').toMatchFileSnapshot('../fixtures/warehouse/flights.bigquery.sql');
  });

  it('quotes identifiers and literals the GoogleSQL way', () => {
    expect(bigqueryDialect.ident('a`b')).toBe('`a\\`b`');
    expect(bigqueryDialect.literal("it's a \\ test")).toBe("'it\\'s a \\\\ test'");
    expect(bigqueryDialect.fullMatch('t.x', 'a.b')).toBe("REGEXP_CONTAINS(t.x, '^(?:a.b)$')");
  });

  it('refuses what it cannot compare with DuckDB\'s meaning', () => {
    const spec = { type: 'relationships', dataset: 'flights', columns: ['origin', 'destination'], to: { dataset: 'flights', columns: ['origin', 'destination'] }, severity: 'error' } as unknown as CheckSpec;
    expect(() => compileCheck(spec, flights, lookup, bigqueryDialect)).toThrow(/composite keys/);
    const regexOnDouble = { type: 'regex', dataset: 'airports', column: 'latitude', pattern: '[0-9.]+', severity: 'error' } as unknown as CheckSpec;
    expect(() => compileCheck(regexOnDouble, airports, lookup, bigqueryDialect)).toThrow(/writes DOUBLE values as text differently/);
    expect(() => compileCheck(regexOnDouble, airports, lookup, postgresDialect)).toThrow(UnsupportedCheckError);
    expect(() => compileCheck(regexOnDouble, airports, lookup, duckdbDialect)).not.toThrow();
  });

  /** BigQuery's text for DuckDB: backtick identifiers → double quotes, backslash-escaped literals → doubled quotes. */
  function toDuckDb(sql: string): string {
    let out = '';
    for (let i = 0; i < sql.length; i++) {
      const c = sql[i]!;
      if (c === '`' || c === "'") {
        let j = i + 1;
        let body = '';
        while (sql[j] !== c) {
          if (sql[j] === '\\') j++;
          body += sql[j++];
        }
        out += c === '`' ? `"${body.replaceAll('"', '""')}"` : `'${body.replaceAll("'", "''")}'`;
        i = j;
      } else out += c;
    }
    return out;
  }

  it('its dialect-neutral subset, run on DuckDB, answers what DuckDB\'s own SQL answers on the flights', async () => {
    const engine = await openEngine();
    try {
      // two weeks of the flights (a table: both queries read the same rows)
      await engine.run(`CREATE TABLE flights AS SELECT * FROM read_parquet('node_modules/vega-datasets/data/flights-3m.parquet') WHERE date < TIMESTAMP '2001-01-15'`);
      await engine.run(`CREATE VIEW airports AS SELECT * FROM read_csv('node_modules/vega-datasets/data/airports.csv')`);
      // the GoogleSQL functions the subset uses that DuckDB spells otherwise
      await engine.run('CREATE MACRO regexp_contains(s, p) AS regexp_matches(s, p)');
      const bq = await compiledFlights(bigqueryDialect);
      const duck = await compiledFlights(duckdbDialect);
      // neutral: no FARM_FINGERPRINT/TO_JSON_STRING (unique), UNIX_MILLIS (freshness), JSON_VALUE
      const neutral = bq.filter((c) => c.compiled.aggregate && !/FARM_FINGERPRINT|UNIX_MILLIS|JSON_VALUE/.test(JSON.stringify(c.compiled.aggregate)) && c.spec.dataset === 'flights');
      expect(neutral.length).toBeGreaterThanOrEqual(10);
      const [got] = await engine.query(toDuckDb(aggregateQuery('flights', neutral.map((c) => ({ index: c.index, parts: c.compiled.aggregate! })), bigqueryDialect)));
      const [want] = await engine.query(aggregateQuery('flights', neutral.map((c) => ({ index: c.index, parts: duck[c.index]!.compiled.aggregate! }))));
      expect(got).toEqual(want);
      // and the answers are not trivial: some checks fail rows
      expect(Object.entries(want!).filter(([k, v]) => k.endsWith('_failing') && Number(v) > 0).length).toBeGreaterThan(0);
      expect(want![aggAlias(neutral[0]!.index, 'total')]).toBeGreaterThan(100_000);
    } finally {
      engine.close();
    }
  });
});

/** A BigQuery client seam that answers dry runs with given bytes and records the jobs it is asked to run. */
function fakeClient(bytes: (sql: string) => number, statementType = 'SELECT') {
  const jobs: Array<{ sql: string; maximumBytesBilled: number; jobTimeoutMs: number }> = [];
  const client: BigQueryClient = {
    dryRun(sql): Promise<DryRun> {
      return Promise.resolve({ totalBytesProcessed: bytes(sql), statementType, schema: [{ name: 'iata', type: 'STRING' }, { name: 'latitude', type: 'FLOAT64' }, { name: 'tags', type: 'STRING', mode: 'REPEATED' }] });
    },
    query(sql, limits) {
      jobs.push({ sql, ...limits });
      return Promise.resolve([{ __rows: 3376, c0_total: 3376 }]);
    },
  };
  return { client, jobs };
}

describe('BigQuery dry run and maximum_bytes_billed (up to the client boundary)', () => {
  const spec = { type: 'bigquery' as const, project: 'dataops-test', maximum_bytes_billed: '1GB', statement_timeout: '2m' };
  const GiB = 1024 ** 3;

  it('prints the bytes the suite will scan and refuses above maximum_bytes_billed, before any job runs', async () => {
    const { client, jobs } = fakeClient((sql) => (/count\(\*\) AS __rows/.test(sql) ? 3 * GiB : 0));
    const lines: string[] = [];
    const engine = await openBigQueryEngine({ name: 'bq', spec, client, log: (l) => lines.push(l) });
    await expect(engine.preflight!(['SELECT count(*) AS __rows FROM `d`.`t` AS t'])).rejects.toThrow(BytesBudgetError);
    expect(lines.join('\n')).toMatch(/scans 3\.00 GiB \(maximum_bytes_billed 1\.00 GiB\)/);
    expect(jobs).toEqual([]);
  });

  it('every job carries what is left of the budget as maximumBytesBilled, and the statement timeout', async () => {
    const { client, jobs } = fakeClient(() => 300 * 1024 ** 2);
    const engine = await openBigQueryEngine({ name: 'bq', spec, client, log: () => undefined });
    await engine.preflight!(['SELECT 1 AS x']);
    await engine.select('SELECT 1 AS x');
    await engine.select('SELECT 2 AS x');
    expect(jobs.map((j) => [j.maximumBytesBilled, j.jobTimeoutMs])).toEqual([
      [GiB, 120_000],
      [GiB - 300 * 1024 ** 2, 120_000],
    ]);
    await engine.select('SELECT 3 AS x');
    // a fourth would pass the budget: refused from its dry run, not billed
    await expect(engine.select('SELECT 4 AS x')).rejects.toThrow(/above maximum_bytes_billed/);
    expect(jobs).toHaveLength(3);
  });

  it('a script or DML is refused from its dry run', async () => {
    const { client, jobs } = fakeClient(() => 0, 'SCRIPT');
    const engine = await openBigQueryEngine({ name: 'bq', spec, client, log: () => undefined });
    await expect(engine.select('SELECT 1; DELETE FROM d.t WHERE true')).rejects.toThrow(/found a SCRIPT statement/);
    expect(jobs).toEqual([]);
  });

  it('describes columns with DuckDB\'s type names, from the dry run only', async () => {
    const { client, jobs } = fakeClient(() => 0);
    const engine = await openBigQueryEngine({ name: 'bq', spec, client, log: () => undefined });
    expect(await engine.describe('SELECT * FROM `d`.`t`')).toEqual([
      { name: 'iata', type: 'VARCHAR' },
      { name: 'latitude', type: 'DOUBLE' },
      { name: 'tags', type: 'VARCHAR[]' },
    ]);
    expect(jobs).toEqual([]);
  });

  it('a suite over a BigQuery table runs through the seam: datasets as WITH prefixes, its SQL in GoogleSQL', async () => {
    const { client, jobs } = fakeClient(() => 1024);
    const report = await runSuite({
      suiteFile: path.resolve('tests/fixtures/warehouse/bigquery.yml'),
      connections: { bq: spec },
      bigqueryClient: client,
    });
    expect(report.tool.engine).toBe('bigquery dataops-test');
    expect(report.datasets).toEqual([expect.objectContaining({ name: 'airports', kind: 'table', source: 'geo.airports', row_count: 3376 })]);
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([['airports_rows', 'pass']]);
    expect(jobs[0]!.sql).toBe('WITH `airports` AS (\nSELECT * FROM `geo`.`airports`\n)\nSELECT count(*) AS __rows, count(*) AS c0_total FROM `airports` AS t');
  });
});
