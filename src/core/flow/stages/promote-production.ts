/**
 * Flow stage `promote-production`: pulls the promotion message from the subscription, verifies it
 * against the policy and the trusted keys, shows the evidence and asks for approval (`--approve`
 * answers yes; no terminal and no `--approve` means no), then runs {@link promote}: staging
 * deployment and registry checks, copy by digest, GitOps production deploy of the same digest.
 * Hands on `state.production`.
 */
import { requirePinnedPolicy } from '../../promotion/config.ts';
import { productionSide } from '../../promotion/consumer.ts';
import { isRejected } from '../../promotion/errors.ts';
import { loadPublicKeys } from '../../promotion/keys.ts';
import { promote, type PromoteResult } from '../../promotion/promote.ts';
import { trustedKeys } from '../../promotion/runtime.ts';
import { consumePromotions } from '../../promotion/transport/pubsub.ts';
import { readFile } from 'node:fs/promises';
import type { Stage, StageResult } from '../types.ts';
import { ensureEmulator, promotionSettings } from './publish-promotion.ts';

export const promoteProductionStage: Stage = {
  name: 'promote-production',
  title: 'Gated production deploy of the same digest',
  async run(ctx): Promise<StageResult> {
    const published = ctx.state.promotion;
    if (!published) return { status: 'skipped', summary: 'no promotion message was published' };
    const cfg = promotionSettings(ctx);
    const deployCfg = ctx.project.config.deploy;
    if (!deployCfg?.environments[cfg.environment]) return { status: 'skipped', summary: `no "${cfg.environment}" environment under deploy.environments` };
    const emulatorHost = await ensureEmulator(ctx, cfg.transport.pubsub.project);

    // the demo's ephemeral key is trusted for this run only; a configured key comes from the environment/file
    const ephemeral = published.publicKeysFile !== undefined;
    const keys = ephemeral ? loadPublicKeys(await readFile(published.publicKeysFile!, 'utf8'), published.keyId ?? cfg.signing.key_id) : await trustedKeys(cfg, ctx.project.dir, { env: ctx.runner.env });
    const policy = ephemeral ? { ...cfg.policy, repository: undefined, repository_id: undefined, repository_owner_id: undefined, signer_workflows: [] } : cfg.policy;
    const registry = ctx.state.registry;
    const productionRepository = cfg.production_repository ?? (registry ? `${registry.host}/${registry.repository}-production` : undefined);

    if (!ephemeral) requirePinnedPolicy(cfg.policy, ctx.project.file);
    // nothing can approve (no --approve, no terminal): do not pull, so the message stays untouched
    if (!ctx.approve && ctx.interactive === false) {
      return { status: 'failed', summary: `production deploy not approved (run with --approve, or on a terminal); message ${published.eventId.slice(0, 8)} stays on ${cfg.transport.pubsub.subscription} for "dataops promote listen"` };
    }
    // recorded where deploy-staging recorded: GitHub when the flow has a GitHub repository, else the local log
    const { recorder, ledger, github } = productionSide(ctx.project, ctx.github);
    let result: PromoteResult | undefined;
    let denied = false;
    await consumePromotions(
      cfg.transport.pubsub,
      async (m) => {
        try {
          result = await promote({
            message: m.data,
            pipeline: ctx.project.config.name,
            promotion: { ...cfg, policy, ...(productionRepository ? { production_repository: productionRepository } : {}) },
            deploy: deployCfg,
            baseDir: ctx.project.dir,
            verify: { keys, issuers: ephemeral ? [...cfg.policy.issuers, 'local'] : cfg.policy.issuers, now: new Date(), serverUrls: [ctx.runner.github.serverUrl] },
            recorder,
            ledger,
            approve: async (v, summary) => {
              for (const line of summary.split('\n')) ctx.log(line);
              return ctx.approve || (await ctx.confirm(`Deploy ${v.event.data.image} to ${cfg.environment}?`));
            },
            github,
            runtime: ctx.runtime,
            workspace: ctx.runner.workspace,
            log: (line) => ctx.log(line),
          });
          return 'ack';
        } catch (err) {
          if (isRejected(err, 'approval-required')) {
            denied = true;
            return 'release'; // stays on the subscription (after a backoff): "dataops promote listen" can deploy it after approval
          }
          throw err;
        }
      },
      { maxMessages: 1, timeoutMs: 60_000, until: () => denied || result !== undefined, log: (line) => ctx.log(line) },
      { runtime: ctx.runtime, emulatorHost, workspace: ctx.runner.workspace },
    );
    if (denied) return { status: 'failed', summary: `production deploy not approved (run with --approve, or answer y); message ${published.eventId.slice(0, 8)} stays on ${cfg.transport.pubsub.subscription}` };
    if (!result) return { status: 'failed', summary: `no promotion message arrived on ${cfg.transport.pubsub.subscription} within 60 s` };
    const r = result;
    ctx.state.production = { ...(r.deploymentId !== undefined ? { deploymentId: r.deploymentId } : {}), digest: r.digest, ref: r.image };
    const same = r.digest === ctx.state.staging?.digest;
    return {
      status: same ? 'passed' : 'failed',
      summary: `${r.status === 'duplicate' ? 'already deployed' : 'deployed'} ${r.image.split('/').pop()} to ${cfg.environment}${same ? ' (the digest staging ran)' : ' — NOT the staged digest'}`,
      details: {
        promotion: r.eventId,
        image: r.image,
        ...(r.deploymentId !== undefined ? { deployment: r.deploymentId } : {}),
        ...(r.deploy?.commitSha ? { 'gitops commit': r.deploy.commitSha.slice(0, 12) } : {}),
        ...(r.copy ? { copy: `${r.copy.mountedBlobs} blobs mounted, ${r.copy.uploadedBytes} bytes uploaded` } : {}),
        signature: `${r.verified.mode} ${r.verified.identity.issuer}`,
      },
    };
  },
};
