/**
 * dataops.yml and quality suites can arrive in a pull request: every path they name must resolve
 * (symlinks followed) inside the project, never into .git or a credential file a CI tool left in
 * the workspace (issue 9 follow-up). Each case below points one path-valued field of dataops.yml at
 * a canary outside the project (absolute, `../` or through a symbolic link) and runs the `dataops`
 * command that uses the field, as a child process: it must end in exit 2 naming the file and the
 * field, no output (stdout, stderr, every file written) may contain the canary, and nothing outside
 * may be written. Then a gha-creds-*.json canary inside the project (what
 * google-github-actions/auth writes into the workspace), reached from a suite and from a golden
 * comparison, is refused and never printed.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshot } from '../helpers/quality-cli.ts';

const CLI = path.resolve(import.meta.dirname, '../../src/cli/main.ts');
const CANARY = `CANARY-${randomBytes(8).toString('hex')}`;
const GIT_CANARY = `GITCANARY-${randomBytes(8).toString('hex')}`;
const CREDS_CANARY = `CREDSCANARY-${randomBytes(8).toString('hex')}`;
const CANARIES = [CANARY, GIT_CANARY, CREDS_CANARY];
const IMAGE = `localhost/app@sha256:${'0'.repeat(64)}`;
const CREDS = 'gha-creds-1a2b3c4d5e6f7a8b.json';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'project-untrusted-'));
const project = path.join(tmp, 'project');
const outside = path.join(tmp, 'outside');

beforeAll(() => {
  mkdirSync(path.join(project, '.git'), { recursive: true });
  writeFileSync(path.join(project, '.git', 'config'), `[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic ${GIT_CANARY}\n`);
  mkdirSync(path.join(outside, 'dir'), { recursive: true });
  writeFileSync(path.join(outside, 'canary.csv'), `id,secret\n1,${CANARY}\n`);
  writeFileSync(path.join(outside, 'canary.txt'), `${CANARY}\n`);
  writeFileSync(path.join(outside, 'dir', 'canary.csv'), `id,secret\n1,${CANARY}\n`);
  writeFileSync(path.join(outside, 'dir', 'kustomization.yaml'), `resources: []\n# ${CANARY}\n`);
  writeFileSync(path.join(outside, 'suite.yml'), `${CANARY}: [unclosed\n`);
  writeFileSync(path.join(outside, 'Dockerfile'), `FROM scratch\n${CANARY} x\n`);
  symlinkSync(path.join(outside, 'dir'), path.join(project, 'linked-dir'));
  symlinkSync(path.join(outside, 'canary.txt'), path.join(project, 'linked.txt'));
  // what google-github-actions/auth leaves in the workspace root
  writeFileSync(path.join(project, CREDS), JSON.stringify({ type: 'external_account', audience: CREDS_CANARY, private_key: CREDS_CANARY }) + '\n');
  mkdirSync(path.join(project, 'data'));
  symlinkSync(path.join('..', CREDS), path.join(project, 'data', 'innocent.json'));
  for (const d of ['fixtures', 'expected', 'k8s', 'quality']) mkdirSync(path.join(project, d));
  writeFileSync(path.join(project, 'data', 'ok.csv'), 'id\n1\n');
  writeFileSync(path.join(project, 'quality', 'ok.yml'), 'version: 1\nsuite: ok\ndatasets:\n  ok: { path: ../data/ok.csv }\nchecks:\n  - { type: row_count, dataset: ok, min: 1 }\n');
  writeFileSync(path.join(project, 'message.json'), '{}\n');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Run {
  code: number;
  /** stdout, stderr and every file the run wrote or changed, by name. */
  outputs: Record<string, string>;
}

/** Runs `dataops <args>` in the project and collects its outputs (the files it wrote included). */
async function dataops(args: string[]): Promise<Run> {
  const before = snapshot(project);
  let code = 0;
  let stdout = '';
  let stderr = '';
  try {
    ({ stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], { cwd: project, env: { ...process.env, NO_COLOR: '1', GITHUB_TOKEN: '', GITHUB_WORKSPACE: '' }, maxBuffer: 1 << 24, timeout: 120_000 }));
  } catch (err) {
    ({ code, stdout, stderr } = err as { code: number; stdout: string; stderr: string });
  }
  const outputs: Record<string, string> = { stdout, stderr };
  const after = snapshot(project);
  for (const [f, stamp] of Object.entries(after)) if (before[f] !== stamp) outputs[f] = readFileSync(path.join(project, f), 'utf8');
  for (const d of readdirSync(tmp).filter((n) => n.startsWith('out-'))) {
    for (const f of Object.keys(snapshot(path.join(tmp, d)))) outputs[`${d}/${f}`] = readFileSync(path.join(tmp, d, f), 'utf8');
    rmSync(path.join(tmp, d), { recursive: true, force: true });
  }
  return { code, outputs };
}

const leaked = (run: Run) => Object.entries(run.outputs).flatMap(([name, text]) => CANARIES.filter((c) => text.includes(c)).map((c) => `${name}: ${c.split('-')[0]}`));

