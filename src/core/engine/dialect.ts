/**
 * SQL dialects the check compiler (src/core/quality/compile.ts) writes for: `duckdb` (the embedded
 * default), `postgres` (PostgreSQL 12+) and `bigquery` (GoogleSQL). A dialect supplies the few
 * pieces whose spelling differs (filtered counts, list membership, full-match regexes, JSON text,
 * epoch milliseconds, key hashes); everything else the compiler writes is standard SQL that all
 * three read alike.
 *
 * Where a dialect cannot say what a check means on DuckDB it throws {@link UnsupportedCheckError}
 * at compile time, naming the construct, instead of computing something else: a regex outside the
 * subset PostgreSQL's ARE engine reads like RE2, a regex over a floating-point column (its text
 * form differs: DuckDB `18.0`, PostgreSQL `18`), freshness over a text column (no TRY_CAST in
 * PostgreSQL), a composite relationships key on BigQuery (no tuple IN).
 *
 * Column types in {@link DatasetInfo}-style maps are DuckDB's canonical names on every engine (the
 * engines describe their columns that way), so schema checks read the same on all of them;
 * {@link Dialect.castType} spells such a name for the target.
 */

/** Name of a dialect (and of the engine kind that speaks it). */
export type DialectName = 'duckdb' | 'postgres' | 'bigquery';

/** Engine kinds (dialect names), in documentation order. */
export const ENGINE_KINDS: readonly DialectName[] = ['duckdb', 'postgres', 'bigquery'];

/** A check the target dialect cannot express with DuckDB's meaning (the suite is refused at load). */
export class UnsupportedCheckError extends Error {
  override readonly name = 'UnsupportedCheckError';
}

/** The dialect-specific pieces of the SQL the check compiler writes. */
export interface Dialect {
  readonly name: DialectName;
  /** A quoted identifier. */
  ident: (name: string) => string;
  /** A quoted string literal. */
  literal: (value: string) => string;
  /** Number of rows where `pred` holds. */
  countIf: (pred: string) => string;
  /** `agg` over the rows where `cond` holds (`agg` is `fn(arg)`: split as fn, arg). */
  aggregateIf: (fn: string, arg: string, cond: string) => string;
  /** Whether `ref` is one of `values` (SQL expressions, none NULL). */
  inList: (ref: string, values: string[]) => string;
  /**
   * Whether the text `text` matches the RE2 `pattern` as a whole.
   * @throws UnsupportedCheckError when the pattern is outside what the dialect reads like RE2.
   */
  fullMatch: (text: string, pattern: string) => string;
  /** The text form of a value of `type` as DuckDB's `CAST(x AS VARCHAR)` writes it. @throws UnsupportedCheckError when the dialect writes it otherwise. */
  asText: (ref: string, type: string | undefined) => string;
  /** The unwrapped text of a JSON value (a JSON string's content, else its JSON text). */
  jsonText: (ref: string) => string;
  /** A DuckDB canonical type name (`DOUBLE`, `VARCHAR`, `DECIMAL(10,2)`) as the dialect spells it in a CAST. */
  castType: (type: string) => string;
  /** Epoch milliseconds of a TIMESTAMP expression. */
  epochMs: (ts: string) => string;
  /** `ref` as a TIMESTAMP, NULL when it does not parse. @throws UnsupportedCheckError when the dialect has no such cast. */
  tryTimestamp: (ref: string) => string;
  /** A row constructor for a composite key. @throws UnsupportedCheckError when the dialect cannot compare such keys. */
  tuple: (refs: string[]) => string;
  /** The select list of a subquery whose rows are compared to {@link tuple} with IN. */
  subTuple: (refs: string[]) => string;
  /** A hash of a key's values (equal keys, equal hashes); its values come back as text. */
  keyHash: (refs: string[]) => string;
  /** A hash value from {@link keyHash} (as text) back as an SQL value. */
  hashValue: (h: string) => string;
  /** Up to `n` values of `value` with the largest `by`, as an array. */
  topN: (value: string, by: string, n: number) => string;
  /** An ORDER BY item that orders a value of `type` as DuckDB does (binary text order). */
  orderKey: (ref: string, type: string | undefined) => string;
  /** A hash of a whole output row, to force every column of `alias` to be computed. */
  rowHash: (alias: string, columns?: string[]) => string;
}

