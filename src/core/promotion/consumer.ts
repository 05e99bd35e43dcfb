/**
 * The production side as one call: load trust material, recorder and ledger for a project, and
 * promote one message ({@link promoteMessage}) or every message of the subscription
 * ({@link listenForPromotions}, the pull equivalent of the pubsub-bridge).
 */
import path from 'node:path';
import type { DeployConfig } from '../deploy/config.ts';
import { GitHubDeployments, LocalDeploymentLog, type DeploymentRecorder } from '../deploy/deployments.ts';
import { ConfigError } from '../errors.ts';
import type { GitHubClient } from '../github/client.ts';
import type { Project } from '../project.ts';
import { defaultPromotionConfig, promotionConfigSchema, type PromotionConfig } from './config.ts';
import { isRejected } from './errors.ts';
import { DeploymentsLedger, FileLedger, type PromotionLedger } from './ledger.ts';
import { promote, type PromoteRequest, type PromoteResult } from './promote.ts';
import { trustedKeys } from './runtime.ts';
import type { SigstoreVerifier } from './verify.ts';
import { consumePromotions, ensurePromotionTopology, type ConsumeStats } from './transport/pubsub.ts';

/** Settings of the production side of a project. */
export interface ProductionSide {
  promotion: PromotionConfig;
  deploy: DeployConfig;
  recorder: DeploymentRecorder;
  ledger: PromotionLedger;
  github?: { client: GitHubClient; owner: string; repo: string } | undefined;
}

/** The `promotion:` section of a project, validated (defaults when absent). */
export function projectPromotionConfig(project: Project): PromotionConfig {
  const raw = project.config.promotion;
  return raw === undefined ? defaultPromotionConfig() : promotionConfigSchema.parse(raw);
}

/**
 * Recorder and ledger: the GitHub Deployments API when `github` is given, else the local log and ledger file.
 * @throws ConfigError when the project has no deploy section or no target environment.
 */
export function productionSide(project: Project, github?: { client: GitHubClient; owner: string; repo: string }): ProductionSide {
  const promotion = projectPromotionConfig(project);
  const deploy = project.config.deploy;
  if (!deploy?.environments[promotion.environment]) {
    throw new ConfigError(`deploy.environments has no "${promotion.environment}" environment`, { location: { file: project.file, field: `deploy.environments.${promotion.environment}` }, fix: 'Add the production environment (its GitOps overlay, cluster or Cloud Run service).' });
  }
  const recorder: DeploymentRecorder = github ? new GitHubDeployments(github.client, github.owner, github.repo) : new LocalDeploymentLog(path.resolve(project.dir, deploy.deployments_log));
  const ledger: PromotionLedger = github ? new DeploymentsLedger(recorder).forEnvironment(promotion.environment) : new FileLedger(path.resolve(project.dir, promotion.ledger_file));
  return { promotion, deploy, recorder, ledger, github };
}

/** Options of {@link promoteMessage} and {@link listenForPromotions}. */
export interface ConsumerOptions {
  approve: PromoteRequest['approve'];
  github?: { client: GitHubClient; owner: string; repo: string } | undefined;
  sigstore?: SigstoreVerifier;
  log?: (line: string) => void;
}

async function requestFor(project: Project, side: ProductionSide, message: unknown, options: ConsumerOptions): Promise<PromoteRequest> {
  const keys = side.promotion.signing.mode === 'key' || !options.sigstore ? await trustedKeys(side.promotion, project.dir).catch((err: unknown) => (options.sigstore ? undefined : Promise.reject(err as Error))) : undefined;
  return {
    message,
    pipeline: project.config.name,
    promotion: side.promotion,
    deploy: side.deploy,
    baseDir: project.dir,
    verify: { ...(keys ? { keys } : {}), ...(options.sigstore ? { sigstore: options.sigstore } : {}) },
    recorder: side.recorder,
    ledger: side.ledger,
    approve: options.approve,
    github: side.github,
    ...(options.log ? { log: options.log } : {}),
  };
}

/** Promotes one message (JSON text, bytes or parsed) for `project`. */
export async function promoteMessage(project: Project, message: unknown, options: ConsumerOptions): Promise<PromoteResult> {
  const side = productionSide(project, options.github);
  return promote(await requestFor(project, side, message, options));
}

/**
 * Pulls the project's subscription and promotes each message: deployed or duplicate → ack; refused
 * → dead-letter topic; other failures → nack (redelivered, dead-lettered after max_delivery_attempts).
 */
export async function listenForPromotions(project: Project, options: ConsumerOptions & { maxMessages?: number; timeoutMs?: number; signal?: AbortSignal; create?: boolean; onResult?: (r: PromoteResult) => void }): Promise<ConsumeStats> {
  const side = productionSide(project, options.github);
  if (options.create) await ensurePromotionTopology(side.promotion.transport.pubsub);
  return consumePromotions(
    side.promotion.transport.pubsub,
    async (m) => {
      try {
        const r = await promote(await requestFor(project, side, m.data, options));
        options.onResult?.(r);
        return 'ack';
      } catch (err) {
        // not approved: leave it on the subscription (redelivered; dead-lettered when never approved)
        if (isRejected(err, 'approval-required')) {
          options.log?.(err.message);
          return 'nack';
        }
        throw err;
      }
    },
    { ...(options.maxMessages !== undefined ? { maxMessages: options.maxMessages } : {}), ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}), ...(options.signal ? { signal: options.signal } : {}), ...(options.log ? { log: options.log } : {}) },
  );
}
