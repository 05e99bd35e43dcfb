/**
 * What a suite's SQL is, read with DuckDB's own parser (never with regular expressions):
 *
 * - {@link parseSql}: the parse tree of `json_serialize_sql` (DuckDB serialises SELECT statements
 *   only) plus the statement count of `extract_statements`, so a text is known to be exactly one
 *   SELECT before anything binds it;
 * - {@link checkWhereExpression}: a `where:` filter is one expression (`SELECT <where>` parses
 *   to one select-list item and nothing else: no FROM, no clauses, no second statement);
 * - {@link tableNames}: the datasets a query reads (base tables that are not CTEs);
 * - {@link piiOutputs}: column lineage for PII. An output column is PII when its expression
 *   reads a PII column anywhere (directly, through an alias, an aggregate, a CASE, a subquery, a
 *   CTE, a join or a set operation). Names match case-insensitively, as in DuckDB. Whatever the
 *   walk cannot decide (table functions, PIVOT, `COLUMNS(…)`, output counts that differ from what
 *   the engine describes) makes every output column PII.
 *
 * Parsing needs no file access, so it runs before the engine is locked; binding happens later,
 * on the locked engine ({@link Engine.select}).
 */
import type { Engine } from '../engine/duckdb.ts';

/** A node of DuckDB's JSON parse tree (json_serialize_sql). */
type Node = Record<string, unknown>;

/** Result of {@link parseSql}. */
export type ParsedSql =
  | { ok: true; statement: Node }
  | { ok: false; kind: 'syntax'; message: string }
  | { ok: false; kind: 'shape'; message: string };

/**
 * Parses `sql`, which must be exactly one SELECT (or WITH … SELECT, FROM-first, VALUES…) statement.
 * @returns the statement's parse tree; `shape` for several statements or a statement of another
 *   kind (COPY, ATTACH, SET, PRAGMA, CREATE…); `syntax` for a parser error (its message quotes
 *   only the text given).
 */
export async function parseSql(engine: Engine, sql: string): Promise<ParsedSql> {
  const [row] = await engine.query<{ j: string }>('SELECT json_serialize_sql($1::VARCHAR) AS j', [sql]);
  const tree = JSON.parse(row?.j ?? '{}') as { error?: boolean; error_type?: string; error_message?: string; statements?: Node[] };
  if (tree.error) {
    if (tree.error_type === 'parser') return { ok: false, kind: 'syntax', message: `syntax error: ${tree.error_message ?? 'unknown'}` };
    return { ok: false, kind: 'shape', message: 'expected one SELECT statement, found another kind of statement (COPY, ATTACH, SET, PRAGMA, CREATE… are refused)' };
  }
  const statements = tree.statements ?? [];
  if (statements.length !== 1) return { ok: false, kind: 'shape', message: `expected one SELECT statement, found ${statements.length}` };
  return { ok: true, statement: statements[0]!.node as Node };
}

const NOT_ONE_EXPRESSION = 'expected one SQL expression (a filter such as "amount > 0"), found a clause, several expressions or a query';

/**
 * Checks that a `where:` filter is one SQL expression (it may hold subqueries: they run on the
 * locked engine like any suite SQL).
 * @returns the parse tree of `SELECT <where>`, or what is wrong (`syntax`, or `shape` for more
 *   than one expression).
 */
export async function checkWhereExpression(engine: Engine, where: string): Promise<ParsedSql> {
  const parsed = await parseSql(engine, `SELECT ${where}`);
  if (!parsed.ok) return parsed.kind === 'syntax' ? parsed : { ok: false, kind: 'shape', message: NOT_ONE_EXPRESSION };
  const n = parsed.statement;
  const list = (n.select_list as Node[] | undefined) ?? [];
  const from = n.from_table as Node | undefined;
  const clauses = ['where_clause', 'having', 'qualify', 'sample'].some((k) => n[k] !== null && n[k] !== undefined);
  const lists = ['group_expressions', 'modifiers'].some((k) => Array.isArray(n[k]) && (n[k] as unknown[]).length > 0);
  const ctes = ((n.cte_map as { map?: unknown[] } | undefined)?.map ?? []).length > 0;
  if (n.type !== 'SELECT_NODE' || list.length !== 1 || from?.type !== 'EMPTY' || clauses || lists || ctes || list[0]!.class === 'STAR' || (list[0]!.alias as string | undefined)) {
    return { ok: false, kind: 'shape', message: NOT_ONE_EXPRESSION };
  }
  return parsed;
}

