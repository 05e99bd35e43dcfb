/**
 * actions/publish-promotion and actions/promote bundles, started with the runner's protocol
 * (INPUT_*, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, ACTIONS_ID_TOKEN_REQUEST_*) against the fake
 * GitHub API, a local OIDC token endpoint, the Pub/Sub emulator and a GitOps repository.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createGitOpsRepository } from '../../src/core/deploy/bootstrap.ts';
import { deployConfigSchema } from '../../src/core/deploy/config.ts';
import { deploy } from '../../src/core/deploy/deploy.ts';
import { GitHubDeployments } from '../../src/core/deploy/deployments.ts';
import { loadProject } from '../../src/core/project.ts';
import { pushImage } from '../../src/core/registry/push.ts';
import { startFakeGitHub, type FakeGitHub } from '../helpers/github-server.ts';
import { makeLayout } from '../helpers/oci-layout.ts';
import { gitopsProjectYaml, keyFixture, OWNER_ID, REPO, REPO_ID, WORKFLOW } from '../helpers/promotion.ts';
import { useRegistry } from '../helpers/registry.ts';

const root = path.resolve(import.meta.dirname, '../..');
const TEMPLATE = path.join(root, 'templates/example-pipeline/deploy');
const reg = useRegistry();
const key = keyFixture('actions-key');
let gh: FakeGitHub;
let oidc: Server;
let oidcUrl: string;
let tmp: string;
const OIDC_TOKEN = (() => {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'RS256' })}.${enc({ iss: 'https://token.actions.githubusercontent.com', aud: 'dataops-promotion', repository: REPO, repository_id: REPO_ID, repository_owner_id: OWNER_ID, ref: 'refs/heads/main', sha: 'e'.repeat(40), event_name: 'push', job_workflow_ref: WORKFLOW, run_id: '4242', run_attempt: '2' })}.c2ln`;
})();

beforeAll(async () => {
  gh = await startFakeGitHub();
  oidc = createServer((req, res) => {
    const ok = req.headers.authorization === 'Bearer request-token' && new URL(req.url ?? '/', 'http://x').searchParams.get('audience') === 'dataops-promotion';
    res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end(JSON.stringify(ok ? { value: OIDC_TOKEN } : { message: 'no' }));
  });
  await new Promise<void>((r) => oidc.listen(0, '127.0.0.1', r));
  oidcUrl = `http://127.0.0.1:${(oidc.address() as AddressInfo).port}/token?api-version=2.0`;
  tmp = await mkdtemp(path.join(os.tmpdir(), 'promotion-action-'));
});
afterAll(async () => {
  await gh.close();
  await new Promise<void>((r) => oidc.close(() => r()));
  await rm(tmp, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
}

async function runAction(name: string, inputs: Record<string, string>, extraEnv: Record<string, string> = {}): Promise<Run> {
  const dir = await mkdtemp(path.join(tmp, `${name}-`));
  const out = path.join(dir, 'output');
  const summary = path.join(dir, 'summary');
  await writeFile(out, '');
  await writeFile(summary, '');
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(INPUT_|GITHUB_|RUNNER_|ACTIONS_|DATAOPS_)/.test(k)));
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  Object.assign(env, { GITHUB_ACTIONS: 'true', GITHUB_OUTPUT: out, GITHUB_STEP_SUMMARY: summary, RUNNER_TEMP: dir, GITHUB_API_URL: gh.url, GITHUB_REPOSITORY: REPO, GITHUB_SERVER_URL: 'https://github.com', PUBSUB_EMULATOR_HOST: inject('pubsubEmulatorHost'), ...extraEnv });
  const child = spawn(process.execPath, [path.join(root, 'dist', name, 'index.js')], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stdout += b.toString()));
  const code = await new Promise<number>((r) => child.on('close', (c) => r(c ?? 1)));
  const outputs: Record<string, string> = {};
  const text = await readFile(out, 'utf8');
  for (const m of text.matchAll(/^([\w-]+)<<(ghadelimiter_[\w-]+)\n([\s\S]*?)\n\2$/gm)) outputs[m[1]!] = m[3]!;
  return { code, stdout, outputs, summary: await readFile(summary, 'utf8') };
}

describe('actions publish-promotion → promote', () => {
  it('signs with the identity of the OIDC token, masks secrets, dispatches, and promote deploys once', async () => {
    const bare = path.join(tmp, 'gitops.git');
    await createGitOpsRepository(bare, TEMPLATE);
    const n = randomUUID().slice(0, 8);
    const projectDir = path.join(tmp, 'project');
    await import('node:fs/promises').then((fs) => fs.mkdir(projectDir, { recursive: true }));
    await writeFile(
      path.join(projectDir, 'dataops.yml'),
      gitopsProjectYaml(bare, [
        '  signing: { mode: key, key_id: actions-key }',
        `  policy: { repository: ${REPO}, repository_id: ${REPO_ID}, repository_owner_id: ${OWNER_ID}, signer_workflows: ["octo-org/dataops/.github/workflows/dataops.yml@refs/tags/v1*"] }`,
        `  transport: { type: github-dispatch, pubsub: { project: dataops-test, topic: act-${n}, subscription: act-${n}-prod, dead_letter_topic: act-${n}-dlq } }`,
      ]),
    );
    const layout = await makeLayout({ layerSizes: [4_000], label: n });
    await pushImage({ layoutDir: layout.dir, digest: layout.digest, destinations: [`${reg.host}/flights-routes`] });
    await rm(layout.dir, { recursive: true, force: true });
    const image = `${reg.host}/flights-routes@${layout.digest}`;
    const project = await loadProject(projectDir);
    const staged = await deploy({ environment: 'staging', image, config: deployConfigSchema.parse(project.config.deploy), baseDir: projectDir, name: 'flights-routes', source: { sha: 'e'.repeat(40) }, recorder: new GitHubDeployments({ api: gh.api(), owner: 'octo-org', repo: 'flights' }) });

    const pub = await runAction(
      'publish-promotion',
      { image, project: projectDir, 'staging-deployment-id': String(staged.deploymentId), evidence: `quality:flights=passed=sha256:${'a'.repeat(64)}\nsystem-test:system-test=passed\nverify:verify=passed`, 'private-key': key.privateJwkJson, token: gh.token },
      { ACTIONS_ID_TOKEN_REQUEST_URL: oidcUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token' },
    );
    expect(pub.code, pub.stdout).toBe(0);
    expect(pub.stdout).toContain(`::add-mask::${OIDC_TOKEN}`);
    expect(pub.stdout).toContain('::add-mask::');
    expect(pub.outputs['event-id']).toMatch(/^[0-9a-f-]{36}$/);
    const dispatch = gh.dispatches.at(-1)!;
    expect(dispatch).toMatchObject({ repo: REPO, event_type: 'dataops-promotion' });
    const payload = dispatch.client_payload as { promotion: { id: string; data: { source: Record<string, string>; run: Record<string, unknown> } } };
    expect(payload.promotion.id).toBe(pub.outputs['event-id']);
    expect(payload.promotion.data.source).toMatchObject({ repository_id: REPO_ID, repository_owner_id: OWNER_ID, job_workflow_ref: WORKFLOW, sha: 'e'.repeat(40) });
    expect(payload.promotion.data.run).toMatchObject({ id: '4242', attempt: 2 });
    expect(pub.summary).toContain('Promotion published');

    // the production job, triggered by that repository_dispatch
    const eventPath = path.join(tmp, 'event.json');
    await writeFile(eventPath, JSON.stringify({ action: 'dataops-promotion', client_payload: dispatch.client_payload }));
    const env = { GITHUB_EVENT_NAME: 'repository_dispatch', GITHUB_EVENT_PATH: eventPath, GITHUB_REPOSITORY: 'octo-org/flights', GITHUB_TOKEN: gh.token };
    const inputs = { project: projectDir, 'public-keys': key.publicJwkJson, token: gh.token };
    const first = await runAction('promote', inputs, env);
    expect(first.code, first.stdout).toBe(0);
    expect(first.outputs).toMatchObject({ status: 'deployed', digest: layout.digest, 'event-id': pub.outputs['event-id'] });
    const again = await runAction('promote', inputs, env);
    expect(again.code, again.stdout).toBe(0);
    expect(again.outputs.status).toBe('duplicate');
    // the reusable workflow passes toJSON(github.event.client_payload) as the message input
    const viaInput = await runAction('promote', { ...inputs, message: JSON.stringify(dispatch.client_payload) }, { GITHUB_REPOSITORY: 'octo-org/flights', GITHUB_TOKEN: gh.token });
    expect(viaInput.code, viaInput.stdout).toBe(0);
    expect(viaInput.outputs.status).toBe('duplicate');
    const prod = gh.deployments.filter((d) => d.environment === 'production');
    expect(prod).toHaveLength(1);
    expect(prod[0]!.description).toContain('quality:flights ✓');
    expect(first.summary).toContain('Promoted to production');

    // a forged copy fails the step as a configuration error with the reason
    const forged = { client_payload: { promotion: { ...payload.promotion, data: { ...payload.promotion.data, image: image.replace(/@sha256:(.)/, (_m, c: string) => `@sha256:${c === '0' ? '1' : '0'}`) } } } };
    await writeFile(eventPath, JSON.stringify(forged));
    const bad = await runAction('promote', inputs, env);
    expect(bad.code).not.toBe(0);
    expect(bad.stdout).toMatch(/promote: configuration error: .*promotion refused \(bad-signature\)/);
  });

  it('on GitHub Enterprise Server names the source by its server URL, and promote takes public-keys whatever public_keys_env is called', async () => {
    const bare = path.join(tmp, 'gitops-ghes.git');
    await createGitOpsRepository(bare, TEMPLATE);
    const n = randomUUID().slice(0, 8);
    const projectDir = path.join(tmp, 'project-ghes');
    await mkdir(projectDir, { recursive: true });
    await writeFile(
      path.join(projectDir, 'dataops.yml'),
      gitopsProjectYaml(bare, [
        '  signing: { mode: key, key_id: actions-key, public_keys_env: PROD_PROMOTION_KEYS, private_key_env: PROD_PROMOTION_SIGNING_KEY }',
        `  policy: { repository: ${REPO}, repository_id: ${REPO_ID}, repository_owner_id: ${OWNER_ID}, signer_workflows: ["octo-org/dataops/.github/workflows/dataops.yml@refs/tags/v1*"] }`,
        `  transport: { type: github-dispatch, pubsub: { project: dataops-test, topic: ghes-${n}, subscription: ghes-${n}-prod, dead_letter_topic: ghes-${n}-dlq } }`,
      ]),
    );
    const layout = await makeLayout({ layerSizes: [4_000], label: `ghes-${n}` });
    await pushImage({ layoutDir: layout.dir, digest: layout.digest, destinations: [`${reg.host}/flights-routes`] });
    await rm(layout.dir, { recursive: true, force: true });
    const image = `${reg.host}/flights-routes@${layout.digest}`;
    const project = await loadProject(projectDir);
    const staged = await deploy({ environment: 'staging', image, config: deployConfigSchema.parse(project.config.deploy), baseDir: projectDir, name: 'flights-routes', source: { sha: 'e'.repeat(40) }, recorder: new GitHubDeployments({ api: gh.api(), owner: 'octo-org', repo: 'flights' }) });
    const ghes = { GITHUB_SERVER_URL: 'https://ghe.example.com' };

    const pub = await runAction(
      'publish-promotion',
      { image, project: projectDir, 'staging-deployment-id': String(staged.deploymentId), evidence: `quality:flights=passed=sha256:${'a'.repeat(64)}\nsystem-test:system-test=passed\nverify:verify=passed`, 'private-key': key.privateJwkJson, token: gh.token },
      { ...ghes, ACTIONS_ID_TOKEN_REQUEST_URL: oidcUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token' },
    );
    expect(pub.code, pub.stdout).toBe(0);
    const dispatch = gh.dispatches.at(-1)!;
    const promotion = (dispatch.client_payload as { promotion: { source: string; data: { run: { url: string } } } }).promotion;
    expect(promotion.source).toBe(`https://ghe.example.com/${REPO}`);
    expect(promotion.data.run.url).toBe(`https://ghe.example.com/${REPO}/actions/runs/4242`);

    // the trusted keys come from the input; PROD_PROMOTION_KEYS is not set in the job
    const eventPath = path.join(tmp, 'event-ghes.json');
    await writeFile(eventPath, JSON.stringify({ action: 'dataops-promotion', client_payload: dispatch.client_payload }));
    const r = await runAction('promote', { project: projectDir, 'public-keys': key.publicJwkJson, token: gh.token }, { ...ghes, GITHUB_EVENT_NAME: 'repository_dispatch', GITHUB_EVENT_PATH: eventPath, GITHUB_REPOSITORY: 'octo-org/flights', GITHUB_TOKEN: gh.token });
    expect(r.code, r.stdout).toBe(0);
    expect(r.outputs).toMatchObject({ status: 'deployed', digest: layout.digest });
  });
});
