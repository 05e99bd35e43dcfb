/**
 * Running several suites and writing their reports: what the data-quality action, the
 * `dataops quality` command and the flow's quality stage share, with one behaviour.
 *
 * - Suite paths and globs expand to files in order, without duplicates ({@link expandSuites}).
 * - Every suite gets a report: a suite that cannot run (missing or malformed file, SQL or paths it
 *   may not use) gets an error report and its configuration errors are kept for the caller; the
 *   suites after it still run. When the engine itself cannot be had (its install failed) the
 *   remaining suites get error reports too and nothing more runs. Any other error (a bug) gives
 *   its suite an error report and is kept to be rethrown once everything is written.
 * - Reports go to one directory, one file per suite named after it; two suites of the same name
 *   get `name.json` and `name-2.json`, never one file for both ({@link writeSuiteReports}), plus
 *   `junit.xml` of them all.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { ConfigError, ConfigErrors, isConfigError } from '../errors.ts';
import { sha256 } from '../hash.ts';
import { renderJUnit } from '../report/junit.ts';
import { writeReport, type Report } from '../report/report.ts';
import { RuntimeInstallError } from '../runtime/install.ts';
import type { DataManifest } from '../data/manifest.ts';
import { judgeWithHistory } from '../history/gate.ts';
import { runRecord, type HistoryRun, type HistoryStore, type RunIdentity } from '../history/record.ts';
import { errorReport, runSuite, type RunSuiteOptions } from './run.ts';
import type { ConnectionSpec } from '../connections.ts';
import type { DatasetSpec } from './suite.ts';

/**
 * Suite files named by paths or globs (relative to `cwd`), in order, without duplicates. A plain
 * path is kept even when missing (the suite's error report names it).
 * @throws ConfigError naming `field` when a glob matches no file.
 */
export async function expandSuites(patterns: readonly string[], field: string, cwd = process.cwd()): Promise<string[]> {
  const files: string[] = [];
  for (const p of patterns) {
    if (!isDynamicPattern(p)) {
      files.push(p);
      continue;
    }
    const found = (await glob(p, { cwd, onlyFiles: true, expandDirectories: false })).sort();
    if (found.length === 0) throw new ConfigError(`the pattern "${p}" matches no suite file`, { location: { field }, fix: 'Check the glob: it is relative to the working directory (quote it so a shell does not expand it).' });
    files.push(...found);
  }
  return [...new Set(files)];
}

/** The project datasets a suite sees, the directory their paths resolve from, and the warehouses it may run in. */
export interface SuiteProject {
  datasets: Record<string, DatasetSpec>;
  dir: string;
  /** `connections:` of dataops.yml. */
  connections?: Record<string, ConnectionSpec> | undefined;
}

/** Options of {@link runSuites}: those of every suite run, and where each suite's project datasets come from. */
export interface RunSuitesOptions extends Omit<RunSuiteOptions, 'suiteFile' | 'projectDatasets' | 'projectDir' | 'manifests'> {
  /** The project datasets of a suite (the same for all, or looked up next to each suite); none when undefined. */
  project?: SuiteProject | ((suiteFile: string) => Promise<SuiteProject | undefined>) | undefined;
  /** The quality history: each report is judged against it (history/gate.ts), then recorded in it. */
  history?: SuiteHistory | undefined;
  /** Called with each report as soon as it is made (progress output), and for a suite that could not run, why. */
  onReport?: (report: Report, problem?: ConfigError) => void;
  /** Compute the data manifest of every dataset each suite reads ({@link SuitesOutcome.manifests}). */
  manifests?: boolean | undefined;
}

/** Where the quality history is and who this run is. */
export interface SuiteHistory {
  store: HistoryStore;
  identity: RunIdentity;
  /** Branch compared with (a pull request's base); default the run's own branch. */
  base?: string | undefined;
  /** Record the runs (default true). */
  record?: boolean | undefined;
}

/** What {@link runSuites} produced. */
export interface SuitesOutcome {
  /** One report per suite, in order. */
  reports: Report[];
  /** Configuration errors of the suites that could not run, by their (error) report. */
  configErrors: Map<Report, ConfigError[]>;
  /** The engine could not be installed (no suite after it ran), or an unexpected error: rethrow it after writing the reports. */
  failure?: Error;
  /** With `manifests: true`: the data manifests of each suite's datasets, by its report. */
  manifests: Map<Report, DataManifest[]>;
}

