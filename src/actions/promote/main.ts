/**
 * Entry of actions/promote: the production job of the reusable workflow (declared with
 * `environment: production`, so GitHub's required reviewers have approved before it runs).
 * Takes the signed message (input, file, the repository_dispatch payload that triggered the run,
 * or one pulled from the Pub/Sub subscription), verifies it, checks the staging deployment and the
 * registry, copies the digest to production and deploys it, recording the GitHub deployment with
 * the evidence. A redelivered promotion deploys nothing (`status: duplicate`).
 */
import { readFile } from 'node:fs/promises';
import * as core from '../lib/core.ts';
import { z } from 'zod';
import { ConfigError } from '../../core/errors.ts';
import { shortDigest } from '../../core/hash.ts';
import { loadProject } from '../../core/project.ts';
import type { RunnerContext } from '../../core/runner-context.ts';
import { listenForPromotions, promoteMessage, type ConsumerOptions } from '../../core/promotion/consumer.ts';
import type { PromoteResult } from '../../core/promotion/promote.ts';
import { publicGoodSigstoreVerifier, sigstoreVerifier } from '../../core/promotion/sigstore.ts';
import { promotionFromDispatch, unwrapPromotion } from '../../core/promotion/transport/dispatch.ts';
import { input, readInputs, runAction } from '../lib/action.ts';
import { deployCredentials, runRepository } from '../lib/github.ts';

const ACTION = 'promote';

const inputsSchema = z.object({
  project: z.string().optional(),
  message: z.string().optional(),
  'message-file': z.string().optional(),
  pull: input.boolean(false),
  'public-keys': z.string().optional(),
  'trusted-root': z.string().optional(),
  token: z.string().optional(),
  'gitops-token': z.string().optional(),
  kubeconfig: z.string().optional(),
  approved: input.boolean(true),
});

/** The message: input, file, or the repository_dispatch event that started this run. */
async function messageFrom(inputs: z.output<typeof inputsSchema>, runner: RunnerContext): Promise<unknown> {
  if (inputs.message) return unwrapPromotion(inputs.message);
  if (inputs['message-file']) return unwrapPromotion(await readFile(inputs['message-file'], 'utf8'));
  if (runner.github.eventName === 'repository_dispatch' && runner.github.eventPath) {
    const event = JSON.parse(await readFile(runner.github.eventPath, 'utf8')) as { client_payload?: unknown };
    return promotionFromDispatch(event.client_payload);
  }
  return undefined;
}

/** Runs the action (exported for @github/local-action; the bundle entry calls it). */
export async function run(): Promise<void> {
  await runAction(ACTION, async (ctx) => {
    const { runner } = ctx;
    const inputs = readInputs(inputsSchema);
    const token = inputs.token ?? runner.github.token;
    if (token) core.setSecret(token);
    // the target's credentials: a GitOps token for git over HTTPS, a kubeconfig for kubectl
    await deployCredentials(inputs, runner);
    const project = await loadProject(inputs.project ?? '.', { workspace: runner.workspace });
    const github = runRepository(runner, token, { log: (l) => core.warning(l) });
    const options: ConsumerOptions = {
      // the gate is the job's environment: GitHub ran this job only after the required reviewers approved
      approve: (_v, summary) => {
        core.info(summary);
        return Promise.resolve(inputs.approved);
      },
      github,
      // the input wins over promotion.signing's sources, whatever name public_keys_env has
      publicKeys: inputs['public-keys'],
      runner,
      runtime: ctx.runtime,
      serverUrl: runner.github.serverUrl,
      log: (l) => core.info(l),
      // sigstore: the trusted root given, else the public-good one from Sigstore's TUF repository (fetched only for sigstore messages)
      sigstore: inputs['trusted-root'] ? sigstoreVerifier(JSON.parse(await readFile(inputs['trusted-root'], 'utf8'))) : publicGoodSigstoreVerifier(),
    };
    let result: PromoteResult | undefined;
    const message = await messageFrom(inputs, runner);
    if (message !== undefined) result = await promoteMessage(project, message, options);
    else if (inputs.pull) await listenForPromotions(project, { ...options, gate: inputs.approved ? 'approved' : 'closed', maxMessages: 1, timeoutMs: 60_000, onResult: (r) => (result = r) });
    else throw new ConfigError('no promotion message', { location: { field: 'input "message"' }, fix: 'Pass "message" or "message-file", run on repository_dispatch, or set "pull: true" to read the Pub/Sub subscription.' });
    if (!result) throw new ConfigError('no promotion was deployed from the subscription', { fix: 'Check the dead-letter topic for refused messages.' });

    core.setOutput('status', result.status);
    core.setOutput('event-id', result.eventId);
    core.setOutput('image', result.image);
    core.setOutput('digest', result.digest);
    core.setOutput('deployment-id', result.deploymentId !== undefined ? String(result.deploymentId) : '');
    if (result.running) core.warning(`promotion ${result.eventId} was already deployed, but production now runs ${result.running.image} (deployment ${result.running.deploymentId}); nothing was deployed`);
    const d = result.verified.event.data;
    await (await core.jobSummary())
      .addHeading(result.status === 'duplicate' ? 'Promotion already deployed' : 'Promoted to production', 3)
      .addTable([
        [{ data: 'Field', header: true }, { data: 'Value', header: true }],
        ['Image', `<code>${result.image}</code>`],
        ['From', `${d.source.repository}@${d.source.sha.slice(0, 12)} (${d.source.ref}, ${d.source.event_name})`],
        ['Signed by', `${result.verified.mode}: ${result.verified.identity.job_workflow_ref ?? result.verified.identity.repository}`],
        ['Staging', `${d.staging.environment}${d.staging.deployment_id ? ` deployment ${d.staging.deployment_id}` : ''}`],
        ['Promotion', `<code>${result.eventId}</code>`],
        ['Deployment', result.deploymentId !== undefined ? String(result.deploymentId) : '-'],
        ...(result.running ? [['Production runs now', `<code>${result.running.image}</code> (deployment ${result.running.deploymentId}): this replay deployed nothing`]] : []),
        ...d.evidence.map((e) => [`Evidence: ${e.kind}`, `${e.name}: ${e.status}${e.sha256 ? ` <code>${shortDigest(e.sha256)}…</code>` : ''}`]),
      ])
      .write();
  });
}
