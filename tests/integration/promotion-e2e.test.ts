/**
 * Promotion end to end with real parts: a docker-registry holding the staged digest, the Pub/Sub
 * emulator (global setup), a GitOps repository deployed with the deploy core. publish → pull →
 * verify → promote → copy by digest → GitOps production deploy; redeliveries, ordering, the gate.
 * Only GitHub's API is faked (the Deployments-API ledger test).
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { createGitOpsRepository } from '../../src/core/deploy/bootstrap.ts';
import { deployConfigSchema, type DeployConfig } from '../../src/core/deploy/config.ts';
import { deploy } from '../../src/core/deploy/deploy.ts';
import { GitHubDeployments, LocalDeploymentLog, type DeploymentRecorder } from '../../src/core/deploy/deployments.ts';
import { pushImage } from '../../src/core/registry/push.ts';
import { promotionConfigSchema, type PromotionConfig } from '../../src/core/promotion/config.ts';
import { isRejected } from '../../src/core/promotion/errors.ts';
import { DeploymentsLedger, FileLedger, type PromotionLedger } from '../../src/core/promotion/ledger.ts';
import { promote, type PromoteRequest, type PromoteResult } from '../../src/core/promotion/promote.ts';
import { consumePromotions, ensurePromotionTopology, publishPromotion } from '../../src/core/promotion/transport/pubsub.ts';
import type { SignedPromotion } from '../../src/core/promotion/message.ts';
import { startFakeGitHub, type FakeGitHub } from '../helpers/github-server.ts';
import { makeLayout } from '../helpers/oci-layout.ts';
import { ISSUER, keyFixture, OWNER_ID, REPO, REPO_ID, signedMessage } from '../helpers/promotion.ts';
import { useRegistry } from '../helpers/registry.ts';

const TEMPLATE = path.resolve(import.meta.dirname, '../../templates/example-pipeline/deploy');
const reg = useRegistry();
const key = keyFixture();
let tmp: string;
let bare: string;
let deployConfig: DeployConfig;
let stagedRef: string;
let layoutDir: string;
let previousEmulator: string | undefined;

const git = (args: string[]) => execFileSync('git', args, { encoding: 'utf8' }).trim();

function promotionConfig(extra: Record<string, unknown> = {}): PromotionConfig {
  const n = randomUUID().slice(0, 8);
  return promotionConfigSchema.parse({
    policy: { repository: REPO, repository_id: REPO_ID, repository_owner_id: OWNER_ID, allowed_refs: ['refs/heads/main'] },
    transport: { pubsub: { project: 'dataops-test', topic: `e2e-${n}`, subscription: `e2e-${n}-prod`, dead_letter_topic: `e2e-${n}-dlq`, ack_deadline_seconds: 10 } },
    production_repository: `${reg.host}/flights-routes-prod`,
    ...extra,
  });
}

beforeAll(() => {
  previousEmulator = process.env.PUBSUB_EMULATOR_HOST;
  process.env.PUBSUB_EMULATOR_HOST = inject('pubsubEmulatorHost');
});
afterAll(() => {
  if (previousEmulator === undefined) delete process.env.PUBSUB_EMULATOR_HOST;
  else process.env.PUBSUB_EMULATOR_HOST = previousEmulator;
});

beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'promotion-e2e-'));
  bare = path.join(tmp, 'gitops.git');
  await createGitOpsRepository(bare, TEMPLATE);
  deployConfig = deployConfigSchema.parse({
    environments: {
      staging: { gitops: { repository: bare, overlay: 'overlays/staging' } },
      production: { gitops: { repository: bare, overlay: 'overlays/production' } },
    },
  });
  const layout = await makeLayout({ layerSizes: [200_000, 50_000], label: randomUUID() });
  layoutDir = layout.dir;
  await pushImage({ layoutDir: layout.dir, digest: layout.digest, destinations: [`${reg.host}/flights-routes`] });
  stagedRef = `${reg.host}/flights-routes@${layout.digest}`;
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
  await rm(layoutDir, { recursive: true, force: true });
});

/** Deploys the staged digest to staging with the deploy core; returns the deployment id. */
async function deployStaging(recorder: DeploymentRecorder, image = stagedRef): Promise<number> {
  const r = await deploy({ environment: 'staging', image, config: deployConfig, baseDir: tmp, name: 'flights-routes', source: { repository: REPO, sha: 'a'.repeat(40), ref: 'refs/heads/main' }, recorder });
  return r.deploymentId!;
}

