/**
 * Runs a quality suite on the engine and builds its report.
 *
 * A suite arrives in a pull request: its YAML and SQL are untrusted. Order of work:
 * 1. load and validate the suite (a malformed suite throws ConfigError before anything runs);
 * 2. parse every piece of suite SQL with DuckDB's parser, before any file is opened: `sql`
 *    datasets and `sql` checks must be exactly one SELECT, a `where` one expression (plan.ts,
 *    sql.ts); anything else refuses the suite;
 * 3. resolve the file datasets the checks need: every file, symlinks followed, inside the project
 *    root (or its npm package), never in `.git`; anything else refuses the suite (load.ts);
 * 4. lock the engine: it may open exactly those files and nothing else, settings frozen
 *    (engine/duckdb.ts, {@link Engine.lock});
 * 5. register the datasets (file readers, SQL views), describe them, and work out which columns
 *    hold PII (datasets.ts);
 * 6. run the checks: one aggregate query per dataset, then what a shared scan cannot answer, then
 *    samples and distinct failing values for checks that did not pass (checks.ts);
 * 7. the report (report/report.ts): PII masked in samples and messages, engine error texts
 *    scrubbed (mask.ts), and withheld entirely when suite SQL over PII columns failed while
 *    running (the text could carry any value: `error(email)`).
 *
 * Problems with the data or a check (missing file, bad SQL, missing column) end that check in
 * `error` and are listed in `errors` when they are the suite's to fix; they are never reported
 * as bad data. A statement that reaches for a file it may not open is a configuration error.
 */
import path from 'node:path';
import { ConfigError, ConfigErrors } from '../errors.ts';
import { openEngine, type Engine, type EngineOptions } from '../engine/duckdb.ts';
import { ENGINE_MEMORY_LIMIT } from '../fields.ts';
import { PathAccessError, projectRoot } from '../paths.ts';
import { buildReport, type FailOn, type Report } from '../report/report.ts';
import { runChecks } from './checks.ts';
import { registerDatasets, type DatasetState } from './datasets.ts';
import { profileRelation } from '../data/profile.ts';
import { ident } from '../engine/quote.ts';
import { loadSuite, mergeDatasets, resolveDatasetFiles, type DataRoots, type ResolvedFiles } from './load.ts';
import { planSuite } from './plan.ts';
import { computeManifest, manifestDigest, type DataManifest } from '../data/manifest.ts';
import type { DatasetSpec } from './suite.ts';
import { engineKind, openWarehouse, type WarehouseOptions } from './warehouse.ts';

/** Options of {@link runSuite}; the engine options (memory limit, temp directory, threads, runtime, trace) apply to its engine. */
export interface RunSuiteOptions extends EngineOptions, WarehouseOptions {
  /** Suite YAML file. */
  suiteFile: string;
  /** Datasets declared in dataops.yml (`datasets:`); the suite's own declarations win on a name clash. */
  projectDatasets?: Record<string, DatasetSpec> | undefined;
  /** Directory project dataset paths resolve from (the directory of dataops.yml). Default: cwd. */
  projectDir?: string | undefined;
  /**
   * Directory every dataset file must lie in (symlinks resolved): on a runner the workspace.
   * Default: see {@link projectRoot} (the repository holding the project or suite).
   */
  root?: string | undefined;
  /** Further directories datasets may read, trusted by the caller (the system test's output directory). */
  allowedRoots?: string[] | undefined;
  /** Clock for freshness checks. Default: now. */
  now?: Date | undefined;
  /** Failing sample rows kept per check. Default 5. */
  samples?: number | undefined;
  /** Which outcome fails the step. Default `error`. */
  failOn?: FailOn | undefined;
  /** Profile every readable dataset after the checks (data/profile.ts; the quality history records it). Default false. */
  profile?: boolean | undefined;
  /** Lock the engine before suite SQL runs (default true). Only the bench turns it off, to measure what the lock costs. */
  lockEngine?: boolean | undefined;
  /**
   * When given, the data manifest (src/core/data/manifest.ts) of every dataset the suite read is
   * appended here, and each dataset of the report names its `manifest_digest`. A manifest that
   * cannot be computed adds a line to the report's errors instead.
   */
  manifests?: DataManifest[] | undefined;
}

