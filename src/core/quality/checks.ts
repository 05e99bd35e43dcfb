/**
 * Running the checks of a suite (see {@link runChecks}) and turning what the engine answered into
 * verdicts and messages (messages.ts).
 */
import { EngineError, StatementShapeError, type Engine } from '../engine/duckdb.ts';
import { UnsupportedCheckError } from '../engine/dialect.ts';
import { ConfigError, ConfigErrors } from '../errors.ts';
import { parseDuration } from '../fields.ts';
import type { CheckResult } from '../report/report.ts';
import { aggAlias, aggregateQuery, checkColumns, CheckCompileError, compileCheck, defaultCheckId, normalizeType, type AggregateParts, type CompiledCheck, type DatasetInfo } from './compile.ts';
import { ACCESS_REFUSED, isAccessError, knownText, lineageOf, type DatasetState } from './datasets.ts';
import type { DeclaredDataset, LoadedSuite } from './load.ts';
import { isPii, MASK, maskRow, scrubEngineError, scrubText } from './mask.ts';
import { distinctNote, failingMessage, plural, span, toleranceNote } from './messages.ts';
import type { SuitePlan } from './plan.ts';
import { piiOutputs } from './sql.ts';
import { whereOf, type CheckSpec } from './suite.ts';
import { checkVerdict } from './verdict.ts';
import { driftColumns, measureDrift, type ColumnDrift } from './drift.ts';

/**
 * How far in the future the newest value of a `freshness` column may lie before the check fails
 * (clocks of the producing system and the runner disagree by seconds, not days): 5 minutes.
 */
export const FRESHNESS_CLOCK_SKEW_MS = 5 * 60_000;

const now = () => performance.now();
const ms = (t: number) => Math.round((now() - t) * 10) / 10;
const lc = (s: string) => s.toLowerCase();

interface PendingCheck {
  index: number;
  spec: CheckSpec;
  result: CheckResult;
  compiled?: CompiledCheck;
  /** Parse tree of a sql check's query. */
  tree?: Record<string, unknown>;
}

/** How an error of a statement is reported. */
interface Explained {
  text: string;
  /** The suite's to fix (listed in `errors`, exit 2): a refused statement or file access. */
  config: boolean;
}

/** What the checks of one run share. */
export interface RunContext {
  sampleN: number;
  clock: Date;
  errors: string[];
}

/**
 * Runs the checks of a suite on the registered datasets and returns their results, in suite order:
 * compile each check; ONE aggregate query per dataset answers every aggregate check (when it fails,
 * each check re-runs alone so one bad check cannot hide the others), then the exact duplicate count
 * of `unique` checks; schema and sql checks; then, for checks that did not pass, samples and the
 * distinct failing keys/values, PII masked. Errors of the suite's own making are listed in
 * `ctx.errors`.
 */