/** All configuration errors of an outcome, as one error (undefined when there are none). */
export function configErrorOf(outcome: SuitesOutcome): ConfigError | undefined {
  const all = [...outcome.configErrors.values()].flat();
  return all.length === 0 ? undefined : all.length === 1 ? all[0] : new ConfigErrors(all);
}

/** Runs `suites` one after the other (see the module doc for what happens when one cannot run). */
export async function runSuites(suites: readonly string[], options: RunSuitesOptions): Promise<SuitesOutcome> {
  const { project, onReport, history, manifests: withManifests, ...common } = options;
  const outcome: SuitesOutcome = { reports: [], configErrors: new Map(), manifests: new Map() };
  const runAt = history?.identity.runAt ?? common.now ?? new Date();
  let recorded: HistoryRun[] | undefined;
  /** The report judged against the history and recorded in it (a history that fails is kept to be rethrown). */
  const withHistory = async (report: Report): Promise<Report> => {
    if (!history || outcome.failure) return report;
    try {
      recorded ??= await history.store.list({ repository: history.identity.repository });
      const judged = judgeWithHistory(report, { runs: recorded, branch: history.identity.branch, base: history.base, now: runAt });
      if (history.record !== false) await history.store.append(runRecord(judged, { ...history.identity, runAt }));
      return judged;
    } catch (err) {
      // a record the store cannot trust (history/local.ts) is the user's to fix: it stays a ConfigError (exit 2)
      outcome.failure = isConfigError(err) ? err : new Error(`quality history ${history.store.location}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      return report;
    }
  };
  const push = (report: Report, problem?: ConfigError) => {
    outcome.reports.push(report);
    if (problem) outcome.configErrors.set(report, problem instanceof ConfigErrors ? problem.errors : [problem]);
    onReport?.(report, problem);
  };
  for (const [i, suiteFile] of suites.entries()) {
    try {
      const p = typeof project === 'function' ? await project(suiteFile) : project;
      const manifests: DataManifest[] | undefined = withManifests ? [] : undefined;
      const report = await withHistory(await runSuite({ ...common, suiteFile, ...(p ? { projectDatasets: p.datasets, projectDir: p.dir, connections: p.connections } : {}), manifests, ...(history ? { profile: true } : {}) }));
      if (manifests) outcome.manifests.set(report, manifests);
      push(report);
    } catch (err) {
      push(errorReport(suiteFile, err, common.failOn), isConfigError(err) ? err : undefined);
      if (err instanceof RuntimeInstallError) {
        // the engine is shared: no later suite can run either
        for (const rest of suites.slice(i + 1)) push(errorReport(rest, err, common.failOn));
        outcome.failure = err;
        break;
      }
      if (!isConfigError(err)) outcome.failure ??= err instanceof Error ? err : new Error(String(err));
    }
  }
  return outcome;
}

/** Where {@link writeSuiteReports} wrote. */
export interface WrittenReports {
  /** One JSON report per suite, in order. */
  reportPaths: string[];
  /** `sha256:` of each report file (promotion evidence). */
  sha256: string[];
  junitPath: string;
}

/** File names for reports: the suite name made file-safe, `-2`, `-3`… for repeats. */
export function reportFileNames(reports: readonly Report[]): string[] {
  const seen = new Map<string, number>();
  return reports.map((r) => {
    const base = r.suite.name.replace(/[^A-Za-z0-9_.-]/g, '_') || 'suite';
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return `${n === 1 ? base : `${base}-${n}`}.json`;
  });
}

/** Writes one JSON report per suite and `junit.xml` of them all into `dir` (created). */
export async function writeSuiteReports(reports: readonly Report[], dir: string): Promise<WrittenReports> {
  const names = reportFileNames(reports);
  const reportPaths = names.map((n) => path.join(dir, n));
  const texts = await Promise.all(reports.map((r, i) => writeReport(r, reportPaths[i]!)));
  const junitPath = path.join(dir, 'junit.xml');
  await writeFile(junitPath, renderJUnit(reports));
  return { reportPaths, sha256: texts.map(sha256), junitPath };
}
