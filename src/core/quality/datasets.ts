/**
 * The datasets of a suite in the engine: file datasets created from their resolved files (Parquet
 * stays a view; text formats are parsed once into a table), SQL datasets as views over them, each
 * described (columns and types), and the PII columns of every dataset worked out to a fixed
 * point: declared marks (any letter case), both sides of `relationships` checks, and the column
 * lineage of SQL datasets (sql.ts). Engine error texts are scrubbed of data before they are kept.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.ts';
import type { Engine } from '../engine/duckdb.ts';
import { ident } from '../engine/quote.ts';
import { readerSql, type DatasetFormat } from '../formats.ts';
import { sha256Files } from '../hash.ts';
import type { DatasetReport } from '../report/report.ts';
import { resolveColumn, type DatasetInfo } from './compile.ts';
import type { DeclaredDataset, LoadedSuite, ResolvedFiles } from './load.ts';
import { scrubEngineError } from './mask.ts';
import type { SuitePlan } from './plan.ts';
import { piiOutputs, tableNames, type LineageDataset } from './sql.ts';

const lc = (s: string) => s.toLowerCase();

export interface DatasetState {
  decl: DeclaredDataset;
  report: DatasetReport;
  info?: DatasetInfo;
  /** Lower-cased names of its PII columns. */
  pii: Set<string>;
  error?: string;
  /** Parse tree of an SQL dataset's query. */
  tree?: Record<string, unknown>;
}

/** What error texts may quote: names and text the suite and the data's schema show anyway. */
export function knownText(suite: LoadedSuite, declared: Map<string, DeclaredDataset>, states: Map<string, DatasetState>): (quoted: string) => boolean {
  const names = new Set<string>();
  const texts = [suite.text];
  for (const [name, d] of declared) {
    names.add(lc(name));
    for (const c of Object.keys(d.spec.columns ?? {})) names.add(lc(c));
    texts.push('sql' in d.spec ? d.spec.sql : 'path' in d.spec ? [d.spec.path].flat().join('\n') : d.spec.table);
  }
  for (const s of states.values()) for (const c of s.info?.columns.keys() ?? []) names.add(lc(c));
  return (quoted) => names.has(lc(quoted)) || texts.some((t) => t.includes(quoted));
}

/**
 * A CSV whose rows differ in field count near the top makes DuckDB's dialect sniffer give up and
 * read each line as one column named after the header line. Recognised here so the user reads
 * "ragged rows" and the line, not a missing column.
 * @returns the problem, or undefined when the table looks like a real CSV read.
 */
function raggedCsv(file: string, columns: string[], options: Record<string, unknown> | undefined): string | undefined {
  if (columns.length !== 1 || options?.delim !== undefined || options?.sep !== undefined) return undefined;
  const header = columns[0]!;
  const delim = [',', ';', '\t', '|'].find((d) => header.includes(d));
  if (!delim) return undefined;
  const fields = header.split(delim).length;
  let text = '';
  try {
    text = readFileSync(file, { encoding: 'utf8' }).slice(0, 1 << 16);
  } catch {
    // the engine read it; only the line number is lost
  }
  const lines = text.split(/\r?\n/);
  const bad = lines.findIndex((l, i) => i > 0 && l !== '' && l.split(delim).length !== fields);
  const name = delim === '\t' ? 'tab' : `"${delim}"`;
  return `rows of ${path.basename(file)} differ in their number of ${name}-separated fields near the top${bad > 0 ? ` (the header has ${fields}, line ${bad + 1} has ${lines[bad]!.split(delim).length})` : ''}, so the CSV dialect could not be detected and each line was read as one column`;
}

/**
 * Creates a resolved file dataset in the engine under its name. Parquet stays a view (columnar
 * reads, statistics); text formats are parsed once into a table (spilled to temp_directory past
 * memory_limit) instead of on every scan.
 * @throws the engine's error when unreadable; an Error for ragged CSV rows.
 */
async function createFileDataset(engine: Engine, decl: DeclaredDataset, files: string[], format: DatasetFormat): Promise<void> {
  const spec = decl.spec;
  if (!('path' in spec)) throw new Error(`createFileDataset called on SQL dataset ${decl.name}`);
  const kind = format === 'parquet' ? 'VIEW' : 'TABLE';
  await engine.run(`CREATE ${kind} ${ident(decl.name)} AS SELECT * FROM ${readerSql(files, format, spec.options)}`);
  if (format === 'csv' || format === 'tsv') {
    const cols = (await engine.query<{ column_name: string }>(`DESCRIBE SELECT * FROM ${ident(decl.name)}`)).map((r) => r.column_name);
    const ragged = raggedCsv(files[0]!, cols, spec.options);
    if (ragged) throw new ConfigError(ragged, { fix: 'Fix the rows, or set options: { delim: "," } (with null_padding: true to read short rows as NULLs).' });
  }
}