let outNo = 0;
const out = () => path.join(tmp, `out-${++outNo}`);
const systemTest = () => ['system-test', '--image', IMAGE, '--runner', 'buildah', '--layout-dir', path.join(tmp, 'no-layout'), '--storage-root', path.join(tmp, 'storage'), '--output-dir', path.join(out(), 'o'), '--timeout-minutes', '1'];
const deploy = ['deploy', '--environment', 'staging', '--image', IMAGE, '--source-sha', 'a'.repeat(40), '--expect-current', 'none'];
const verify = () => ['verify', '--image', IMAGE, '--environment', 'staging', '--runner', 'buildah', '--layout-dir', path.join(tmp, 'no-layout'), '--storage-root', path.join(tmp, 'storage'), '--report', path.join(out(), 'verify.json')];
const command = '{ target: command, command: { run: "true" } }';
const st = (fields: string) => `image: { system_test: { ${fields} } }`;

/** [field, dataops.yml lines after name:, command]: each points `field` at the canary outside. */
const FIELDS: Array<[string, string, () => string[]]> = [
  ['quality.suites[0]', `quality: { suites: ['${outside}/suite.yml'] }`, () => ['quality', '--project', '.', '--report', path.join(out(), 'r.json')]],
  ['quality.suites[0]', `quality: { suites: ['../outside/*.yml'] }`, () => ['quality', '--project', '.', '--report', path.join(out(), 'r.json')]],
  ['image.dockerfile', 'image: { dockerfile: ../outside/Dockerfile }', () => ['build', '--builder', 'docker', '--work-dir', out()]],
  ['image.context', `image: { context: '${outside}/dir' }`, () => ['build', '--builder', 'docker', '--work-dir', out()]],
  ['image.secrets[0].file', 'image: { secrets: [{ id: s, file: linked.txt }] }', () => ['build', '--builder', 'docker', '--work-dir', out()]],
  ['image.system_test.fixtures', st('fixtures: linked-dir'), systemTest],
  ['image.system_test.expected', st(`expected: '${outside}/dir', compare: [{ output: canary.csv, key: id }]`), systemTest],
  ['image.system_test.compare[0].expected', st('compare: [{ output: out.csv, key: id, expected: ../../outside/canary.csv }]'), systemTest],
  ['image.system_test.compare[0].output', st('compare: [{ output: ../../outside/canary.csv, key: id }]'), systemTest],
  ['image.system_test.suites[0]', st('suites: [../outside/suite.yml]'), systemTest],
  ['image.system_test.outputs.leak', st(`outputs: { leak: '${outside}/canary.csv' }`), systemTest],
  ['deploy.environments.staging.kubernetes.manifests', 'deploy: { environments: { staging: { target: kubernetes, kubernetes: { manifests: linked-dir } } } }', () => deploy],
  ['deploy.environments.staging.kubernetes.kubeconfig', 'deploy: { environments: { staging: { target: kubernetes, kubernetes: { manifests: k8s, kubeconfig: ../outside/canary.txt } } } }', () => deploy],
  ['deploy.environments.staging.gitops.overlay', 'deploy: { environments: { staging: { gitops: { repository: gitops.git, overlay: ../../outside/dir } } } }', () => deploy],
  ['deploy.environments.staging.gitops.helm.values_file', 'deploy: { environments: { staging: { gitops: { repository: gitops.git, overlay: overlays/staging, helm: { values_file: ../../../outside/canary.txt } } } } }', () => deploy],
  ['deploy.deployments_log', `deploy: { deployments_log: ../outside/deployments.json, environments: { staging: ${command} } }`, () => deploy],
  ['deploy.verify.smoke.job.input', `deploy: { environments: { staging: ${command} }, verify: { smoke: { job: { input: '${outside}/dir' } } } }`, verify],
  ['deploy.verify.smoke.job.expect_outputs[0]', `deploy: { environments: { staging: ${command} }, verify: { smoke: { job: { input: fixtures, expect_outputs: [../../outside/canary.csv] } } } }`, verify],
  ['deploy.verify.performance.input', `deploy: { environments: { staging: ${command} }, verify: { smoke: {}, performance: { input: linked-dir } } }`, verify],
  ['deploy.verify.baseline_dir', `deploy: { environments: { staging: ${command} }, verify: { baseline_dir: ../outside/baselines } }`, verify],
  ['promotion.signing.public_keys_file', 'promotion: { signing: { public_keys_file: ../outside/canary.txt }, policy: { issuers: [local] } }', () => ['promote', '--message', 'message.json']],
  ['promotion.ledger_file', 'promotion: { ledger_file: ../outside/ledger.json, policy: { issuers: [local] } }', () => ['promote', '--message', 'message.json']],
];

