import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/core/fields.ts';
import { readerSql } from '../../src/core/formats.ts';
import { aggregateQuery, CheckCompileError, compileCheck, defaultCheckId, normalizeType, SORT_MAX_ROWS, type DatasetInfo } from '../../src/core/quality/compile.ts';
import { parseSuite } from '../../src/core/quality/load.ts';
import type { CheckSpec } from '../../src/core/quality/suite.ts';

const flights: DatasetInfo = {
  name: 'flights',
  columns: new Map([
    ['date', 'TIMESTAMP'],
    ['delay', 'BIGINT'],
    ['origin', 'VARCHAR'],
    ['destination', 'VARCHAR'],
  ]),
};
const airports: DatasetInfo = { name: 'airports', columns: new Map([['iata', 'VARCHAR']]) };
const lookup = (n: string) => (n === 'airports' ? airports : n === 'flights' ? flights : undefined);

function check(yaml: string): CheckSpec {
  return parseSuite(`version: 1\nsuite: s\nchecks:\n  - ${yaml.trim().split('\n').join('\n    ')}\n`, 's.yml').spec.checks[0]!;
}

describe('check compilation', () => {
  it('not_null on one column uses count(*) - count(col)', () => {
    const c = compileCheck(check('type: not_null\ndataset: flights\ncolumns: delay'), flights, lookup);
    expect(c.aggregate).toEqual({ total: 'count(*)', failing: 'count(*) - count(t."delay")' });
  });

  it('not_null with where or several columns uses count_if', () => {
    const c = compileCheck(check('type: not_null\ndataset: flights\ncolumns: [origin, destination]\nwhere: delay > 0'), flights, lookup);
    // the where sits on lines of its own: a trailing -- comment cannot reach the SQL around it
    expect(c.aggregate?.failing).toBe('count_if((\ndelay > 0\n) AND (t."origin" IS NULL OR t."destination" IS NULL))');
    expect(c.aggregate?.total).toBe('count_if((\ndelay > 0\n))');
  });

  it('accepted_values uses list_contains, not NOT IN', () => {
    const c = compileCheck(check("type: accepted_values\ndataset: flights\ncolumn: origin\nvalues: [ATL, \"O'H\"]"), flights, lookup);
    expect(c.aggregate?.failing).toBe(`count_if((t."origin" IS NOT NULL AND NOT list_contains(['ATL', 'O''H'], t."origin")))`);
    expect(c.aggregate?.failing).not.toMatch(/NOT IN/);
  });

  it('regex is a full match', () => {
    const c = compileCheck(check("type: regex\ndataset: flights\ncolumn: origin\npattern: '[A-Z]{3}'"), flights, lookup);
    expect(c.aggregate?.failing).toContain(`regexp_full_match(t."origin", '[A-Z]{3}')`);
    const n = compileCheck(check("type: regex\ndataset: flights\ncolumn: delay\npattern: '-?[0-9]+'"), flights, lookup);
    expect(n.aggregate?.failing).toContain('CAST(t."delay" AS VARCHAR)');
  });

  it('composite unique is exact in two phases: repeated 32-bit fingerprints, then the real values of those rows only', () => {
    const c = compileCheck(check('type: unique\ndataset: flights\ncolumns: [date, origin, destination]'), flights, lookup);
    const notNull = '(t."date" IS NOT NULL AND t."origin" IS NOT NULL AND t."destination" IS NOT NULL)';
    const hash = 'hash(t."date", t."origin", t."destination")';
    const fp = `(${hash} & 4294967295)::UINTEGER`;
    expect(c.aggregate).toEqual({ total: `count_if(${notNull})` });
    // phase 1 sorts the fingerprints and compares neighbours while the rows fit in memory, else groups them
    const sorted = `SELECT DISTINCT k FROM (SELECT k, lag(k) OVER (ORDER BY k) AS p FROM (SELECT ${fp} AS k FROM "flights" AS t WHERE ${notNull})) WHERE k = p`;
    const grouped = `SELECT k FROM (SELECT ${fp} AS k FROM "flights" AS t WHERE ${notNull}) GROUP BY k HAVING count(*) > 1`;
    // phase 2 groups the candidate rows by the key's values: a fingerprint collision never counts as a duplicate
    const dupKeys = (candidates: string) => `SELECT ${hash} AS h, count(*) AS c FROM "flights" AS t WHERE ${notNull} AND ${fp} IN (${candidates}) GROUP BY h, t."date", t."origin", t."destination" HAVING count(*) > 1`;
    expect(c.duplicateQuery?.(SORT_MAX_ROWS)).toBe(`SELECT coalesce(sum(c - 1), 0) AS failing FROM (${dupKeys(sorted)}) AS g`);
    expect(c.duplicateQuery?.(SORT_MAX_ROWS + 1)).toBe(`SELECT coalesce(sum(c - 1), 0) AS failing FROM (${dupKeys(grouped)}) AS g`);
    expect(c.dupHashesQuery?.(5, SORT_MAX_ROWS)).toBe(`SELECT max_by(h, c, 5) AS dup_hashes, count(*) AS n_keys, sum(c) AS key_rows FROM (${dupKeys(sorted)}) AS g`);
    expect(c.samplesByHash?.(['18446744073709551615'], 5)).toContain(`${hash} IN ('18446744073709551615'::UBIGINT) GROUP BY ALL ORDER BY occurrences DESC LIMIT 5`);
  });

  it('one-column unique sorts the values themselves (exact in one pass), or distinct-counts them past SORT_MAX_ROWS', () => {
    const c = compileCheck(check('type: unique\ndataset: flights\ncolumns: origin'), flights, lookup);
    const notNull = '(t."origin" IS NOT NULL)';
    expect(c.duplicateQuery?.(SORT_MAX_ROWS)).toBe(`SELECT count(*) FILTER (WHERE k = p) AS failing FROM (SELECT k, lag(k) OVER (ORDER BY k) AS p FROM (SELECT t."origin" AS k FROM "flights" AS t WHERE ${notNull}))`);
    expect(c.duplicateQuery?.(SORT_MAX_ROWS + 1)).toBe(`SELECT count(*) - count(DISTINCT t."origin") AS failing FROM "flights" AS t WHERE ${notNull}`);
  });

  it('range honours inclusive on each side', () => {
    const both = compileCheck(check('type: range\ndataset: flights\ncolumn: delay\nmin: -60\nmax: 180'), flights, lookup);
    expect(both.aggregate?.failing).toBe('count_if((t."delay" < -60 OR t."delay" > 180))');
    const ex = compileCheck(check('type: range\ndataset: flights\ncolumn: delay\nmin: 0\nmax: 10\ninclusive: { min: false }'), flights, lookup);
    expect(ex.aggregate?.failing).toBe('count_if((t."delay" <= 0 OR t."delay" > 10))');
    const none = compileCheck(check('type: range\ndataset: flights\ncolumn: delay\nmax: 10\ninclusive: false'), flights, lookup);
    expect(none.aggregate?.failing).toBe('count_if((t."delay" >= 10))');
  });

  it('relationships is an anti-join against the parent', () => {
    const c = compileCheck(check('type: relationships\ndataset: flights\ncolumns: origin\nto: { dataset: airports, columns: iata }'), flights, lookup);
    expect(c.aggregate?.failing).toBe('count_if((t."origin" IS NOT NULL AND NOT (t."origin" IN (SELECT p."iata" FROM "airports" AS p WHERE p."iata" IS NOT NULL))))');
  });

  it('freshness takes the newest timestamp in epoch ms', () => {
    const c = compileCheck(check('type: freshness\ndataset: flights\ncolumn: date\nmax_age: 36h'), flights, lookup);
    expect(c.aggregate?.value).toBe('epoch_ms(max(t."date"))');
  });

  it('sql checks count the rows of the query, computing every column of them', () => {
    const c = compileCheck(check('type: sql\ndataset: flights\nquery: SELECT * FROM flights WHERE delay > 999;'), flights, lookup);
    expect(c.countQuery).toBe('SELECT count(*) AS failing, bit_xor(hash(__dq_rows)) AS __dq_hash FROM (\nSELECT * FROM flights WHERE delay > 999\n) AS __dq_rows');
  });

  it('a missing column names the available ones', () => {
    expect(() => compileCheck(check('type: not_null\ndataset: flights\ncolumns: delai'), flights, lookup)).toThrow(
      new CheckCompileError('column "delai" not found in dataset "flights"; available columns: date, delay, origin, destination'),
    );
  });

  it('puts all checks of a dataset in one aggregate query', () => {
    const specs = ['type: not_null\ndataset: flights\ncolumns: delay', "type: regex\ndataset: flights\ncolumn: origin\npattern: '[A-Z]{3}'", 'type: row_count\ndataset: flights\nmin: 1'];
    const q = aggregateQuery('flights', specs.map((s, index) => ({ index, parts: compileCheck(check(s), flights, lookup).aggregate! })));
    expect(q.match(/FROM/g)).toHaveLength(1);
    expect(q).toMatch(/^SELECT count\(\*\) AS __rows, .* AS c0_total, .* AS c0_failing, .* AS c1_failing, count\(\*\) AS c2_total FROM "flights" AS t$/);
  });

  it('derives default ids and de-duplicates them', () => {
    const taken = new Set<string>();
    const a = check('type: unique\ndataset: flights\ncolumns: [date, origin]');
    expect(defaultCheckId(a, taken)).toBe('unique_flights_date_origin');
    expect(defaultCheckId(a, taken)).toBe('unique_flights_date_origin_2');
    expect(defaultCheckId(check('type: not_null\ndataset: m\ncolumns: IMDB Rating'), taken)).toBe('not_null_m_imdb_rating');
  });

  it('normalises type names and durations', () => {
    expect(['int', 'INT64', 'text', 'timestamptz', 'DECIMAL(10, 2)', 'varchar(20)'].map(normalizeType)).toEqual(['INTEGER', 'BIGINT', 'VARCHAR', 'TIMESTAMP WITH TIME ZONE', 'DECIMAL(10,2)', 'VARCHAR']);
    expect(['30s', '90m', '36h', '7d', '2w'].map((d) => parseDuration(d))).toEqual([30e3, 90 * 60e3, 36 * 3.6e6, 7 * 8.64e7, 14 * 8.64e7]);
  });

  it('builds readers per format', () => {
    expect(readerSql(['/a.tsv'], 'tsv')).toBe("read_csv(['/a.tsv'], delim = '\\t')");
    expect(readerSql(['/a.ndjson'], 'ndjson')).toBe("read_json(['/a.ndjson'], format = 'newline_delimited')");
    expect(readerSql(['/a.csv'], 'csv', { delim: ';', header: true })).toBe("read_csv(['/a.csv'], delim = ';', header = TRUE)");
  });
});
