/**
 * Runs a quality suite on the engine and builds its report.
 *
 * A suite arrives in a pull request: its YAML and SQL are untrusted. Order of work:
 * 1. load and validate the suite (a malformed suite throws ConfigError before anything runs);
 * 2. parse every piece of suite SQL with DuckDB's parser, before any file is opened: `sql`
 *    datasets and `sql` checks must be exactly one SELECT, a `where` one expression (sql.ts);
 *    anything else refuses the suite;
 * 3. resolve the file datasets the checks need: every file, symlinks followed, inside the project
 *    root (or its npm package), never in `.git`; anything else refuses the suite;
 * 4. lock the engine: it may open exactly those files and nothing else, settings frozen
 *    (duckdb.ts, {@link Engine.lock});
 * 5. register the datasets (file readers, SQL views), describe them, and work out which columns
 *    hold PII: declared marks (any letter case), relationships (both ways) and column lineage of
 *    SQL datasets (sql.ts), to a fixed point;
 * 6. compile the checks; one aggregate query per dataset (if it fails, each check re-runs alone
 *    so one bad check cannot hide the others); schema and sql checks; then, for checks that did
 *    not pass, samples and distinct failing keys/values;
 * 7. the report: PII masked in samples and messages, engine error texts scrubbed (mask.ts), and
 *    withheld entirely when suite SQL over PII columns failed while running (the text could
 *    carry any value: `error(email)`).
 *
 * Problems with the data or a check (missing file, bad SQL, missing column) end that check in
 * `error` and are listed in `errors` when they are the suite's to fix; they are never reported
 * as bad data. A statement that reaches for a file it may not open is a configuration error.
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, ConfigErrors } from '../errors.ts';
import { EngineError, ident, openEngine, StatementShapeError, type Engine } from '../engine/duckdb.ts';
import { sha256Files } from '../hash.ts';
export { openEngine, type Engine } from '../engine/duckdb.ts';
import { aggAlias, aggregateQuery, checkColumns, CheckCompileError, compileCheck, defaultCheckId, normalizeType, parseDuration, readerSql, resolveColumn, type AggregateParts, type CompiledCheck, type DatasetInfo } from './compile.ts';
import { loadSuite, mergeDatasets, resolveDatasetFiles, type DataRoots, type DeclaredDataset, type LoadedSuite } from './load.ts';
import { PathAccessError, projectRoot } from '../paths.ts';
import { isPii, MASK, maskRow, scrubEngineError, scrubText } from './mask.ts';
import type { CheckResult, CheckStatus, DatasetReport, QualityReport } from './report.ts';
import { checkWhereExpression, parseSql, piiOutputs, tableNames, type LineageDataset } from './sql.ts';
import { whereOf, type CheckSpec, type DatasetSpec, type FailOn } from './suite.ts';
import { checkVerdict, stepFails, suiteStatus } from './verdict.ts';

/** Sizes the engine accepts for memory_limit: `256MB`, `1GB`, `1.5GiB`… */
export const MEMORY_LIMIT = /^\d+(\.\d+)?\s*([KMGTkmgt]i?[Bb]|[Bb])$/;

/** Tool version written into reports. */
export const TOOL_VERSION = '0.1.0';

/**
 * How far in the future the newest value of a `freshness` column may lie before the check fails
 * (clocks of the producing system and the runner disagree by seconds, not days): 5 minutes.
 */
export const FRESHNESS_CLOCK_SKEW_MS = 5 * 60_000;

/** Options of {@link runSuite}. */
export interface RunSuiteOptions {
  /** Suite YAML file. */
  suiteFile: string;
  /** Datasets declared in dataops.yml (`datasets:`); the suite's own declarations win on a name clash. */
  projectDatasets?: Record<string, DatasetSpec>;
  /** Directory project dataset paths resolve from (the directory of dataops.yml). Default: cwd. */
  projectDir?: string;
  /**
   * Directory every dataset file must lie in (symlinks resolved). Default: see
   * {@link projectRoot} (the repository holding the project or suite).
   */
  root?: string;
  /** Further directories datasets may read, trusted by the caller (the system test's output directory). */
  allowedRoots?: string[];
  /** Clock for freshness checks. Default: now. */
  now?: Date;
  /** Failing sample rows kept per check. Default 5. */
  samples?: number;
  /** Which outcome fails the step. Default `error`. */
  failOn?: FailOn;
  /** Engine memory_limit, e.g. "1GB". Default: the engine's (80% of RAM). */
  memoryLimit?: string;
  /** Where the engine's private spill directory goes. Default RUNNER_TEMP or the OS temp directory. */
  tempDirectory?: string;
  /** Engine threads. Default: one per core. */
  threads?: number;
  /** Lock the engine before suite SQL runs (default true). Only the bench turns it off, to measure what the lock costs. */
  lockEngine?: boolean;
}

