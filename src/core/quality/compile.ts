/**
 * Compiles checks to SQL. Every check that can be answered by an aggregate over its dataset
 * (row_count, not_null, unique, accepted_values, range, regex, relationships, freshness) becomes a
 * few aggregate expressions; {@link aggregateQuery} puts all of a dataset's expressions into ONE
 * query, so a dataset is scanned once however many checks it has. A check's `where` filter goes
 * into its own expressions (`count_if(where AND …)`), so filtered checks share the scan too.
 *
 * Techniques: `count(*) - count(col)` for a single-column not_null (answered from Parquet
 * statistics), `list_contains([...], col)` instead of long `NOT IN` lists, `regexp_full_match`,
 * and relationships as an uncorrelated `NOT IN (SELECT …)` (a hash mark join built once over the
 * parent). `unique` is the one check a shared scan cannot answer cheaply: its exact duplicate
 * count ({@link CompiledCheck.duplicateQuery}) runs as a query of its own once the shared scan has
 * counted the rows. A one-column key is sorted and compared with its neighbour while the rows fit
 * in memory ({@link SORT_MAX_ROWS}; a fresh process sorts 3M keys in about half the time a
 * distinct hash table takes to build), else distinct-counted (which spills more gracefully). A
 * composite key is counted exactly in two phases: (1) the 32-bit fingerprints of the keys
 * (`hash(a, b, c) & 0xFFFFFFFF`) are sorted the same way (or grouped, past SORT_MAX_ROWS) and
 * those that repeat are the candidates; (2) only rows with a candidate fingerprint are grouped by
 * the key's real values. A fingerprint collision costs a few rows more in phase 2, never a wrong
 * count; a 4-byte sort key is ~20% cheaper than the 64-bit hash (3M flights: ~0.8 s vs ~1.0 s
 * CPU). The counts of distinct duplicated keys come from the same groups. Samples and the
 * distinct failing keys/values are fetched afterwards, only for checks that did not pass, with
 * targeted queries.
 *
 * Values are compared in the column's own type: `accepted_values` casts each listed value to the
 * column's type (`'18'` and `18` both match 18.0 in a DOUBLE column); on a JSON column, strings are
 * unwrapped (`"abc"` compares as abc). The text a `regex` sees: a text column's value; a JSON
 * string's content (other JSON values: their JSON text); any other type's DuckDB text form
 * (`CAST(x AS VARCHAR)`: 18.0, 2001-01-01, 2001-01-01 10:00:00, true).
 *
 * Suite SQL enters only as validated pieces (see sql.ts): a `where` is one expression, a `sql`
 * query one SELECT; each is put on lines of its own inside parentheses, so a trailing `--`
 * comment cannot reach the SQL around it.
 */
import { duckdbDialect, type Dialect } from '../engine/dialect.ts';
import { sqlValue } from '../engine/quote.ts';
import { whereOf, type CheckSpec } from './suite.ts';

/** What the compiler knows about a registered dataset. */
export interface DatasetInfo {
  name: string;
  /** Column name → DuckDB type, in table order. */
  columns: Map<string, string>;
}

/** A check that cannot be compiled because of the suite or the data's shape (reported as `error`). */
export class CheckCompileError extends Error {
  override readonly name = 'CheckCompileError';
}

/** Aggregate expressions of a check, evaluated over `FROM <dataset> AS t`. */
export interface AggregateParts {
  /** Rows checked (after `where`). */
  total: string;
  /** Failing rows; absent for row_count/freshness (decided from `value`). */
  failing?: string;
  /** Extra value (freshness: newest timestamp in epoch ms). */
  value?: string;
}

