/**
 * Glue shared by the flow stages, the CLI and the actions: the signer identity from the runner
 * context (or the claims of the job's OIDC token, which the action layer requests), keys from
 * secrets or files, evidence from reports, and sending a signed message over the configured
 * transport.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeJwt } from 'jose';
import { ConfigError } from '../errors.ts';
import type { GitHubApi } from '../github/api.ts';
import { repositoryUrl, type Env, type RunnerContext } from '../runner-context.ts';
import type { PromotionConfig } from './config.ts';
import { loadPrivateKey, loadPublicKeys, type SigningKey, type TrustedKeys } from './keys.ts';
import type { Evidence, PromotionData, PromotionEvent, SignedPromotion } from './message.ts';
import { signWithKey } from './sign.ts';
import { dispatchPromotion } from './transport/dispatch.ts';
import { ensurePromotionTopology, publishPromotion, type PubSubAccess } from './transport/pubsub.ts';

/** Claims of a GitHub Actions OIDC token that identify the signer. */
export interface GitHubOidcClaims {
  iss: string;
  repository: string;
  repository_id: string;
  repository_owner_id: string;
  sha: string;
  ref: string;
  event_name: string;
  job_workflow_ref?: string;
  run_id?: string;
  run_attempt?: string;
}

/** The signer's identity as a promotion carries it. */
export interface SourceIdentity {
  source: PromotionData['source'];
  run: { id: string; attempt: number; url?: string };
  /** Web URL of the repository that signs (on the run's server: github.com or GitHub Enterprise Server): the CloudEvents `source`. */
  repositoryUrl: string;
}

/** What the GitHub side of a run does not know off a runner: a local identity (`issuer: local`). */
const LOCAL_SOURCE: PromotionData['source'] = { issuer: 'local', repository: 'local/workstation', repository_id: '0', repository_owner_id: '0', sha: '0'.repeat(40), ref: 'refs/heads/main', event_name: 'workflow_dispatch' };

/**
 * The signer's source identity: from OIDC claims when given (the GitHub-vouched path), else from
 * the runner context (GITHUB_* variables) on a runner, else a local identity (`issuer: local`) whose
 * `sha` is `localSha` (the work tree's HEAD, when it has commits) or 40 zeros.
 * URLs are on the run's server (`GITHUB_SERVER_URL`), so GitHub Enterprise Server runs name their own.
 */
export function sourceIdentity(runner: Pick<RunnerContext, 'actions' | 'github'>, claims?: GitHubOidcClaims, localSha?: string): SourceIdentity {
  const gh = runner.github;
  if (claims) {
    const runId = claims.run_id ?? gh.runId ?? 'unknown';
    return {
      source: { issuer: claims.iss, repository: claims.repository, repository_id: claims.repository_id, repository_owner_id: claims.repository_owner_id, sha: claims.sha, ref: claims.ref, event_name: claims.event_name, ...(claims.job_workflow_ref ? { job_workflow_ref: claims.job_workflow_ref } : {}) },
      run: { id: runId, attempt: Number(claims.run_attempt ?? gh.runAttempt), url: `${repositoryUrl(gh, claims.repository)}/actions/runs/${runId}` },
      repositoryUrl: repositoryUrl(gh, claims.repository),
    };
  }
  if (runner.actions && gh.repository) {
    const runId = gh.runId ?? 'unknown';
    return {
      source: {
        issuer: 'https://token.actions.githubusercontent.com',
        repository: gh.repository,
        repository_id: gh.repositoryId ?? '0',
        repository_owner_id: gh.repositoryOwnerId ?? '0',
        sha: gh.sha ?? '0'.repeat(40),
        ref: gh.ref ?? 'refs/heads/main',
        event_name: gh.eventName ?? 'push',
        ...(gh.workflowRef ? { job_workflow_ref: gh.workflowRef } : {}),
      },
      run: { id: runId, attempt: gh.runAttempt, url: `${repositoryUrl(gh, gh.repository)}/actions/runs/${runId}` },
      repositoryUrl: repositoryUrl(gh, gh.repository),
    };
  }
  return { source: { ...LOCAL_SOURCE, ...(localSha && /^[0-9a-f]{40}$/.test(localSha) ? { sha: localSha } : {}) }, run: { id: `local-${Date.now()}`, attempt: 1 }, repositoryUrl: repositoryUrl(gh, LOCAL_SOURCE.repository) };
}

/** Claims of a GitHub OIDC token (decoded; the token came straight from GitHub over TLS). */
export function oidcClaims(token: string): GitHubOidcClaims {
  const c = decodeJwt(token) as Record<string, unknown>;
  const s = (k: string) => (typeof c[k] === 'string' ? (c[k]) : undefined);
  return {
    iss: s('iss') ?? '',
    repository: s('repository') ?? '',
    repository_id: s('repository_id') ?? '',
    repository_owner_id: s('repository_owner_id') ?? '',
    sha: s('sha') ?? '',
    ref: s('ref') ?? '',
    event_name: s('event_name') ?? '',
    ...(s('job_workflow_ref') ? { job_workflow_ref: s('job_workflow_ref') } : {}),
    ...(s('run_id') ? { run_id: s('run_id') } : {}),
    ...(s('run_attempt') ? { run_attempt: s('run_attempt') } : {}),
  };
}

/**
 * The private signing key named by `signing.private_key_env`, read from `env` (the runner context's).
 * @throws ConfigError when the variable is unset or not an Ed25519 key.
 */
