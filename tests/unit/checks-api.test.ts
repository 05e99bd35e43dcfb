/** Check runs through the Checks API, against the local fake of GitHub's REST API. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkRunName, ChecksPermissionError, conclusionFor, publishCheckRun, resolveHeadSha, toCheckRunAnnotations } from '../../src/core/github/checks.ts';
import type { GitHubApi } from '../../src/core/github/api.ts';
import { checkAnnotations } from '../../src/core/report/annotations.ts';
import { startFakeGitHub, type FakeGitHub } from '../helpers/github-server.ts';
import { check, report } from '../helpers/quality-report.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'checks-api-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let gh: FakeGitHub;
let api: GitHubApi;
beforeEach(async () => {
  gh = await startFakeGitHub();
  api = gh.api({ retries: 1 });
});
afterEach(() => gh.close());

const target = () => ({ api, owner: 'octo', repo: 'pipeline', headSha: 'c0ffee'.padEnd(40, '0') });
const publish = (r: ReturnType<typeof report>) => publishCheckRun(target(), r, { summary: '## summary', annotations: toCheckRunAnnotations(checkAnnotations([r]), r.suite.file) });

describe('conclusionFor', () => {
  it.each([
    ['pass', 'error', 'success'],
    ['warn', 'error', 'neutral'],
    ['warn', 'warn', 'failure'],
    ['fail', 'error', 'failure'],
    ['fail', 'never', 'neutral'],
    ['error', 'error', 'failure'],
    ['error', 'never', 'neutral'],
  ] as const)('status %s with fail-on %s → %s', (status, failOn, expected) => {
    expect(conclusionFor(report([check('c', status)], { fail_on: failOn }))).toBe(expected);
  });
});

describe('publishCheckRun', () => {
  it('creates one check run per suite with the summary and annotations', async () => {
    const r = report([check('a', 'fail', { line: 4 }), check('b', 'warn', { line: 8 })]);
    const out = await publish(r);
    expect(out).toMatchObject({ created: true, conclusion: 'failure', annotations: 2 });
    expect(gh.checkRuns).toHaveLength(1);
    const run = gh.checkRuns[0]!;
    expect(run).toMatchObject({ name: checkRunName('movies'), head_sha: target().headSha, status: 'completed', conclusion: 'failure' });
    expect(run.output.summary).toBe('## summary');
    expect(run.output.title).toBe('fail: 1 failed, 0 errors, 1 warned, 0 passed of 2');
    expect(run.output.annotations).toEqual([
      { path: 'quality/movies.yml', start_line: 4, end_line: 4, annotation_level: 'failure', message: '3 rows failed', title: 'data-quality fail: movies/a (not_null on movies.title)' },
      { path: 'quality/movies.yml', start_line: 8, end_line: 8, annotation_level: 'warning', message: '3 rows failed', title: 'data-quality warn: movies/b (not_null on movies.title)' },
    ]);
  });

  it('updates the same check run in place on a re-run', async () => {
    await publish(report([check('a', 'fail')]));
    const second = await publish(report([check('a', 'pass')]));
    expect(second.created).toBe(false);
    expect(gh.checkRuns).toHaveLength(1);
    expect(gh.checkRuns[0]!.conclusion).toBe('success');
    expect(gh.requests.filter((q) => q.method === 'POST')).toHaveLength(1);
    // another suite on the same commit gets its own run
    await publish(report([check('a', 'pass')], { suite: { name: 'flights', file: 'quality/flights.yml', sha256: 'sha256:x' } }));
    expect(gh.checkRuns.map((c) => c.name).sort()).toEqual(['dataops quality: flights', 'dataops quality: movies']);
  });

  it('does not re-send annotations a re-run finds on the run already', async () => {
    const r = report([check('a', 'fail', { line: 4 }), check('b', 'fail', { line: 5 })]);
    await publish(r);
    const again = await publish(report([check('a', 'fail', { line: 4 }), check('b', 'fail', { line: 5 }), check('c', 'warn', { line: 6 })]));
    expect(again).toMatchObject({ created: false, annotations: 1, alreadyShown: 2 });
    expect(gh.checkRuns[0]!.output.annotations_count).toBe(3);
  });

  it('sends annotations in batches of at most 50', async () => {
    const r = report(Array.from({ length: 120 }, (_, i) => check(`c${i}`, 'fail', { line: i + 1 })));
    const out = await publish(r);
    expect(out.requests).toBe(4); // GET, POST with 50, PATCH 50, PATCH 20
    const sizes = gh.requests.filter((q) => q.method !== 'GET').map((q) => ((q.body as { output: { annotations?: unknown[] } }).output.annotations ?? []).length);
    expect(sizes).toEqual([50, 50, 20]);
    expect(gh.checkRuns[0]!.output.annotations_count).toBe(120);
  });

  it('truncates a summary over 65535 characters', async () => {
    const r = report([check('a', 'pass')]);
    await publishCheckRun(target(), r, { summary: 'x'.repeat(70_000), annotations: [] });
    expect(gh.checkRuns[0]!.output.summary!.length).toBeLessThanOrEqual(65_535);
    expect(gh.checkRuns[0]!.output.summary).toContain('truncated');
  });

  it('reports a missing checks: write permission as ChecksPermissionError', async () => {
    gh.failNext('GET /repos/octo/pipeline/commits', 403, 1, 'Resource not accessible by integration');
    const err = await publish(report([check('a', 'pass')])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChecksPermissionError);
    expect(String(err)).toContain('checks: write');
    expect(gh.checkRuns).toHaveLength(0);
  });
});

describe('resolveHeadSha', () => {
  it('takes pull_request.head.sha for pull requests, else GITHUB_SHA', async () => {
    const event = path.join(tmp, 'event.json');
    writeFileSync(event, JSON.stringify({ pull_request: { head: { sha: 'abc123' } } }));
    expect(await resolveHeadSha({ eventPath: event, sha: 'merge' })).toBe('abc123');
    writeFileSync(event, JSON.stringify({ ref: 'refs/heads/main' }));
    expect(await resolveHeadSha({ eventPath: event, sha: 'push' })).toBe('push');
    expect(await resolveHeadSha({ eventPath: undefined, sha: undefined })).toBeUndefined();
  });
});