/** Visits every object in a parse tree (depth first). */
function walk(node: unknown, visit: (n: Node) => void): void {
  if (Array.isArray(node)) for (const x of node) walk(x, visit);
  else if (node && typeof node === 'object') {
    visit(node as Node);
    for (const v of Object.values(node)) walk(v, visit);
  }
}

/** Lower-cased names of the base tables a statement reads (CTE names excluded). */
export function tableNames(statement: Node): string[] {
  const ctes = new Set<string>();
  const tables = new Set<string>();
  walk(statement, (n) => {
    const map = (n.cte_map as { map?: Array<{ key: string }> } | undefined)?.map;
    if (map) for (const e of map) ctes.add(e.key.toLowerCase());
    if (n.type === 'BASE_TABLE' && typeof n.table_name === 'string') tables.add(n.table_name.toLowerCase());
    if (n.type === 'RECURSIVE_CTE_NODE' && typeof n.cte_name === 'string') ctes.add(n.cte_name.toLowerCase());
  });
  return [...tables].filter((t) => !ctes.has(t));
}

/** A column of a relation in the lineage walk. */
interface Col {
  name: string;
  pii: boolean;
  /** Hidden from `*` (the right side's USING/NATURAL columns). */
  hidden?: boolean;
}
/** A relation visible in a FROM clause, with the qualifier it is referenced by. */
interface Entry {
  qual: string;
  cols: Col[];
}
interface Scope {
  entries: Entry[];
  /** Select-list aliases defined so far (DuckDB lets later items and clauses reuse them). */
  aliases: Map<string, boolean>;
  outer?: Scope | undefined;
}
interface Env {
  datasets: Map<string, Col[]>;
  ctes: Map<string, Col[]>;
  /** Lower-cased names of every PII column anywhere (fallback for names that do not resolve). */
  piiNames: Set<string>;
  undecidable: boolean;
}

const lc = (s: unknown) => String(s).toLowerCase();

function lookup(scope: Scope | undefined, names: string[], env: Env): boolean {
  const [a, b] = names.map(lc);
  for (let s = scope; s; s = s.outer) {
    if (names.length === 1) {
      const hits = s.entries.flatMap((e) => e.cols.filter((c) => lc(c.name) === a));
      if (hits.length) return hits.some((c) => c.pii);
      const rel = s.entries.find((e) => e.qual === a);
      if (rel) return rel.cols.some((c) => c.pii); // the whole row as a struct
      if (s.aliases.has(a!)) return s.aliases.get(a!)!;
    } else {
      const rel = s.entries.find((e) => e.qual === a);
      const col = rel?.cols.find((c) => lc(c.name) === b);
      if (col) return col.pii || (names.length > 2 && lookup(s, names.slice(1), env));
      // a.b as struct field b of column a (or alias a)
      const hits = s.entries.flatMap((e) => e.cols.filter((c) => lc(c.name) === a));
      if (hits.length) return hits.some((c) => c.pii);
      if (s.aliases.has(a!)) return s.aliases.get(a!)!;
    }
  }
  // not resolvable here (lambda parameter, unknown name): decide by name alone
  return names.some((n) => env.piiNames.has(lc(n)));
}

/** Columns `*` (optionally `rel.*`) expands to, before EXCLUDE/REPLACE/RENAME. */
function starColumns(scope: Scope, relation: string): Array<Col & { qual: string }> {
  const rel = lc(relation);
  return scope.entries.filter((e) => !rel || e.qual === rel).flatMap((e) => e.cols.filter((c) => !c.hidden || rel).map((c) => ({ ...c, qual: e.qual })));
}

/** Whether an expression reads a PII column (any column reference, subquery or star inside it). */
function exprPii(expr: unknown, scope: Scope, env: Env): boolean {
  let pii = false;
  const visit = (x: unknown): void => {
    if (pii || !x || typeof x !== 'object') return;
    if (Array.isArray(x)) return x.forEach(visit);
    const n = x as Node;
    if (n.class === 'COLUMN_REF') {
      if (lookup(scope, (n.column_names as string[]) ?? [], env)) pii = true;
      return;
    }
    if (n.class === 'SUBQUERY') {
      const sub = evalNode(n.subquery && (n.subquery as Node).node, env, scope);
      if (sub.some((c) => c.pii)) pii = true;
      visit(n.child);
      return;
    }
    if (n.class === 'STAR') {
      if (starColumns(scope, typeof n.relation_name === 'string' ? n.relation_name : '').some((c) => c.pii)) pii = true;
      return;
    }
    for (const v of Object.values(n)) visit(v);
  };
  visit(expr);
  return pii;
}

function renamed(cols: Col[], aliases: unknown): Col[] {
  const names = Array.isArray(aliases) ? (aliases as string[]) : [];
  return cols.map((c, i) => (i < names.length ? { ...c, name: names[i]! } : c));
}