const dq = (name: string) => `"${name.replaceAll('"', '""')}"`;
const sq = (value: string) => `'${value.replaceAll("'", "''")}'`;
const isText = (t: string | undefined) => !!t && /^VARCHAR/i.test(t);

/** DuckDB: the embedded engine's own spelling (what the compiler wrote before dialects existed). */
export const duckdbDialect: Dialect = {
  name: 'duckdb',
  ident: dq,
  literal: sq,
  countIf: (p) => `count_if(${p})`,
  aggregateIf: (fn, arg, cond) => `${fn}(${arg}) FILTER (WHERE ${cond})`,
  inList: (ref, values) => `list_contains([${values.join(', ')}], ${ref})`,
  fullMatch: (text, pattern) => `regexp_full_match(${text}, ${sq(pattern)})`,
  asText: (ref, type) => (isText(type) ? ref : `CAST(${ref} AS VARCHAR)`),
  jsonText: (ref) => `json_extract_string(${ref}, '$')`,
  castType: (t) => t,
  epochMs: (ts) => `epoch_ms(${ts})`,
  tryTimestamp: (ref) => `TRY_CAST(${ref} AS TIMESTAMP)`,
  tuple: (refs) => (refs.length === 1 ? refs[0]! : `row(${refs.join(', ')})`),
  subTuple: (refs) => (refs.length === 1 ? refs[0]! : `row(${refs.join(', ')})`),
  keyHash: (refs) => `hash(${refs.join(', ')})`,
  hashValue: (h) => `${sq(h)}::UBIGINT`,
  topN: (value, by, n) => `max_by(${value}, ${by}, ${n})`,
  orderKey: (ref) => ref,
  rowHash: (alias) => `bit_xor(hash(${alias}))`,
};

/** PostgreSQL spellings of DuckDB canonical type names (others are spelled alike). */
const PG_TYPES: Record<string, string> = {
  VARCHAR: 'text', DOUBLE: 'double precision', FLOAT: 'real', TINYINT: 'smallint', HUGEINT: 'numeric', UBIGINT: 'numeric',
  UINTEGER: 'bigint', USMALLINT: 'integer', UTINYINT: 'smallint', BLOB: 'bytea', 'TIMESTAMP WITH TIME ZONE': 'timestamptz', JSON: 'jsonb',
};

/** Types whose text form PostgreSQL writes as DuckDB does (integers, text, dates, timestamps, booleans, UUIDs). */
const SAME_TEXT = /^(VARCHAR|U?(TINYINT|SMALLINT|INTEGER|BIGINT)|DATE|TIMESTAMP|BOOLEAN|UUID)$/i;

/**
 * An RE2 pattern rewritten for PostgreSQL's advanced regular expressions (ARE) with the same
 * matches, or why it cannot be. Read: literals, escaped punctuation, `\n \t \r`, `.` (RE2: not
 * newline → `[^\n]`), bracket expressions of literals and ranges (no `[[:class:]]`, no escapes
 * other than escaped punctuation), groups `(…)` and `(?:…)`, `|`, `^`, `$`, and the quantifiers
 * `* + ? {n} {n,} {n,m}` (optionally lazy: laziness never changes whether a whole text matches).
 * Refused: class escapes (`\d \w \s \b`, whose Unicode reach differs), flags `(?i)`, named
 * groups, `\p{…}`, `\Q…\E`, `\x…`, and anything else RE2 reads differently.
 * @throws UnsupportedCheckError naming the construct.
 */
