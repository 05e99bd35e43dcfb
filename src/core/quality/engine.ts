/**
 * Runs a quality suite on the engine and builds its report.
 *
 * Order of work: load and validate the suite (a malformed suite throws ConfigError before anything
 * runs) → register the datasets the checks need as views (file readers or SQL) and hash their
 * files → describe them → compile the checks → one aggregate query per dataset (see compile.ts;
 * if it fails, each check is re-run alone so one bad check cannot hide the others) → schema and
 * sql checks → samples for checks that did not pass → report. Problems with the data or a check
 * (missing file, bad SQL, missing column) end that check in `error` and are listed in `errors`;
 * they are never reported as bad data.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.ts';
import { ident, openEngine, type Engine } from '../engine/duckdb.ts';
import { sha256Files } from '../hash.ts';
export { openEngine, type Engine } from '../engine/duckdb.ts';
import { aggAlias, aggregateQuery, checkColumns, CheckCompileError, compileCheck, defaultCheckId, normalizeType, parseDuration, readerSql, type AggregateParts, type CompiledCheck, type DatasetInfo } from './compile.ts';
import { loadSuite, mergeDatasets, resolveDatasetFiles, type DeclaredDataset, type LoadedSuite } from './load.ts';
import { maskRow, scrubText } from './mask.ts';
import type { CheckResult, CheckStatus, DatasetReport, QualityReport } from './report.ts';
import type { CheckSpec, DatasetSpec, FailOn } from './suite.ts';
import { checkVerdict, stepFails, suiteStatus } from './verdict.ts';

/** Sizes the engine accepts for memory_limit: `256MB`, `1GB`, `1.5GiB`… */
export const MEMORY_LIMIT = /^\d+(\.\d+)?\s*([KMGTkmgt]i?[Bb]|[Bb])$/;

/** Tool version written into reports. */
export const TOOL_VERSION = '0.1.0';

/** Options of {@link runSuite}. */
export interface RunSuiteOptions {
  /** Suite YAML file. */
  suiteFile: string;
  /** Datasets declared in dataops.yml (`datasets:`); the suite's own declarations win on a name clash. */
  projectDatasets?: Record<string, DatasetSpec>;
  /** Directory project dataset paths resolve from (the directory of dataops.yml). Default: cwd. */
  projectDir?: string;
  /** Clock for freshness checks. Default: now. */
  now?: Date;
  /** Failing sample rows kept per check. Default 5. */
  samples?: number;
  /** Which outcome fails the step. Default `error`. */
  failOn?: FailOn;
  /** Engine memory_limit, e.g. "1GB". Default: the engine's (80% of RAM). */
  memoryLimit?: string;
  /** Spill directory. Default RUNNER_TEMP or the OS temp directory. */
  tempDirectory?: string;
  /** Engine threads. Default: one per core. */
  threads?: number;
}

interface DatasetState {
  decl: DeclaredDataset;
  report: DatasetReport;
  info?: DatasetInfo;
  pii: Set<string>;
  error?: string;
}

interface PendingCheck {
  index: number;
  spec: CheckSpec;
  result: CheckResult;
  compiled?: CompiledCheck;
  started: number;
}

const now = () => performance.now();
const ms = (t: number) => Math.round((now() - t) * 10) / 10;

/** Error text without the engine's echo of the generated SQL (`LINE 1: SELECT …` and its caret). */
function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split(/\n\s*LINE \d+:/)[0]!.trim();
}

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
 * no checks, `errors` holding the message.
 */
export function errorReport(suiteFile: string, err: unknown, failOn: FailOn = 'error'): QualityReport {
  const name = path.basename(suiteFile).replace(/\.ya?ml$/i, '');
  return finish({
    report_version: 1,
    tool: { name: 'dataops-actions', version: TOOL_VERSION, engine: 'duckdb' },
    suite: { name, file: suiteFile, sha256: '' },
    fail_on: failOn,
    started_at: new Date().toISOString(),
    duration_ms: 0,
    datasets: [],
    checks: [],
    errors: [errorText(err)],
  });
}

/** Writes a report as two-space JSON (creating the directory). */
export async function writeReport(report: QualityReport, file: string): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFile(file, JSON.stringify(report, null, 2) + '\n');
}

/** Names of declared datasets mentioned in SQL text (as whole identifiers). */
function referencedNames(sql: string, names: Iterable<string>): string[] {
  const out: string[] = [];
  for (const n of names) if (new RegExp(`(^|[^A-Za-z0-9_])"?${n}"?([^A-Za-z0-9_]|$)`, 'i').test(sql)) out.push(n);
  return out;
}