/** A compiled check. */
export interface CompiledCheck {
  /** `history`: decided from the results of other checks and the quality history (history/gate.ts). */
  kind: 'aggregate' | 'schema' | 'sql' | 'history' | 'drift';
  /** Columns the check reads, as resolved in the dataset. */
  columns: string[];
  aggregate?: AggregateParts;
  /** Row-level query of up to `n` failing rows (aggregate and sql kinds). */
  samples?: (n: number) => string;
  /** For `sql` checks: counts the failing rows. */
  countQuery?: string;
  /**
   * For `unique`: one row, `failing` = rows beyond the first of each key, given the dataset's row
   * count (which picks the strategy, see {@link SORT_MAX_ROWS}).
   */
  duplicateQuery?: (rows: number) => string;
  /**
   * For `unique`: one row, `dup_hashes` = hashes of up to `n` of the most repeated keys, `n_keys` =
   * duplicated keys, `key_rows` = their rows (one grouped scan serves samples and counts), given
   * the dataset's row count like {@link duplicateQuery}.
   */
  dupHashesQuery?: (n: number, rows: number) => string;
  /** For `unique`: the duplicated keys with their occurrences, given their hashes. */
  samplesByHash?: (hashes: string[], n: number) => string;
  /** For checks that did not pass: one row, `n` = distinct failing values or keys (see `failing_distinct` in report.ts). */
  distinctQuery?: string;
}

/** Up to this many rows, `unique` counts duplicates by sorting the keys; beyond, with a distinct aggregate. */
export const SORT_MAX_ROWS = 10_000_000;

const TYPE_NAMES: Record<string, string> = {
  int: 'INTEGER', int4: 'INTEGER', integer: 'INTEGER', signed: 'INTEGER', int8: 'BIGINT', long: 'BIGINT', bigint: 'BIGINT', int64: 'BIGINT',
  int2: 'SMALLINT', short: 'SMALLINT', smallint: 'SMALLINT', int1: 'TINYINT', tinyint: 'TINYINT', hugeint: 'HUGEINT', int128: 'HUGEINT',
  float: 'FLOAT', float4: 'FLOAT', real: 'FLOAT', double: 'DOUBLE', float8: 'DOUBLE', numeric: 'DECIMAL', decimal: 'DECIMAL',
  varchar: 'VARCHAR', string: 'VARCHAR', text: 'VARCHAR', char: 'VARCHAR', bpchar: 'VARCHAR', bool: 'BOOLEAN', boolean: 'BOOLEAN', logical: 'BOOLEAN',
  date: 'DATE', timestamp: 'TIMESTAMP', datetime: 'TIMESTAMP', timestamptz: 'TIMESTAMP WITH TIME ZONE', 'timestamp with time zone': 'TIMESTAMP WITH TIME ZONE',
  time: 'TIME', blob: 'BLOB', bytea: 'BLOB', binary: 'BLOB', varbinary: 'BLOB', uuid: 'UUID', json: 'JSON', interval: 'INTERVAL',
  ubigint: 'UBIGINT', uinteger: 'UINTEGER', usmallint: 'USMALLINT', utinyint: 'UTINYINT',
};

/** Canonical DuckDB type name for comparison (`int` → INTEGER, `text` → VARCHAR; `DECIMAL(10,2)` kept with precision). */
export function normalizeType(t: string): string {
  const s = t.trim().replace(/\s+/g, ' ');
  const m = /^([A-Za-z0-9_ ]+?)\s*(\(.*\))?$/.exec(s);
  if (!m) return s.toUpperCase();
  const base = TYPE_NAMES[m[1]!.toLowerCase()] ?? m[1]!.toUpperCase();
  if (base === 'VARCHAR') return 'VARCHAR';
  return m[2] ? `${base}${m[2].replace(/\s/g, '')}` : base;
}

const asList = (c: string | string[]) => (Array.isArray(c) ? c : [c]);

/** Columns named by a check (before resolution). */
export function checkColumns(check: CheckSpec): string[] {
  switch (check.type) {
    case 'not_null':
    case 'unique':
    case 'relationships':
      return asList(check.columns);
    case 'accepted_values':
    case 'range':
    case 'regex':
    case 'freshness':
      return [check.column];
    case 'schema':
      return Object.keys(check.columns ?? {});
    case 'anomaly':
      return check.column ? [check.column] : [];
    case 'drift':
      return Array.isArray(check.columns) ? check.columns : Object.keys(check.columns);
    default:
      return [];
  }
}