/**
 * Registers the datasets the plan needs in the engine: file datasets first (resolved files only),
 * then SQL views (repeated while some view could be created: a view may build on another), then
 * each is described and its PII columns worked out ({@link propagatePii}). A dataset that cannot be
 * read records its error (and one line in `errors`); its checks end in `error`. Content hashes run
 * while the checks query the engine: `hashing` holds them, to be awaited before the report.
 */
export async function registerDatasets(
  engine: Engine,
  suite: LoadedSuite,
  declared: Map<string, DeclaredDataset>,
  plan: SuitePlan,
  files: { resolved: Map<string, ResolvedFiles>; unresolved: Map<string, unknown> },
  errors: string[],
  hashing: Array<Promise<void>>,
): Promise<Map<string, DatasetState>> {
  const states = new Map<string, DatasetState>();
  for (const name of plan.needed) {
    const decl = declared.get(name)!;
    const pii = new Set(Object.entries(decl.spec.columns ?? {}).filter(([, m]) => m.pii).map(([c]) => lc(c)));
    const table = tableOf(engine, decl);
    const report: DatasetReport =
      'sql' in decl.spec
        ? { name, kind: 'sql', source: decl.spec.sql, row_count: null, content_hash: null }
        : table
          ? { name, kind: 'table', source: table, row_count: null, content_hash: null }
          : { name, kind: 'file', source: (decl.spec as { path: string | string[] }).path, row_count: null, content_hash: null };
    const tree = plan.datasetTrees.get(name);
    states.set(name, { decl, report, pii, ...(tree ? { tree } : {}) });
  }
  const safe = knownText(suite, declared, states);
  const fail = (s: DatasetState, err: unknown, asConfig: boolean) => {
    const scrubbed = err instanceof ConfigError ? err.message : scrubEngineError(err instanceof Error ? err.message : String(err), safe);
    const text = isAccessError(err) ? `${ACCESS_REFUSED}: ${scrubbed}` : scrubbed;
    s.error = text;
    s.report.error = text;
    const where = `${s.decl.origin.file}${s.decl.origin.line ? `:${s.decl.origin.line}` : ''}`;
    errors.push(asConfig || err instanceof ConfigError ? (err instanceof ConfigError && err.location.file ? text : `${where}: dataset "${s.decl.name}": ${text}`) : `${where}: dataset "${s.decl.name}" could not be read: ${text}`);
  };
  // Warehouse tables, then file datasets.
  for (const s of states.values()) {
    const table = tableOf(engine, s.decl);
    if (!table) continue;
    try {
      await engine.createView(s.decl.name, `SELECT * FROM ${table.split('.').map(engine.dialect.ident).join('.')}`);
    } catch (err) {
      fail(s, err, isAccessError(err));
    }
  }
  for (const s of states.values()) {
    if (!('path' in s.decl.spec) || tableOf(engine, s.decl)) continue;
    const r = files.resolved.get(s.decl.name);
    if (!r) {
      fail(s, files.unresolved.get(s.decl.name) ?? new Error('not resolved'), true);
      continue;
    }
    try {
      await createFileDataset(engine, s.decl, r.files, r.format);
      s.report.format = r.format;
      s.report.files = r.files.map((f) => path.relative(suite.dir, f).split(path.sep).join('/'));
      // Hashing runs while the checks query the engine; awaited before the report is built.
      hashing.push(
        sha256Files(r.files).then(
          (hash) => {
            s.report.content_hash = hash;
          },
          (err: unknown) => {
            s.report.content_hash = null;
            s.report.error ??= `cannot hash: ${err instanceof Error ? err.message : String(err)}`;
          },
        ),
      );
    } catch (err) {
      fail(s, err, isAccessError(err));
    }
  }
  // SQL datasets: repeat while some view could be created (a view may build on another).
  let pending = [...states.values()].filter((s) => 'sql' in s.decl.spec);
  const lastError = new Map<string, unknown>();
  for (const s of pending) {
    const syntax = plan.datasetSyntax.get(s.decl.name);
    if (syntax) lastError.set(s.decl.name, new Error(syntax));
  }
  pending = pending.filter((s) => !plan.datasetSyntax.has(s.decl.name));
  const invalid = (s: DatasetState) => {
    const refs = s.tree ? tableNames(s.tree).filter((n) => [...states.values()].some((x) => lc(x.decl.name) === n && x.error)) : [];
    const err = lastError.get(s.decl.name);
    const why = refs.length ? `it reads dataset(s) that could not be read: ${refs.join(', ')}` : scrubEngineError(err instanceof Error ? err.message : String(err), safe);
    fail(s, new ConfigError(`SQL dataset "${s.decl.name}" is invalid: ${why}`, { location: { file: s.decl.origin.file, line: s.decl.origin.line, field: `datasets.${s.decl.name}.sql` }, fix: 'Reference declared datasets by name and check the SQL.' }), true);
  };
  for (const s of states.values()) if (plan.datasetSyntax.has(s.decl.name)) invalid(s);
  while (pending.length) {
    const next: DatasetState[] = [];
    for (const s of pending) {
      try {
        await engine.createView(s.decl.name, (s.decl.spec as { sql: string }).sql);
      } catch (err) {
        lastError.set(s.decl.name, err);
        next.push(s);
      }
    }
    if (next.length === pending.length) {
      for (const s of next) invalid(s);
      break;
    }
    pending = next;
  }
  // Describe what was registered.
  for (const s of states.values()) {
    if (s.error) continue;
    try {
      const rows = await engine.describe(`SELECT * FROM ${engine.dialect.ident(s.decl.name)}`);
      s.info = { name: s.decl.name, columns: new Map(rows.map((r) => [r.name, r.type])) };
      s.report.schema = rows.map((r) => ({ name: r.name, type: r.type }));
    } catch (err) {
      fail(s, err, isAccessError(err));
    }
  }
  propagatePii(suite, states);
  return states;
}

