/**
 * PR status checks for quality reports through the Checks API
 * (https://docs.github.com/rest/checks/runs): one check run per suite, named
 * `dataops quality: <suite>`, on the commit under test. Re-runs update that run in place (found with
 * `GET /repos/{o}/{r}/commits/{sha}/check-runs?check_name=`), so a PR never collects duplicates or
 * comments. Annotations go out in batches of 50 (the API's per-request limit): the first batch with
 * the create/update, the rest in further PATCH requests. GitHub appends annotations on every
 * update, so a re-run sends only the annotations the run does not show yet; annotations of an
 * earlier run whose check now passes stay on the run (the API cannot remove them).
 */
import { readFile } from 'node:fs/promises';
import type { Annotation } from '../report/annotations.ts';
import type { Report } from '../report/report.ts';
import { CHECK_RUN_SUMMARY_LIMIT } from '../report/summary.ts';
import type { GitHubRun } from '../runner-context.ts';
import { apiStatus, type GitHubRepo } from './api.ts';

/** Annotations the Checks API accepts per request. */
export const ANNOTATION_BATCH = 50;

/** Check-run conclusion for a report: `failure` when the step fails under fail-on, `success` when all passed, else `neutral`. */
export type CheckConclusion = 'success' | 'neutral' | 'failure';

/** Maps a report (and its fail-on, already applied in `failed_step`) to a check-run conclusion. */
export function conclusionFor(report: Pick<Report, 'status' | 'failed_step'>): CheckConclusion {
  if (report.failed_step) return 'failure';
  return report.status === 'pass' ? 'success' : 'neutral';
}

/** Name of the check run of a suite. */
export function checkRunName(suite: string): string {
  return `dataops quality: ${suite}`;
}

/** A check-run annotation as the API takes it. */
export interface CheckRunAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  message: string;
  title?: string;
}

/** Converts workflow annotations (all of them, not the 10-per-level view) to the API shape. */
export function toCheckRunAnnotations(annotations: readonly Annotation[], fallbackPath: string): CheckRunAnnotation[] {
  return annotations.map((a) => ({
    path: a.file ?? fallbackPath,
    start_line: a.line ?? 1,
    end_line: a.line ?? 1,
    annotation_level: a.level === 'error' ? 'failure' : a.level,
    message: a.message.slice(0, 64 * 1024),
    title: a.title.slice(0, 255),
  }));
}

/** The commit a check run belongs to, and the client that writes it. */
export interface CheckTarget extends GitHubRepo {
  headSha: string;
}

/**
 * The commit under test: `pull_request.head.sha` from the event payload (`GITHUB_EVENT_PATH`) for
 * pull_request events (GITHUB_SHA is then the merge commit, which the PR page does not show),
 * else `GITHUB_SHA`. Undefined when neither is known.
 */
export async function resolveHeadSha(github: Pick<GitHubRun, 'eventPath' | 'sha'>): Promise<string | undefined> {
  if (github.eventPath) {
    try {
      const event = JSON.parse(await readFile(github.eventPath, 'utf8')) as { pull_request?: { head?: { sha?: string } } };
      const sha = event.pull_request?.head?.sha;
      if (sha) return sha;
    } catch {
      // no readable event: fall back to GITHUB_SHA
    }
  }
  return github.sha;
}

/** The token cannot write checks (missing `checks: write`, or a fork's read-only token). */
export class ChecksPermissionError extends Error {
  override readonly name = 'ChecksPermissionError';
}

/** What {@link publishCheckRun} did. */
export interface PublishedCheckRun {
  id: number;
  /** False when an existing run of the same name and commit was updated. */
  created: boolean;
  conclusion: CheckConclusion;
  /** API requests made (GETs + POST/PATCH + annotation PATCHes). */
  requests: number;
  /** Annotations sent. */
  annotations: number;
  /** Annotations not sent because the run (updated in place) already shows them. */
  alreadyShown: number;
  html_url?: string;
}

/** Options of {@link publishCheckRun}. */
export interface PublishOptions {
  /** Markdown summary (truncated to 65535 characters). */
  summary: string;
  /** Every annotation for the run (sent in batches of 50). */
  annotations: readonly CheckRunAnnotation[];
  /** Link from the check run to the workflow run. */
  detailsUrl?: string;
  /** Check-run name (default {@link checkRunName} of the suite), e.g. `dataops system-test`. */
  name?: string;
}

function isPermissionError(err: unknown): boolean {
  // "Resource not accessible by integration": the token lacks checks: write (or is a fork's read-only token)
  return apiStatus(err) === 403 && !/rate limit/i.test((err as Error).message);
}

/** What a check run says, whatever produced it (a quality report, a data diff). */
export interface CheckRunSpec {
  /** The check run's name (one run per name and commit, updated in place). */
  name: string;
  conclusion: CheckConclusion;
  /** `output.title`: one line (cut to 255 characters). */
  title: string;
  /** `external_id`: what the run is about (a suite name, `data-diff`). */
  externalId: string;
  /** ISO 8601 start time; default now. */
  startedAt?: string;
}

/**
 * Creates or updates (in place) the check run of `report` on `target` ({@link upsertCheckRun},
 * named {@link checkRunName} of the suite unless `options.name`, concluded by {@link conclusionFor}).
 * @throws ChecksPermissionError when the API answers 403 (e.g. "Resource not accessible by integration").
 * @throws the client's RequestError for other API failures (after its retries).
 */
