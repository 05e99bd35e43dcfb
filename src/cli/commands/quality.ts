/**
 * `dataops quality`: runs quality suites on the local machine with the same engine as the
 * data-quality action, prints a table (failures first), and writes JSON and JUnit reports.
 * Exit codes: 0 pass, 1 the step fails under --fail-on, 2 configuration error (malformed suite,
 * missing data file, unknown dataset, SQL or paths a suite may not use…). The JSON report is
 * written even on errors.
 *
 * With `--project` (or without `--suite`, from the dataops.yml in the current directory) the
 * project's `quality:` settings apply: its suites when `--suite` is not given, and `fail_on`,
 * `samples` and `memory_limit` unless the matching flag is given.
 */
import { existsSync } from 'node:fs';
import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { ConfigError, describeError, isConfigError } from '../../core/errors.ts';
import type { OpenedHistory } from '../../core/history/open.ts';
import { loadProject, PROJECT_FILE } from '../../core/project.ts';
import { expandSuites, runSuites, type SuiteProject } from '../../core/quality/run-suites.ts';
import { ENGINE_KINDS, type EngineKind } from '../../core/quality/warehouse.ts';
import { renderJUnit } from '../../core/report/junit.ts';
import { byStatus, writeReport, type FailOn, type Report } from '../../core/report/report.ts';
import { action, EXIT } from '../errors.ts';
import { color, formatDuration, progress, statusLabel } from '../ui.ts';
import { cliRunner } from '../context.ts';

interface Options {
  suite?: string[];
  project?: string;
  report?: string;
  junit?: string;
  failOn?: string;
  samples?: string;
  now?: string;
  memoryLimit?: string;
  history?: string;
  branch?: string;
  base?: string;
  commit?: string;
  engine?: string;
  connection?: string;
}

/** dataops.yml in the suite's directory or the nearest parent, if any. */
function findProject(suiteFile: string): string | undefined {
  let dir = path.dirname(path.resolve(suiteFile));
  for (;;) {
    if (existsSync(path.join(dir, PROJECT_FILE))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir || existsSync(path.join(dir, '.git'))) return undefined;
    dir = parent;
  }
}