interface DatasetState {
  decl: DeclaredDataset;
  report: DatasetReport;
  info?: DatasetInfo;
  /** Lower-cased names of its PII columns. */
  pii: Set<string>;
  error?: string;
  /** Parse tree of an SQL dataset's query. */
  tree?: Record<string, unknown>;
}

interface PendingCheck {
  index: number;
  spec: CheckSpec;
  result: CheckResult;
  compiled?: CompiledCheck;
  /** Parse tree of a sql check's query. */
  tree?: Record<string, unknown>;
  started: number;
}

const now = () => performance.now();
const ms = (t: number) => Math.round((now() - t) * 10) / 10;
const lc = (s: string) => s.toLowerCase();

function emptyCounts(): QualityReport['counts'] {
  return { total: 0, pass: 0, warn: 0, fail: 0, error: 0 };
}

function finish(report: Omit<QualityReport, 'status' | 'counts' | 'failed_step'>): QualityReport {
  const counts = emptyCounts();
  for (const c of report.checks) {
    counts.total++;
    counts[c.status]++;
  }
  let status = suiteStatus(report.checks);
  if (report.errors.length > 0) status = 'error';
  const failed_step = stepFails({ checks: report.checks, errors: report.errors, fail_on: report.fail_on });
  const { report_version, tool, suite, fail_on, started_at, duration_ms, datasets, checks, errors } = report;
  // Verdict first, details after: the order a reader (or a truncated log) needs.
  return { report_version, tool, suite, status, failed_step, fail_on, counts, started_at, duration_ms, errors, datasets, checks };
}

/**
 * A report for a suite that could not run at all (missing or malformed suite file): status `error`,
 * no checks, `errors` holding the message (one per problem).
 */
export function errorReport(suiteFile: string, err: unknown, failOn: FailOn = 'error'): QualityReport {
  const name = path.basename(suiteFile).replace(/\.ya?ml$/i, '');
  const messages = err instanceof ConfigErrors && err.errors.length > 1 ? err.errors.map((e) => e.message) : [err instanceof Error ? err.message.split(/\n\s*LINE \d+:/)[0]!.trim() : String(err)];
  return finish({
    report_version: 1,
    tool: { name: 'dataops-actions', version: TOOL_VERSION, engine: 'duckdb' },
    suite: { name, file: suiteFile, sha256: '' },
    fail_on: failOn,
    started_at: new Date().toISOString(),
    duration_ms: 0,
    datasets: [],
    checks: [],
    errors: messages,
  });
}

/** Writes a report as two-space JSON (creating the directory). */
export async function writeReport(report: QualityReport, file: string): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFile(file, JSON.stringify(report, null, 2) + '\n');
}

/** Suite SQL as parsed before anything runs. */
interface SuitePlan {
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
 * @throws ConfigErrors when a `sql` dataset or check is not exactly one SELECT, or a `where` is
 *   not one expression: the suite is refused before anything binds or runs.
 */
async function planSuite(engine: Engine, suite: LoadedSuite, declared: Map<string, DeclaredDataset>): Promise<SuitePlan> {
  const problems: ConfigError[] = [];
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
      plan.datasetTrees.set(real, parsed.statement);
      for (const t of tableNames(parsed.statement)) await add(t);
    } else if (parsed.kind === 'shape') {
      problems.push(new ConfigError(parsed.message, { location: { file: decl.origin.file, line: decl.origin.line, field: `datasets.${real}.sql` }, fix: 'An SQL dataset is one SELECT over other datasets of the suite, referenced by name.' }));
    } else plan.datasetSyntax.set(real, parsed.message);
  };
  for (const [i, c] of suite.spec.checks.entries()) {
    await add(c.dataset);
    if (c.type === 'relationships') await add(c.to.dataset);
    if (c.type === 'sql') {
      const parsed = await parseSql(engine, c.query);
      if (parsed.ok) {
        plan.checkTrees.set(i, parsed.statement);
        for (const t of tableNames(parsed.statement)) await add(t);
      } else if (parsed.kind === 'shape') problems.push(new ConfigError(parsed.message, { location: checkAt(i, 'query'), fix: 'A sql check is one SELECT whose rows are the failures.' }));
      else plan.checkSyntax.set(i, `query: ${parsed.message}`);
    }
    const where = whereOf(c);
    if (where) {
      const parsed = await checkWhereExpression(engine, where);
      if (parsed.ok) for (const t of tableNames(parsed.statement)) await add(t);
      else if (parsed.kind === 'shape') problems.push(new ConfigError(parsed.message, { location: checkAt(i, 'where'), fix: 'Write the filter as one condition, e.g. "origin = \'ATL\' AND delay > 0".' }));
      else plan.checkSyntax.set(i, `where: ${parsed.message}`);
    }
  }
  if (problems.length) throw new ConfigErrors(problems);
  return plan;
}