/** The warehouse table a dataset is read from on a warehouse engine (undefined on DuckDB, and for SQL datasets). */
export function tableOf(engine: Engine, decl: DeclaredDataset): string | undefined {
  return engine.dialect.name !== 'duckdb' && 'table' in decl.spec ? decl.spec.table : undefined;
}

/** Prefix of the error of a statement refused by the locked engine. */
export const ACCESS_REFUSED = 'the statement reaches outside the declared datasets (the engine opens only their files, and no setting can change)';

/** A statement that reached for a file, URL or setting the locked engine refuses. */
export function isAccessError(err: unknown): boolean {
  return err instanceof Error && /^Permission Error|disabled by configuration|configuration has been locked|^permission denied for|in a read-only transaction/m.test(err.message);
}

/** The column lineage inputs of {@link piiOutputs}: each described dataset's columns and PII marks. */
export function lineageOf(states: Map<string, DatasetState>): Map<string, LineageDataset> {
  return new Map([...states.values()].filter((s) => s.info).map((s) => [s.decl.name, { columns: [...s.info!.columns.keys()], pii: s.pii }]));
}

/**
 * PII marks to a fixed point: declared marks (lower-cased), both sides of every `relationships`
 * check (a key pointing at a PII column is PII, and the other way round), and the column lineage
 * of SQL datasets.
 */
function propagatePii(suite: LoadedSuite, states: Map<string, DatasetState>): void {
  const byLower = new Map([...states.entries()].map(([k, v]) => [lc(k), v]));
  for (let round = 0; round < 20; round++) {
    let changed = false;
    const mark = (s: DatasetState, col: string) => {
      if (!s.pii.has(lc(col))) {
        s.pii.add(lc(col));
        changed = true;
      }
    };
    for (const c of suite.spec.checks) {
      if (c.type !== 'relationships') continue;
      const child = byLower.get(lc(c.dataset));
      const parent = byLower.get(lc(c.to.dataset));
      if (!child?.info || !parent?.info) continue;
      const cc = [c.columns].flat();
      const pc = [c.to.columns].flat();
      cc.forEach((name, i) => {
        if (pc[i] === undefined) return;
        try {
          const a = resolveColumn(child.info!, name);
          const b = resolveColumn(parent.info!, pc[i]);
          if (parent.pii.has(lc(b))) mark(child, a);
          if (child.pii.has(lc(a))) mark(parent, b);
        } catch {
          // a missing column: the check itself reports it
        }
      });
    }
    for (const s of states.values()) {
      if (!s.tree || !s.info) continue;
      for (const col of piiOutputs(s.tree, lineageOf(states), [...s.info.columns.keys()])) mark(s, col);
    }
    if (!changed) return;
  }
}
