/**
 * Logic of actions/data-quality (entry: ../data-quality.ts): runs quality suites on DuckDB and reports them as the job
 * summary, annotations at the failing checks' suite lines, a JSON report and JUnit XML, outputs,
 * and (with a token allowed `checks: write`) one check run per suite, updated in place on re-runs.
 *
 * The DuckDB engine is not bundled: the entry registers a loader that installs it on first use
 * from the pinned `engine-lock.json` next to the bundle into the runner's tool cache
 * (src/core/engine/install.ts).
 * A failing suite still writes everything before the step fails; a malformed suite is a
 * configuration error and its report records it.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as core from '@actions/core';
import { glob, isDynamicPattern } from 'tinyglobby';
import { z } from 'zod';
import { EngineInstallError } from '../../core/engine/install.ts';
import { ConfigError, ConfigErrors, isConfigError } from '../../core/errors.ts';
import { ChecksPermissionError, publishCheckRun, resolveHeadSha, toCheckRunAnnotations } from '../../core/github/checks.ts';
import { GitHubClient, parseRepository } from '../../core/github/client.ts';
import { checkAnnotations, type Annotation } from '../../core/quality/annotations.ts';
import { errorReport, runSuite, writeReport } from '../../core/quality/engine.ts';
import { renderJUnit } from '../../core/quality/junit.ts';
import type { QualityReport } from '../../core/quality/report.ts';
import { failOnSchema, type DatasetSpec } from '../../core/quality/suite.ts';
import { CHECK_RUN_SUMMARY_LIMIT, overallStatus, renderSummary, sortChecks, statusLabel } from '../../core/quality/summary.ts';
import { input, readInputs, runAction } from '../lib/action.ts';
import { emitAnnotations, repoPath } from '../lib/report.ts';

const ACTION = 'data-quality';

const inputsSchema = z.object({
  // one per line only: commas belong to glob braces ({a,b}.yml)
  suite: z
    .string()
    .optional()
    .transform((v) =>
      (v ?? '')
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
    ),
  project: z.string().optional(),
  // unset: the project's quality settings, else error / 5
  'fail-on': failOnSchema.optional(),
  samples: z.string().regex(/^\d+$/, 'expected a whole number').transform(Number).optional(),
  token: z.string().optional(),
  'check-run': input.boolean(true),
  'memory-limit': z
    .string()
    .regex(/^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, 'expected a size like "512MB" or "2GB"')
    .optional(),
  now: z
    .string()
    .refine((v) => !Number.isNaN(Date.parse(v)), 'expected an ISO 8601 timestamp like 2026-01-31T12:00:00Z')
    .optional(),
  'report-dir': z.string().optional(),
});

/** Suite files named by the `suite` input (paths or globs, relative to the working directory). */
async function expandSuites(patterns: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const p of patterns) {
    if (!isDynamicPattern(p)) {
      files.push(p); // a missing file is reported by the suite loader, naming it
      continue;
    }
    const found = (await glob(p, { onlyFiles: true, expandDirectories: false })).sort();
    if (found.length === 0) throw new ConfigError(`the pattern "${p}" matches no file`, { location: { field: 'input "suite"' }, fix: 'Check the glob (relative to the working directory, usually the repository root).' });
    files.push(...found);
  }
  return [...new Set(files)];
}

function logReport(r: QualityReport): void {
  core.startGroup(`${statusLabel(r.status)} suite ${r.suite.name} (${r.suite.file}): ${r.counts.fail} failed, ${r.counts.error} errors, ${r.counts.warn} warned, ${r.counts.pass} passed`);
  for (const e of r.errors) core.info(`  suite error: ${e}`);
  for (const c of sortChecks(r.checks)) {
    const rows = c.failing_rows === null ? '' : ` ${c.failing_rows}/${c.total_rows ?? '?'} rows`;
    core.info(`  ${statusLabel(c.status).padEnd(8)} ${c.id} (${c.type} on ${c.dataset}${c.columns.length ? `.${c.columns.join(',')}` : ''})${rows}: ${c.status === 'error' ? (c.error ?? c.message) : c.message}`);
  }
  core.endGroup();
}

