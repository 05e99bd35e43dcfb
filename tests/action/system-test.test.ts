/**
 * actions/system-test as GitHub runs it: the committed bundle (copied out of the repository)
 * started with the runner's protocol (INPUT_*, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY) on the real
 * example image (buildah, by digest), with the check run going to the fake GitHub API.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGitHub, type FakeGitHub } from '../helpers/github-server.ts';
import { buildExampleImage, type ExampleImage } from '../helpers/system-test-image.ts';
import { copyBundle, runBundle, type BundleRun } from '../helpers/run-bundle.ts';

const root = path.resolve(import.meta.dirname, '../..');
const exampleDir = path.join(root, 'templates/example-pipeline');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'system-test-action-'));
const bundle = copyBundle('system-test', path.join(tmp, 'action', 'dist'));
const SHA = 'a'.repeat(40);

let image: ExampleImage;
let gh: FakeGitHub;

beforeAll(async () => {
  image = await buildExampleImage('system-test-action'); // own layout dir: test files run in parallel
  gh = await startFakeGitHub();
}, 1_800_000);
afterAll(async () => {
  await gh?.close();
  rmSync(tmp, { recursive: true, force: true });
});

let runNo = 0;
async function runAction(inputs: Record<string, string>): Promise<BundleRun> {
  const dir = path.join(tmp, `run-${++runNo}`);
  return runBundle(bundle, inputs, {
    dir,
    cwd: root,
    env: {
    GITHUB_WORKSPACE: root,
    GITHUB_REPOSITORY: 'octo/pipeline',
    GITHUB_SHA: SHA,
    GITHUB_API_URL: gh.url,
    // the DuckDB engine is installed once into this tool cache and reused
    RUNNER_TOOL_CACHE: path.join(root, '.cache', 'tool-cache'),
    DATAOPS_BUILDAH_ROOT: image.storageRoot,
    },
  });
}

const base = () => ({ image: image.ref, 'layout-dir': image.layoutDir, project: path.join(exampleDir, 'dataops.yml'), runner: 'buildah', token: gh.token });

describe('actions/system-test', () => {
  it('passes on the example, writes reports and outputs, and publishes the "dataops system-test" check run', async () => {
    const r = await runAction(base());
    expect(r.code, r.stdout).toBe(0);
    expect(r.outputs.status).toBe('pass');
    expect(r.outputs.failed).toBe('0');
    const report = JSON.parse(readFileSync(r.outputs['report-path']!, 'utf8'));
    expect(report.suite.name).toBe('system_test');
    expect(report.checks[0]).toMatchObject({ id: 'container_run', status: 'pass' });
    expect(readFileSync(r.outputs['junit-path']!, 'utf8')).toContain('golden_values_daily_routes');
    expect(r.summary).toContain('container_run');
    const run = gh.checkRuns.find((c) => c.name === 'dataops system-test');
    expect(run).toMatchObject({ head_sha: SHA, status: 'completed', conclusion: 'success' });
  });

  it('fails the step on a broken golden file, annotates the comparison in dataops.yml and reports failure in the check run', async () => {
    const expected = path.join(tmp, 'expected-broken');
    cpSync(path.join(exampleDir, 'expected'), expected, { recursive: true });
    const csv = readFileSync(path.join(expected, 'daily_routes.csv'), 'utf8').trimEnd().split('\n');
    writeFileSync(path.join(expected, 'daily_routes.csv'), [...csv.slice(0, -1)].join('\n') + '\n');
    const r = await runAction({ ...base(), expected });
    expect(r.code).toBe(1);
    expect(r.outputs.status).toBe('fail');
    expect(Number(r.outputs.failed)).toBeGreaterThan(0);
    expect(r.stdout).toMatch(/::error title=system-test fail%3A system_test\/golden_row_count_daily_routes_csv [^:]*,file=templates\/example-pipeline\/dataops\.yml,line=\d+::\d+ rows, expected \d+ \(\+1\)/);
    expect(r.stdout).toContain('::error::system-test: fail');
    const runs = gh.checkRuns.filter((c) => c.name === 'dataops system-test');
    expect(runs).toHaveLength(1); // updated in place
    expect(runs[0]!.conclusion).toBe('failure');
  });

  it('refuses a tag-only image as a configuration error', async () => {
    const r = await runAction({ ...base(), image: `${image.name}:latest`, 'check-run': 'false' });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/::error::system-test: configuration error: .*has no digest/);
  });
});
