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
import type { Annotation } from '../quality/annotations.ts';
import type { QualityReport } from '../quality/report.ts';
import { CHECK_RUN_SUMMARY_LIMIT } from '../quality/summary.ts';
import { GitHubApiError, type GitHubClient } from './client.ts';

/** Annotations the Checks API accepts per request. */
export const ANNOTATION_BATCH = 50;

/** Check-run conclusion for a report: `failure` when the step fails under fail-on, `success` when all passed, else `neutral`. */
export type CheckConclusion = 'success' | 'neutral' | 'failure';

/** Maps a report (and its fail-on, already applied in `failed_step`) to a check-run conclusion. */
export function conclusionFor(report: Pick<QualityReport, 'status' | 'failed_step'>): CheckConclusion {
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

/** The commit a check run belongs to. */
export interface CheckTarget {
  owner: string;
  repo: string;
  headSha: string;
}

/**
 * The commit under test: `pull_request.head.sha` from the event payload (`GITHUB_EVENT_PATH`) for
 * pull_request events (GITHUB_SHA is then the merge commit, which the PR page does not show),
 * else `GITHUB_SHA`. Undefined when neither is known.
 */
export async function resolveHeadSha(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (env.GITHUB_EVENT_PATH) {
    try {
      const event = JSON.parse(await readFile(env.GITHUB_EVENT_PATH, 'utf8')) as { pull_request?: { head?: { sha?: string } } };
      const sha = event.pull_request?.head?.sha;
      if (sha) return sha;
    } catch {
      // no readable event: fall back to GITHUB_SHA
    }
  }
  return env.GITHUB_SHA || undefined;
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

interface CheckRunShape {
  id: number;
  name: string;
  head_sha: string;
  html_url?: string;
}

function isPermissionError(err: unknown): boolean {
  // "Resource not accessible by integration": the token lacks checks: write (or is a fork's read-only token)
  return err instanceof GitHubApiError && err.status === 403 && !/rate limit/i.test(err.message);
}

/**
 * Creates or updates (in place) the check run of `report` on `target`.
 * @throws ChecksPermissionError when the API answers 403 (e.g. "Resource not accessible by integration").
 * @throws GitHubApiError for other API failures (after the client's retries).
 */
export async function publishCheckRun(client: GitHubClient, target: CheckTarget, report: QualityReport, options: PublishOptions): Promise<PublishedCheckRun> {
  const name = options.name ?? checkRunName(report.suite.name);
  const base = `/repos/${encodeURIComponent(target.owner)}/${encodeURIComponent(target.repo)}`;
  const conclusion = conclusionFor(report);
  const c = report.counts;
  const title = `${report.status}: ${c.fail} failed, ${c.error} errors, ${c.warn} warned, ${c.pass} passed of ${c.total}`;
  const summary = truncateChars(options.summary, CHECK_RUN_SUMMARY_LIMIT);
  let requests = 0;
  const output = (annotations: CheckRunAnnotation[] | undefined) => ({ title, summary, ...(annotations?.length ? { annotations } : {}) });
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    requests++;
    try {
      return await client.request<T>(method, path, body);
    } catch (err) {
      if (isPermissionError(err)) throw new ChecksPermissionError(`cannot write check runs: ${(err as Error).message}. Grant the job "permissions: checks: write" (pull requests from forks get a read-only token).`, { cause: err });
      throw err;
    }
  };

  const listed = await call<{ total_count: number; check_runs: CheckRunShape[] }>('GET', `${base}/commits/${encodeURIComponent(target.headSha)}/check-runs?check_name=${encodeURIComponent(name)}&filter=all&per_page=100`);
  const existing = listed.check_runs.filter((r) => r.name === name && r.head_sha === target.headSha).sort((a, b) => b.id - a.id)[0];
  // GitHub appends annotations on every update: on a re-run, send only those the run does not show yet
  let annotations = [...options.annotations];
  let alreadyShown = 0;
  if (existing) {
    const shown = await existingAnnotationKeys(call, `${base}/check-runs/${existing.id}/annotations`);
    annotations = annotations.filter((a) => !shown.has(annotationKey(a)));
    alreadyShown = options.annotations.length - annotations.length;
  }
  const batches: CheckRunAnnotation[][] = [];
  for (let i = 0; i < annotations.length; i += ANNOTATION_BATCH) batches.push(annotations.slice(i, i + ANNOTATION_BATCH));
  const completedAt = new Date().toISOString();
  const fields = { status: 'completed', conclusion, completed_at: completedAt, external_id: report.suite.name, ...(options.detailsUrl ? { details_url: options.detailsUrl } : {}) };
  let run: CheckRunShape;
  if (existing) {
    run = await call<CheckRunShape>('PATCH', `${base}/check-runs/${existing.id}`, { ...fields, output: output(batches[0]) });
  } else {
    run = await call<CheckRunShape>('POST', `${base}/check-runs`, { name, head_sha: target.headSha, started_at: report.started_at, ...fields, output: output(batches[0]) });
  }
  for (const batch of batches.slice(1)) await call('PATCH', `${base}/check-runs/${run.id}`, { output: output(batch) });
  return { id: run.id, created: !existing, conclusion, requests, annotations: annotations.length, alreadyShown, ...(run.html_url ? { html_url: run.html_url } : {}) };
}

function annotationKey(a: Pick<CheckRunAnnotation, 'path' | 'start_line' | 'annotation_level' | 'message'> & { title?: string | null }): string {
  return JSON.stringify([a.path, a.start_line, a.annotation_level, a.title ?? '', a.message]);
}

/** Keys of the annotations a check run already has (up to 1,000; best effort: none on an API error). */
async function existingAnnotationKeys(call: <T>(method: string, path: string) => Promise<T>, path: string): Promise<Set<string>> {
  const keys = new Set<string>();
  try {
    for (let page = 1; page <= 10; page++) {
      const list = await call<CheckRunAnnotation[]>('GET', `${path}?per_page=100&page=${page}`);
      for (const a of list) keys.add(annotationKey(a));
      if (list.length < 100) break;
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
