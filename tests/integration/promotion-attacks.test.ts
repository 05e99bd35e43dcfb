/**
 * Attack and fault paths of the production side (issue 11, points 1-6), with real parts: the
 * Pub/Sub emulator, a docker-registry holding the staged digests, a GitOps repository deployed by
 * the deploy core, and the `dataops` CLI as a child process where the CLI is what is tested.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { createGitOpsRepository } from '../../src/core/deploy/bootstrap.ts';
import { deployConfigSchema } from '../../src/core/deploy/config.ts';
import { deploy } from '../../src/core/deploy/deploy.ts';
import { LocalDeploymentLog } from '../../src/core/deploy/deployments.ts';
import { isConfigError } from '../../src/core/errors.ts';
import { loadProject, type Project } from '../../src/core/project.ts';
import { projectPromotionConfig, listenForPromotions } from '../../src/core/promotion/consumer.ts';
import { FileLedger } from '../../src/core/promotion/ledger.ts';
import type { PromotionInput, SignedPromotion } from '../../src/core/promotion/message.ts';
import { consumePromotions, deadLetterSubscriptionName, ensurePromotionTopology, publishPromotion, type PulledPromotion } from '../../src/core/promotion/transport/pubsub.ts';
import { pushImage } from '../../src/core/registry/push.ts';
import { makeLayout } from '../helpers/oci-layout.ts';
import { gitopsProjectYaml, ISSUER, keyFixture, OWNER_ID, PASSING_EVIDENCE, REPO, REPO_ID, signedMessage } from '../helpers/promotion.ts';
import { useRegistry } from '../helpers/registry.ts';

const CLI = path.resolve(import.meta.dirname, '../../src/cli/main.ts');
const TEMPLATE = path.resolve(import.meta.dirname, '../../templates/example-pipeline/deploy');
const reg = useRegistry();
const key = keyFixture();
const emulator = inject('pubsubEmulatorHost');
let tmp: string;
let previous: string | undefined;

beforeAll(() => {
  // a missing emulator must fail in CI, not skip
  if (!emulator && process.env.CI) throw new Error('the Pub/Sub emulator did not start (gcloud beta emulators pubsub)');
  previous = process.env.PUBSUB_EMULATOR_HOST;
  process.env.PUBSUB_EMULATOR_HOST = emulator;
});
afterAll(() => {
  if (previous === undefined) delete process.env.PUBSUB_EMULATOR_HOST;
  else process.env.PUBSUB_EMULATOR_HOST = previous;
});
beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'promotion-attacks-'));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

interface Setup {
  project: Project;
  log: LocalDeploymentLog;
  settings: ReturnType<typeof projectPromotionConfig>['transport']['pubsub'];
}

/** A project in `tmp`: GitOps staging/production, a trusted key file, a pinned policy and fresh Pub/Sub names. */
async function setup(options: { policy?: string; backoff?: [number, number]; keys?: boolean } = {}): Promise<Setup> {
  const bare = path.join(tmp, 'gitops.git');
  await createGitOpsRepository(bare, TEMPLATE);
  const n = randomUUID().slice(0, 8);
  await mkdir(path.join(tmp, 'keys'), { recursive: true });
  await writeFile(path.join(tmp, 'keys/public.jwks.json'), key.publicJwkJson);
  await writeFile(
    path.join(tmp, 'dataops.yml'),
    gitopsProjectYaml(bare, [
      ...(options.keys === false ? [] : ['  signing: { public_keys_file: keys/public.jwks.json }']),
      `  policy: ${options.policy ?? `{ repository: ${REPO}, repository_id: ${REPO_ID}, repository_owner_id: ${OWNER_ID} }`}`,
      `  transport: { pubsub: { project: dataops-test, topic: atk-${n}, subscription: atk-${n}-prod, dead_letter_topic: atk-${n}-dlq, ack_deadline_seconds: 10${options.backoff ? `, retry_backoff: { minimum_seconds: ${options.backoff[0]}, maximum_seconds: ${options.backoff[1]} }` : ''} } }`,
    ]),
  );
  const project = await loadProject(tmp);
  const settings = projectPromotionConfig(project).transport.pubsub;
  await ensurePromotionTopology(settings);
  return { project, log: new LocalDeploymentLog(path.join(tmp, '.dataops/deployments.json')), settings };
}

