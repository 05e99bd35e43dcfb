/**
 * Entry of actions/publish-promotion: after a verified staging deploy, builds the CloudEvents
 * promotion message for the staged digest, signs it (sigstore: keyless with the job's OIDC token,
 * `permissions: id-token: write`; key: Ed25519 from a secret) and sends it over Pub/Sub or
 * repository_dispatch. Every token and key is masked before first use.
 * Outputs: `event-id` (CloudEvents id, the idempotency key), `message-id` (Pub/Sub), `message`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as core from '../lib/core.ts';
import { z } from 'zod';
import { ConfigError } from '../../core/errors.ts';
import { shortDigest } from '../../core/hash.ts';
import { loadProject } from '../../core/project.ts';
import { projectPromotionConfig } from '../../core/promotion/consumer.ts';
import { loadPrivateKey } from '../../core/promotion/keys.ts';
import { createPromotionEvent } from '../../core/promotion/message.ts';
import { oidcClaims, parseEvidence, sendPromotion, signingKeyFromEnv, signPromotion, sourceIdentity } from '../../core/promotion/runtime.ts';
import { checkEvidence } from '../../core/promotion/verify.ts';
import { signWithSigstore } from '../../core/promotion/sigstore-sign.ts';
import type { RunnerContext } from '../../core/runner-context.ts';
import { input, readInputs, runAction } from '../lib/action.ts';
import { githubClient } from '../lib/github.ts';

const ACTION = 'publish-promotion';

const inputsSchema = z.object({
  image: z.string().min(1),
  project: z.string().optional(),
  'staging-deployment-id': z.string().regex(/^\d+$/, 'expected a deployment id').transform(Number).optional(),
  'staging-url': z.string().optional(),
  evidence: input.list(),
  rollback: input.boolean(false),
  'signing-mode': z.enum(['sigstore', 'key']).optional(),
  'private-key': z.string().optional(),
  transport: z.enum(['gcp-pubsub', 'github-dispatch']).optional(),
  'dispatch-repository': z.string().optional(),
  token: z.string().optional(),
  'create-topology': input.boolean(false),
  'fulcio-url': z.string().optional(),
  'rekor-url': z.string().optional(),
});

/**
 * The job's OIDC token for `audience` (`core.getIDToken`, masked by it), when the job may request
 * one (`permissions: id-token: write`); undefined otherwise.
 * @throws ConfigError when the request fails although the job may make it.
 */
async function idToken(runner: RunnerContext, audience: string): Promise<string | undefined> {
  if (!runner.oidc) return undefined;
  try {
    return await core.getIDToken(audience);
  } catch (err) {
    throw new ConfigError(`the OIDC token request failed: ${err instanceof Error ? err.message : String(err)}`, { fix: 'Give the job "permissions: id-token: write".', cause: err });
  }
}

/** Runs the action (exported for @github/local-action; the bundle entry calls it). */
export async function run(): Promise<void> {
  await runAction(ACTION, async (ctx) => {
    const { runner } = ctx;
    const inputs = readInputs(inputsSchema);
    if (inputs['private-key']) core.setSecret(inputs['private-key']);
    if (inputs.token) core.setSecret(inputs.token);
    const project = await loadProject(inputs.project ?? '.', { workspace: runner.workspace });
    const cfg = projectPromotionConfig(project);
    const mode = inputs['signing-mode'] ?? cfg.signing.mode;

    // the identity comes from GitHub's OIDC token when the job may request one (sigstore requires it)
    const token = await idToken(runner, mode === 'sigstore' ? 'sigstore' : 'dataops-promotion');
    const identity = sourceIdentity(runner, token ? oidcClaims(token) : undefined);
    const event = createPromotionEvent({
      pipeline: project.config.name,
      environment: cfg.environment,
      image: inputs.image,
      rollback: inputs.rollback,
      source: identity.source,
      sourceUrl: identity.repositoryUrl,
      run: identity.run,
      staging: { environment: cfg.staging_environment, ...(inputs['staging-deployment-id'] !== undefined ? { deployment_id: inputs['staging-deployment-id'] } : {}), ...(inputs['staging-url'] ? { url: inputs['staging-url'] } : {}) },
      evidence: parseEvidence(inputs.evidence, 'input "evidence"'),
      expiresInSeconds: cfg.expires_in_seconds,
    });
    // promotion.policy.require: evidence below the policy is never signed nor sent
    checkEvidence(event.data.evidence, cfg.policy.require);
    const signed = await signPromotion(event, {
      mode,
      ...(mode === 'key' ? { key: inputs['private-key'] ? loadPrivateKey(inputs['private-key'], cfg.signing.key_id) : signingKeyFromEnv(cfg, runner.env) } : {}),
      ...(token ? { sigstore: (e) => signWithSigstore(e, { getToken: () => Promise.resolve(token), runtime: ctx.runtime, ...(inputs['fulcio-url'] ? { fulcioURL: inputs['fulcio-url'] } : {}), ...(inputs['rekor-url'] ? { rekorURL: inputs['rekor-url'] } : {}) }) } : {}),
    });

    const ghToken = inputs.token ?? runner.github.token;
    const repository = inputs['dispatch-repository'] ?? cfg.transport.dispatch.repository ?? runner.github.repository;
    const sent = await sendPromotion(signed, { ...cfg, transport: { ...cfg.transport, type: inputs.transport ?? cfg.transport.type } }, {
      createTopology: inputs['create-topology'],
      pubsub: { runtime: ctx.runtime, workspace: runner.workspace, emulatorHost: runner.pubsubEmulatorHost },
      ...(ghToken ? { github: { api: githubClient({ token: ghToken, apiUrl: runner.github.apiUrl, log: (l) => core.warning(l) }), repository } } : {}),
    });

    const file = path.join(runner.temp, 'dataops-promotion', `${signed.id}.json`);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify(signed, null, 2) + '\n');
    core.setOutput('event-id', signed.id);
    core.setOutput('message-id', sent.messageId ?? '');
    core.setOutput('message', JSON.stringify(signed));
    core.setOutput('message-file', file);
    core.info(`${ACTION}: promotion ${signed.id} of ${signed.data.image} signed (${mode}) and sent via ${sent.transport}${sent.messageId ? ` (message ${sent.messageId})` : ''}`);
    await (await core.jobSummary())
      .addHeading('Promotion published', 3)
      .addTable([
        [{ data: 'Field', header: true }, { data: 'Value', header: true }],
        ['Image', `<code>${signed.data.image}</code>`],
        ['Target', signed.subject],
        ['CloudEvents id', `<code>${signed.id}</code>`],
        ['Signature', mode === 'sigstore' ? 'sigstore (keyless, Rekor-logged)' : `Ed25519 key`],
        ['Transport', `${sent.transport}${sent.messageId ? ` — message ${sent.messageId}` : ''}`],
        ['Expires', signed.data.expires_at],
        ...signed.data.evidence.map((e) => [`Evidence: ${e.kind}`, `${e.name}: ${e.status}${e.sha256 ? ` <code>${shortDigest(e.sha256)}…</code>` : ''}`]),
      ])
      .write();
  });
}