/** Default id: `<type>_<dataset>_<columns>` made SQL/URL safe, suffixed `_2`, `_3`… when taken. */
export function defaultCheckId(check: CheckSpec, taken: Set<string>): string {
  let base = check.id;
  if (!base) {
    const cols = check.type === 'schema' ? [] : checkColumns(check);
    base = [check.type, check.dataset, ...cols].join('_').replace(/[^A-Za-z0-9_]+/g, '_').replace(/_+/g, '_').replace(/_$/, '').toLowerCase();
  }
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}_${n}`;
  taken.add(id);
  return id;
}

/** Resolves a column name against a dataset (exact, then case-insensitive like DuckDB). */
export function resolveColumn(ds: DatasetInfo, name: string): string {
  if (ds.columns.has(name)) return name;
  const lower = name.toLowerCase();
  for (const c of ds.columns.keys()) if (c.toLowerCase() === lower) return c;
  throw new CheckCompileError(`column "${name}" not found in dataset "${ds.name}"; available columns: ${[...ds.columns.keys()].join(', ')}`);
}

const isTextType = (t: string | undefined) => !!t && /^(VARCHAR|UUID|ENUM)/i.test(t);
const isJsonType = (t: string | undefined) => !!t && /^JSON$/i.test(t.trim());
const isNestedType = (t: string | undefined) => !!t && (/^(STRUCT|MAP|UNION|LIST)\b/i.test(t) || /\]$/.test(t.trim()));
/** A scalar type name safe to write into a CAST (no ENUM member lists or struct fields). */
const CASTABLE = /^[A-Z][A-Z0-9_ ]*(\(\d+(\s*,\s*\d+)?\))?$/i;

/** The text form of a value for comparison on text columns (YAML numbers and booleans as written by JS). */
const asText = (v: string | number | boolean, d: Dialect) => d.literal(typeof v === 'string' ? v : String(v));

/** Expression of the text a regex sees (see the module doc). */
function textOf(ref: string, type: string | undefined, d: Dialect): string {
  if (isJsonType(type)) return d.jsonText(ref);
  return d.asText(ref, type);
}

/** A scalar as an SQL literal in the dialect (see {@link sqlValue}). */
const valueOf = (v: string | number | boolean, d: Dialect) => (typeof v === 'string' ? d.literal(v) : sqlValue(v));

/**
 * Compiles one check against the datasets it reads, in `dialect` (default DuckDB's; see
 * engine/dialect.ts for what differs between engines).
 * @throws CheckCompileError for a missing column or dataset (the check ends in `error`);
 *   UnsupportedCheckError when the dialect cannot express the check with DuckDB's meaning.
 */
export function compileCheck(check: CheckSpec, ds: DatasetInfo, lookup: (name: string) => DatasetInfo | undefined, dialect: Dialect = duckdbDialect): CompiledCheck {
  const d = dialect;
  const ident = d.ident;
  const from = `${ident(ds.name)} AS t`;
  const where = whereOf(check);
  const w = where ? `(\n${where}\n)` : undefined;
  const and = (pred: string) => (w ? `${w} AND (${pred})` : `(${pred})`);
  const total = w ? d.countIf(w) : 'count(*)';
  const rowsWhere = (pred: string) => `SELECT * FROM ${from} WHERE ${and(pred)}`;
  // failing samples in the order of the checked values: the same rows (and messages) on every engine
  const orderedSamples = (pred: string, cols: string[]) => (n: number) => `${rowsWhere(pred)} ORDER BY ${cols.map((c) => d.orderKey(`t.${ident(c)}`, ds.columns.get(c))).join(', ')} LIMIT ${n}`;
  const distinctWhere = (expr: string, pred: string) => `SELECT count(DISTINCT ${expr}) AS n FROM ${from} WHERE ${and(pred)}`;
  const col = (name: string) => `t.${ident(resolveColumn(ds, name))}`;
  switch (check.type) {
    case 'row_count':
      return { kind: 'aggregate', columns: [], aggregate: { total } };
    case 'not_null': {
      const cols = asList(check.columns).map((c) => resolveColumn(ds, c));
      const refs = cols.map((c) => `t.${ident(c)}`);
      const pred = refs.map((r) => `${r} IS NULL`).join(' OR ');
      const failing = cols.length === 1 && !w ? `count(*) - count(${refs[0]})` : d.countIf(and(pred));
      return { kind: 'aggregate', columns: cols, aggregate: { total, failing }, samples: (n) => `${rowsWhere(pred)} LIMIT ${n}` };
    }
    case 'unique': {
      const cols = asList(check.columns).map((c) => resolveColumn(ds, c));
      const refs = cols.map((c) => `t.${ident(c)}`);
      const filter = and(refs.map((r) => `${r} IS NOT NULL`).join(' AND '));
      const hashKey = d.keyHash(refs);
      if (d.name === 'duckdb') {
        // exact on the values, in two phases (see the module doc): keys whose 32-bit fingerprint
        // repeats are the candidates; only their rows are grouped by the key's real values
        const fingerprint = `(${hashKey} & 4294967295)::UINTEGER`;
        const candidates = (rows: number) =>
          rows <= SORT_MAX_ROWS
            ? `SELECT DISTINCT k FROM (SELECT k, lag(k) OVER (ORDER BY k) AS p FROM (SELECT ${fingerprint} AS k FROM ${from} WHERE ${filter})) WHERE k = p`
            : `SELECT k FROM (SELECT ${fingerprint} AS k FROM ${from} WHERE ${filter}) GROUP BY k HAVING count(*) > 1`;
        const dupKeys = (rows: number) => `SELECT ${hashKey} AS h, count(*) AS c FROM ${from} WHERE ${filter} AND ${fingerprint} IN (${candidates(rows)}) GROUP BY h, ${refs.join(', ')} HAVING count(*) > 1`;
        // one column: sorted (or distinct-counted) as it is, exact in one pass
        const duplicateQuery = (rows: number) =>
          cols.length > 1
            ? `SELECT coalesce(sum(c - 1), 0) AS failing FROM (${dupKeys(rows)}) AS g`
            : rows <= SORT_MAX_ROWS
              ? `SELECT count(*) FILTER (WHERE k = p) AS failing FROM (SELECT k, lag(k) OVER (ORDER BY k) AS p FROM (SELECT ${refs[0]!} AS k FROM ${from} WHERE ${filter}))`
              : `SELECT count(*) - count(DISTINCT ${refs[0]!}) AS failing FROM ${from} WHERE ${filter}`;
        // a failing check pays for the grouped scan that finds the most repeated keys, whose rows a filter scan then fetches
        const dupHashesQuery = (n: number, rows: number) => `SELECT ${d.topN('h', 'c', Math.max(1, n))} AS dup_hashes, count(*) AS n_keys, sum(c) AS key_rows FROM (${dupKeys(rows)}) AS g`;
        const samplesByHash = (hashes: string[], n: number) =>
          `SELECT ${refs.map((r, i) => `${r} AS ${ident(cols[i]!)}`).join(', ')}, count(*) AS occurrences FROM ${from} WHERE ${filter} AND ${hashKey} IN (${hashes.map(d.hashValue).join(', ')}) GROUP BY ALL ORDER BY occurrences DESC LIMIT ${n}`;
        return { kind: 'aggregate', columns: cols, aggregate: { total: d.countIf(filter) }, duplicateQuery, dupHashesQuery, samplesByHash };
      }
      // a warehouse groups by the key itself (a hash aggregate, exact): rows beyond the first of each key
      const duplicateQuery = () => `SELECT coalesce(sum(c - 1), 0) AS failing FROM (SELECT count(*) AS c FROM ${from} WHERE ${filter} GROUP BY ${refs.join(', ')}) AS g`;
      const dupHashesQuery = (n: number) =>
        `SELECT ${d.topN('h', 'c', Math.max(1, n))} AS dup_hashes, count(*) AS n_keys, sum(c) AS key_rows FROM (SELECT ${hashKey} AS h, count(*) AS c FROM ${from} WHERE ${filter} GROUP BY 1 HAVING count(*) > 1) AS g`;
      const samplesByHash = (hashes: string[], n: number) =>
        `SELECT ${refs.map((r, i) => `${r} AS ${ident(cols[i]!)}`).join(', ')}, count(*) AS occurrences FROM ${from} WHERE ${filter} AND ${hashKey} IN (${hashes.map(d.hashValue).join(', ')}) GROUP BY ${cols.map((_, i) => i + 1).join(', ')} ORDER BY occurrences DESC, ${refs.map((r, i) => d.orderKey(r, ds.columns.get(cols[i]!))).join(', ')} LIMIT ${n}`;
      return { kind: 'aggregate', columns: cols, aggregate: { total: d.countIf(filter) }, duplicateQuery, dupHashesQuery, samplesByHash };
    }
    case 'accepted_values': {
      const c = resolveColumn(ds, check.column);
      const type = ds.columns.get(c);
      const r = `t.${ident(c)}`;
      let ref: string;
      let values: string[];
      if (isNestedType(type)) throw new CheckCompileError(`accepted_values needs a column of single values; "${c}" is ${type}`);
      if (isJsonType(type)) {
        ref = d.jsonText(r);
        values = check.values.map((v) => asText(v, d));
      } else if (isTextType(type) || !type || !CASTABLE.test(type)) {
        ref = d.asText(r, type);
        values = check.values.map((v) => asText(v, d));
      } else {
        ref = r;
        values = check.values.map((v) => `CAST(${valueOf(v, d)} AS ${d.castType(type)})`);
      }
      const pred = `${r} IS NOT NULL AND NOT ${d.inList(ref, values)}`;
      return { kind: 'aggregate', columns: [c], aggregate: { total, failing: d.countIf(and(pred)) }, samples: orderedSamples(pred, [c]), distinctQuery: distinctWhere(r, pred) };
    }
    case 'range': {
      const c = col(check.column);
      if (check.min === undefined && check.max === undefined) throw new CheckCompileError('a range check needs min, max or both');
      const inc = typeof check.inclusive === 'boolean' ? { min: check.inclusive, max: check.inclusive } : check.inclusive;
      const parts: string[] = [];
      if (check.min !== undefined) parts.push(`${c} ${inc.min ? '<' : '<='} ${valueOf(check.min, d)}`);
      if (check.max !== undefined) parts.push(`${c} ${inc.max ? '>' : '>='} ${valueOf(check.max, d)}`);
      const pred = parts.join(' OR ');
      const name = resolveColumn(ds, check.column);
      return { kind: 'aggregate', columns: [name], aggregate: { total, failing: d.countIf(and(pred)) }, samples: orderedSamples(pred, [name]), distinctQuery: distinctWhere(c, pred) };
    }
    case 'regex': {
      const name = resolveColumn(ds, check.column);
      const c = `t.${ident(name)}`;
      const pred = `${c} IS NOT NULL AND NOT ${d.fullMatch(textOf(c, ds.columns.get(name), d), check.pattern)}`;
      return { kind: 'aggregate', columns: [name], aggregate: { total, failing: d.countIf(and(pred)) }, samples: orderedSamples(pred, [name]), distinctQuery: distinctWhere(c, pred) };
    }
    case 'relationships': {
      const cols = asList(check.columns).map((c) => resolveColumn(ds, c));
      const parent = lookup(check.to.dataset);
      if (!parent) throw new CheckCompileError(`relationships target dataset "${check.to.dataset}" is not declared or could not be read`);
      const pcols = asList(check.to.columns).map((c) => resolveColumn(parent, c));
      if (pcols.length !== cols.length) throw new CheckCompileError(`columns (${cols.length}) and to.columns (${pcols.length}) differ in number`);
      const refs = cols.map((c) => `t.${ident(c)}`);
      const prefs = pcols.map((c) => `p.${ident(c)}`);
      const notNull = refs.map((r) => `${r} IS NOT NULL`).join(' AND ');
      const pred = `${notNull} AND NOT (${d.tuple(refs)} IN (SELECT ${d.subTuple(prefs)} FROM ${ident(parent.name)} AS p WHERE ${prefs.map((r) => `${r} IS NOT NULL`).join(' AND ')}))`;
      return { kind: 'aggregate', columns: cols, aggregate: { total, failing: d.countIf(and(pred)) }, samples: orderedSamples(pred, cols), distinctQuery: distinctWhere(d.tuple(refs), pred) };
    }
    case 'freshness': {
      const name = resolveColumn(ds, check.column);
      const type = ds.columns.get(name) ?? '';
      const c = `t.${ident(name)}`;
      const ts = /^TIMESTAMP/i.test(type) ? c : /^DATE$/i.test(type) ? `CAST(${c} AS TIMESTAMP)` : d.tryTimestamp(c);
      const value = w ? d.epochMs(d.aggregateIf('max', ts, w)) : d.epochMs(`max(${ts})`);
      return { kind: 'aggregate', columns: [name], aggregate: { total, value } };
    }
    case 'schema':
      return { kind: 'schema', columns: Object.keys(check.columns ?? {}) };
    case 'drift': {
      const base = lookup(check.base);
      if (!base) throw new CheckCompileError(`drift base dataset "${check.base}" is not declared or could not be read`);
      const cols = checkColumns(check);
      for (const c of cols) resolveColumn(base, c);
      return { kind: 'drift', columns: cols.map((c) => resolveColumn(ds, c)) };
    }
    case 'anomaly': {
      // failing_rows of another check is read from that check's result; the others are one aggregate
      if (check.metric === 'failing_rows') {
        if (!check.check) throw new CheckCompileError('metric failing_rows needs `check`: the id of the check whose failing rows to follow');
        return { kind: 'history', columns: [] };
      }
      if (check.metric === 'row_count') return { kind: 'aggregate', columns: [], aggregate: { total, value: 'count(*)' } };
      if (!check.column) throw new CheckCompileError(`metric ${check.metric} needs \`column\``);
      const name = resolveColumn(ds, check.column);
      return { kind: 'aggregate', columns: [name], aggregate: { total, value: metricExpression(check.metric, `t.${ident(name)}`, ds.columns.get(name) ?? '') } };
    }
    case 'sql': {
      // `where` filters the query's rows (its columns are the query's output columns). The count
      // hashes every output row: a bare count(*) lets the engine skip the query's columns, and a
      // query whose columns fail to compute would be counted instead of reported as an error.
      const q = `(\n${check.query.trim().replace(/;\s*$/, '')}\n) AS __dq_rows`;
      const filter = w ? ` WHERE ${w}` : '';
      return { kind: 'sql', columns: [], countQuery: `SELECT count(*) AS failing, ${d.rowHash('__dq_rows')} AS __dq_hash FROM ${q}${filter}`, samples: (n) => `SELECT * FROM ${q}${filter} LIMIT ${n}` };
    }
  }
}

