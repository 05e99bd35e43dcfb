/**
 * Flow stage `publish-promotion`: after a verified staging deploy, signs a promotion message for
 * the staged digest (mode key; an ephemeral Ed25519 key pair under the work directory when no key
 * is configured) and publishes it to Pub/Sub: the emulator, started here when PUBSUB_EMULATOR_HOST
 * is not set and stopped when the flow ends. Hands on `state.promotion`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gitHeadSha } from '../../deploy/local.ts';
import { shortDigest } from '../../hash.ts';
import { defaultPromotionConfig, type PromotionConfig } from '../../promotion/config.ts';
import { startPubSubEmulator } from '../../promotion/emulator.ts';
import { generateKeyPair, loadPrivateKey, type SigningKey } from '../../promotion/keys.ts';
import { createPromotionEvent } from '../../promotion/message.ts';
import { dataVersionsOf } from '../../data/record.ts';
import { evidenceFrom, sendPromotion, signingKeyFromEnv, sourceIdentity } from '../../promotion/runtime.ts';
import { isRejected } from '../../promotion/errors.ts';
import { signWithKey } from '../../promotion/sign.ts';
import { checkEvidence } from '../../promotion/verify.ts';
import type { FlowContext, Stage, StageResult } from '../types.ts';

/** The project's promotion settings (defaults when the section is absent). */
export function promotionSettings(ctx: FlowContext): PromotionConfig {
  return ctx.project.config.promotion ?? defaultPromotionConfig();
}

/**
 * The Pub/Sub emulator of this flow: the runner's (PUBSUB_EMULATOR_HOST), else one started now
 * and stopped at cleanup (kept in `state.promotion.emulatorHost` for the production stage).
 */
export async function ensureEmulator(ctx: FlowContext, project: string): Promise<string> {
  const existing = ctx.state.promotion?.emulatorHost ?? ctx.runner.pubsubEmulatorHost;
  if (existing) return existing;
  ctx.log('starting the Pub/Sub emulator (gcloud beta emulators pubsub start)…');
  const emulator = await startPubSubEmulator({ project, log: (line) => ctx.log(line) });
  ctx.onCleanup(() => emulator.stop());
  return emulator.host;
}

/** The configured key, or an ephemeral pair written to `<workDir>/promotion/` (public JWKS for the consumer). */
async function localKey(ctx: FlowContext, cfg: PromotionConfig): Promise<{ key: SigningKey; publicKeysFile?: string }> {
  if (ctx.runner.env[cfg.signing.private_key_env]) return { key: signingKeyFromEnv(cfg, ctx.runner.env) };
  const dir = path.join(ctx.workDir, 'promotion');
  await mkdir(dir, { recursive: true });
  const pair = generateKeyPair(`${cfg.signing.key_id}-ephemeral`);
  const publicKeysFile = path.join(dir, 'public.jwks.json');
  await writeFile(publicKeysFile, JSON.stringify({ keys: [pair.publicJwk] }, null, 2) + '\n');
  ctx.log(`no ${cfg.signing.private_key_env}: signing with an ephemeral Ed25519 key (public key: ${path.relative(process.cwd(), publicKeysFile)})`);
  return { key: loadPrivateKey(JSON.stringify(pair.privateJwk), pair.kid), publicKeysFile };
}

export const publishPromotionStage: Stage = {
  name: 'publish-promotion',
  title: 'Publish the signed promotion message',
  async run(ctx): Promise<StageResult> {
    const staging = ctx.state.staging;
    if (!staging) return { status: 'skipped', summary: 'no staging deployment to promote' };
    if (ctx.state.verify && /^(fail|failed|error)$/i.test(ctx.state.verify.status)) return { status: 'skipped', summary: `staging verification ${ctx.state.verify.status}: nothing is promoted` };
    const cfg = promotionSettings(ctx);
    const registry = ctx.state.registry;
    const image = ctx.state.pushed?.refs.find((r) => r.endsWith(`@${staging.digest}`)) ?? (registry ? `${registry.host}/${registry.repository}@${staging.digest}` : undefined);
    if (!image) return { status: 'skipped', summary: 'the staged digest was not pushed to a registry' };

    const { key, publicKeysFile } = await localKey(ctx, cfg);
    const identity = sourceIdentity(ctx.runner, undefined, await gitHeadSha(ctx.project.dir));
    const event = createPromotionEvent({
      pipeline: ctx.project.config.name,
      environment: cfg.environment,
      image,
      source: identity.source,
      sourceUrl: identity.repositoryUrl,
      run: identity.run,
      staging: { environment: cfg.staging_environment, ...(staging.deploymentId !== undefined ? { deployment_id: staging.deploymentId } : {}), ...(staging.environmentUrl ? { url: staging.environmentUrl } : {}) },
      evidence: evidenceFrom({ quality: ctx.state.quality?.reports ?? [], ...(ctx.state.systemTest ? { systemTest: ctx.state.systemTest } : {}), ...(ctx.state.verify ? { verify: ctx.state.verify } : {}) }),
      ...(ctx.state.data?.manifests.length ? { dataVersions: dataVersionsOf(ctx.state.data) } : {}),
      now: ctx.now,
      expiresInSeconds: cfg.expires_in_seconds,
    });
    try {
      checkEvidence(event.data.evidence, cfg.policy.require);
    } catch (err) {
      if (!isRejected(err)) throw err;
      return { status: 'failed', summary: `not published: ${err.message}` };
    }
    const signed = await signWithKey(event, key);
    const file = path.join(ctx.workDir, 'promotion', 'message.json');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify(signed, null, 2) + '\n');

    const host = await ensureEmulator(ctx, cfg.transport.pubsub.project);
    const sent = await sendPromotion(signed, { ...cfg, transport: { ...cfg.transport, type: 'gcp-pubsub' } }, { createTopology: true, pubsub: { runtime: ctx.runtime, emulatorHost: host, workspace: ctx.runner.workspace } });
    ctx.state.promotion = { eventId: signed.id, ...(sent.messageId ? { messageId: sent.messageId } : {}), file, ...(publicKeysFile ? { publicKeysFile } : {}), keyId: key.kid, emulatorHost: host };
    return {
      status: 'passed',
      summary: `signed promotion ${signed.id.slice(0, 8)} of ${shortDigest(staging.digest)}… published to ${cfg.transport.pubsub.topic}`,
      details: { event: signed.id, 'pubsub message': sent.messageId ?? '-', topic: `projects/${cfg.transport.pubsub.project}/topics/${cfg.transport.pubsub.topic}`, emulator: host, 'signed with': `Ed25519 key ${key.kid}`, evidence: event.data.evidence.map((e) => `${e.name}:${e.status}`).join(' ') || 'none', message: path.relative(process.cwd(), file) },
    };
  },
};