/**
 * Adds its column profile to the report of every dataset that could be read and has none yet (a
 * dataset whose data manifest was computed already carries the manifest's profile: one scan, not
 * two); a profile that fails is left out.
 */
async function profileDatasets(engine: Engine, states: Map<string, DatasetState>): Promise<void> {
  for (const st of states.values()) {
    if (!st.info || st.report.error || st.report.profile) continue;
    try {
      st.report.profile = (await profileRelation(engine, ident(st.decl.name), { pii: st.pii })).columns;
    } catch {
      // the profile only feeds the history; the checks already reported what went wrong with the data
    }
  }
}

/**
 * With `trace` (DATAOPS_TRACE_SQL=1): one stderr line per phase of a suite run, where the time of a
 * whole `dataops quality` process goes: `[phase <name>: <wall> ms since process start, CPU <ms>
 * (user + system, every thread, the engine's included), <n> minor page faults]`. Between the
 * lines, the engine's own trace prints each statement with its time (engine/duckdb.ts).
 */
function tracePhase(name: string): void {
  const cpu = process.cpuUsage();
  process.stderr.write(`[phase ${name}: ${performance.now().toFixed(0)} ms since process start, CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms, ${process.resourceUsage().minorPageFault} minor page faults]\n`);
}

/** The engine name reports carry when no engine ran. */
const ENGINE = 'duckdb';

/**
 * A report for a suite that could not run at all (missing or malformed suite file): status `error`,
 * no checks, `errors` holding the message (one per problem).
 */
export function errorReport(suiteFile: string, err: unknown, failOn: FailOn = 'error'): Report {
  const name = path.basename(suiteFile).replace(/\.ya?ml$/i, '');
  const messages = err instanceof ConfigErrors && err.errors.length > 1 ? err.errors.map((e) => e.message) : [err instanceof Error ? err.message.split(/\n\s*LINE \d+:/)[0]!.trim() : String(err)];
  return buildReport({ engine: ENGINE, suite: { name, file: suiteFile, sha256: '' }, fail_on: failOn, started_at: new Date().toISOString(), duration_ms: 0, datasets: [], checks: [], errors: messages });
}

/**
 * Resolves the files of every file dataset the plan needs (refusing paths outside the roots).
 * @throws ConfigErrors for paths outside the roots or reader options that do not exist (the suite
 *   is refused); a dataset whose files are missing is left in `unresolved` (its checks end in error).
 */
async function resolveFiles(plan: { needed: string[] }, declared: ReturnType<typeof mergeDatasets>, roots: DataRoots): Promise<{ resolved: Map<string, ResolvedFiles>; unresolved: Map<string, unknown> }> {
  const resolved = new Map<string, ResolvedFiles>();
  const unresolved = new Map<string, unknown>();
  const refused: ConfigError[] = [];
  for (const name of plan.needed) {
    const decl = declared.get(name)!;
    if (!('path' in decl.spec)) continue;
    try {
      resolved.set(name, await resolveDatasetFiles(decl, roots));
    } catch (err) {
      if (err instanceof PathAccessError || (err instanceof ConfigError && err.location.field?.includes('.options.'))) refused.push(err);
      else if (err instanceof ConfigError) unresolved.set(name, err);
      else throw err;
    }
  }
  if (refused.length) throw new ConfigErrors(refused);
  return { resolved, unresolved };
}

/**
 * Runs a suite and returns its report.
 * Never throws for data problems or failing/erroring checks (they are in the report).
 * @throws ConfigError when the suite file is missing or malformed, when its SQL is not what it
 *   may be, when the memory limit is not a size, or when a dataset reads outside the project
 *   (nothing ran; see {@link errorReport}).
 */