/**
 * Runs a suite and returns its report.
 * Never throws for data problems or failing/erroring checks (they are in the report).
 * @throws ConfigError when the suite file is missing or malformed (nothing ran; see {@link errorReport}).
 */
export async function runSuite(opts: RunSuiteOptions): Promise<QualityReport> {
  const startedAt = new Date();
  const t0 = now();
  const failOn = opts.failOn ?? 'error';
  const sampleN = opts.samples ?? 5;
  const clock = opts.now ?? new Date();
  const suite = await loadSuite(opts.suiteFile);
  const declared = mergeDatasets(suite, opts.projectDatasets ? { datasets: opts.projectDatasets, dir: path.resolve(opts.projectDir ?? '.') } : undefined);
  const errors: string[] = [];
  if (opts.memoryLimit !== undefined && !MEMORY_LIMIT.test(opts.memoryLimit)) {
    throw new ConfigError(`invalid memory limit "${opts.memoryLimit}"`, { location: { field: 'memory-limit' }, fix: 'Use a size like "256MB", "1GB" or "1.5GiB".' });
  }
  const engine = await openEngine({ memoryLimit: opts.memoryLimit, tempDirectory: opts.tempDirectory, threads: opts.threads });
  try {
    const hashing: Array<Promise<void>> = [];
    const states = await registerDatasets(engine, suite, declared, errors, hashing);
    const checks = await runChecks(engine, suite, states, declared, { sampleN, clock, errors });
    await Promise.all(hashing);
    const engineVersion = engine.version;
    return finish({
      report_version: 1,
      tool: { name: 'dataops-actions', version: TOOL_VERSION, engine: engineVersion },
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
 * Resolves a file dataset and creates it in the engine under its name. Parquet stays a view
 * (columnar reads, statistics); text formats are parsed once into a table (spilled to
 * temp_directory past memory_limit) instead of on every scan.
 * @throws ConfigError when its paths match nothing or a file is empty; the engine's error when unreadable.
 */
async function createFileDataset(engine: Engine, decl: DeclaredDataset): Promise<{ files: string[]; format: string }> {
  const spec = decl.spec;
  if (!('path' in spec)) throw new Error(`createFileDataset called on SQL dataset ${decl.name}`);
  const { files, format } = await resolveDatasetFiles(decl);
  const kind = format === 'parquet' ? 'VIEW' : 'TABLE';
  await engine.run(`CREATE ${kind} ${ident(decl.name)} AS SELECT * FROM ${readerSql(files, format, spec.options)}`);
  return { files, format };
}

/**
 * Registers one dataset (file paths/globs or SQL over datasets already registered) in an engine
 * opened with {@link openEngine}, under `name`, and describes it: files relative to `baseDir`,
 * format, row count and content hash. For stages that query data with their own SQL (system test,
 * verification).
 * @throws ConfigError when paths match nothing, a file is empty or an npm package is missing;
 *   the engine's error when a file is unreadable or the SQL is invalid.
 */
export async function registerDataset(engine: Engine, name: string, spec: DatasetSpec, baseDir: string): Promise<DatasetReport> {
  const decl: DeclaredDataset = { name, spec, baseDir: path.resolve(baseDir), origin: { file: `datasets.${name}` } };
  if ('sql' in spec) {
    await engine.run(`CREATE VIEW ${ident(name)} AS ${spec.sql.trim().replace(/;\s*$/, '')}`);
    const n = await engine.query<{ n: number }>(`SELECT count(*) AS n FROM ${ident(name)}`);
    return { name, kind: 'sql', source: spec.sql, row_count: Number(n[0]?.n ?? 0), content_hash: null };
  }
  const { files, format } = await createFileDataset(engine, decl);
  const hash = await sha256Files(files);
  const n = await engine.query<{ n: number }>(`SELECT count(*) AS n FROM ${ident(name)}`);
  return {
    name,
    kind: 'file',
    source: spec.path,
    format,
    files: files.map((f) => path.relative(decl.baseDir, f).split(path.sep).join('/')),
    row_count: Number(n[0]?.n ?? 0),
    content_hash: hash,
  };
}

/** Datasets the suite needs: those its checks name, relationship targets, and (transitively) what SQL mentions. */
function neededDatasets(suite: LoadedSuite, declared: Map<string, DeclaredDataset>): string[] {
  const need = new Set<string>();
  const add = (name: string) => {
    if (need.has(name) || !declared.has(name)) return;
    need.add(name);
    const spec = declared.get(name)!.spec;
    if ('sql' in spec) for (const n of referencedNames(spec.sql, declared.keys())) if (n !== name) add(n);
  };
  for (const c of suite.spec.checks) {
    add(c.dataset);
    if (c.type === 'relationships') add(c.to.dataset);
    if (c.type === 'sql') for (const n of referencedNames(c.query, declared.keys())) add(n);
    if (c.where) for (const n of referencedNames(c.where, declared.keys())) add(n);
  }
  return [...need];
}

async function registerDatasets(engine: Engine, suite: LoadedSuite, declared: Map<string, DeclaredDataset>, errors: string[], hashing: Array<Promise<void>>): Promise<Map<string, DatasetState>> {
  const states = new Map<string, DatasetState>();
  const names = neededDatasets(suite, declared);
  for (const name of names) {
    const decl = declared.get(name)!;
    const pii = new Set(Object.entries(decl.spec.columns ?? {}).filter(([, m]) => m.pii).map(([c]) => c));
    const report: DatasetReport =
      'sql' in decl.spec ? { name, kind: 'sql', source: decl.spec.sql, row_count: null, content_hash: null } : { name, kind: 'file', source: decl.spec.path, row_count: null, content_hash: null };
    states.set(name, { decl, report, pii });
  }
  const fail = (s: DatasetState, err: unknown, asConfig: boolean) => {
    const text = errorText(err);
    s.error = text;
    s.report.error = text;
    const where = `${s.decl.origin.file}${s.decl.origin.line ? `:${s.decl.origin.line}` : ''}`;
    errors.push(asConfig || err instanceof ConfigError ? text : `${where}: dataset "${s.decl.name}" could not be read: ${text}`);
  };
  // File datasets first.
  await Promise.all(
    [...states.values()].map(async (s) => {
      const spec = s.decl.spec;
      if (!('path' in spec)) return;
      try {
        const { files, format } = await createFileDataset(engine, s.decl);
        s.report.format = format;
        s.report.files = files.map((f) => path.relative(suite.dir, f).split(path.sep).join('/'));
        // Hashing runs while the checks query the engine; awaited before the report is built.
        hashing.push(
          sha256Files(files).then(
            (hash) => {
              s.report.content_hash = hash;
            },
            (err: unknown) => {
              s.report.content_hash = null;
              s.report.error ??= `cannot hash: ${errorText(err)}`;
            },
          ),
        );
      } catch (err) {
        fail(s, err, false);
      }
    }),
  );
  // SQL datasets: repeat while some view could be created (a view may build on another).
  let pending = [...states.values()].filter((s) => 'sql' in s.decl.spec);
  const lastError = new Map<string, unknown>();
  while (pending.length) {
    const next: DatasetState[] = [];
    for (const s of pending) {
      try {
        await engine.run(`CREATE VIEW ${ident(s.decl.name)} AS ${(s.decl.spec as { sql: string }).sql.trim().replace(/;\s*$/, '')}`);
      } catch (err) {
        lastError.set(s.decl.name, err);
        next.push(s);
      }
    }
    if (next.length === pending.length) {
      for (const s of next) {
        const refs = referencedNames((s.decl.spec as { sql: string }).sql, declared.keys()).filter((n) => states.get(n)?.error);
        const why = refs.length ? `it reads dataset(s) that could not be read: ${refs.join(', ')}` : errorText(lastError.get(s.decl.name));
        fail(s, new ConfigError(`SQL dataset "${s.decl.name}" is invalid: ${why}`, { location: { file: s.decl.origin.file, line: s.decl.origin.line, field: `datasets.${s.decl.name}.sql` }, fix: 'Reference declared datasets by name and check the SQL.' }), true);
      }
      break;
    }
    pending = next;
  }
  // Describe what was registered; SQL datasets inherit PII marks of the datasets they read.
  for (const s of states.values()) {
    if (s.error) continue;
    try {
      const rows = await engine.query<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${ident(s.decl.name)}`);
      s.info = { name: s.decl.name, columns: new Map(rows.map((r) => [r.column_name, r.column_type])) };
    } catch (err) {
      fail(s, err, false);
    }
  }
  for (const s of states.values()) {
    if ('sql' in s.decl.spec) for (const n of referencedNames(s.decl.spec.sql, states.keys())) for (const c of states.get(n)?.pii ?? []) s.pii.add(c);
  }
  return states;
}

interface RunContext {
  sampleN: number;
  clock: Date;
  errors: string[];
}

async function runChecks(engine: Engine, suite: LoadedSuite, states: Map<string, DatasetState>, declared: Map<string, DeclaredDataset>, ctx: RunContext): Promise<CheckResult[]> {
  const taken = new Set<string>(suite.spec.checks.flatMap((c) => (c.id ? [c.id] : [])));
  const ids = suite.spec.checks.map((c) => (c.id ? c.id : defaultCheckId(c, taken)));
  const pending: PendingCheck[] = suite.spec.checks.map((spec, index) => {
    const threshold: CheckResult['threshold'] = {};
    if (spec.max_failing !== undefined) threshold.max_failing = spec.max_failing;
    if (spec.max_failing_ratio !== undefined) threshold.max_failing_ratio = spec.max_failing_ratio;
    for (const k of ['min', 'max', 'inclusive', 'max_age', 'values', 'pattern', 'to', 'allow_extra'] as const) {
      const v = (spec as Record<string, unknown>)[k];
      if (v !== undefined) threshold[k] = k === 'values' && Array.isArray(v) && v.length > 20 ? `${v.length} values` : v;
    }
    if (spec.where) threshold.where = spec.where;
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
      threshold,
      samples: [],
      message: '',
      line: suite.lineOf(['checks', index]),
      duration_ms: 0,
    };
    return { index, spec, result, started: now() };
  });

  const setError = (p: PendingCheck, text: string, configProblem = false) => {
    const pii = states.get(p.spec.dataset)?.pii ?? new Set<string>();
    const clean = pii.size ? scrubText(text, [], true) : text;
    p.result.status = 'error';
    p.result.error = clean;
    p.result.message = `check could not run: ${clean}`;
    if (configProblem) ctx.errors.push(`${suite.file}${p.result.line ? `:${p.result.line}` : ''}: checks[${p.index}] (${p.result.id}): ${clean}`);
  };

  // Compile.
  for (const p of pending) {
    const st = states.get(p.spec.dataset);
    if (!declared.has(p.spec.dataset)) {
      const known = [...declared.keys()];
      setError(p, `unknown dataset "${p.spec.dataset}"; declared datasets: ${known.length ? known.join(', ') : '(none)'}. Declare it under datasets: in the suite or dataops.yml`, true);
      continue;
    }
    if (!st?.info) {
      setError(p, `dataset "${p.spec.dataset}" could not be read: ${st?.error ?? 'unknown reason'}`);
      continue;
    }
    if (p.spec.type === 'relationships' && !declared.has(p.spec.to.dataset)) {
      setError(p, `unknown dataset "${p.spec.to.dataset}" in to.dataset; declared datasets: ${[...declared.keys()].join(', ')}`, true);
      continue;
    }
    try {
      p.compiled = compileCheck(p.spec, st.info, (n) => states.get(n)?.info);
      if (p.compiled.columns.length && p.spec.type !== 'schema') p.result.columns = p.compiled.columns;
    } catch (err) {
      if (err instanceof CheckCompileError) setError(p, err.message);
      else throw err;
    }
  }

  // One aggregate query per dataset.
  const byDataset = new Map<string, PendingCheck[]>();
  for (const p of pending) {
    if (p.compiled?.kind !== 'aggregate') continue;
    const list = byDataset.get(p.spec.dataset) ?? [];
    list.push(p);
    byDataset.set(p.spec.dataset, list);
  }
  for (const [name, st] of states) {
    if (st.error) continue;
    const list = byDataset.get(name) ?? [];
    const t = now();
    const parts = list.map((p) => ({ index: p.index, parts: p.compiled!.aggregate! }));
    try {
      const row = (await engine.query(aggregateQuery(name, parts)))[0] ?? {};
      st.report.row_count = Number(row.__rows ?? 0);
      const elapsed = ms(t);
      for (const p of list) evaluateAggregate(p, row, ctx, elapsed);
    } catch (err) {
      // Isolate: run each check alone so one bad expression does not hide the others.
      for (const p of list) {
        const t1 = now();
        try {
          const row = (await engine.query(aggregateQuery(name, [{ index: p.index, parts: p.compiled!.aggregate! }])))[0] ?? {};
          st.report.row_count = Number(row.__rows ?? 0);
          evaluateAggregate(p, row, ctx, ms(t1));
        } catch (err1) {
          setError(p, errorText(err1));
          p.result.duration_ms = ms(t1);
        }
      }
      if (st.report.row_count === null) {
        try {
          st.report.row_count = Number((await engine.query(`SELECT count(*) AS n FROM ${ident(name)}`))[0]?.n ?? 0);
        } catch {
          st.report.error ??= errorText(err);
        }
      }
    }
  }

  // Schema and sql checks.
  for (const p of pending) {
    if (!p.compiled || p.compiled.kind === 'aggregate') continue;
    const t = now();
    const st = states.get(p.spec.dataset)!;
    try {
      if (p.spec.type === 'schema') evaluateSchema(p, st.info!);
      else if (p.spec.type === 'sql') {
        const row = (await engine.query(p.compiled.countQuery!))[0];
        const failing = Number(row?.failing ?? 0);
        const total = st.report.row_count ?? failing;
        p.result.failing_rows = failing;
        p.result.total_rows = total;
        p.result.status = checkVerdict(failing, total, p.spec.severity, p.spec);
        p.result.message = failing === 0 ? 'the query returned no rows' : `the query returned ${failing} failing row${failing === 1 ? '' : 's'}`;
      }
    } catch (err) {
      setError(p, errorText(err));
    }
    p.result.duration_ms = ms(t);
  }

  // Samples for what did not pass; masking of PII in samples and messages.
  for (const p of pending) {
    const st = states.get(p.spec.dataset);
    const pii = st?.pii ?? new Set<string>();
    const failed = p.result.status === 'fail' || p.result.status === 'warn';
    if (failed && ctx.sampleN > 0 && (p.compiled?.samples || p.compiled?.dupHashesQuery)) {
      const t = now();
      try {
        let sampleSql = p.compiled.samples?.(ctx.sampleN);
        if (p.compiled.dupHashesQuery && p.compiled.samplesByHash) {
          const found = (await engine.query(p.compiled.dupHashesQuery(ctx.sampleN)))[0]?.dup_hashes;
          const hashes = Array.isArray(found) ? found.map(String) : [];
          sampleSql = hashes.length ? p.compiled.samplesByHash(hashes, ctx.sampleN) : undefined;
        }
        const rows = sampleSql ? await engine.query(sampleSql) : [];
        const raw: unknown[] = [];
        for (const r of rows) for (const c of pii) if (c in r) raw.push(r[c]);
        p.result.samples = rows.map((r) => maskRow(r, pii));
        if (rows.length && p.result.type !== 'unique' && p.result.type !== 'not_null' && p.result.columns.length === 1) {
          const col = p.result.columns[0]!;
          const shown = rows.map((r) => r[col]).filter((v, i, a) => a.indexOf(v) === i).slice(0, 3);
          const vals = shown.map((v) => (pii.has(col) ? '••••' : JSON.stringify(v))).join(', ');
          p.result.message += ` (e.g. ${vals})`;
        }
        if (raw.length) p.result.message = scrubText(p.result.message, raw);
      } catch (err) {
        p.result.message += ` (samples unavailable: ${pii.size ? scrubText(errorText(err), [], true) : errorText(err)})`;
      }
      p.result.duration_ms = Math.round((p.result.duration_ms + ms(t)) * 10) / 10;
    }
  }
  return pending.map((p) => p.result);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function tolerance(spec: CheckSpec): string {
  const parts: string[] = [];
  if (spec.max_failing !== undefined) parts.push(`max ${spec.max_failing}`);
  if (spec.max_failing_ratio !== undefined) parts.push(`max ${(spec.max_failing_ratio * 100).toPrecision(3).replace(/\.?0+$/, '')}%`);
  return parts.length ? ` (tolerance ${parts.join(', ')})` : '';
}

function evaluateAggregate(p: PendingCheck, row: Record<string, unknown>, ctx: RunContext, elapsed: number): void {
  const num = (k: keyof AggregateParts) => {
    const v = row[aggAlias(p.index, k)];
    return v === null || v === undefined ? null : Number(v);
  };
  const spec = p.spec;
  const total = num('total') ?? 0;
  const r = p.result;
  r.total_rows = total;
  r.duration_ms = elapsed;
  const verdict = (failing: number, tol = true) => checkVerdict(failing, total, spec.severity, tol ? spec : {});
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
      r.failing_rows = age > maxAge ? 1 : 0;
      r.status = verdict(r.failing_rows, false);
      const hours = (x: number) => (x >= 172_800_000 ? `${(x / 86_400_000).toFixed(1)} d` : `${(x / 3_600_000).toFixed(1)} h`);
      r.threshold.newest = new Date(newest).toISOString();
      r.threshold.now = ctx.clock.toISOString();
      r.message = `newest ${spec.column} is ${new Date(newest).toISOString()}, ${hours(age)} old; allowed ${spec.max_age}`;
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