/** Pushes a fresh image to the registry and deploys it to staging; returns the message overrides naming it. */
async function stage(s: Setup, host = reg.host): Promise<{ image: string; digest: string; input: Partial<PromotionInput> }> {
  const layout = await makeLayout({ layerSizes: [4_000], label: randomUUID() });
  if (host === reg.host) await pushImage({ layoutDir: layout.dir, digest: layout.digest, destinations: [`${host}/flights-routes`] });
  await rm(layout.dir, { recursive: true, force: true });
  const image = `${host}/flights-routes@${layout.digest}`;
  const staged = await deploy({ environment: 'staging', image, config: deployConfigSchema.parse(s.project.config.deploy), baseDir: tmp, name: 'flights-routes', source: { repository: REPO, sha: 'a'.repeat(40) }, recorder: s.log });
  return { image, digest: layout.digest, input: { image, staging: { environment: 'staging', deployment_id: staged.deploymentId! } } };
}

const at = (msAgo: number) => new Date(Date.now() - msAgo);

/** Runs the consumer of the project in this process, approving everything (the gate is not what these tests are about). */
function listen(s: Setup, extra: { maxMessages?: number; timeoutMs?: number; approve?: boolean } = {}) {
  return listenForPromotions(s.project, { approve: () => Promise.resolve(extra.approve ?? true), maxMessages: extra.maxMessages ?? 1, timeoutMs: extra.timeoutMs ?? 30_000 });
}

/** Messages on the dead-letter subscription (read within `ms`). */
async function deadLetters(s: Setup, ms = 4000): Promise<PulledPromotion[]> {
  const got: PulledPromotion[] = [];
  await consumePromotions({ ...s.settings, subscription: deadLetterSubscriptionName(s.settings) }, (m) => {
    got.push(m);
    return Promise.resolve('ack' as const);
  }, { timeoutMs: ms });
  return got;
}

/** Pulls what is on the subscription now (acks it), within `ms`. */
async function pending(s: Setup, ms = 4000): Promise<PulledPromotion[]> {
  const got: PulledPromotion[] = [];
  await consumePromotions(s.settings, (m) => {
    got.push(m);
    return Promise.resolve('ack' as const);
  }, { timeoutMs: ms });
  return got;
}

