/**
 * Every JavaScript action's logic (`src/actions/<name>/main.ts`, exporting `run`) runs under @github/local-action (GitHub's local runner for JavaScript
 * actions: it stubs @actions/core and reads inputs from a .env file), in addition to the INPUT_*
 * harness. Installed with an npm override (traverse 0.3.9): newer traverse releases need
 * typedarray.prototype.slice@^1.0.6, which this registry mirror lacks.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'node_modules/.bin/local-action');
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'dataops-local-action-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function localAction(name: string, inputs: Record<string, string>): Promise<{ log: string; outputs: Record<string, string> }> {
  const dir = await mkdtemp(path.join(tmp, `${name}-`));
  const env = [
    ...Object.entries(inputs).map(([k, v]) => `INPUT_${k.toUpperCase()}=${v}`),
    `GITHUB_WORKSPACE=${root}`,
    `RUNNER_TEMP=${dir}`,
    `GITHUB_STEP_SUMMARY=${path.join(dir, 'summary.md')}`,
    `GITHUB_OUTPUT=${path.join(dir, 'output')}`,
  ];
  await writeFile(path.join(dir, 'summary.md'), '');
  await writeFile(path.join(dir, 'output'), '');
  await writeFile(path.join(dir, '.env'), env.join('\n') + '\n');
  const { stdout, stderr } = await promisify(execFile)(bin, ['run', `actions/${name}`, `../../src/actions/${name}/main.ts`, path.join(dir, '.env')], { cwd: root, maxBuffer: 16 * 1024 * 1024, timeout: 180_000 });
  const log = stdout + stderr;
  const outputs: Record<string, string> = {};
  for (const m of log.matchAll(/^::set-output name=([^:]+)::(.*)$/gm)) outputs[m[1]!] = m[2]!;
  return { log, outputs };
}

describe('@github/local-action', () => {
  it('runs actions/lint: findings become error annotations, outputs and a failure', async () => {
    const { log, outputs } = await localAction('lint', { path: 'tests/fixtures/lint/unpinned-uses' });
    expect(outputs).toMatchObject({ findings: '1', errors: '1', warnings: '0', 'skipped-linters': '' });
    expect(log).toMatch(/^::error title=dataops lint: unpinned-uses,file=tests\/fixtures\/lint\/unpinned-uses\/fail\.yml,line=9,/m);
    expect(log).toMatch(/^::error::lint: 1 error\(s\)/m);
  }, 200_000);

  it('runs actions/lint with fail-on never: no failure', async () => {
    const { log, outputs } = await localAction('lint', { path: 'tests/fixtures/lint/missing-timeout', 'fail-on': 'never', persona: 'pedantic' });
    expect(outputs).toMatchObject({ errors: '0', warnings: '0' });
    expect(Number(outputs.findings)).toBeGreaterThan(0); // notes of the pedantic persona (missing-timeout among them)
    expect(log).toMatch(/^::notice title=dataops lint: missing-timeout,/m);
    expect(log).not.toMatch(/^::error::/m);
  }, 200_000);

  it('runs actions/data-quality on the real movies data: outputs and annotations, fail-on never', async () => {
    const { log, outputs } = await localAction('data-quality', { suite: 'templates/example-pipeline/quality/movies.yml', 'fail-on': 'never', 'check-run': 'false' });
    expect(outputs).toMatchObject({ status: 'fail', failed: '6', warned: '3' });
    expect(log).toMatch(/^::error title=[^,]*,file=templates\/example-pipeline\/quality\/movies\.yml,line=\d+/m);
    expect(log).not.toMatch(/^::error::/m);
  }, 200_000);

  // The other actions need a registry, a cluster or a signed message to succeed; under local-action
  // each runs its real entry up to a configuration error the user could make, reported with the
  // action's prefix and the field to fix.
  it.each([
    ['build-image', { project: 'tests/fixtures' }, /Dockerfile .*does not exist/],
    ['push-image', { image: 'localhost/flights:latest', destinations: '127.0.0.1:5000/flights' }, /has no digest/],
    ['system-test', { image: 'localhost/flights:latest', project: 'templates/example-pipeline' }, /has no digest/],
    ['deploy', { environment: 'staging', image: 'localhost/flights:latest', project: 'templates/example-pipeline', 'source-sha': 'a'.repeat(40) }, /has no digest/],
    ['verify', { image: 'localhost/flights:latest', project: 'templates/example-pipeline' }, /has no digest/],
    ['publish-promotion', { image: 'localhost/flights:latest', project: 'templates/example-pipeline' }, /has no digest/],
    ['promote', { message: '{"not":"a promotion"}', project: 'templates/example-pipeline' }, /promot/i],
  ] as const)('runs actions/%s up to a configuration error, prefixed with the action name', async (name, inputs, why) => {
    const { log } = await localAction(name, inputs);
    const failure = log.split('\n').find((l) => l.startsWith(`::error::${name}: configuration error`));
    expect(failure, log.slice(-2000)).toBeDefined();
    expect(failure).toMatch(why);
  }, 200_000);
});