/** Unique, file-system-safe report name per suite. */
function reportNames(reports: QualityReport[]): string[] {
  const seen = new Map<string, number>();
  return reports.map((r) => {
    const base = r.suite.name.replace(/[^A-Za-z0-9_.-]/g, '_') || 'suite';
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}-${n}`;
  });
}

async function publishCheckRuns(reports: QualityReport[], token: string | undefined, suiteErrors: Map<QualityReport, ConfigError[]>): Promise<void> {
  const repository = process.env.GITHUB_REPOSITORY;
  const headSha = await resolveHeadSha();
  if (!token || !repository || !headSha) {
    core.info(`check runs skipped: ${!token ? 'no token' : !repository ? 'GITHUB_REPOSITORY is not set' : 'no commit SHA (GITHUB_SHA)'}`);
    return;
  }
  const { owner, repo } = parseRepository(repository, 'GITHUB_REPOSITORY');
  const client = new GitHubClient({ token, userAgent: 'dataops-actions/data-quality' });
  const runUrl = process.env.GITHUB_RUN_ID ? `${process.env.GITHUB_SERVER_URL ?? 'https://github.com'}/${repository}/actions/runs/${process.env.GITHUB_RUN_ID}` : undefined;
  for (const r of reports) {
    try {
      const published = await publishCheckRun(client, { owner, repo, headSha }, r, {
        summary: renderSummary([r], { maxBytes: CHECK_RUN_SUMMARY_LIMIT }),
        annotations: toCheckRunAnnotations(
          [
            ...(suiteErrors.get(r) ?? []).map((e): Annotation => ({ level: 'error', title: `${ACTION}: configuration error`, message: e.message, file: repoPath(e.location.file ?? r.suite.file), ...(e.location.line ? { line: e.location.line } : {}) })),
            ...checkAnnotations([r], { file: repoPath }),
          ],
          repoPath(r.suite.file),
        ),
        ...(runUrl ? { detailsUrl: runUrl } : {}),
      });
      core.info(`check run "${r.suite.name}" ${published.created ? 'created' : 'updated'} (id ${published.id}, ${published.conclusion}, ${published.annotations} annotations sent${published.alreadyShown ? `, ${published.alreadyShown} already shown` : ''})`);
    } catch (err) {
      if (err instanceof ChecksPermissionError) {
        core.warning(`${ACTION}: ${err.message} The results are in the job summary and the report; no check runs were published.`, { title: `${ACTION}: check runs skipped` });
        return; // once: the other suites would hit the same wall
      }
      core.warning(`${ACTION}: could not publish the check run of suite "${r.suite.name}": ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

/** Runs the action (entry: ../data-quality.ts, after it enabled the compile cache). */
export async function run(): Promise<void> {
  await runAction(ACTION, async () => {
    const inputs = readInputs(inputsSchema);
    let failOn = inputs['fail-on'] ?? 'error';
    let samples = inputs.samples ?? 5;
    let memoryLimit = inputs['memory-limit'];

    let projectDatasets: Record<string, DatasetSpec> | undefined;
    let projectDir: string | undefined;
    let patterns = inputs.suite;
    if (inputs.project) {
      const { loadProject } = await import('../../core/project.ts'); // only with a project: keeps every stage's settings schema out of the cold start
      const project = await loadProject(inputs.project);
      projectDatasets = project.config.datasets;
      projectDir = project.dir;
      const settings = project.config.quality;
      if (settings) {
        failOn = inputs['fail-on'] ?? settings.fail_on;
        samples = inputs.samples ?? settings.samples;
        memoryLimit = inputs['memory-limit'] ?? settings.memory_limit;
      }
      if (patterns.length === 0) patterns = (project.config.quality?.suites ?? []).map((s) => path.relative(process.cwd(), path.resolve(project.dir, s)) || s);
    }
    if (patterns.length === 0) {
      throw new ConfigError('no suite given', { location: { field: 'input "suite"' }, fix: 'Set "suite:" to suite file(s) or glob(s), one per line, or "project:" to a dataops.yml with quality.suites.' });
    }
    const suites = await expandSuites(patterns);

    const reports: QualityReport[] = [];
    const configErrors: ConfigError[] = [];
    /** Configuration errors of suites that could not run, annotated on their check runs too. */
    const suiteErrors = new Map<QualityReport, ConfigError[]>();
    let bug: unknown;
    for (const suiteFile of suites) {
      try {
        reports.push(
          await runSuite({
            suiteFile,
            failOn,
            samples,
            ...(projectDatasets ? { projectDatasets, projectDir } : {}),
            ...(inputs.now ? { now: new Date(inputs.now) } : {}),
            ...(memoryLimit ? { memoryLimit } : {}),
            ...(process.env.RUNNER_TEMP ? { tempDirectory: process.env.RUNNER_TEMP } : {}),
            // datasets read inside the checked-out repository only
            ...(process.env.GITHUB_WORKSPACE ? { root: process.env.GITHUB_WORKSPACE } : {}),
          }),
        );
      } catch (err) {
        reports.push(errorReport(suiteFile, err, failOn));
        if (err instanceof EngineInstallError) {
          // the engine is shared: no later suite can run either
          for (const rest of suites.slice(suites.indexOf(suiteFile) + 1)) reports.push(errorReport(rest, err, failOn));
          bug = err;
          break;
        }
        if (isConfigError(err)) {
          const list = err instanceof ConfigErrors ? err.errors : [err];
          configErrors.push(...list);
          suiteErrors.set(reports[reports.length - 1]!, list);
        }
        else bug ??= err;
      }
    }

    // Reports first: everything below must exist even when the step then fails.
    const dir = path.resolve(inputs['report-dir'] ?? path.join(process.env.RUNNER_TEMP || os.tmpdir(), 'dataops-quality'));
    await mkdir(dir, { recursive: true });
    const names = reportNames(reports);
    const reportPaths = reports.map((_, i) => path.join(dir, `${names[i]}.json`));
    await Promise.all(reports.map((r, i) => writeReport(r, reportPaths[i]!)));
    const junitPath = path.join(dir, 'junit.xml');
    await writeFile(junitPath, renderJUnit(reports));

    const sum = (k: 'fail' | 'warn' | 'error' | 'pass') => reports.reduce((n, r) => n + r.counts[k], 0);
    const status = overallStatus(reports);
    core.setOutput('status', status);
    core.setOutput('failed', sum('fail'));
    core.setOutput('warned', sum('warn'));
    core.setOutput('errored', sum('error') + reports.reduce((n, r) => n + r.errors.length, 0));
    core.setOutput('passed', sum('pass'));
    core.setOutput('report-path', reportPaths.join('\n'));
    core.setOutput('junit-path', junitPath);

    for (const r of reports) logReport(r);
    emitAnnotations(checkAnnotations(reports, { file: repoPath }));
    if (process.env.GITHUB_STEP_SUMMARY) {
      await core.summary.addRaw(renderSummary(reports, { reportPath: reportPaths.length === 1 ? reportPaths[0]! : dir })).write();
    }
    core.info(`reports: ${reportPaths.join(', ')}; JUnit: ${junitPath}`);
    if (inputs['check-run']) await publishCheckRuns(reports, inputs.token, suiteErrors);

    if (bug instanceof EngineInstallError) {
      core.setFailed(`${ACTION}: the DuckDB engine could not be installed: ${bug.message}`);
      return;
    }
    if (bug) throw bug instanceof Error ? bug : new Error(JSON.stringify(bug));
    if (configErrors.length) throw configErrors.length === 1 ? configErrors[0]! : new ConfigErrors(configErrors);
    const failing = reports.filter((r) => r.failed_step);
    if (failing.length) {
      core.setFailed(
        `${ACTION}: ${failing.map((r) => `suite ${r.suite.name} ${r.status} (${r.counts.fail} failed, ${r.counts.error} errors, ${r.counts.warn} warned of ${r.counts.total})`).join('; ')} — fail-on: ${failOn}. See the job summary.`,
      );
    }
  });
}