/**
 * The aggregate expression of a column metric of `type: anomaly` over column reference `ref` of
 * type `type`: null_ratio (0..1; 0 for no rows), distinct_count (exact, as the dataset profile
 * counts it: data/profile.ts), mean (`avg`) and median (exact; robust to a heavy tail) of numbers, freshness_lag (epoch ms of the newest
 * timestamp; the lag in seconds is taken against the run's clock).
 * @throws CheckCompileError for a mean over a column that is not a number.
 */
export function metricExpression(metric: 'null_ratio' | 'distinct_count' | 'mean' | 'median' | 'freshness_lag', ref: string, type: string): string {
  switch (metric) {
    case 'null_ratio':
      return `CASE WHEN count(*) = 0 THEN 0 ELSE (count(*) - count(${ref})) / count(*) END`;
    case 'distinct_count':
      return `count(DISTINCT ${ref})`;
    case 'mean':
    case 'median':
      if (!/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL)/i.test(type)) throw new CheckCompileError(`${metric} needs a numeric column; it is ${type}`);
      return metric === 'mean' ? `avg(${ref})::DOUBLE` : `median(${ref})::DOUBLE`;
    case 'freshness_lag':
      return `epoch_ms(max(${/^TIMESTAMP/i.test(type) ? ref : `TRY_CAST(${ref} AS TIMESTAMP)`}))`;
  }
}

/** Aliases of a check's aggregate expressions in {@link aggregateQuery}. */
export const aggAlias = (i: number, part: keyof AggregateParts) => `c${i}_${part}`;

/**
 * One aggregate query over a dataset answering all `checks` (keyed by index): columns `__rows`
 * (all rows of the dataset) and `c<i>_total`, `c<i>_failing`, `c<i>_value`.
 */
export function aggregateQuery(dataset: string, checks: Array<{ index: number; parts: AggregateParts }>, dialect: Dialect = duckdbDialect): string {
  const exprs = ['count(*) AS __rows'];
  for (const { index, parts } of checks) {
    for (const k of ['total', 'failing', 'value'] as const) {
      const e = parts[k];
      if (e) exprs.push(`${e} AS ${aggAlias(index, k)}`);
    }
  }
  return `SELECT ${exprs.join(', ')} FROM ${dialect.ident(dataset)} AS t`;
}
