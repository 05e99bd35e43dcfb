/**
 * Planning a suite: every piece of suite SQL (`sql` datasets, `sql` checks, `where` filters) is
 * parsed by DuckDB's own parser before any file is opened (sql.ts), and the declared datasets the
 * checks read are worked out from the parse trees. SQL that is not what it may be refuses the
 * suite here, before anything binds or runs.
 */
import { ConfigError, ConfigErrors } from '../errors.ts';
import type { Engine } from '../engine/duckdb.ts';
import type { DeclaredDataset, LoadedSuite } from './load.ts';
import { checkWhereExpression, parseSql, tableNames, warehouseProblems } from './sql.ts';
import { whereOf } from './suite.ts';

const lc = (s: string) => s.toLowerCase();

/** Suite SQL as parsed before anything runs. */
export interface SuitePlan {
  /** Declared datasets the checks need, in dependency-discovery order. */
  needed: string[];
  /** Parse trees of SQL datasets. */
  datasetTrees: Map<string, Record<string, unknown>>;
  /** Syntax errors of SQL datasets. */
  datasetSyntax: Map<string, string>;
  /** Parse trees of sql checks' queries, by check index. */
  checkTrees: Map<number, Record<string, unknown>>;
  /** Syntax errors of a check's query or where, by check index. */
  checkSyntax: Map<number, string>;
}

/**
 * Parses every piece of suite SQL (no file is opened: the engine only parses) and works out which
 * declared datasets the checks read.
 * With `warehouse`, the suite runs on a warehouse engine where no file lock confines it: its SQL
 * must also read declared datasets only and call none of the refused functions (sql.ts
 * `warehouseProblems`).
 * @throws ConfigErrors when a `sql` dataset or check is not exactly one SELECT, or a `where` is
 *   not one expression (or, on a warehouse, reaches beyond the declared datasets): the suite is
 *   refused before anything binds or runs.
 */
export async function planSuite(engine: Engine, suite: LoadedSuite, declared: Map<string, DeclaredDataset>, opts: { warehouse?: boolean } = {}): Promise<SuitePlan> {
  const problems: ConfigError[] = [];
  const names = new Set([...declared.keys()].map(lc));
  const confine = (tree: Record<string, unknown>, location: { file: string; line?: number | undefined; field: string }) => {
    if (!opts.warehouse) return;
    for (const p of warehouseProblems(tree, names)) problems.push(new ConfigError(`on a warehouse, suite SQL ${p}`, { location, fix: 'Suite SQL reads the datasets declared in the suite or dataops.yml, by name, and nothing else.' }));
  };
  const byLower = new Map([...declared.keys()].map((n) => [lc(n), n]));
  const plan: SuitePlan = { needed: [], datasetTrees: new Map(), datasetSyntax: new Map(), checkTrees: new Map(), checkSyntax: new Map() };
  const checkAt = (i: number, field: string) => ({ file: suite.file, line: suite.lineOf(['checks', i, field]), field: `checks[${i}].${field}` });
  const need = new Set<string>();
  const add = async (name: string): Promise<void> => {
    const real = byLower.get(lc(name));
    if (!real || need.has(real)) return;
    need.add(real);
    plan.needed.push(real);
    const decl = declared.get(real)!;
    if (!('sql' in decl.spec)) return;
    const parsed = await parseSql(engine, decl.spec.sql);
    if (parsed.ok) {
      confine(parsed.statement, { file: decl.origin.file, line: decl.origin.line, field: `datasets.${real}.sql` });
      plan.datasetTrees.set(real, parsed.statement);
      for (const t of tableNames(parsed.statement)) await add(t);
    } else if (parsed.kind === 'shape') {
      problems.push(new ConfigError(parsed.message, { location: { file: decl.origin.file, line: decl.origin.line, field: `datasets.${real}.sql` }, fix: 'An SQL dataset is one SELECT over other datasets of the suite, referenced by name.' }));
    } else plan.datasetSyntax.set(real, parsed.message);
  };
  for (const [i, c] of suite.spec.checks.entries()) {
    await add(c.dataset);
    if (c.type === 'relationships') await add(c.to.dataset);
    if (c.type === 'drift') await add(c.base);
    if (c.type === 'sql') {
      const parsed = await parseSql(engine, c.query);
      if (parsed.ok) {
        confine(parsed.statement, checkAt(i, 'query'));
        plan.checkTrees.set(i, parsed.statement);
        for (const t of tableNames(parsed.statement)) await add(t);
      } else if (parsed.kind === 'shape') problems.push(new ConfigError(parsed.message, { location: checkAt(i, 'query'), fix: 'A sql check is one SELECT whose rows are the failures.' }));
      else plan.checkSyntax.set(i, `query: ${parsed.message}`);
    }
    const where = whereOf(c);
    if (where) {
      const parsed = await checkWhereExpression(engine, where);
      if (parsed.ok) {
        confine(parsed.statement, checkAt(i, 'where'));
        for (const t of tableNames(parsed.statement)) await add(t);
      }
      else if (parsed.kind === 'shape') problems.push(new ConfigError(parsed.message, { location: checkAt(i, 'where'), fix: 'Write the filter as one condition, e.g. "origin = \'ATL\' AND delay > 0".' }));
      else plan.checkSyntax.set(i, `where: ${parsed.message}`);
    }
  }
  if (problems.length) throw new ConfigErrors(problems);
  return plan;
}