export async function publishCheckRun(target: CheckTarget, report: Report, options: PublishOptions): Promise<PublishedCheckRun> {
  const c = report.counts;
  const spec: CheckRunSpec = {
    name: options.name ?? checkRunName(report.suite.name),
    conclusion: conclusionFor(report),
    title: `${report.status}: ${c.fail} failed, ${c.error} errors, ${c.warn} warned, ${c.pass} passed of ${c.total}`,
    externalId: report.suite.name,
    startedAt: report.started_at,
  };
  return upsertCheckRun(target, spec, options);
}

/**
 * Creates or updates (in place) check run `spec.name` on `target`'s commit: `POST
 * /repos/{owner}/{repo}/check-runs`, or `PATCH /repos/{owner}/{repo}/check-runs/{id}` of the run of
 * that name already on the commit (found with `GET /repos/{owner}/{repo}/commits/{ref}/check-runs`);
 * the summary is cut to {@link CHECK_RUN_SUMMARY_LIMIT} characters, annotations go in batches of
 * {@link ANNOTATION_BATCH} and a re-run sends only those the run does not show yet.
 * @throws ChecksPermissionError when the API answers 403 (e.g. "Resource not accessible by integration").
 * @throws the client's RequestError for other API failures (after its retries).
 */
export async function upsertCheckRun(target: CheckTarget, spec: CheckRunSpec, options: Omit<PublishOptions, 'name'>): Promise<PublishedCheckRun> {
  const { api, owner, repo, headSha } = target;
  const { name, conclusion } = spec;
  const title = spec.title.slice(0, 255);
  const summary = truncateChars(options.summary, CHECK_RUN_SUMMARY_LIMIT);
  let requests = 0;
  const output = (annotations: CheckRunAnnotation[] | undefined) => ({ title, summary, ...(annotations?.length ? { annotations } : {}) });
  const call = async <T>(send: () => Promise<T>): Promise<T> => {
    requests++;
    try {
      return await send();
    } catch (err) {
      if (isPermissionError(err)) throw new ChecksPermissionError(`cannot write check runs: ${(err as Error).message}. Grant the job "permissions: checks: write" (pull requests from forks get a read-only token).`, { cause: err });
      throw err;
    }
  };

  const listed = await call(() => api.request('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', { owner, repo, ref: headSha, check_name: name, filter: 'all', per_page: 100 }));
  const existing = listed.data.check_runs.filter((r) => r.name === name && r.head_sha === headSha).sort((a, b) => Number(b.id) - Number(a.id))[0];
  // GitHub appends annotations on every update: on a re-run, send only those the run does not show yet
  let annotations = [...options.annotations];
  let alreadyShown = 0;
  if (existing) {
    const shown = await existingAnnotationKeys((page) => call(() => api.request('GET /repos/{owner}/{repo}/check-runs/{check_run_id}/annotations', { owner, repo, check_run_id: existing.id, per_page: 100, page })));
    annotations = annotations.filter((a) => !shown.has(annotationKey(a)));
    alreadyShown = options.annotations.length - annotations.length;
  }
  const batches: CheckRunAnnotation[][] = [];
  for (let i = 0; i < annotations.length; i += ANNOTATION_BATCH) batches.push(annotations.slice(i, i + ANNOTATION_BATCH));
  const fields = { status: 'completed', conclusion, completed_at: new Date().toISOString(), external_id: spec.externalId, ...(options.detailsUrl ? { details_url: options.detailsUrl } : {}) } as const;
  const run = existing
    ? (await call(() => api.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', { owner, repo, check_run_id: existing.id, ...fields, output: output(batches[0]) }))).data
    : (await call(() => api.request('POST /repos/{owner}/{repo}/check-runs', { owner, repo, name, head_sha: headSha, started_at: spec.startedAt ?? new Date().toISOString(), ...fields, output: output(batches[0]) }))).data;
  for (const batch of batches.slice(1)) await call(() => api.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', { owner, repo, check_run_id: run.id, output: output(batch) }));
  return { id: Number(run.id), created: !existing, conclusion, requests, annotations: annotations.length, alreadyShown, ...(run.html_url ? { html_url: run.html_url } : {}) };
}

/** An annotation as the API lists it (fields may be null). */
interface ListedAnnotation {
  path: string;
  start_line: number;
  annotation_level: string | null;
  message: string | null;
  title?: string | null;
}

function annotationKey(a: ListedAnnotation): string {
  return JSON.stringify([a.path, a.start_line, a.annotation_level, a.title ?? '', a.message]);
}

/** Keys of the annotations a check run already has (up to 1,000; best effort: none on an API error). */
async function existingAnnotationKeys(list: (page: number) => Promise<{ data: ListedAnnotation[] }>): Promise<Set<string>> {
  const keys = new Set<string>();
  try {
    for (let page = 1; page <= 10; page++) {
      const { data } = await list(page);
      for (const a of data) keys.add(annotationKey(a));
      if (data.length < 100) break;
    }
  } catch (err) {
    if (err instanceof ChecksPermissionError) throw err;
  }
  return keys;
}

/** Cuts `text` to at most `max` characters, ending with a note when cut. */
export function truncateChars(text: string, max: number): string {
  if (text.length <= max) return text;
  const note = '\n\n… (truncated: the full summary is in the job summary and the JSON report)';
  return text.slice(0, max - note.length) + note;
}
