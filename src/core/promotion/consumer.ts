/**
 * The production side as one call: load trust material, recorder and ledger for a project, and
 * promote one message ({@link promoteMessage}) or every message of the subscription
 * ({@link listenForPromotions}, the pull equivalent of the pubsub-bridge).
 */
import path from 'node:path';
import type { DeployConfig } from '../deploy/config.ts';
import { GitHubDeployments, LocalDeploymentLog, type DeploymentRecorder } from '../deploy/deployments.ts';
import { ConfigError } from '../errors.ts';
import type { GitHubRepo } from '../github/api.ts';
import type { RunnerContext } from '../runner-context.ts';
import type { RuntimeModules } from '../runtime/modules.ts';
import type { Project } from '../project.ts';
import { defaultPromotionConfig, promotionConfigSchema, requirePinnedPolicy, type PromotionConfig } from './config.ts';
import { DeploymentsLedger, FileLedger, type PromotionLedger } from './ledger.ts';
import { promote, type PromoteRequest, type PromoteResult } from './promote.ts';
import { trustedKeys } from './runtime.ts';
import type { SigstoreVerifier } from './verify.ts';
import { consumePromotions, ensurePromotionTopology, type ConsumeStats, type PubSubAccess } from './transport/pubsub.ts';

/** Settings of the production side of a project. */
export interface ProductionSide {
  promotion: PromotionConfig;
  deploy: DeployConfig;
  recorder: DeploymentRecorder;
  ledger: PromotionLedger;
  github?: GitHubRepo | undefined;
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
export function productionSide(project: Project, github?: GitHubRepo): ProductionSide {
  const promotion = projectPromotionConfig(project);
  const deploy = project.config.deploy;
  if (!deploy?.environments[promotion.environment]) {
    throw new ConfigError(`deploy.environments has no "${promotion.environment}" environment`, { location: { file: project.file, field: `deploy.environments.${promotion.environment}` }, fix: 'Add the production environment (its GitOps overlay, cluster or Cloud Run service).' });
  }
  const recorder: DeploymentRecorder = github ? new GitHubDeployments(github) : new LocalDeploymentLog(path.resolve(project.dir, deploy.deployments_log));
  const ledger: PromotionLedger = github ? new DeploymentsLedger(recorder).forEnvironment(promotion.environment) : new FileLedger(path.resolve(project.dir, promotion.ledger_file));
  return { promotion, deploy, recorder, ledger, github };
}

/** Options of {@link promoteMessage} and {@link listenForPromotions}. */
export interface ConsumerOptions {
  approve: PromoteRequest['approve'];
  /**
   * Whether `approve` can say yes: `approved` (--approve, a gated job), `prompt` (a person on a
   * terminal) or `closed` (nothing can approve). Default `approved`. A closed gate is a
   * configuration error before anything is pulled: the messages stay on the subscription untouched.
   */
  gate?: 'approved' | 'prompt' | 'closed';
  github?: GitHubRepo | undefined;
  sigstore?: SigstoreVerifier;
  /** Trusted public keys given explicitly (the promote action's `public-keys` input): they win over `promotion.signing`'s sources. */
  publicKeys?: string | undefined;
  /** The runner: its environment holds `signing.public_keys_env`; its workspace and Pub/Sub emulator are used. */
  runner?: Pick<RunnerContext, 'env' | 'workspace' | 'pubsubEmulatorHost'> | undefined;
  /** Where the Pub/Sub and Cloud Run clients come from. */
  runtime?: RuntimeModules | undefined;
  /** The consumer's GitHub server (`RunnerContext.github.serverUrl`): messages signed on it are accepted besides github.com's (GHES). */
  serverUrl?: string | undefined;
  log?: (line: string) => void;
}

/** How the consumer reaches Pub/Sub. */
function pubsubAccess(options: ConsumerOptions): PubSubAccess {
  return { runtime: options.runtime, workspace: options.runner?.workspace, emulatorHost: options.runner?.pubsubEmulatorHost };
}

/** Registry checks of the consumer: short retries (Pub/Sub redelivery with backoff is the outer retry). */
const CONSUMER_REGISTRY_ACCESS = { retry: { attempts: 4, budgetMs: 20_000 } };

/**
 * Trust material and policy checks done once, before any message is handled.
 * @throws ConfigError when no trusted keys are configured (mode key without a sigstore verifier) or
 *   the policy trusts GitHub identities without pinning repository and owner ids.
 */
async function consumerTrust(project: Project, side: ProductionSide, options: ConsumerOptions): Promise<Pick<PromoteRequest['verify'], 'keys' | 'sigstore'>> {
  requirePinnedPolicy(side.promotion.policy, project.file);
  const needKeys = side.promotion.signing.mode === 'key' || !options.sigstore;
  const keys = needKeys ? await trustedKeys(side.promotion, project.dir, { publicKeys: options.publicKeys, env: options.runner?.env }).catch((err: unknown) => (options.sigstore ? undefined : Promise.reject(err as Error))) : undefined;
  if (keys && keys.size === 0 && !options.sigstore) throw new ConfigError('the trusted promotion keys are an empty set: no message could verify', { location: { file: project.file, field: 'promotion.signing' }, fix: `Pass the public JWKS of the signing key (${side.promotion.signing.public_keys_env} or promotion.signing.public_keys_file).` });
  return { ...(keys ? { keys } : {}), ...(options.sigstore ? { sigstore: options.sigstore } : {}) };
}

function requestFor(project: Project, side: ProductionSide, message: unknown, trust: Pick<PromoteRequest['verify'], 'keys' | 'sigstore'>, options: ConsumerOptions): PromoteRequest {
  return {
    message,
    pipeline: project.config.name,
    promotion: side.promotion,
    deploy: side.deploy,
    baseDir: project.dir,
    verify: { ...trust, ...(options.serverUrl ? { serverUrls: [options.serverUrl] } : {}) },
    recorder: side.recorder,
    ledger: side.ledger,
    approve: options.approve,
    github: side.github,
    runtime: options.runtime,
    workspace: options.runner?.workspace,
    registryAccess: CONSUMER_REGISTRY_ACCESS,
    ...(options.log ? { log: options.log } : {}),
  };
}

/**
 * Promotes one message (JSON text, bytes or parsed) for `project`.
 * @throws ConfigError before verifying when the trust configuration is incomplete (see {@link listenForPromotions}).
 */
export async function promoteMessage(project: Project, message: unknown, options: ConsumerOptions): Promise<PromoteResult> {
  const side = productionSide(project, options.github);
  const trust = await consumerTrust(project, side, options);
  return promote(requestFor(project, side, message, trust, options));
}

/**
 * Pulls the project's subscription and promotes each message (see {@link consumePromotions} for
 * what happens to refused, failing and declined messages). Configuration problems — no trusted
 * keys, a policy without repository/owner ids, a gate nothing can open — are thrown before the
 * first pull, so no message is touched.
 * @throws ConfigError as above, or from handling a message (consuming stops; the message is released).
 */
export async function listenForPromotions(project: Project, options: ConsumerOptions & { maxMessages?: number; timeoutMs?: number; signal?: AbortSignal; create?: boolean; onResult?: (r: PromoteResult) => void }): Promise<ConsumeStats> {
  const side = productionSide(project, options.github);
  const trust = await consumerTrust(project, side, options);
  if (options.gate === 'closed') {
    throw new ConfigError('nothing can approve a production deploy here, so no message is pulled (they stay on the subscription)', {
      location: { field: '--approve' },
      fix: 'Run it on a terminal to answer each prompt, or pass --approve inside a job gated by the production environment.',
    });
  }
  if (options.create) await ensurePromotionTopology(side.promotion.transport.pubsub, pubsubAccess(options));
  return consumePromotions(
    side.promotion.transport.pubsub,
    async (m) => {
      const r = await promote(requestFor(project, side, m.data, trust, options));
      options.onResult?.(r);
      return 'ack';
    },
    { ...(options.maxMessages !== undefined ? { maxMessages: options.maxMessages } : {}), ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}), ...(options.signal ? { signal: options.signal } : {}), ...(options.log ? { log: options.log } : {}) },
    pubsubAccess(options),
  );
}