/** What error texts may quote: names and text the suite and the data's schema show anyway. */
function knownText(suite: LoadedSuite, declared: Map<string, DeclaredDataset>, states: Map<string, DatasetState>): (quoted: string) => boolean {
  const names = new Set<string>();
  const texts = [suite.text];
  for (const [name, d] of declared) {
    names.add(lc(name));
    for (const c of Object.keys(d.spec.columns ?? {})) names.add(lc(c));
    texts.push('sql' in d.spec ? d.spec.sql : [d.spec.path].flat().join('\n'));
  }
  for (const s of states.values()) for (const c of s.info?.columns.keys() ?? []) names.add(lc(c));
  return (quoted) => names.has(lc(quoted)) || texts.some((t) => t.includes(quoted));
}

/** How an error of a statement is reported. */
interface Explained {
  text: string;
  /** The suite's to fix (listed in `errors`, exit 2): a refused statement or file access. */
  config: boolean;
}

/**
 * Runs a suite and returns its report.
 * Never throws for data problems or failing/erroring checks (they are in the report).
 * @throws ConfigError when the suite file is missing or malformed, when its SQL is not what it
 *   may be, or when a dataset reads outside the project (nothing ran; see {@link errorReport}).
 */
export async function runSuite(opts: RunSuiteOptions): Promise<QualityReport> {
  const startedAt = new Date();
  const t0 = now();
  const failOn = opts.failOn ?? 'error';
  const sampleN = opts.samples ?? 5;
  const clock = opts.now ?? new Date();
  const suite = await loadSuite(opts.suiteFile);
  const projectDir = opts.projectDatasets ? path.resolve(opts.projectDir ?? '.') : undefined;
  const declared = mergeDatasets(suite, opts.projectDatasets && projectDir ? { datasets: opts.projectDatasets, dir: projectDir } : undefined);
  const errors: string[] = [];
  if (opts.memoryLimit !== undefined && !MEMORY_LIMIT.test(opts.memoryLimit)) {
    throw new ConfigError(`invalid memory limit "${opts.memoryLimit}"`, { location: { field: 'memory-limit' }, fix: 'Use a size like "256MB", "1GB" or "1.5GiB".' });
  }
  const roots: DataRoots = { root: projectRoot(suite.dir, opts.projectDir, opts.root), ...(opts.allowedRoots ? { extra: opts.allowedRoots } : {}) };
  const engine = await openEngine({ memoryLimit: opts.memoryLimit, tempDirectory: opts.tempDirectory, threads: opts.threads });
  try {
    const plan = await planSuite(engine, suite, declared);
    // Resolve every file first (refusing paths outside), then lock, then read.
    const resolved = new Map<string, { files: string[]; format: string }>();
    const unresolved = new Map<string, unknown>();
    const outside: ConfigError[] = [];
    for (const name of plan.needed) {
      const decl = declared.get(name)!;
      if (!('path' in decl.spec)) continue;
      try {
        resolved.set(name, await resolveDatasetFiles(decl, roots));
      } catch (err) {
        // a path outside the project, or a reader option that does not exist, refuses the suite
        if (err instanceof PathAccessError || (err instanceof ConfigError && err.location.field?.includes('.options.'))) outside.push(err);
        else if (err instanceof ConfigError) unresolved.set(name, err);
        else throw err;
      }
    }
    if (outside.length) throw new ConfigErrors(outside);
    if (opts.lockEngine !== false) await engine.lock({ allowedPaths: [...new Set([...resolved.values()].flatMap((r) => r.files))] });
    const hashing: Array<Promise<void>> = [];
    const states = await registerDatasets(engine, suite, declared, plan, { resolved, unresolved }, errors, hashing);
    const checks = await runChecks(engine, suite, states, declared, plan, { sampleN, clock, errors });
    await Promise.all(hashing);
    return finish({
      report_version: 1,
      tool: { name: 'dataops-actions', version: TOOL_VERSION, engine: engine.version },
      suite: { name: suite.spec.suite, file: opts.suiteFile, sha256: suite.sha256, ...(suite.spec.description ? { description: suite.spec.description } : {}) },
      fail_on: failOn,
      started_at: startedAt.toISOString(),
      duration_ms: ms(t0),
      datasets: [...states.values()].map((s) => s.report),
      checks,
      errors,
    });
  } finally {
    engine.close();
  }
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
async function createFileDataset(engine: Engine, decl: DeclaredDataset, files: string[], format: string): Promise<void> {
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
 * Registers one dataset (file paths/globs or SQL over datasets already registered) in an engine
 * opened with {@link openEngine}, under `name`, and describes it: files relative to `baseDir`,
 * format, row count and content hash. For stages that query data with their own SQL; files must
 * lie inside `baseDir` (or an npm package). The engine is not locked: lock it before running
 * untrusted SQL.
 * @throws ConfigError when paths match nothing or leave `baseDir`, a file is empty, an npm
 *   package is missing, or the SQL is not one SELECT; the engine's error when a file is
 *   unreadable or the SQL is invalid.
 */
export async function registerDataset(engine: Engine, name: string, spec: DatasetSpec, baseDir: string): Promise<DatasetReport> {
  const decl: DeclaredDataset = { name, spec, baseDir: path.resolve(baseDir), origin: { file: `datasets.${name}` } };
  if ('sql' in spec) {
    const parsed = await parseSql(engine, spec.sql);
    if (!parsed.ok) throw new ConfigError(parsed.message, { location: { field: `datasets.${name}.sql` } });
    await engine.one(`CREATE VIEW ${ident(name)} AS\n${spec.sql.trim().replace(/;\s*$/, '')}\n`, 'CREATE');
    const n = await engine.query<{ n: number }>(`SELECT count(*) AS n FROM ${ident(name)}`);
    return { name, kind: 'sql', source: spec.sql, row_count: Number(n[0]?.n ?? 0), content_hash: null };
  }
  const { files, format } = await resolveDatasetFiles(decl, { root: decl.baseDir });
  await createFileDataset(engine, decl, files, format);
  const hash = await sha256Files(files);
  const n = await engine.query<{ n: number }>(`SELECT count(*) AS n FROM ${ident(name)}`);
  return { name, kind: 'file', source: spec.path, format, files: files.map((f) => path.relative(decl.baseDir, f).split(path.sep).join('/')), row_count: Number(n[0]?.n ?? 0), content_hash: hash };
}

async function registerDatasets(
  engine: Engine,
  suite: LoadedSuite,
  declared: Map<string, DeclaredDataset>,
  plan: SuitePlan,
  files: { resolved: Map<string, { files: string[]; format: string }>; unresolved: Map<string, unknown> },
  errors: string[],
  hashing: Array<Promise<void>>,
): Promise<Map<string, DatasetState>> {
  const states = new Map<string, DatasetState>();
  for (const name of plan.needed) {
    const decl = declared.get(name)!;
    const pii = new Set(Object.entries(decl.spec.columns ?? {}).filter(([, m]) => m.pii).map(([c]) => lc(c)));
    const report: DatasetReport =
      'sql' in decl.spec ? { name, kind: 'sql', source: decl.spec.sql, row_count: null, content_hash: null } : { name, kind: 'file', source: decl.spec.path, row_count: null, content_hash: null };
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
  // File datasets first.
  for (const s of states.values()) {
    if (!('path' in s.decl.spec)) continue;
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
        await engine.one(`CREATE VIEW ${ident(s.decl.name)} AS\n${(s.decl.spec as { sql: string }).sql.trim().replace(/;\s*$/, '')}\n`, 'CREATE');
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
      const rows = await engine.query<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${ident(s.decl.name)}`);
      s.info = { name: s.decl.name, columns: new Map(rows.map((r) => [r.column_name, r.column_type])) };
    } catch (err) {
      fail(s, err, isAccessError(err));
    }
  }
  propagatePii(suite, states);
  return states;
}

/** Prefix of the error of a statement refused by the locked engine. */
const ACCESS_REFUSED = 'the statement reaches outside the declared datasets (the engine opens only their files, and no setting can change)';

/** A statement that reached for a file, URL or setting the locked engine refuses. */
function isAccessError(err: unknown): boolean {
  return err instanceof Error && /^Permission Error|disabled by configuration|configuration has been locked/m.test(err.message);
}

/**
 * PII marks to a fixed point: declared marks (lower-cased), both sides of every `relationships`
 * check (a key pointing at a PII column is PII, and the other way round), and the column lineage
 * of SQL datasets.
 */
function propagatePii(suite: LoadedSuite, states: Map<string, DatasetState>): void {
  const byLower = new Map([...states.entries()].map(([k, v]) => [lc(k), v]));
  const lineage = () => new Map<string, LineageDataset>([...states.values()].filter((s) => s.info).map((s) => [s.decl.name, { columns: [...s.info!.columns.keys()], pii: s.pii }]));
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
      for (const col of piiOutputs(s.tree, lineage(), [...s.info.columns.keys()])) mark(s, col);
    }
    if (!changed) return;
  }
}

interface RunContext {
  sampleN: number;
  clock: Date;
  errors: string[];
}

async function runChecks(engine: Engine, suite: LoadedSuite, states: Map<string, DatasetState>, declared: Map<string, DeclaredDataset>, plan: SuitePlan, ctx: RunContext): Promise<CheckResult[]> {
  const taken = new Set<string>(suite.spec.checks.flatMap((c) => (c.id ? [c.id] : [])));
  const ids = suite.spec.checks.map((c) => (c.id ? c.id : defaultCheckId(c, taken)));
  const byLower = new Map([...states.entries()].map(([k, v]) => [lc(k), v]));
  const stateOf = (name: string) => byLower.get(lc(name));
  const anyPii = [...states.values()].some((s) => s.pii.size > 0);
  const safe = knownText(suite, declared, states);
  const pending: PendingCheck[] = suite.spec.checks.map((spec, index) => {
    const threshold: Record<string, unknown> = {};
    for (const k of ['max_failing', 'max_failing_ratio', 'min', 'max', 'inclusive', 'max_age', 'values', 'pattern', 'to', 'allow_extra'] as const) {
      const v = (spec as Record<string, unknown>)[k];
      if (v !== undefined) threshold[k] = k === 'values' && Array.isArray(v) && v.length > 20 ? `${v.length} values` : v;
    }
    const where = whereOf(spec);
    if (where) threshold.where = where;
    const result: CheckResult = {
      id: ids[index]!,
      type: spec.type,
      dataset: spec.dataset,
      columns: checkColumns(spec),
      severity: spec.severity,
      ...(spec.description ? { description: spec.description } : {}),
      status: 'error',
      failing_rows: null,
      total_rows: null,
      threshold: threshold,
      samples: [],
      message: '',
      line: suite.lineOf(['checks', index]),
      duration_ms: 0,
    };
    const tree = plan.checkTrees.get(index);
    return { index, spec, result, started: now(), ...(tree ? { tree } : {}) };
  });

  /** Whether a check's statements run SQL written in the suite (a where, a sql query, an SQL dataset). */
  const runsSuiteSql = (p: PendingCheck) =>
    !!whereOf(p.spec) || p.spec.type === 'sql' || 'sql' in (stateOf(p.spec.dataset)?.decl.spec ?? {}) || (p.spec.type === 'relationships' && 'sql' in (stateOf(p.spec.to.dataset)?.decl.spec ?? {}));
  const explain = (p: PendingCheck, err: unknown): Explained => {
    if (err instanceof StatementShapeError) return { text: err.message, config: true };
    if (err instanceof CheckCompileError) return { text: err.message, config: false };
    const message = err instanceof Error ? err.message : String(err);
    const config = isAccessError(err);
    if (!config && err instanceof EngineError && err.phase === 'run' && anyPii && runsSuiteSql(p)) {
      // suite SQL can put any value into an error (error(email), CAST(email AS INT)…)
      const kind = /^([A-Za-z ]+Error):/.exec(message)?.[1] ?? 'Error';
      return { text: `${kind} while running the suite's SQL (the engine's message is withheld: the datasets hold PII columns and it may quote their values)`, config };
    }
    const text = scrubEngineError(message, safe);
    return { text: config ? `${ACCESS_REFUSED}: ${text}` : text, config };
  };
  const setError = (p: PendingCheck, text: string, configProblem = false) => {
    p.result.status = 'error';
    p.result.error = text;
    p.result.message = `check could not run: ${text}`;
    p.result.failing_rows = null;
    if (configProblem) ctx.errors.push(`${suite.file}${p.result.line ? `:${p.result.line}` : ''}: checks[${p.index}] (${p.result.id}): ${text}`);
  };
  const setFailure = (p: PendingCheck, err: unknown) => {
    const e = explain(p, err);
    setError(p, e.text, e.config);
  };

  // Compile.
  for (const p of pending) {
    const st = stateOf(p.spec.dataset);
    const syntax = plan.checkSyntax.get(p.index);
    if (![...declared.keys()].some((n) => lc(n) === lc(p.spec.dataset))) {
      const known = [...declared.keys()];
      setError(p, `unknown dataset "${p.spec.dataset}"; declared datasets: ${known.length ? known.join(', ') : '(none)'}. Declare it under datasets: in the suite or dataops.yml`, true);
      continue;
    }
    if (syntax) {
      setError(p, syntax, true);
      continue;
    }
    if (!st?.info) {
      setError(p, `dataset "${p.spec.dataset}" could not be read: ${st?.error ?? 'unknown reason'}`);
      continue;
    }
    if (p.spec.type === 'relationships' && ![...declared.keys()].some((n) => lc(n) === lc((p.spec as { to: { dataset: string } }).to.dataset))) {
      setError(p, `unknown dataset "${p.spec.to.dataset}" in to.dataset; declared datasets: ${[...declared.keys()].join(', ')}`, true);
      continue;
    }
    try {
      p.compiled = compileCheck(p.spec, st.info, (n) => stateOf(n)?.info);
      if (p.compiled.columns.length && p.spec.type !== 'schema') p.result.columns = p.compiled.columns;
    } catch (err) {
      if (err instanceof CheckCompileError) setError(p, err.message);
      else throw err;
    }
  }

  // One aggregate query per dataset.
  const byDataset = new Map<DatasetState, PendingCheck[]>();
  for (const p of pending) {
    if (p.compiled?.kind !== 'aggregate') continue;
    const st = stateOf(p.spec.dataset)!;
    const list = byDataset.get(st) ?? [];
    list.push(p);
    byDataset.set(st, list);
  }
  for (const st of states.values()) {
    if (st.error) continue;
    const name = st.decl.name;
    const list = byDataset.get(st) ?? [];
    const t = now();
    const parts = list.map((p) => ({ index: p.index, parts: p.compiled!.aggregate! }));
    try {
      const row = (await engine.select(aggregateQuery(name, parts)))[0] ?? {};
      st.report.row_count = Number(row.__rows ?? 0);
      const elapsed = ms(t);
      for (const p of list) evaluateAggregate(p, row, ctx, elapsed, st.pii);
    } catch {
      // Isolate: run each check alone so one bad expression does not hide the others.
      for (const p of list) {
        const t1 = now();
        try {
          const row = (await engine.select(aggregateQuery(name, [{ index: p.index, parts: p.compiled!.aggregate! }])))[0] ?? {};
          st.report.row_count = Number(row.__rows ?? 0);
          evaluateAggregate(p, row, ctx, ms(t1), st.pii);
        } catch (err1) {
          setFailure(p, err1);
          p.result.duration_ms = ms(t1);
        }
      }
      if (st.report.row_count === null) {
        try {
          st.report.row_count = Number((await engine.select(`SELECT count(*) AS n FROM ${ident(name)}`))[0]?.n ?? 0);
        } catch (err) {
          st.report.error ??= scrubEngineError(err instanceof Error ? err.message : String(err), safe);
        }
      }
    }
  }

  // Schema and sql checks.
  for (const p of pending) {
    if (!p.compiled || p.compiled.kind === 'aggregate') continue;
    const t = now();
    const st = stateOf(p.spec.dataset)!;
    try {
      if (p.spec.type === 'schema') evaluateSchema(p, st.info!);
      else if (p.spec.type === 'sql') {
        const row = (await engine.select(p.compiled.countQuery!))[0];
        const failing = Number(row?.failing ?? 0);
        const total = st.report.row_count ?? failing;
        p.result.failing_rows = failing;
        p.result.total_rows = total;
        p.result.status = checkVerdict(failing, total, p.spec.severity, p.spec);
        p.result.message = failing === 0 ? 'the query returned no rows' : `the query returned ${failing} failing row${failing === 1 ? '' : 's'}`;
      }
    } catch (err) {
      setFailure(p, err);
    }
    p.result.duration_ms = ms(t);
  }

  // For what did not pass: samples, distinct failing keys/values; PII masked.
  const lineage = new Map<string, LineageDataset>([...states.values()].filter((s) => s.info).map((s) => [s.decl.name, { columns: [...s.info!.columns.keys()], pii: s.pii }]));
  for (const p of pending) {
    const st = stateOf(p.spec.dataset);
    let pii: ReadonlySet<string> = st?.pii ?? new Set<string>();
    const failed = p.result.status === 'fail' || p.result.status === 'warn';
    if (!p.compiled || p.result.status === 'error') continue;
    if (p.result.failing_rows === 0 && (p.compiled.distinctQuery || p.compiled.dupHashesQuery)) {
      p.result.failing_distinct = 0;
      if (p.compiled.dupHashesQuery) p.result.failing_key_rows = 0;
    }
    // a check that passed (within its tolerance) costs no further scan
    if (!failed) continue;
    const t = now();
    // distinct failing keys/values: for unique from the grouped scan that also finds the samples
    let sampleSql: string | undefined;
    try {
      if (p.compiled.dupHashesQuery && p.compiled.samplesByHash) {
        const row = (await engine.select(p.compiled.dupHashesQuery(ctx.sampleN)))[0] ?? {};
        p.result.failing_distinct = Number(row.n_keys ?? 0);
        p.result.failing_key_rows = Number(row.key_rows ?? 0);
        const hashes = Array.isArray(row.dup_hashes) ? row.dup_hashes.map(String) : [];
        if (hashes.length && ctx.sampleN > 0) sampleSql = p.compiled.samplesByHash(hashes, ctx.sampleN);
      } else if (p.compiled.distinctQuery) {
        p.result.failing_distinct = Number((await engine.select(p.compiled.distinctQuery))[0]?.n ?? 0);
      }
      if (p.result.failing_distinct !== undefined) p.result.message += distinctNote(p.spec, p.result.failing_distinct ?? 0, p.result.failing_key_rows ?? undefined);
    } catch (err) {
      p.result.failing_distinct = null;
      p.result.message += ` (distinct count unavailable: ${explain(p, err).text})`;
    }
    if (ctx.sampleN > 0 && (p.compiled.samples || sampleSql)) {
      try {
        sampleSql ??= p.compiled.samples?.(ctx.sampleN);
        if (p.spec.type === 'sql' && p.tree && sampleSql) {
          const out = (await engine.select<{ column_name: string }>(`DESCRIBE ${sampleSql.replace(/ LIMIT \d+$/, '')}`)).map((r) => r.column_name);
          pii = piiOutputs(p.tree, lineage, out);
        }
        const rows = sampleSql ? await engine.select(sampleSql) : [];
        const raw: unknown[] = [];
        for (const r of rows) for (const [k, v] of Object.entries(r)) if (isPii(k, pii)) raw.push(v);
        p.result.samples = rows.map((r) => maskRow(r, pii));
        if (rows.length && p.result.type !== 'unique' && p.result.type !== 'not_null' && p.result.columns.length === 1) {
          const col = p.result.columns[0]!;
          const shown = rows.map((r) => r[col]).filter((v, i, a) => a.indexOf(v) === i).slice(0, 3);
          const vals = shown.map((v) => (isPii(col, pii) ? MASK : JSON.stringify(v))).join(', ');
          p.result.message += ` (e.g. ${vals})`;
        }
        if (raw.length) p.result.message = scrubText(p.result.message, raw);
      } catch (err) {
        p.result.message += ` (samples unavailable: ${explain(p, err).text})`;
      }
    }
    p.result.duration_ms = Math.round((p.result.duration_ms + ms(t)) * 10) / 10;
  }
  return pending.map((p) => p.result);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `; 2 distinct values` / `; 2 duplicated keys over 5 rows` after a failing check's message. */
function distinctNote(spec: CheckSpec, distinct: number, keyRows: number | null | undefined): string {
  switch (spec.type) {
    case 'unique':
      return `; ${plural(distinct, 'duplicated key')} over ${plural(keyRows ?? 0, 'row')}`;
    case 'relationships':
      return `; ${plural(distinct, 'distinct key')} without a match`;
    default:
      return `; ${plural(distinct, 'distinct value')}`;
  }
}

function tolerance(spec: CheckSpec): string {
  const parts: string[] = [];
  const t = spec as { max_failing?: number; max_failing_ratio?: number };
  if (t.max_failing !== undefined) parts.push(`max ${t.max_failing}`);
  if (t.max_failing_ratio !== undefined) parts.push(`max ${(t.max_failing_ratio * 100).toPrecision(3).replace(/\.?0+$/, '')}%`);
  return parts.length ? ` (tolerance ${parts.join(', ')})` : '';
}

/** `36.0 h` / `4.2 d` for a duration in ms. */
function span(x: number): string {
  return x >= 172_800_000 ? `${(x / 86_400_000).toFixed(1)} d` : `${(x / 3_600_000).toFixed(1)} h`;
}

function evaluateAggregate(p: PendingCheck, row: Record<string, unknown>, ctx: RunContext, elapsed: number, pii: ReadonlySet<string>): void {
  const num = (k: keyof AggregateParts) => {
    const v = row[aggAlias(p.index, k)];
    return v === null || v === undefined ? null : Number(v);
  };
  const spec = p.spec;
  const total = num('total') ?? 0;
  const r = p.result;
  r.total_rows = total;
  r.duration_ms = elapsed;
  const verdict = (failing: number, tol = true) => checkVerdict(failing, total, spec.severity, tol ? (spec as { max_failing?: number; max_failing_ratio?: number }) : {});
  switch (spec.type) {
    case 'row_count': {
      const bad = (spec.min !== undefined && total < spec.min) || (spec.max !== undefined && total > spec.max);
      r.failing_rows = bad ? 1 : 0;
      r.total_rows = total;
      r.status = verdict(r.failing_rows, false);
      const bounds = [spec.min !== undefined ? `≥ ${spec.min}` : '', spec.max !== undefined ? `≤ ${spec.max}` : ''].filter(Boolean).join(' and ');
      r.message = `${plural(total, 'row')}${bounds ? `, expected ${bounds}` : ''}`;
      return;
    }
    case 'freshness': {
      const newest = num('value');
      const maxAge = parseDuration(spec.max_age);
      if (newest === null) {
        r.failing_rows = 1;
        r.status = verdict(1, false);
        r.message = `no ${spec.column} value to measure freshness (no rows or no parsable timestamps)`;
        return;
      }
      const age = ctx.clock.getTime() - newest;
      const future = -age > FRESHNESS_CLOCK_SKEW_MS;
      r.failing_rows = age > maxAge || future ? 1 : 0;
      r.status = verdict(r.failing_rows, false);
      r.threshold.now = ctx.clock.toISOString();
      r.threshold.clock_skew = '5m';
      const col = p.compiled?.columns[0] ?? spec.column;
      if (isPii(col, pii)) {
        // the value, its age and its distance to now would each give the value away
        r.message = future
          ? `newest ${spec.column} lies in the future, beyond the 5-minute clock-skew allowance (value not shown: PII)`
          : `newest ${spec.column} is ${age > maxAge ? 'older than' : 'within'} the allowed ${spec.max_age} (value not shown: PII)`;
        return;
      }
      r.threshold.newest = new Date(newest).toISOString();
      r.message = future
        ? `newest ${spec.column} is ${new Date(newest).toISOString()}, ${span(-age)} in the future (beyond the 5-minute clock-skew allowance)`
        : `newest ${spec.column} is ${new Date(newest).toISOString()}, ${span(Math.max(0, age))} old; allowed ${spec.max_age}`;
      return;
    }
    default: {
      const failing = num('failing') ?? 0;
      r.failing_rows = failing;
      r.status = verdict(failing);
      r.message = failingMessage(spec, failing, total) + (failing > 0 ? tolerance(spec) : '');
    }
  }
}

function failingMessage(spec: CheckSpec, failing: number, total: number): string {
  const ratio = total > 0 ? ` (${((failing / total) * 100).toFixed(failing / total < 0.001 ? 4 : 2)}%)` : '';
  const of = `${failing} of ${plural(total, 'row')}${failing ? ratio : ''}`;
  switch (spec.type) {
    case 'not_null':
      return `${of} with NULL in ${[spec.columns].flat().join(', ')}`;
    case 'unique':
      return `${of} duplicate ${[spec.columns].flat().join(', ')} (rows beyond the first of each key)`;
    case 'accepted_values':
      return `${of} with ${spec.column} outside the ${plural(spec.values.length, 'accepted value')}`;
    case 'range': {
      const inc = typeof spec.inclusive === 'boolean' ? { min: spec.inclusive, max: spec.inclusive } : spec.inclusive;
      const lo = spec.min !== undefined ? `${inc.min ? '[' : '('}${spec.min}` : '(-∞';
      const hi = spec.max !== undefined ? `${spec.max}${inc.max ? ']' : ')'}` : '∞)';
      return `${of} with ${spec.column} outside ${lo}, ${hi}`;
    }
    case 'regex':
      return `${of} with ${spec.column} not fully matching /${spec.pattern}/`;
    case 'relationships':
      return `${of} whose ${[spec.columns].flat().join(', ')} has no match in ${spec.to.dataset}.${[spec.to.columns].flat().join(', ')}`;
    default:
      return of;
  }
}

function evaluateSchema(p: PendingCheck, info: DatasetInfo): void {
  if (p.spec.type !== 'schema') return;
  const spec = p.spec;
  const actualByLower = new Map([...info.columns].map(([k, v]) => [k.toLowerCase(), { name: k, type: v }]));
  const problems: Array<Record<string, unknown>> = [];
  for (const [col, type] of Object.entries(spec.columns)) {
    const actual = actualByLower.get(col.toLowerCase());
    if (!actual) problems.push({ column: col, problem: 'missing', expected: type, actual: null });
    else if (normalizeType(actual.type) !== normalizeType(type)) problems.push({ column: col, problem: 'type changed', expected: type, actual: actual.type });
  }
  if (!spec.allow_extra) {
    const expected = new Set(Object.keys(spec.columns).map((c) => c.toLowerCase()));
    for (const [name, type] of info.columns) if (!expected.has(name.toLowerCase())) problems.push({ column: name, problem: 'extra', expected: null, actual: type });
  }
  const r = p.result;
  r.failing_rows = problems.length;
  r.total_rows = info.columns.size;
  r.status = checkVerdict(problems.length, info.columns.size, spec.severity, spec);
  r.samples = problems;
  const by = (k: string) => problems.filter((x) => x.problem === k).map((x) => (k === 'type changed' ? `${String(x.column)} (${String(x.expected)} → ${String(x.actual)})` : String(x.column)));
  const parts = [by('missing').length ? `missing: ${by('missing').join(', ')}` : '', by('extra').length ? `extra: ${by('extra').join(', ')}` : '', by('type changed').length ? `changed: ${by('type changed').join(', ')}` : ''].filter(Boolean);
  r.message = parts.length ? `schema differs — ${parts.join('; ')}` : `schema matches (${plural(Object.keys(spec.columns).length, 'column')})`;
}

/** Status order for displays: failures first. */
export const STATUS_ORDER: Record<CheckStatus, number> = { error: 0, fail: 1, warn: 2, pass: 3 };