function evalFrom(table: Node | undefined, env: Env, outer: Scope | undefined): Entry[] {
  if (!table) return [];
  const qualOf = (fallback: string) => lc((table.alias) || fallback);
  switch (table.type) {
    case 'EMPTY':
      return [];
    case 'BASE_TABLE': {
      const name = lc(table.table_name);
      const cols = env.ctes.get(name) ?? env.datasets.get(name);
      if (!cols) {
        env.undecidable = true;
        return [];
      }
      return [{ qual: qualOf(name), cols: renamed(cols, table.column_name_alias) }];
    }
    case 'SUBQUERY': {
      const cols = evalNode((table.subquery as Node | undefined)?.node, env, outer);
      return [{ qual: qualOf(''), cols: renamed(cols, table.column_name_alias) }];
    }
    case 'JOIN': {
      const left = evalFrom(table.left as Node, env, outer);
      // a LATERAL right side may reference the left side
      const right = evalFrom(table.right as Node, env, { entries: left, aliases: new Map(), outer });
      let using = ((table.using_columns as string[] | undefined) ?? []).map(lc);
      if (table.ref_type === 'NATURAL') {
        const leftNames = new Set(left.flatMap((e) => e.cols.map((c) => lc(c.name))));
        using = right.flatMap((e) => e.cols.map((c) => lc(c.name))).filter((n) => leftNames.has(n));
      }
      if (using.length) {
        const rightPii = new Set(right.flatMap((e) => e.cols.filter((c) => c.pii && using.includes(lc(c.name))).map((c) => lc(c.name))));
        for (const e of left) for (const c of e.cols) if (rightPii.has(lc(c.name))) c.pii = true;
        for (const e of right) for (const c of e.cols) if (using.includes(lc(c.name))) c.hidden = true;
      }
      return [...left, ...right];
    }
    default:
      // table functions (which may run SQL given as text), PIVOT/UNPIVOT…: not decided here
      env.undecidable = true;
      return [];
  }
}

/** Output columns of a query node with their PII flag. */
function evalNode(node: unknown, parent: Env, outer?: Scope): Col[] {
  if (!node || typeof node !== 'object') {
    parent.undecidable = true;
    return [];
  }
  const n = node as Node;
  const env: Env = { ...parent, ctes: new Map(parent.ctes) };
  for (const e of (n.cte_map as { map?: Array<{ key: string; value: { aliases?: string[]; query?: { node?: unknown } } }> } | undefined)?.map ?? []) {
    env.ctes.set(lc(e.key), renamed(evalNode(e.value.query?.node, env, outer), e.value.aliases));
  }
  const sync = () => {
    if (env.undecidable) parent.undecidable = true;
  };
  switch (n.type) {
    case 'SELECT_NODE': {
      const scope: Scope = { entries: evalFrom(n.from_table as Node, env, outer), aliases: new Map(), outer };
      const out: Col[] = [];
      for (const item of (n.select_list as Node[] | undefined) ?? []) {
        if (item.class === 'STAR' && !item.columns && !item.expr) {
          const excluded = new Set(((item.exclude_list as unknown[]) ?? []).map(lc));
          const qualified = ((item.qualified_exclude_list as Array<{ table: string; column: string }>) ?? []).map((q) => [lc(q.table), lc(q.column)] as const);
          const replace = new Map(((item.replace_list as Array<{ key: string; value: unknown }>) ?? []).map((r) => [lc(r.key), r.value]));
          const rename = new Map(((item.rename_list as Array<{ key: { column: string }; value: string }>) ?? []).map((r) => [lc(r.key.column), r.value]));
          for (const c of starColumns(scope, typeof item.relation_name === 'string' ? item.relation_name : '')) {
            const name = lc(c.name);
            if (excluded.has(name) || qualified.some(([t, col]) => col === name && (!t || t === c.qual))) continue;
            const pii = replace.has(name) ? exprPii(replace.get(name), scope, env) : c.pii;
            out.push({ name: rename.get(name) ?? c.name, pii });
          }
          continue;
        }
        let columnsStar = false;
        walk(item, (x) => {
          if (x.class === 'STAR' && (x.columns || x.expr)) columnsStar = true;
        });
        if (columnsStar) env.undecidable = true; // COLUMNS(…) expands to an unknown number of outputs
        const pii = exprPii(item, scope, env);
        const names = item.class === 'COLUMN_REF' ? (item.column_names as string[]) : [];
        const name = (item.alias as string | undefined) || names[names.length - 1] || '';
        if (item.alias) scope.aliases.set(lc(item.alias), pii);
        out.push({ name, pii });
      }
      sync();
      return out;
    }
    case 'SET_OPERATION_NODE':
    case 'RECURSIVE_CTE_NODE': {
      const left = evalNode(n.left, env, outer);
      if (n.type === 'RECURSIVE_CTE_NODE' && typeof n.cte_name === 'string') env.ctes.set(lc(n.cte_name), renamed(left, n.aliases));
      const right = evalNode(n.right, env, outer);
      if (n.setop_type === 'UNION_BY_NAME') {
        const out = left.map((c) => ({ ...c }));
        for (const c of right) {
          const same = out.find((x) => lc(x.name) === lc(c.name));
          if (same) same.pii ||= c.pii;
          else out.push({ ...c });
        }
        sync();
        return out;
      }
      if (left.length !== right.length) env.undecidable = true;
      sync();
      return left.map((c, i) => ({ name: c.name, pii: c.pii || !!right[i]?.pii }));
    }
    default:
      parent.undecidable = true;
      return [];
  }
}