const productionDigests = async (s: Setup) => (await s.log.list('production')).filter((d) => d.state === 'success' || d.state === 'inactive').map((d) => d.payload.digest);

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await promisify(execFile)(process.execPath, [CLI, ...args], { cwd: tmp, env: { ...process.env, GITHUB_TOKEN: '', GITHUB_ACTIONS: '', PUBSUB_EMULATOR_HOST: emulator, ...env } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const sign = (input: Partial<PromotionInput>, source: Partial<PromotionInput['source']> = {}): Promise<SignedPromotion> => signedMessage(key.signing, input, source);

describe('promotion attack and fault paths (issue 11)', () => {
  it('1: a captured signed rollback replayed after two newer promotions is refused (older-than-deployed)', async () => {
    const s = await setup();
    const a = await stage(s);
    const b = await stage(s);
    const c = await stage(s);
    // the attacker captures a rollback to A that production never consumed
    const rollback = await sign({ ...a.input, rollback: true, now: at(90_000) });
    await publishPromotion(await sign({ ...b.input, now: at(60_000) }), s.settings);
    expect((await listen(s)).acked).toBe(1);
    await publishPromotion(await sign({ ...c.input, now: at(30_000) }), s.settings);
    expect((await listen(s)).acked).toBe(1);
    expect(await productionDigests(s)).toEqual([c.digest, b.digest]);
    await publishPromotion(rollback, s.settings);
    const stats = await listen(s);
    expect(stats).toMatchObject({ acked: 0, deadLettered: 1 });
    expect(await productionDigests(s)).toEqual([c.digest, b.digest]);
    const dead = await deadLetters(s);
    expect(dead.map((m) => m.attributes['dataops-rejection'])).toEqual(['older-than-deployed']);
    // a fresh rollback (its own, newer time) is the way back to A
    await publishPromotion(await sign({ ...a.input, rollback: true }), s.settings);
    expect((await listen(s)).acked).toBe(1);
    expect((await productionDigests(s))[0]).toBe(a.digest);
  });

  it('2: the ordering reference is the newest event time in the ledger, not the promotion deployed last', async () => {
    const s = await setup();
    const p = await stage(s);
    const cfg = projectPromotionConfig(s.project);
    // the ledger as an older consumer left it: B (t-60s) deployed, then a rollback with an older time (t-120s) deployed last
    const ledger = new FileLedger(path.resolve(tmp, cfg.ledger_file));
    const entry = (time: Date, rollback: boolean) => ({ event_id: randomUUID(), time: time.toISOString(), environment: 'production', image: p.image, digest: p.digest, rollback, deployed_at: new Date().toISOString() });
    await ledger.record(entry(at(60_000), false));
    await ledger.record(entry(at(120_000), true));
    // a promotion signed between the two is older than B: refused
    await publishPromotion(await sign({ ...p.input, now: at(90_000) }), s.settings);
    expect(await listen(s)).toMatchObject({ acked: 0, deadLettered: 1 });
    expect((await deadLetters(s)).map((m) => m.attributes['dataops-rejection'])).toEqual(['older-than-deployed']);
    expect(await productionDigests(s)).toEqual([]);
  });

  it('3: "dataops promote listen --approve" approves (the subcommand gets its own --approve)', async () => {
    const s = await setup();
    const a = await stage(s);
    const msg = await sign(a.input);
    await publishPromotion(msg, s.settings);
    const r = await cli(['promote', 'listen', '-p', tmp, '--approve', '--max-messages', '1', '--timeout', '30']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`DEPLOYED ${a.image}`);
    expect(r.stderr).toContain('acked 1, released 0');
    expect(await productionDigests(s)).toEqual([a.digest]);
    expect(await deadLetters(s, 2000)).toEqual([]);
  });

  it('4: evidence below promotion.policy.require is neither published nor deployed (evidence-policy)', async () => {
    const s = await setup({ policy: `{ repository: ${REPO}, repository_id: ${REPO_ID}, repository_owner_id: ${OWNER_ID}, issuers: [local, '${ISSUER}'] }` });
    const a = await stage(s);
    const keygen = await cli(['promote', 'keygen', '-o', 'signer']);
    expect(keygen.code, keygen.stderr).toBe(0);
    const privateKey = await readFile(path.join(tmp, 'signer/private.jwk.json'), 'utf8');
    const failing = ['--evidence', 'quality:flights=failed', '--evidence', 'system-test:system-test=failed', '--evidence', 'verify:verify=failed'];
    const pub = await cli(['promote', 'publish', '-p', tmp, '-i', a.image, '--staging-deployment-id', String(a.input.staging!.deployment_id), ...failing], { DATAOPS_PROMOTION_PRIVATE_KEY: privateKey });
    expect(pub.code).toBe(2);
    expect(pub.stderr).toMatch(/promotion refused \(evidence-policy\): quality flights: failed \(required: pass or warn\); system-test system-test: failed \(required: pass\); verify verify: failed \(required: pass\)/);
    expect(await pending(s, 3000)).toEqual([]);
    // a validly signed message saying everything failed, sent past the publisher: refused by the consumer
    const bad = await sign({ ...a.input, evidence: PASSING_EVIDENCE.map((e) => ({ ...e, status: 'failed' })) });
    await publishPromotion(bad, s.settings);
    expect(await listen(s)).toMatchObject({ acked: 0, deadLettered: 1 });
    const dead = await deadLetters(s);
    expect(dead[0]!.attributes).toMatchObject({ 'dataops-rejection': 'evidence-policy' });
    expect(await productionDigests(s)).toEqual([]);
  });

  it('5: a production policy trusting GitHub without repository/owner ids is a configuration error before pulling', async () => {
    const s = await setup({ policy: '{ allowed_refs: [refs/heads/main] }' });
    const a = await stage(s);
    // validly signed, but for another repository
    const foreign = await sign(a.input, { repository: 'mallory/flights', repository_id: '999', repository_owner_id: '666' });
    await publishPromotion(foreign, s.settings);
    const err = await listen(s, { timeoutMs: 8000 }).catch((e: unknown) => e);
    expect(isConfigError(err)).toBe(true);
    expect((err as Error).message).toMatch(/promotion\.policy\.repository_id is not set/);
    expect(await productionDigests(s)).toEqual([]);
    // nothing was pulled: the message is still there, on its first delivery
    expect((await pending(s)).map((m) => [m.attributes['ce-id'], m.deliveryAttempt])).toEqual([[foreign.id, 1]]);
  });

  it('6a: without --approve and without a terminal, listen stops before pulling; the message stays, no attempt burned', async () => {
    const s = await setup();
    const a = await stage(s);
    const msg = await sign(a.input);
    await publishPromotion(msg, s.settings);
    const r = await cli(['promote', 'listen', '-p', tmp, '--timeout', '10']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/configuration error: .*nothing can approve a production deploy here, so no message is pulled/);
    expect(await deadLetters(s, 2000)).toEqual([]);
    expect((await pending(s)).map((m) => [m.attributes['ce-id'], m.deliveryAttempt])).toEqual([[msg.id, 1]]);
  });

  it('6b: a declined message stays on the subscription (released with a backoff, not nacked into the dead-letter topic)', async () => {
    const s = await setup(); // default backoff: 10 s before the first redelivery, longer than this listener runs
    const a = await stage(s);
    await publishPromotion(await sign(a.input), s.settings);
    const stats = await listen(s, { approve: false, timeoutMs: 8000 });
    expect(stats).toMatchObject({ received: 1, nacked: 1, deadLettered: 0 });
    expect(await deadLetters(s, 2000)).toEqual([]);
    expect(await productionDigests(s)).toEqual([]);
  });

  it('6c: a consumer without trusted keys stops before pulling (configuration error); the message is untouched', async () => {
    const s = await setup({ keys: false });
    const a = await stage(s);
    const msg = await sign(a.input);
    await publishPromotion(msg, s.settings);
    const err = await listen(s, { timeoutMs: 8000 }).catch((e: unknown) => e);
    expect(isConfigError(err)).toBe(true);
    expect((err as Error).message).toMatch(/no trusted promotion keys/);
    expect(await deadLetters(s, 2000)).toEqual([]);
    expect((await pending(s)).map((m) => [m.attributes['ce-id'], m.deliveryAttempt])).toEqual([[msg.id, 1]]);
  });

  it('6d: an unreachable staging registry ends with a dataops-rejection reason (registry-unreachable) on the last attempt', async () => {
    const s = await setup({ backoff: [1, 1] });
    // a port nobody listens on
    const closed = await new Promise<string>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const port = (srv.address() as { port: number }).port;
        srv.close(() => resolve(`127.0.0.1:${port}`));
      });
    });
    const a = await stage(s, closed);
    const msg = await sign(a.input);
    await publishPromotion(msg, s.settings);
    const stats = await listen(s, { timeoutMs: 110_000 });
    expect(stats).toMatchObject({ acked: 0, deadLettered: 1 });
    const dead = await deadLetters(s);
    expect(dead.map((m) => m.attributes['dataops-rejection'])).toEqual(['registry-unreachable']);
    expect(dead[0]!.attributes['dataops-rejection-detail']).toContain(closed);
  }, 180_000);

  it('6e: a replay of an old promotion says production runs another digest, and names it', async () => {
    const s = await setup();
    const a = await stage(s);
    const b = await stage(s);
    const first = await sign({ ...a.input, now: at(60_000) });
    await writeFile(path.join(tmp, 'a.json'), JSON.stringify(first));
    await writeFile(path.join(tmp, 'b.json'), JSON.stringify(await sign({ ...b.input, now: at(30_000) })));
    for (const f of ['a.json', 'b.json']) {
      const r = await cli(['promote', '-p', tmp, '--message', f, '--approve']);
      expect(r.code, r.stderr).toBe(0);
    }
    const replay = await cli(['promote', '-p', tmp, '--message', 'a.json', '--approve']);
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stdout).toContain(`ALREADY DEPLOYED ${a.image}`);
    expect(replay.stdout).toContain(`production now runs another digest: ${b.image}`);
    expect(await productionDigests(s)).toEqual([b.digest, a.digest]);
  });
});