describe('paths in dataops.yml that lead outside the project are refused', () => {
  it.each(FIELDS)('%s', async (field, yaml, args) => {
    writeFileSync(path.join(project, 'dataops.yml'), `version: 1\nname: app\n${yaml}\n`);
    const outsideBefore = snapshot(outside);
    const run = await dataops(args());
    const context = `${field}\n${run.outputs.stdout}\n${run.outputs.stderr}`;
    expect(run.code, context).toBe(2);
    expect(run.outputs.stderr, context).toMatch(/configuration error: /);
    expect(run.outputs.stderr, context).toMatch(new RegExp(`dataops\\.yml:3: ${field.replace(/[.[\]]/g, '\\$&')}: "[^"]+" (is outside|leads outside)`));
    expect(leaked(run), context).toEqual([]);
    expect(snapshot(outside)).toEqual(outsideBefore);
  });
});

describe('credential files inside the project are refused', () => {
  beforeAll(() => writeFileSync(path.join(project, 'dataops.yml'), 'version: 1\nname: app\n'));

  it('a suite dataset reading gha-creds-*.json (directly or through a symbolic link) is refused and never printed', async () => {
    for (const p of [CREDS, 'data/innocent.json']) {
      writeFileSync(path.join(project, 'creds.yml'), `version: 1\nsuite: creds\ndatasets:\n  creds: { path: ${p} }\nchecks:\n  - { id: dump, type: sql, dataset: creds, query: SELECT * FROM creds }\n`);
      const report = path.join(out(), 'r.json');
      const run = await dataops(['quality', '--suite', 'creds.yml', '--report', report]);
      expect(run.code, run.outputs.stderr).toBe(2);
      expect(run.outputs.stderr).toContain(`creds.yml:4: datasets.creds.path: "${p}" is a credential file (gha-creds-*.json): Google Cloud credentials`);
      expect(leaked(run)).toEqual([]);
    }
  });

  it.each([
    ['.npmrc', 'a.csv'],
    ['.docker/config.json', 'a.json'],
    ['.ssh/id_ed25519.csv', 'a.csv'],
    ['.config/gcloud/application_default_credentials.json', 'a.json'],
    ['.env', 'a.csv'],
  ])('a suite dataset reading %s is refused', async (file) => {
    mkdirSync(path.dirname(path.join(project, file)), { recursive: true });
    writeFileSync(path.join(project, file), file.endsWith('.json') ? JSON.stringify({ auth: CREDS_CANARY }) : `token\n${CREDS_CANARY}\n`);
    writeFileSync(path.join(project, 'creds.yml'), `version: 1\nsuite: creds\ndatasets:\n  creds: { path: ${file}, format: ${file.endsWith('.json') ? 'json' : 'csv'} }\nchecks:\n  - { id: dump, type: sql, dataset: creds, query: SELECT * FROM creds }\n`);
    const run = await dataops(['quality', '--suite', 'creds.yml', '--report', path.join(out(), 'r.json')]);
    expect(run.code, run.outputs.stderr).toBe(2);
    expect(run.outputs.stderr).toMatch(/is a credential file/);
    expect(leaked(run)).toEqual([]);
  });

  it('a golden comparison whose expected file is gha-creds-*.json is refused and never printed', async () => {
    writeFileSync(path.join(project, 'dataops.yml'), `version: 1\nname: app\n${st(`expected: ., compare: [{ output: creds.json, expected: ${CREDS}, key: type }]`)}\n`);
    const run = await dataops(systemTest());
    expect(run.code, run.outputs.stderr).toBe(2);
    expect(run.outputs.stderr).toContain(`dataops.yml:3: image.system_test.compare[0].expected: "${CREDS}" is a credential file`);
    expect(leaked(run)).toEqual([]);
  });

  it('fixtures that would mount the workspace root (holding .git and gha-creds-*.json) into the container are refused', async () => {
    writeFileSync(path.join(project, 'dataops.yml'), `version: 1\nname: app\n${st('fixtures: .')}\n`);
    const run = await dataops(systemTest());
    expect(run.code, run.outputs.stderr).toBe(2);
    expect(run.outputs.stderr).toMatch(/dataops\.yml:3: image\.system_test\.fixtures: "\." holds \S+, which (reads inside \.git|is a credential file)/);
    expect(leaked(run)).toEqual([]);
  });
});

describe('what the user gives explicitly stays allowed', () => {
  it('a project whose paths stay inside loads, and a CLI flag may point outside it', async () => {
    writeFileSync(path.join(project, 'dataops.yml'), `version: 1\nname: app\nquality: { suites: [quality/ok.yml] }\n`);
    const run = await dataops(['quality', '--project', '.', '--report', path.join(out(), 'r.json')]);
    expect(run.code, run.outputs.stderr).toBe(0);
    // --suite outside the project: the user's own choice (its datasets still resolve inside its own root)
    writeFileSync(path.join(outside, 'own.yml'), 'version: 1\nsuite: own\ndatasets:\n  c: { path: canary.csv }\nchecks:\n  - { type: row_count, dataset: c, min: 1 }\n');
    const own = await dataops(['quality', '--suite', path.join(outside, 'own.yml'), '--report', path.join(out(), 'r.json')]);
    expect(own.code, own.outputs.stderr).toBe(0);
  });
});
