/**
 * Runner glue shared by the actions that report in the check-report family (data-quality,
 * system-test, verify; data-diff's check run): paths for annotations, emitting annotations within GitHub's display
 * limits, logging a report, and publishing check runs.
 */
import path from 'node:path';
import * as core from './core.ts';
import { ChecksPermissionError, publishCheckRun, resolveHeadSha, toCheckRunAnnotations, upsertCheckRun, type CheckRunSpec, type CheckTarget, type PublishedCheckRun } from '../../core/github/checks.ts';
import { limitAnnotations, type Annotation, type Overflow } from '../../core/report/annotations.ts';
import type { Report } from '../../core/report/report.ts';
import { CHECK_RUN_SUMMARY_LIMIT, renderSummary, sortChecks, statusLabel } from '../../core/report/summary.ts';
import { runUrl, type RunnerContext } from '../../core/runner-context.ts';

/** Path as GitHub wants it in annotations: relative to the workspace (or the cwd), forward slashes. */
export function repoPath(file: string, runner: Pick<RunnerContext, 'workspace'>): string {
  const rel = path.relative(runner.workspace ?? process.cwd(), path.resolve(file));
  return (rel.startsWith('..') || path.isAbsolute(rel) ? file : rel).split(path.sep).join('/');
}

/**
 * Emits annotations as workflow commands (`::error file=…,line=…::`), at most
 * ANNOTATIONS_PER_LEVEL per level plus one notice summarising the rest (report/annotations.ts).
 */
export function emitAnnotations(annotations: readonly Annotation[], overflow?: Overflow): void {
  for (const a of limitAnnotations(annotations, overflow)) {
    const props = { title: a.title, ...(a.file ? { file: a.file } : {}), ...(a.line ? { startLine: a.line } : {}), ...(a.column ? { startColumn: a.column } : {}) };
    if (a.level === 'error') core.error(a.message, props);
    else if (a.level === 'warning') core.warning(a.message, props);
    else core.notice(a.message, props);
  }
}

/** A collapsible group in the log: the report's verdict, its errors, then every check, failures first. */
export function logReport(heading: string, r: Report): void {
  core.startGroup(`${statusLabel(r.status)} ${heading}: ${r.counts.fail} failed, ${r.counts.error} errors, ${r.counts.warn} warned, ${r.counts.pass} passed`);
  for (const e of r.errors) core.info(`  error: ${e}`);
  for (const c of sortChecks(r.checks)) {
    const rows = c.failing_rows === null ? '' : ` ${c.failing_rows}/${c.total_rows ?? '?'} rows`;
    core.info(`  ${statusLabel(c.status).padEnd(8)} ${c.id} (${c.type} on ${c.dataset}${c.columns.length ? `.${c.columns.join(',')}` : ''})${rows}: ${c.status === 'error' ? (c.error ?? c.message) : c.message}`);
  }
  core.endGroup();
}

/** How {@link publishCheckRuns} names and annotates each report's check run. */
export interface CheckRunOptions {
  /** The action (prefix of warnings). */
  action: string;
  /** An explicit token (the `token` input); else the runner's GITHUB_TOKEN. */
  token: string | undefined;
  /** The check run's name (default `dataops quality: <suite>`). */
  name?: (report: Report) => string;
  /** Every annotation of the report's check run (not the per-step view). */
  annotations: (report: Report) => Annotation[];
  /** File of annotations that name none (repository-relative). */
  fallbackFile: (report: Report) => string;
}

/** The commit under test and a client for its repository, or undefined (logged: no token, repository or commit). */
async function checkTarget(runner: RunnerContext, token: string | undefined, action: string): Promise<CheckTarget | undefined> {
  const headSha = await resolveHeadSha(runner.github);
  // the Octokit client loads only here: a run without check runs does not pay for it
  const { runRepository } = await import('./github.ts');
  const repo = runRepository(runner, token, { userAgent: `dataops-actions/${action}`, log: (l) => core.warning(l) });
  if (!repo || !headSha) {
    core.info(`check runs skipped: ${!token ? 'no token' : !runner.github.repository ? 'GITHUB_REPOSITORY is not set' : 'no commit SHA (GITHUB_SHA)'}`);
    return undefined;
  }
  return { ...repo, headSha };
}

/** Logs what {@link publishCheckRun} did. */
function logPublished(name: string, published: PublishedCheckRun): void {
  core.info(`check run "${name}" ${published.created ? 'created' : 'updated'} (id ${published.id}, ${published.conclusion}, ${published.annotations} annotations sent${published.alreadyShown ? `, ${published.alreadyShown} already shown` : ''})`);
}

/**
 * Warns about a failed check-run publication. @returns true for a token that may not write checks
 * (the caller stops: further runs would hit the same wall).
 */
function warnUnpublished(action: string, what: string, err: unknown): boolean {
  if (err instanceof ChecksPermissionError) {
    core.warning(`${action}: ${err.message} The results are in the job summary and the report; no check runs were published.`, { title: `${action}: check runs skipped` });
    return true;
  }
  core.warning(`${action}: could not publish the check run of "${what}": ${err instanceof Error ? err.message : String(err)}`);
  return false;
}

/**
 * Publishes one check run per report on the commit under test, updated in place on re-runs
 * (src/core/github/checks.ts). Without a token, repository or commit the check runs are skipped
 * with a log line; a token that may not write checks gives one warning and stops; any other API
 * failure warns for that report. Never throws: the reports are already written.
 */
export async function publishCheckRuns(runner: RunnerContext, reports: readonly Report[], options: CheckRunOptions): Promise<void> {
  const target = await checkTarget(runner, options.token ?? runner.github.token, options.action);
  if (!target) return;
  const detailsUrl = runUrl(runner.github);
  for (const r of reports) {
    const name = options.name?.(r);
    try {
      const published = await publishCheckRun(target, r, {
        ...(name ? { name } : {}),
        summary: renderSummary([r], { maxBytes: CHECK_RUN_SUMMARY_LIMIT }),
        annotations: toCheckRunAnnotations(options.annotations(r), options.fallbackFile(r)),
        ...(detailsUrl ? { detailsUrl } : {}),
      });
      logPublished(name ?? r.suite.name, published);
    } catch (err) {
      if (warnUnpublished(options.action, r.suite.name, err)) return;
    }
  }
}

/**
 * Publishes check run `spec` (no annotations) with Markdown `summary` on the commit under test,
 * updated in place on re-runs; skipped and warned like {@link publishCheckRuns}. Never throws.
 * @returns what was published, undefined when skipped or refused.
 */
export async function publishCheckRunSpec(runner: RunnerContext, spec: CheckRunSpec, options: { action: string; token: string | undefined; summary: string }): Promise<PublishedCheckRun | undefined> {
  const target = await checkTarget(runner, options.token ?? runner.github.token, options.action);
  if (!target) return undefined;
  const detailsUrl = runUrl(runner.github);
  try {
    const published = await upsertCheckRun(target, spec, { summary: options.summary, annotations: [], ...(detailsUrl ? { detailsUrl } : {}) });
    logPublished(spec.name, published);
    return published;
  } catch (err) {
    warnUnpublished(options.action, spec.name, err);
    return undefined;
  }
}

/** Writes the job summary of `reports` (when the runner gives a summary file). */
export async function writeJobSummary(runner: RunnerContext, reports: readonly Report[], reportPath: string): Promise<void> {
  if (runner.env.GITHUB_STEP_SUMMARY) await core.appendJobSummary(renderSummary(reports, { reportPath }));
}