function truncate(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

/** Terminal table of one report, failures first. */
export function renderTable(report: Report): string {
  const lines: string[] = [];
  const c = report.counts;
  lines.push(
    `${color.bold(`suite ${report.suite.name}`)} ${statusLabel(report.status)}  ${c.total} checks: ${c.pass} pass, ${c.warn} warn, ${c.fail} fail, ${c.error} error  (${formatDuration(report.duration_ms)})`,
  );
  for (const d of report.datasets) lines.push(color.dim(`  dataset ${d.name}: ${d.row_count ?? '?'} rows${d.error ? ` — ${d.error}` : ''}`));
  const checks = byStatus(report.checks, (x) => x.status);
  const idWidth = Math.min(40, Math.max(8, ...checks.map((x) => x.id.length)));
  for (const x of checks) {
    const label = statusLabel(x.status) + ' '.repeat(Math.max(0, 6 - x.status.length));
    lines.push(`  ${label}${x.id.padEnd(idWidth)}  ${truncate(x.status === 'error' ? (x.error ?? x.message) : x.message, 140)}${x.line ? color.dim(`  (line ${x.line})`) : ''}`);
    if (x.status === 'fail' || x.status === 'warn') for (const s of x.samples.slice(0, 3)) lines.push(color.dim(`          ${truncate(JSON.stringify(s), 150)}`));
  }
  for (const e of report.errors) lines.push(`  ${statusLabel('error')} ${e}`);
  return lines.join('\n');
}

export function register(command: Command): void {
  command
    .option('-s, --suite <files...>', `suite files or globs (default: quality.suites of ${PROJECT_FILE})`)
    .option('-p, --project <dir>', `project directory or ${PROJECT_FILE}: its datasets are visible to the suites and its quality settings apply (default: found next to the suite, datasets only; the current directory's without --suite)`)
    .option('-r, --report <file>', 'JSON report path (several suites: one file holding an array)')
    .option('--junit <file>', 'JUnit XML report path')
    .option('--fail-on <level>', 'error | warn | never | new (new: only checks failing anew against the base branch in the history; default: quality.fail_on of the project, else error)')
    .option('--history <store>', 'quality history: a directory (Parquet files), "git" or "git:<branch>" (a branch of this repository), or "none" (default: quality.history of the project)')
    .option('--branch <name>', 'branch this run is recorded on (default: GITHUB_HEAD_REF / GITHUB_REF_NAME, else the checked-out branch)')
    .option('--base <branch>', 'branch compared with, e.g. a pull request\'s base (default: GITHUB_BASE_REF, else --branch)')
    .option('--commit <sha>', 'commit this run is recorded for (default: GITHUB_SHA, else HEAD)')
    .option('--samples <n>', 'failing sample rows kept per check (default: quality.samples of the project, else 5)')
    .option('--now <iso>', 'clock for freshness checks (ISO 8601)')
    .option('--memory-limit <size>', 'engine memory limit, e.g. 1GB (larger inputs spill to disk; default: quality.memory_limit of the project)')
    .option('--engine <name>', 'where the checks run: duckdb (the files, on this machine), postgres or bigquery (the datasets\' table: in a warehouse of connections:; default: quality.engine of the project, else duckdb)')
    .option('--connection <name>', 'connection of dataops.yml the warehouse engine uses (default: the datasets\' connection:, else the only one of that type)')
    .action(
      action('quality', async (opts: Options) => {
        if (opts.failOn !== undefined && !['error', 'warn', 'never', 'new'].includes(opts.failOn)) throw new ConfigError(`invalid value "${opts.failOn}"`, { location: { field: '--fail-on' }, fix: 'Use error, warn, never or new.' });
        if (opts.engine !== undefined && !(ENGINE_KINDS as readonly string[]).includes(opts.engine)) throw new ConfigError(`invalid engine "${opts.engine}"`, { location: { field: '--engine' }, fix: `Use one of: ${ENGINE_KINDS.join(', ')}.` });
        if (opts.samples !== undefined && !/^\d+$/.test(opts.samples)) throw new ConfigError(`invalid value "${opts.samples}"`, { location: { field: '--samples' }, fix: 'Use a whole number ≥ 0.' });
        let now: Date | undefined;
        if (opts.now) {
          now = new Date(opts.now);
          if (Number.isNaN(now.getTime())) throw new ConfigError(`invalid date "${opts.now}"`, { location: { field: '--now' }, fix: 'Use ISO 8601, e.g. 2001-07-05T00:00:00Z.' });
        }
        // The project whose settings apply: --project, or without --suite the current directory's.
        const settingsFrom = opts.project ?? (opts.suite?.length ? undefined : '.');
        if (settingsFrom === '.' && !existsSync(PROJECT_FILE)) {
          throw new ConfigError('no suite given', { location: { field: '--suite' }, fix: `Pass --suite <file>, or --project <dir> whose ${PROJECT_FILE} lists quality.suites.` });
        }
        const project = settingsFrom ? await loadProject(settingsFrom, { workspace: cliRunner().workspace }) : undefined;
        const settings = project?.config.quality;
        const failOn = (opts.failOn ?? settings?.fail_on ?? 'error') as FailOn;
        const samples = opts.samples !== undefined ? Number(opts.samples) : (settings?.samples ?? 5);
        const memoryLimit = opts.memoryLimit ?? settings?.memory_limit;
        const engine = (opts.engine ?? settings?.engine) as EngineKind | undefined;
        const connection = opts.connection ?? settings?.connection;
        let patterns = opts.suite ?? [];
        if (!patterns.length) {
          if (!settings?.suites.length) {
            throw new ConfigError('no suite to run', { location: { file: project ? path.relative(process.cwd(), project.file) || project.file : undefined, field: '--suite' }, fix: `Pass --suite <file>, or list the suites under quality.suites in ${PROJECT_FILE}.` });
          }
          patterns = settings.suites.map((s) => path.relative(process.cwd(), path.resolve(project!.dir, s)) || s);
        }
        const suites = await expandSuites(patterns, '--suite');
        const runner = cliRunner();
        /** The project datasets of a suite: --project's, else a dataops.yml next to the suite (datasets only). */
        const projectOf = async (suiteFile: string): Promise<SuiteProject | undefined> => {
          if (project) return { datasets: project.config.datasets, dir: project.dir, connections: project.config.connections };
          const dir = findProject(suiteFile);
          if (!dir) return undefined;
          try {
            const found = await loadProject(dir, { workspace: runner.workspace });
            return { datasets: found.config.datasets, dir: found.dir, connections: found.config.connections };
          } catch (err) {
            // one found next to the suite only adds datasets
            if (!isConfigError(err)) throw err;
            progress(color.yellow(`dataops quality: warning: ignoring ${path.join(dir, PROJECT_FILE)} (its datasets are not available to the suite): ${err.message}`));
            return undefined;
          }
        };
        // the history's modules (stores, git) load only when a history is named, or --fail-on new asks for one
        let history: OpenedHistory | undefined;
        const named = opts.history !== 'none' ? opts.history : undefined;
        const configured = opts.history === undefined && project && settings?.history ? { history: settings.history, dir: project.dir } : undefined;
        if (named !== undefined || configured || failOn === 'new') {
          const { openRunHistory, parseHistorySpec, specOfConfig } = await import('../../core/history/open.ts');
          const spec = named !== undefined ? parseHistorySpec(named) : configured ? specOfConfig(configured.history, configured.dir) : undefined;
          history = await openRunHistory(spec, failOn, '--history', {
            cwd: process.cwd(),
            env: runner.env,
            token: runner.github.token,
            tempDirectory: runner.temp,
            log: (m) => progress(color.dim(m)),
            overrides: { branch: opts.branch, base: opts.base, commit: opts.commit },
          });
        }
        if (history) progress(color.dim(`quality history: ${history.store.location} (${history.identity.branch}@${history.identity.commit.slice(0, 7)}, compared with ${history.base ?? history.identity.branch})`));
        const outcome = await runSuites(suites, {
          history,
          project: projectOf,
          now,
          samples,
          failOn,
          ...(memoryLimit ? { memoryLimit } : {}),
          ...(engine ? { engine } : {}),
          ...(connection ? { connection } : {}),
          root: runner.workspace,
          tempDirectory: runner.temp,
          trace: runner.traceSql,
          onReport: (report, problem) => {
            if (problem) progress(describeError('dataops quality', problem));
            process.stdout.write(renderTable(report) + '\n\n');
          },
        }).finally(() => history?.store.close());
        const { reports } = outcome;
        if (opts.report) {
          await writeReport(reports.length === 1 ? reports[0]! : reports, opts.report);
          progress(color.dim(`report: ${opts.report}`));
        }
        if (opts.junit) {
          await mkdir(path.dirname(path.resolve(opts.junit)), { recursive: true });
          await writeFile(opts.junit, renderJUnit(reports));
          progress(color.dim(`junit: ${opts.junit}`));
        }
        if (outcome.failure) throw outcome.failure;
        if (reports.some((r) => r.errors.length)) process.exitCode = EXIT.config;
        else if (reports.some((r) => r.failed_step)) process.exitCode = EXIT.failed;
        else process.exitCode = EXIT.ok;
      }),
    );
}
