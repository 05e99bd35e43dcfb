/**
 * actions/deploy and actions/verify as GitHub runs them: the committed bundles (copied out of the
 * repository) started with the runner's protocol (INPUT_*, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY),
 * deploying to a real GitOps repository and recording on the fake GitHub API; verify probing a
 * local HTTP server and keeping its baseline in deployment records.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitOpsRepository } from '../../src/core/deploy/bootstrap.ts';
import { startFakeGitHub, type FakeGitHub } from '../helpers/github-server.ts';
import { copyBundle, runBundle, type BundleRun } from '../helpers/run-bundle.ts';

const root = path.resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'deploy-action-'));
const bundles = { deploy: copyBundle('deploy', path.join(tmp, 'action', 'dist')), verify: copyBundle('verify', path.join(tmp, 'action', 'dist')) };
const SHA = 'a'.repeat(40);
const D = (c: string) => `sha256:${c.repeat(64)}`;
const IMG = (c: string) => `ghcr.io/octo/flights-routes@${D(c)}`;

let gh: FakeGitHub;
let server: Server;
let url: string;
const project = path.join(tmp, 'project');
const gitops = path.join(tmp, 'gitops.git');

beforeAll(async () => {
  gh = await startFakeGitHub();
  server = createServer((_req, res) => res.writeHead(200).end('{"status":"ok"}'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
  await createGitOpsRepository(gitops, path.join(root, 'templates/example-pipeline/deploy'));
  mkdirSync(project);
  writeFileSync(
    path.join(project, 'dataops.yml'),
    [
      'version: 1',
      'name: flights-routes',
      'deploy:',
      '  environments:',
      '    staging:',
      '      environment_url: https://staging.example.com',
      `      gitops: { repository: ${gitops}, overlay: overlays/staging }`,
      '  verify:',
      `    smoke: { http: { url: "${url}", expect_body: ok } }`,
      '',
    ].join('\n'),
  );
});
afterAll(async () => {
  await gh?.close();
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(tmp, { recursive: true, force: true });
});

let runNo = 0;
async function runAction(bundle: string, inputs: Record<string, string>): Promise<BundleRun> {
  const dir = path.join(tmp, `run-${++runNo}`);
  return runBundle(bundle, inputs, {
    dir,
    env: {
    GITHUB_REPOSITORY: 'octo/pipeline',
    GITHUB_SHA: SHA,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '77',
    GITHUB_API_URL: gh.url,
    },
  });
}

describe('actions/deploy', () => {
  it('pins the digest in the GitOps overlay and records the deployment on GitHub', async () => {
    const r = await runAction(bundles.deploy, { environment: 'staging', image: IMG('b'), project, token: gh.token, evidence: 'quality=pass\nsystem-test=pass' });
    expect(r.code, r.stdout).toBe(0);
    const head = execFileSync('git', ['--git-dir', gitops, 'rev-parse', 'main'], { encoding: 'utf8' }).trim();
    expect(r.outputs).toMatchObject({ digest: D('b'), image: IMG('b'), 'previous-digest': '', 'environment-url': 'https://staging.example.com', 'commit-sha': head, 'deployment-id': String(gh.deployments[0]!.id) });
    expect(gh.deployments[0]).toMatchObject({ environment: 'staging', sha: SHA, description: 'flights-routes@sha256:bbbbbbbbbbbb · quality ✓ system-test ✓' });
    expect(gh.deployments[0]!.statuses.map((s) => s.state)).toEqual(['success', 'in_progress']);
    expect(gh.deployments[0]!.statuses[0]).toMatchObject({ log_url: 'https://github.com/octo/pipeline/actions/runs/77', environment_url: 'https://staging.example.com' });
    expect(execFileSync('git', ['--git-dir', gitops, 'log', '-1', '--format=%B', 'main'], { encoding: 'utf8' })).toContain('Dataops-Run-Url: https://github.com/octo/pipeline/actions/runs/77');
    expect(r.summary).toContain('Deploy staging');

    const second = await runAction(bundles.deploy, { environment: 'staging', image: IMG('c'), project, token: gh.token });
    expect(second.outputs['previous-digest']).toBe(D('b'));
    const back = await runAction(bundles.deploy, { environment: 'staging', rollback: 'true', project, token: gh.token });
    expect(back.code, back.stdout).toBe(0);
    expect(back.outputs).toMatchObject({ digest: D('b'), 'previous-digest': D('c') });
  });

  it('fails the step with a configuration error for a tag-only image', async () => {
    const r = await runAction(bundles.deploy, { environment: 'staging', image: 'ghcr.io/octo/flights-routes:latest', project, token: gh.token });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/::error title=deploy%3A configuration error::image: "ghcr.io\/octo\/flights-routes:latest" has no digest/);
  });
});

describe('actions/verify', () => {
  it('probes the environment, writes the report and sets the outputs', async () => {
    const r = await runAction(bundles.verify, { image: IMG('b'), project, token: gh.token });
    expect(r.code, r.stdout).toBe(0);
    expect(r.outputs).toMatchObject({ status: 'pass', 'duration-seconds': '', 'rows-per-second': '' });
    const report = JSON.parse(readFileSync(r.outputs['report-path']!, 'utf8')) as { suite: { name: string }; checks: Array<{ id: string; status: string }> };
    expect(report.suite.name).toBe('verify-staging');
    expect(report.checks).toEqual([expect.objectContaining({ id: 'smoke_http', status: 'pass' })]);
    expect(r.summary).toContain('smoke_http');
  });

  it('refuses a tag-only image', async () => {
    const r = await runAction(bundles.verify, { image: 'ghcr.io/octo/flights-routes:latest', project });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/has no digest/);
  });
});