export async function runSuite(opts: RunSuiteOptions): Promise<Report> {
  const startedAt = new Date();
  const t0 = performance.now();
  const phase = (name: string) => {
    if (opts.trace) tracePhase(name);
  };
  phase('suite start');
  if (opts.memoryLimit !== undefined && !ENGINE_MEMORY_LIMIT.test(opts.memoryLimit)) {
    throw new ConfigError(`invalid memory limit "${opts.memoryLimit}"`, { location: { field: 'memory-limit' }, fix: 'Use a size like "256MB", "1GB" or "1.5GiB".' });
  }
  // DuckDB parses every suite (plan.ts); on a warehouse it only parses, locked with no file at all.
  // The instance starts while the suite loads (the engine creates it off the main thread); it
  // reads nothing before it is locked, and is closed again when the suite is refused.
  const opening = openEngine(opts);
  // awaited below; until then a failure to open must not count as an unhandled rejection
  opening.catch(() => undefined);
  let suite: Awaited<ReturnType<typeof loadSuite>>;
  let declared: ReturnType<typeof mergeDatasets>;
  let roots: DataRoots;
  let kind: ReturnType<typeof engineKind>;
  try {
    suite = await loadSuite(opts.suiteFile);
    const projectDir = opts.projectDatasets ? path.resolve(opts.projectDir ?? '.') : undefined;
    declared = mergeDatasets(suite, opts.projectDatasets && projectDir ? { datasets: opts.projectDatasets, dir: projectDir } : undefined);
    roots = { root: projectRoot(suite.dir, opts.projectDir, opts.root), ...(opts.allowedRoots ? { extra: opts.allowedRoots } : {}), dataPackage: opts.runtime?.dataPackage };
    kind = engineKind(suite, declared, opts);
  } catch (err) {
    opening.then((e) => e.close(), () => undefined);
    throw err;
  }
  const errors: string[] = [];
  const engine: Engine = await opening;
  phase('engine open');
  let exec: Engine = engine;
  try {
    const plan = await planSuite(engine, suite, declared, { warehouse: kind !== 'duckdb' });
    let files: Awaited<ReturnType<typeof resolveFiles>> = { resolved: new Map(), unresolved: new Map() };
    if (kind === 'duckdb') {
      // Resolve every file first (refusing paths outside), then lock, then read.
      files = await resolveFiles(plan, declared, roots);
      if (opts.lockEngine !== false) await engine.lock({ allowedPaths: [...new Set([...files.resolved.values()].flatMap((r) => r.files))] });
    } else {
      await engine.lock({ allowedPaths: [] });
      exec = await openWarehouse(kind, plan.needed, declared, opts);
      await exec.lock({ allowedPaths: [] });
    }
    phase('planned, locked');
    const hashing: Array<Promise<void>> = [];
    const states = await registerDatasets(exec, suite, declared, plan, files, errors, hashing);
    phase('registered');
    const checks = await runChecks(exec, suite, states, declared, plan, { sampleN: opts.samples ?? 5, clock: opts.now ?? new Date(), errors });
    phase('checks');
    await Promise.all(hashing);
    phase('hashed');
    // data manifests and profiles are computed by DuckDB over the dataset's view; a warehouse run has neither (docs/warehouse.md)
    if (opts.manifests && engine.dialect.name === 'duckdb') {
      for (const s of states.values()) {
        if (s.error || !s.info) continue;
        const r = files.resolved.get(s.decl.name);
        try {
          const m = await computeManifest(engine, {
            name: s.decl.name,
            location: 'sql' in s.decl.spec ? s.decl.spec.sql : 'path' in s.decl.spec && s.decl.spec.path !== undefined ? s.decl.spec.path : (s.decl.spec.table ?? s.decl.name),
            relation: ident(s.decl.name),
            ...(r ? { files: r.files, format: r.format } : {}),
            root: roots.root,
            pii: s.pii,
          });
          opts.manifests.push(m);
          s.report.manifest_digest = manifestDigest(m);
          // the manifest's profile is the report's: the history records it without a second scan
          if (opts.profile) s.report.profile = m.columns;
        } catch (err) {
          errors.push(`dataset "${s.decl.name}": no data manifest: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
        }
      }
    }
    if (opts.profile && engine.dialect.name === 'duckdb') await profileDatasets(engine, states);
    phase('done');
    return buildReport({
      engine: exec.version,
      suite: { name: suite.spec.suite, file: opts.suiteFile, sha256: suite.sha256, ...(suite.spec.description ? { description: suite.spec.description } : {}) },
      fail_on: opts.failOn ?? 'error',
      started_at: startedAt.toISOString(),
      duration_ms: Math.round((performance.now() - t0) * 10) / 10,
      datasets: [...states.values()].map((s) => s.report),
      checks,
      errors,
    });
  } finally {
    if (exec !== engine) exec.close();
    engine.close();
  }
}