export async function runChecks(engine: Engine, suite: LoadedSuite, states: Map<string, DatasetState>, declared: Map<string, DeclaredDataset>, plan: SuitePlan, ctx: RunContext): Promise<CheckResult[]> {
  const taken = new Set<string>(suite.spec.checks.flatMap((c) => (c.id ? [c.id] : [])));
  const ids = suite.spec.checks.map((c) => (c.id ? c.id : defaultCheckId(c, taken)));
  const byLower = new Map([...states.entries()].map(([k, v]) => [lc(k), v]));
  const stateOf = (name: string) => byLower.get(lc(name));
  const anyPii = [...states.values()].some((s) => s.pii.size > 0);
  const safe = knownText(suite, declared, states);
  const pending: PendingCheck[] = suite.spec.checks.map((spec, index) => {
    const threshold: Record<string, unknown> = {};
    for (const k of ['max_failing', 'max_failing_ratio', 'min', 'max', 'inclusive', 'max_age', 'values', 'pattern', 'to', 'allow_extra', 'compatibility', 'required', 'metric', 'check', 'window', 'bucket', 'seasonality', 'min_history', 'sensitivity', 'direction', 'min_change_percent'] as const) {
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
    return { index, spec, result, ...(tree ? { tree } : {}) };
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
  const unsupported: ConfigError[] = [];
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
    if (p.spec.type === 'drift' && ![...declared.keys()].some((n) => lc(n) === lc((p.spec as { base: string }).base))) {
      setError(p, `unknown dataset "${p.spec.base}" in base; declared datasets: ${[...declared.keys()].join(', ')}`, true);
      continue;
    }
    if (p.spec.type === 'relationships' && ![...declared.keys()].some((n) => lc(n) === lc((p.spec as { to: { dataset: string } }).to.dataset))) {
      setError(p, `unknown dataset "${p.spec.to.dataset}" in to.dataset; declared datasets: ${[...declared.keys()].join(', ')}`, true);
      continue;
    }
    try {
      p.compiled = compileCheck(p.spec, st.info, (n) => stateOf(n)?.info, engine.dialect);
      if (p.compiled.columns.length && p.spec.type !== 'schema') p.result.columns = p.compiled.columns;
    } catch (err) {
      if (err instanceof CheckCompileError) setError(p, err.message);
      else if (err instanceof UnsupportedCheckError) {
        // never compute something else than the check means: the suite is refused before any scan
        const field = p.spec.type === 'regex' ? 'pattern' : 'type';
        unsupported.push(new ConfigError(`check "${p.result.id}" cannot run on ${engine.dialect.name}: ${err.message}`, { location: { file: suite.file, line: suite.lineOf(['checks', p.index, field]), field: `checks[${p.index}].${field}` }, fix: 'Rewrite the check for this engine, or run the suite on DuckDB.' }));
      } else throw err;
    }
  }
  if (unsupported.length) throw new ConfigErrors(unsupported);

  // One aggregate query per dataset.
  const byDataset = new Map<DatasetState, PendingCheck[]>();
  for (const p of pending) {
    if (p.compiled?.kind !== 'aggregate') continue;
    const st = stateOf(p.spec.dataset)!;
    const list = byDataset.get(st) ?? [];
    list.push(p);
    byDataset.set(st, list);
  }
  // a metered warehouse dry-runs the scans first and may refuse the suite (engine/bigquery.ts)
  await engine.preflight?.(
    [...states.values()]
      .filter((st) => !st.error)
      .map((st) => aggregateQuery(st.decl.name, (byDataset.get(st) ?? []).map((p) => ({ index: p.index, parts: p.compiled!.aggregate! })), engine.dialect)),
  );
  for (const st of states.values()) {
    if (st.error) continue;
    const name = st.decl.name;
    const list = byDataset.get(st) ?? [];
    const t = now();
    const parts = list.map((p) => ({ index: p.index, parts: p.compiled!.aggregate! }));
    try {
      const row = (await engine.select(aggregateQuery(name, parts, engine.dialect)))[0] ?? {};
      st.report.row_count = Number(row.__rows ?? 0);
      const elapsed = ms(t);
      for (const p of list) {
        const t1 = now();
        try {
          await countDuplicates(engine, p, row);
        } catch (err1) {
          setFailure(p, err1);
          p.result.duration_ms = ms(t1);
          continue;
        }
        evaluateAggregate(p, row, ctx, elapsed + ms(t1), st.pii);
      }
    } catch {
      // Isolate: run each check alone so one bad expression does not hide the others.
      for (const p of list) {
        const t1 = now();
        try {
          const row = (await engine.select(aggregateQuery(name, [{ index: p.index, parts: p.compiled!.aggregate! }], engine.dialect)))[0] ?? {};
          st.report.row_count = Number(row.__rows ?? 0);
          await countDuplicates(engine, p, row);
          evaluateAggregate(p, row, ctx, ms(t1), st.pii);
        } catch (err1) {
          setFailure(p, err1);
          p.result.duration_ms = ms(t1);
        }
      }
      if (st.report.row_count === null) {
        try {
          st.report.row_count = Number((await engine.select(`SELECT count(*) AS n FROM ${engine.dialect.ident(name)}`))[0]?.n ?? 0);
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
      if (p.compiled.kind === 'history') {
        p.result.status = 'pass';
        p.result.message = 'no quality history to compare with';
      } else if (p.spec.type === 'drift') await evaluateDrift(engine, p, st.info!, stateOf(p.spec.base)!.info!);
      else if (p.spec.type === 'schema') evaluateSchema(p, st.info!);
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
  const lineage = lineageOf(states);
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
        const row = (await engine.select(p.compiled.dupHashesQuery(ctx.sampleN, st?.report.row_count ?? 0)))[0] ?? {};
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
          const out = (await engine.describe(sampleSql.replace(/ LIMIT \d+$/, ''))).map((r) => r.name);
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

/**
 * For a `unique` check: its exact duplicate count ({@link CompiledCheck.duplicateQuery}) put into
 * `row` as the check's `failing`, with the strategy the dataset's row count (`__rows`) calls for.
 */
async function countDuplicates(engine: Engine, p: PendingCheck, row: Record<string, unknown>): Promise<void> {
  const query = p.compiled?.duplicateQuery;
  if (!query) return;
  const [dup] = await engine.select<{ failing: number }>(query(Number(row.__rows ?? 0)));
  row[aggAlias(p.index, 'failing')] = Number(dup?.failing ?? 0);
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
      const maxAge = parseDuration(spec.max_age, 'max_age');
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
    case 'anomaly': {
      // the value now; the verdict against the history comes after the run (history/anomaly.ts)
      const v = num('value');
      r.observed = v === null ? null : spec.metric === 'freshness_lag' ? Math.round((ctx.clock.getTime() - v) / 1000) : v;
      r.failing_rows = 0;
      r.status = 'pass';
      r.message = `${spec.metric}${spec.column ? ` of ${spec.column}` : ''} is ${r.observed ?? 'unknown'}; no quality history to compare with`;
      return;
    }
    default: {
      const failing = num('failing') ?? 0;
      r.failing_rows = failing;
      r.status = verdict(failing);
      r.message = failingMessage(spec, failing, total) + (failing > 0 ? toleranceNote(spec) : '');
    }
  }
}

async function evaluateDrift(engine: Engine, p: PendingCheck, head: DatasetInfo, base: DatasetInfo): Promise<void> {
  if (p.spec.type !== 'drift') return;
  const drifts = await measureDrift(engine, head, base, driftColumns(p.spec.columns, head), p.spec.bins);
  const bad = drifts.filter((d) => d.drifted);
  const r = p.result;
  r.failing_rows = bad.length;
  r.total_rows = drifts.length;
  r.status = checkVerdict(bad.length, drifts.length, p.spec.severity, {});
  r.threshold.base = p.spec.base;
  r.samples = drifts.map((d) => ({ ...d }));
  const show = (d: ColumnDrift) => `${d.column} (PSI ${d.psi}${d.ks !== undefined ? `, KS ${d.ks}` : ''})`;
  r.message = bad.length ? `${plural(bad.length, 'column')} drifted from ${p.spec.base}: ${bad.map(show).join(', ')}` : `no drift from ${p.spec.base}: ${drifts.map(show).join(', ')}`;
}

function evaluateSchema(p: PendingCheck, info: DatasetInfo): void {
  if (p.spec.type !== 'schema') return;
  const spec = p.spec;
  const actualByLower = new Map([...info.columns].map(([k, v]) => [k.toLowerCase(), { name: k, type: v }]));
  const problems: Array<Record<string, unknown>> = [];
  if (!spec.columns) {
    // a contract only: judged against the base branch's recorded schema (history/contract.ts)
    p.result.failing_rows = 0;
    p.result.total_rows = info.columns.size;
    p.result.status = 'pass';
    p.result.message = `schema recorded (${plural(info.columns.size, 'column')}); no recorded schema of the base branch to compare with`;
    return;
  }
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