export function re2ToPostgres(pattern: string): string {
  let out = '';
  let i = 0;
  const refuse = (what: string): never => {
    throw new UnsupportedCheckError(`regex pattern ${JSON.stringify(pattern)}: ${what} at position ${i} is not read alike by PostgreSQL; write it with literals, [a-z] classes, groups and quantifiers`);
  };
  const escaped = (c: string | undefined) => {
    if (c === undefined) refuse('a trailing backslash');
    if (c === 'n' || c === 't' || c === 'r') return `\\${c}`;
    if (/[.^$|?*+()[\]{}\\/-]/.test(c!)) return `\\${c}`;
    return refuse(`the escape \\${c}`);
  };
  let atomBefore = false;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === '\\') {
      out += escaped(pattern[i + 1]);
      i += 2;
      atomBefore = true;
    } else if (c === '.') {
      out += '[^\\n]';
      i++;
      atomBefore = true;
    } else if (c === '[') {
      let j = i + 1;
      let cls = '[';
      if (pattern[j] === '^') cls += pattern[j++];
      if (pattern[j] === ']') refuse('a bracket expression starting with ]');
      while (j < pattern.length && pattern[j] !== ']') {
        const d = pattern[j]!;
        if (d === '[') refuse('a nested bracket or [[:class:]]');
        if (d === '\\') {
          cls += escaped(pattern[j + 1]);
          j += 2;
          continue;
        }
        cls += d;
        j++;
      }
      if (j >= pattern.length) refuse('an unclosed bracket expression');
      out += cls + ']';
      i = j + 1;
      atomBefore = true;
    } else if (c === '(') {
      if (pattern[i + 1] === '?') {
        if (pattern[i + 2] !== ':') refuse('a group with flags or a name');
        out += '(?:';
        i += 3;
      } else {
        out += '(';
        i++;
      }
      atomBefore = false;
    } else if (c === ')' || c === '|' || c === '^' || c === '$') {
      out += c;
      i++;
      atomBefore = c === ')';
    } else if (c === '*' || c === '+' || c === '?' || c === '{') {
      if (!atomBefore) refuse(`the quantifier ${c} without something to repeat`);
      if (c === '{') {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
        if (!m) refuse('a { that is not a {n,m} repetition');
        if (Number(m![1]) > 255 || Number(m![3] || 0) > 255) refuse('a repetition count above 255 (PostgreSQL\'s limit)');
        out += m![0];
        i += m![0].length;
      } else {
        out += c;
        i++;
      }
      if (pattern[i] === '?') {
        out += '?';
        i++;
      }
      if (/[*+?{]/.test(pattern[i] ?? '')) refuse('a repeated quantifier');
      atomBefore = false;
    } else {
      out += c;
      i++;
      atomBefore = true;
    }
  }
  return out;
}

/** PostgreSQL 12+ (the `pg` client): standard SQL with FILTER, `~` regexes, `#>>` JSON text. */
export const postgresDialect: Dialect = {
  name: 'postgres',
  ident: dq,
  literal: sq,
  countIf: (p) => `count(*) FILTER (WHERE ${p})`,
  aggregateIf: (fn, arg, cond) => `${fn}(${arg}) FILTER (WHERE ${cond})`,
  inList: (ref, values) => `(${ref} IN (${values.join(', ')}))`,
  fullMatch: (text, pattern) => `(${text} ~ ${sq(`^(?:${re2ToPostgres(pattern)})$`)})`,
  asText: (ref, type) => {
    if (isText(type)) return ref;
    if (type && !SAME_TEXT.test(type.trim())) throw new UnsupportedCheckError(`PostgreSQL writes ${type} values as text differently from DuckDB; check a text column (or cast it in an SQL dataset)`);
    return `CAST(${ref} AS text)`;
  },
  jsonText: (ref) => `(${ref} #>> '{}')`,
  castType: (t) => PG_TYPES[t.toUpperCase()] ?? t,
  epochMs: (ts) => `(extract(epoch FROM ${ts}) * 1000)`,
  tryTimestamp: () => {
    throw new UnsupportedCheckError('freshness on PostgreSQL needs a DATE or TIMESTAMP column (PostgreSQL has no TRY_CAST for text)');
  },
  tuple: (refs) => (refs.length === 1 ? refs[0]! : `ROW(${refs.join(', ')})`),
  subTuple: (refs) => refs.join(', '),
  keyHash: (refs) => `md5(CAST(ROW(${refs.join(', ')}) AS text))`,
  hashValue: sq,
  topN: (value, by, n) => `(array_agg(${value} ORDER BY ${by} DESC))[1:${n}]`,
  orderKey: (ref, type) => (isText(type) ? `${ref} COLLATE "C"` : type && /^JSON$/i.test(type) ? `CAST(${ref} AS text) COLLATE "C"` : ref),
  rowHash: (alias) => `bit_xor(hashtext(CAST(${alias} AS text)))`,
};