/** A dataset as the lineage walk sees it: its columns in order, with the PII ones. */
export interface LineageDataset {
  columns: string[];
  /** Lower-cased names of its PII columns. */
  pii: ReadonlySet<string>;
}

/**
 * Lower-cased names of the output columns of a query that read PII (see the module doc).
 * @param statement parse tree from {@link parseSql}
 * @param datasets registered datasets by name (any case)
 * @param output the query's output column names as the engine describes them
 */
export function piiOutputs(statement: Node, datasets: ReadonlyMap<string, LineageDataset>, output: readonly string[]): Set<string> {
  const env: Env = { datasets: new Map(), ctes: new Map(), piiNames: new Set(), undecidable: false };
  for (const [name, d] of datasets) {
    env.datasets.set(lc(name), d.columns.map((c) => ({ name: c, pii: d.pii.has(lc(c)) })));
    for (const p of d.pii) env.piiNames.add(p);
  }
  if (env.piiNames.size === 0) return new Set();
  const cols = evalNode(statement, env);
  const mismatch = cols.length !== output.length || cols.some((c, i) => c.name !== '' && lc(c.name) !== lc(output[i]) && !lc(output[i]).startsWith(`${lc(c.name)}_`));
  if (env.undecidable || mismatch) return new Set(output.map(lc));
  return new Set(output.filter((_, i) => cols[i]!.pii).map(lc));
}

/**
 * Functions suite SQL may not call on a warehouse: they read files, settings or other tables, run
 * SQL given as text, or reach other servers (PostgreSQL `pg_read_file`, `query_to_xml`,
 * `set_config`, `dblink`, large objects…). Matched on the lower-cased function name.
 */
const WAREHOUSE_REFUSED_FUNCTIONS = /^(pg_|lo_|dblink|txid_|inet_)|_to_xml|^(set_config|current_setting|version|current_query)$/;

/**
 * What suite SQL may not do on a warehouse engine, where no file lock confines it: read a table
 * that is not a declared dataset (or a CTE of its own), name a schema or catalog, call a table
 * function, or call a function of {@link WAREHOUSE_REFUSED_FUNCTIONS} or one named with a schema.
 * @param statement a parse tree from {@link parseSql}
 * @param datasets lower-cased names of the declared datasets
 * @returns one line per problem (empty when the SQL may run)
 */
export function warehouseProblems(statement: Node, datasets: ReadonlySet<string>): string[] {
  const problems = new Set<string>();
  walk(statement, (n) => {
    if (n.type === 'BASE_TABLE') {
      const qualified = [n.catalog_name, n.schema_name, n.table_name].filter((x) => typeof x === 'string' && x !== '').join('.');
      if (n.schema_name || n.catalog_name) problems.add(`reads the table "${qualified}" by its warehouse name: reference declared datasets by name only`);
    }
    if (n.type === 'TABLE_FUNCTION') problems.add('calls a table function: only declared datasets may be read');
    if (n.class === 'FUNCTION' && typeof n.function_name === 'string') {
      const name = n.function_name.toLowerCase();
      if (n.schema || n.catalog) problems.add(`calls the function "${[n.catalog, n.schema, n.function_name].filter(Boolean).join('.')}" by a schema-qualified name`);
      else if (WAREHOUSE_REFUSED_FUNCTIONS.test(name)) problems.add(`calls ${name}(), which reads outside the declared datasets or changes settings`);
    }
  });
  for (const t of tableNames(statement)) if (!datasets.has(t)) problems.add(`reads "${t}", which is not a declared dataset`);
  return [...problems];
}
