/**
 * Composite actions run under a harness that follows the runner's composite semantics
 * (tests/helpers/composite-harness.ts): the root action.yml runs lint and data-quality on the
 * example pipeline through the committed dist/ bundles, with the quality check run published to
 * the local fake of GitHub's API.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLocalAction, type HarnessOptions } from '../helpers/composite-harness.ts';
import { startFakeGitHub, type FakeGitHub } from '../helpers/github-server.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
let gh: FakeGitHub;
let tmp: string;

beforeAll(async () => {
  gh = await startFakeGitHub();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'dataops-composite-'));
});
afterAll(async () => {
  await gh.close();
  await rm(tmp, { recursive: true, force: true });
});

function opts(extra: Partial<HarnessOptions> = {}): HarnessOptions {
  return {
    workspace: repoRoot,
    repoRoot,
    env: { GITHUB_API_URL: gh.url, GITHUB_REPOSITORY: 'octo/pipeline', GITHUB_SHA: 'a'.repeat(40), GITHUB_RUN_ID: '42', GITHUB_SERVER_URL: 'https://github.com', RUNNER_TOOL_CACHE: path.join(repoRoot, '.cache', 'tool-cache') },
    github: { token: gh.token, repository: 'octo/pipeline', sha: 'a'.repeat(40) },
    ...extra,
  };
}

describe('harness semantics', () => {
  const fixture = path.join(repoRoot, 'tests/fixtures/composite/wiring');

  it('passes inputs through env, step outputs (including heredoc) to later steps and composite outputs', async () => {
    const run = await runLocalAction(fixture, { who: 'data team' }, opts());
    expect(run.outcome).toBe('success');
    expect(run.outputs).toEqual({ greeting: 'hello data team', shout: 'HELLO DATA TEAM', after: 'success' });
    expect(run.steps[0]!.outputs.multi).toBe('line one\nline two');
    expect(run.steps[1]!.env.TEXT).toBe('hello data team');
  });

  it('skips later steps after a failure except if: always()', async () => {
    const run = await runLocalAction(fixture, { who: 'x', fail: 'true' }, opts());
    expect(run.outcome).toBe('failure');
    expect(run.steps.map((s) => s.outcome)).toEqual(['success', 'failure', 'skipped', 'success']);
    expect(run.outputs.after).toBe('failure');
    expect(run.annotations).toEqual([{ level: 'error', props: '', message: 'asked to fail' }]);
  });

  it('warns on an input the action does not declare, as the runner does', async () => {
    const run = await runLocalAction(fixture, { who: 'x', colour: 'red' }, opts());
    expect(run.warnings.join('\n')).toMatch(/Unexpected input\(s\) 'colour'/);
  });
});

describe('actions/lint (JavaScript action, INPUT_* protocol)', () => {
  it('fails on the unpinned-uses fixture with outputs, annotations, SARIF and summary', async () => {
    const sarif = path.join(tmp, 'lint.sarif');
    const run = await runLocalAction(path.join(repoRoot, 'actions/lint'), { path: 'tests/fixtures/lint/unpinned-uses', 'sarif-file': sarif }, opts());
    expect(run.outcome).toBe('failure');
    expect(run.outputs).toMatchObject({ findings: '1', errors: '1', warnings: '0', 'sarif-path': sarif, 'skipped-linters': '' });
    expect(run.annotations.filter((a) => a.level === 'error' && a.props.includes('unpinned-uses'))).toHaveLength(1);
    expect(run.annotations[0]!.props).toContain('file=tests/fixtures/lint/unpinned-uses/fail');
    expect(run.summary).toContain('dataops lint: ❌ failed');
  });

  it('passes with fail-on never and reports the counts', async () => {
    const run = await runLocalAction(path.join(repoRoot, 'actions/lint'), { path: 'tests/fixtures/lint/artipacked', 'fail-on': 'never' }, opts());
    expect(run.outcome).toBe('success');
    expect(run.outputs.warnings).toBe('1');
  });
});

describe('root action.yml (composite: lint → data-quality → build-image → system-test)', () => {
  it('runs lint and data-quality on the example pipeline, publishing the quality check run', async () => {
    const run = await runLocalAction(
      repoRoot,
      { project: 'templates/example-pipeline', 'lint-path': 'templates/example-pipeline', stages: 'lint,data-quality' },
      opts(),
    );
    const byId = Object.fromEntries(run.steps.map((s) => [s.id, s]));
    expect(run.warnings).toEqual([]);
    expect(byId.lint!.outcome).toBe('success');
    expect(byId.quality!.outcome, byId.quality!.stdout).toBe('success');
    expect(byId.build!.outcome).toBe('skipped');
    expect(byId.test!.outcome).toBe('skipped');
    expect(run.outcome).toBe('success');
    expect(run.outputs['lint-findings']).toBe('0');
    expect(['pass', 'warn']).toContain(run.outputs['quality-status']); // the example suite has warn-severity checks
    expect(run.outputs.image).toBe('');
    expect(byId.quality!.with).toMatchObject({ project: 'templates/example-pipeline', token: gh.token, 'fail-on': 'error' });
    expect(gh.checkRuns.length).toBeGreaterThan(0);
    expect(gh.checkRuns.every((c) => c.head_sha === 'a'.repeat(40))).toBe(true);
    expect(run.summary).toContain('dataops lint');
  }, 600_000);
});