/** GoogleSQL spellings of DuckDB canonical type names. */
const BQ_TYPES: Record<string, string> = {
  VARCHAR: 'STRING', DOUBLE: 'FLOAT64', FLOAT: 'FLOAT64', BIGINT: 'INT64', INTEGER: 'INT64', SMALLINT: 'INT64', TINYINT: 'INT64',
  BOOLEAN: 'BOOL', BLOB: 'BYTES', 'TIMESTAMP WITH TIME ZONE': 'TIMESTAMP', TIMESTAMP: 'DATETIME', DECIMAL: 'NUMERIC',
};

/** BigQuery (GoogleSQL): backtick identifiers, COUNTIF, RE2 regexes natively. */
export const bigqueryDialect: Dialect = {
  name: 'bigquery',
  ident: (name) => `\`${name.replaceAll('\\', '\\\\').replaceAll('`', '\\`')}\``,
  literal: (value) => `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'").replaceAll('\n', '\\n')}'`,
  countIf: (p) => `COUNTIF(${p})`,
  aggregateIf: (fn, arg, cond) => `${fn}(IF(${cond}, ${arg}, NULL))`,
  inList: (ref, values) => `(${ref} IN (${values.join(', ')}))`,
  fullMatch: (text, pattern) => `REGEXP_CONTAINS(${text}, ${bigqueryDialect.literal(`^(?:${pattern})$`)})`,
  asText: (ref, type) => {
    if (isText(type)) return ref;
    if (type && !SAME_TEXT.test(type.trim())) throw new UnsupportedCheckError(`BigQuery writes ${type} values as text differently from DuckDB; check a text column`);
    return `CAST(${ref} AS STRING)`;
  },
  jsonText: (ref) => `COALESCE(JSON_VALUE(${ref}, '$'), TO_JSON_STRING(${ref}))`,
  castType: (t) => BQ_TYPES[t.toUpperCase().replace(/\(.*$/, '')] ?? t,
  epochMs: (ts) => `UNIX_MILLIS(TIMESTAMP(${ts}))`,
  tryTimestamp: (ref) => `SAFE_CAST(${ref} AS TIMESTAMP)`,
  tuple: (refs) => {
    if (refs.length !== 1) throw new UnsupportedCheckError('BigQuery cannot compare composite keys with IN; check one column, or build the key in an SQL dataset');
    return refs[0]!;
  },
  subTuple: (refs) => refs.join(', '),
  keyHash: (refs) => `CAST(FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(${refs.join(', ')}))) AS STRING)`,
  hashValue: (h) => bigqueryDialect.literal(h),
  topN: (value, by, n) => `ARRAY_AGG(${value} ORDER BY ${by} DESC LIMIT ${n})`,
  orderKey: (ref) => ref,
  rowHash: (alias) => `BIT_XOR(FARM_FINGERPRINT(TO_JSON_STRING(${alias})))`,
};

/**
 * `sql` with the datasets defined before it as a WITH prefix (how a warehouse engine, which
 * creates nothing, makes datasets queryable by name). PostgreSQL gets `AS NOT MATERIALIZED`, so
 * each dataset is inlined and planned with its table's statistics and indexes. A statement that
 * starts with its own WITH is wrapped as a subquery.
 */
export function withDatasets(dialect: Dialect, views: ReadonlyArray<readonly [string, string]>, sql: string): string {
  if (!views.length) return sql;
  const body = /^\s*WITH\b/i.test(sql) ? `SELECT * FROM (\n${sql}\n) AS __dq_q` : sql;
  const as = dialect.name === 'postgres' ? 'AS NOT MATERIALIZED' : 'AS';
  return `WITH ${views.map(([n, q]) => `${dialect.ident(n)} ${as} (\n${q}\n)`).join(',\n')}\n${body}`;
}