export function signingKeyFromEnv(config: PromotionConfig, env: Env): SigningKey {
  const text = env[config.signing.private_key_env];
  if (!text) throw new ConfigError(`${config.signing.private_key_env} is not set`, { location: { field: 'promotion.signing.private_key_env' }, fix: 'Store the Ed25519 private key (PKCS#8 PEM or JWK) as a secret and pass it in that variable.' });
  return loadPrivateKey(text, config.signing.key_id);
}

/** Where {@link trustedKeys} looks. */
export interface TrustSources {
  /** Keys given explicitly (the promote action's `public-keys` input, a CLI flag): they win. */
  publicKeys?: string | undefined;
  /** The environment holding `signing.public_keys_env` (the runner context's). */
  env?: Env | undefined;
}

/**
 * Trusted public keys: given explicitly, else `signing.public_keys_env` of `env` (whatever name
 * the project gives it), else `signing.public_keys_file` (relative to `baseDir`).
 * @throws ConfigError when none is available.
 */
export async function trustedKeys(config: PromotionConfig, baseDir: string, sources: TrustSources = {}): Promise<TrustedKeys> {
  const text = sources.publicKeys || sources.env?.[config.signing.public_keys_env];
  if (text) return loadPublicKeys(text, config.signing.key_id);
  if (config.signing.public_keys_file) {
    const file = path.resolve(baseDir, config.signing.public_keys_file);
    try {
      return loadPublicKeys(await readFile(file, 'utf8'), config.signing.key_id);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ConfigError(`trusted keys file ${file} does not exist`, { location: { field: 'promotion.signing.public_keys_file' } });
      throw err;
    }
  }
  throw new ConfigError(`no trusted promotion keys: ${config.signing.public_keys_env} is unset and promotion.signing.public_keys_file is not configured`, { fix: 'Pass the public JWKS of the signing key.' });
}

/** Evidence list from report records `{status, sha256}` of the flow or action inputs. */
export function evidenceFrom(reports: { quality?: Array<{ suite: string; status: string; sha256: string; reportPath?: string }>; systemTest?: { status: string; sha256: string }; verify?: { status: string; sha256: string }; performance?: { status: string; sha256?: string } }): Evidence[] {
  const out: Evidence[] = [];
  for (const q of reports.quality ?? []) out.push({ name: q.suite, kind: 'quality', status: q.status, sha256: q.sha256 });
  if (reports.systemTest) out.push({ name: 'system-test', kind: 'system-test', status: reports.systemTest.status, sha256: reports.systemTest.sha256 });
  if (reports.verify) out.push({ name: 'verify', kind: 'verify', status: reports.verify.status, sha256: reports.verify.sha256 });
  if (reports.performance) out.push({ name: 'performance', kind: 'performance', status: reports.performance.status, ...(reports.performance.sha256 ? { sha256: reports.performance.sha256 } : {}) });
  return out;
}

/**
 * Parses `kind:name=status[=sha256:…]` evidence entries (CLI flags, action input lines).
 * @throws ConfigError naming `field` for a malformed entry.
 */
export function parseEvidence(values: string[], field = '--evidence'): Evidence[] {
  return values.map((v) => {
    const m = /^(quality|system-test|performance|verify|other):([^=]+)=([^=]+)(?:=(sha256:[a-f0-9]{64}))?$/.exec(v.trim());
    if (!m) throw new ConfigError(`"${v}" is not kind:name=status[=sha256:…]`, { location: { field }, fix: 'Write e.g. quality:flights=passed=sha256:… (kinds: quality, system-test, performance, verify, other).' });
    return { kind: m[1] as Evidence['kind'], name: m[2]!, status: m[3]!, ...(m[4] ? { sha256: m[4] } : {}) };
  });
}

/** Signs with the configured mode. Sigstore signing is injected (see sigstore.ts) to keep this module light. */
export async function signPromotion(event: PromotionEvent, options: { mode: 'key' | 'sigstore'; key?: SigningKey; sigstore?: (event: PromotionEvent) => Promise<SignedPromotion> }): Promise<SignedPromotion> {
  if (options.mode === 'sigstore') {
    if (!options.sigstore) throw new ConfigError('signing mode sigstore needs the job OIDC token', { location: { field: 'promotion.signing.mode' }, fix: 'Run on GitHub Actions with "permissions: id-token: write", or use mode key.' });
    return options.sigstore(event);
  }
  if (!options.key) throw new ConfigError('signing mode key needs a private key', { location: { field: 'promotion.signing.private_key_env' } });
  return signWithKey(event, options.key);
}

/** Result of {@link sendPromotion}. */
export interface SendResult {
  transport: 'gcp-pubsub' | 'github-dispatch';
  /** Pub/Sub message id (gcp-pubsub). */
  messageId?: string;
  eventId: string;
}

/**
 * Sends the signed event over the configured transport.
 * @throws ConfigError when github-dispatch has no client/repository or the payload is too large.
 */
export async function sendPromotion(event: SignedPromotion, config: PromotionConfig, options: { github?: { api: GitHubApi; repository?: string | undefined }; createTopology?: boolean; pubsub?: PubSubAccess } = {}): Promise<SendResult> {
  if (config.transport.type === 'github-dispatch') {
    const repository = config.transport.dispatch.repository ?? options.github?.repository;
    if (!options.github || !repository) throw new ConfigError('transport github-dispatch needs a GitHub token and a repository', { location: { field: 'promotion.transport.dispatch.repository' } });
    await dispatchPromotion(event, { api: options.github.api, repository, eventType: config.transport.dispatch.event_type });
    return { transport: 'github-dispatch', eventId: event.id };
  }
  if (options.createTopology) await ensurePromotionTopology(config.transport.pubsub, options.pubsub);
  const messageId = await publishPromotion(event, config.transport.pubsub, options.pubsub);
  return { transport: 'gcp-pubsub', messageId, eventId: event.id };
}