function request(message: unknown, cfg: PromotionConfig, recorder: DeploymentRecorder, ledger: PromotionLedger, extra: Partial<PromoteRequest> = {}): PromoteRequest {
  return {
    message,
    pipeline: 'flights-routes',
    promotion: cfg,
    deploy: deployConfig,
    baseDir: tmp,
    verify: { keys: key.trusted, issuers: [ISSUER] },
    recorder,
    ledger,
    approve: () => Promise.resolve(true),
    ...extra,
  };
}

const productionOverlay = () => git(['--git-dir', bare, 'show', 'main:overlays/production/kustomization.yaml']);

describe.skipIf(!inject('pubsubEmulatorHost'))('promotion end to end (Pub/Sub emulator, docker-registry, GitOps)', () => {
  it('publish → pull → verify → promote → copy by digest → GitOps production deploy', async () => {
    const cfg = promotionConfig();
    const recorder = new LocalDeploymentLog(path.join(tmp, 'deployments.json'));
    const ledger = new FileLedger(path.join(tmp, 'promotions.json'));
    const stagingId = await deployStaging(recorder);
    const msg = await signedMessage(key.signing, { image: stagedRef, staging: { environment: 'staging', deployment_id: stagingId } });
    await ensurePromotionTopology(cfg.transport.pubsub);
    const messageId = await publishPromotion(msg, cfg.transport.pubsub);
    const results: PromoteResult[] = [];
    const stats = await consumePromotions(cfg.transport.pubsub, async (m) => {
      results.push(await promote(request(m.data, cfg, recorder, ledger)));
      return 'ack';
    }, { maxMessages: 1, timeoutMs: 60_000 });
    expect(stats).toMatchObject({ acked: 1, nacked: 0, deadLettered: 0 });
    const r = results[0]!;
    const digest = stagedRef.split('@')[1]!;
    expect(r).toMatchObject({ status: 'deployed', eventId: msg.id, image: `${reg.host}/flights-routes-prod@${digest}`, digest });
    expect(r.copy!.mountedBlobs).toBeGreaterThan(0); // same registry: blobs mounted across repositories, not uploaded
    expect(productionOverlay()).toContain(`digest: ${digest}`);
    expect(productionOverlay()).toContain(`newName: ${reg.host}/flights-routes-prod`);
    const prod = await recorder.list('production');
    expect(prod).toHaveLength(1);
    expect(prod[0]!.state).toBe('success');
    expect(prod[0]!.payload).toMatchObject({ promotion_id: msg.id, digest, evidence: [{ name: 'quality:routes', status: 'passed' }, { name: 'system-test', status: 'passed' }, { name: 'verify', status: 'passed' }] });
    expect(messageId).toMatch(/\S/);
  });

  it('50 forced redeliveries of one message deploy exactly once', async () => {
    const cfg = promotionConfig();
    const recorder = new LocalDeploymentLog(path.join(tmp, 'deployments.json'));
    const ledger = new FileLedger(path.join(tmp, 'promotions.json'));
    const stagingId = await deployStaging(recorder);
    const msg = await signedMessage(key.signing, { image: stagedRef, staging: { environment: 'staging', deployment_id: stagingId } });
    await ensurePromotionTopology(cfg.transport.pubsub);
    const ids = new Set<string>();
    for (let i = 0; i < 50; i++) ids.add(await publishPromotion(msg, cfg.transport.pubsub));
    expect(ids.size).toBe(50); // 50 distinct Pub/Sub messages carrying one CloudEvents id
    let deploys = 0;
    const statuses: string[] = [];
    await consumePromotions(cfg.transport.pubsub, async (m) => {
      const r = await promote(request(m.data, cfg, recorder, ledger, { deps: { deploy: async (req) => (deploys++, deploy(req)) } }));
      statuses.push(r.status);
      return 'ack';
    }, { maxMessages: 50, timeoutMs: 120_000 });
    expect(statuses).toHaveLength(50);
    expect(deploys).toBe(1);
    expect(statuses.filter((s) => s === 'deployed')).toHaveLength(1);
    expect(await recorder.list('production')).toHaveLength(1);
  });

  it('concurrent redeliveries in one process also deploy once', async () => {
    const cfg = promotionConfig({ production_repository: undefined });
    const recorder = new LocalDeploymentLog(path.join(tmp, 'deployments.json'));
    const ledger = new FileLedger(path.join(tmp, 'promotions.json'));
    const stagingId = await deployStaging(recorder);
    const msg = JSON.stringify(await signedMessage(key.signing, { image: stagedRef, staging: { environment: 'staging', deployment_id: stagingId } }));
    let deploys = 0;
    const rs = await Promise.all(Array.from({ length: 10 }, () => promote(request(msg, cfg, recorder, ledger, { deps: { deploy: async (req) => (deploys++, deploy(req)) } }))));
    expect(deploys).toBe(1);
    expect(rs.filter((r) => r.status === 'duplicate')).toHaveLength(9);
  });

  it('concurrent consumers in separate processes deploy once (the ledger lock is a file)', async () => {
    const cfg = promotionConfig({ production_repository: undefined });
    const recorder = new LocalDeploymentLog(path.join(tmp, 'deployments.json'));
    const stagingId = await deployStaging(recorder);
    const msgFile = path.join(tmp, 'message.json');
    await writeFile(msgFile, JSON.stringify(await signedMessage(key.signing, { image: stagedRef, staging: { environment: 'staging', deployment_id: stagingId } })));
    await writeFile(path.join(tmp, 'input.json'), JSON.stringify({ cfg, deployConfig, publicJwks: key.publicJwkJson }));
    const src = path.resolve(import.meta.dirname, '../../src/core');
    const script = path.join(tmp, 'consumer.ts');
    await writeFile(
      script,
      [
        `import { readFile } from 'node:fs/promises';`,
        `import { LocalDeploymentLog } from '${src}/deploy/deployments.ts';`,
        `import { loadPublicKeys } from '${src}/promotion/keys.ts';`,
        `import { FileLedger } from '${src}/promotion/ledger.ts';`,
        `import { promote } from '${src}/promotion/promote.ts';`,
        `const dir = process.argv[2];`,
        `const input = JSON.parse(await readFile(dir + '/input.json', 'utf8'));`,
        `const r = await promote({ message: await readFile(dir + '/message.json', 'utf8'), pipeline: 'flights-routes', promotion: input.cfg, deploy: input.deployConfig, baseDir: dir,`,
        `  verify: { keys: loadPublicKeys(input.publicJwks, 'x'), issuers: ['${ISSUER}'] }, recorder: new LocalDeploymentLog(dir + '/deployments.json'), ledger: new FileLedger(dir + '/promotions.json'), approve: async () => true });`,
        `process.stdout.write(r.status);`,
      ].join('\n'),
    );
    const run = async () => (await promisify(execFile)(process.execPath, [script, tmp])).stdout;
    const statuses = await Promise.all(Array.from({ length: 5 }, run));
    expect(statuses.sort()).toEqual(['deployed', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
    expect(await recorder.list('production')).toHaveLength(1);
  });

  it('refuses an older promotion; a fresh signed rollback deploys', async () => {
    const cfg = promotionConfig({ production_repository: undefined });
    const recorder = new LocalDeploymentLog(path.join(tmp, 'deployments.json'));
    const ledger = new FileLedger(path.join(tmp, 'promotions.json'));
    const stagingId = await deployStaging(recorder);
    const now = Date.now();
    const older = await signedMessage(key.signing, { now: new Date(now - 60_000), image: stagedRef, staging: { environment: 'staging', deployment_id: stagingId } });
    const newer = await signedMessage(key.signing, { now: new Date(now - 30_000), image: stagedRef, staging: { environment: 'staging', deployment_id: stagingId } });
    expect((await promote(request(newer, cfg, recorder, ledger))).status).toBe('deployed');
    const err = await promote(request(older, cfg, recorder, ledger)).catch((e: unknown) => e);
    expect(isRejected(err, 'older-than-deployed')).toBe(true);
    const rollback = await signedMessage(key.signing, { now: new Date(now), rollback: true, image: stagedRef, staging: { environment: 'staging', deployment_id: stagingId } });
    expect((await promote(request(rollback, cfg, recorder, ledger))).status).toBe('deployed');
  });

  it('refuses without approval, without a successful staging deployment, or when the digest is not in the registry', async () => {
    const cfg = promotionConfig({ production_repository: undefined });
    const recorder = new LocalDeploymentLog(path.join(tmp, 'deployments.json'));
    const ledger = new FileLedger(path.join(tmp, 'promotions.json'));
    const stagingId = await deployStaging(recorder);
    const ok = await signedMessage(key.signing, { image: stagedRef, staging: { environment: 'staging', deployment_id: stagingId } });
    const denied = await promote(request(ok, cfg, recorder, ledger, { approve: () => Promise.resolve(false) })).catch((e: unknown) => e);
    expect(isRejected(denied, 'approval-required')).toBe(true);
    const neverStaged = await signedMessage(key.signing, { image: stagedRef, staging: { environment: 'staging', deployment_id: 99_999 } });
    expect(isRejected(await promote(request(neverStaged, cfg, recorder, ledger)).catch((e: unknown) => e), 'staging-not-successful')).toBe(true);
    const missing = `${reg.host}/flights-routes@sha256:${'e'.repeat(64)}`;
    const missingId = await deployStaging(recorder, missing);
    const ghost = await signedMessage(key.signing, { image: missing, staging: { environment: 'staging', deployment_id: missingId } });
    expect(isRejected(await promote(request(ghost, cfg, recorder, ledger)).catch((e: unknown) => e), 'digest-not-in-staging-registry')).toBe(true);
    expect(await recorder.list('production')).toHaveLength(0);
  });
});

describe('promotion with the GitHub Deployments API as ledger (fake GitHub)', () => {
  let gh: FakeGitHub;
  beforeAll(async () => {
    gh = await startFakeGitHub();
  });
  afterAll(async () => {
    await gh.close();
  });

  it('records the production deployment with promotion id and evidence; a redelivery finds it and deploys nothing', async () => {
    const cfg = promotionConfig({ production_repository: undefined });
    const recorder = new GitHubDeployments({ api: gh.api(), owner: 'octo-org', repo: 'flights' });
    const stagingId = await deployStaging(recorder);
    const msg: SignedPromotion = await signedMessage(key.signing, { image: stagedRef, staging: { environment: 'staging', deployment_id: stagingId } });
    const first = await promote(request(msg, cfg, recorder, new DeploymentsLedger(recorder)));
    expect(first.status).toBe('deployed');
    // a new process (fresh ledger object) sees the promotion in GitHub's records
    const again = await promote(request(msg, cfg, recorder, new DeploymentsLedger(recorder)));
    expect(again).toMatchObject({ status: 'duplicate', deploymentId: first.deploymentId });
    const prod = gh.deployments.filter((d) => d.environment === 'production');
    expect(prod).toHaveLength(1);
    expect(prod[0]!.payload).toMatchObject({ promotion_id: msg.id, staging_deployment_id: stagingId });
    expect(prod[0]!.description).toMatch(/^promotion [0-9a-f]{8} · flights-routes@sha256:[0-9a-f]{12} · quality:routes ✓/);
    expect(prod[0]!.statuses[0]!.state).toBe('success');
  });
});
