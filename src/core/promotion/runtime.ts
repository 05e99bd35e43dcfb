/**
 * Glue shared by the flow stages, the CLI and the actions: the signer identity from the GitHub
 * Actions environment (or the job's OIDC token), keys from secrets or files, evidence from reports,
 * and sending a signed message over the configured transport.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeJwt } from 'jose';
import { ConfigError } from '../errors.ts';
import type { GitHubClient } from '../github/client.ts';
import type { PromotionConfig } from './config.ts';
import { loadPrivateKey, loadPublicKeys, type SigningKey, type TrustedKeys } from './keys.ts';
import type { Evidence, PromotionData, PromotionEvent, SignedPromotion } from './message.ts';
import { signWithKey } from './sign.ts';
import { dispatchPromotion } from './transport/dispatch.ts';
import { ensurePromotionTopology, publishPromotion } from './transport/pubsub.ts';

type Env = Record<string, string | undefined>;

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

/**
 * Requests the job's OIDC token (`permissions: id-token: write`) for `audience` from
 * ACTIONS_ID_TOKEN_REQUEST_URL; `mask` is called with the token before anything else uses it.
 * Resolves undefined when the job has no id-token permission.
 */
export async function requestOidcToken(audience: string, mask: (secret: string) => void, env: Env = process.env): Promise<string | undefined> {
  const url = env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const bearer = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (!url || !bearer) return undefined;
  const u = new URL(url);
  u.searchParams.set('audience', audience);
  const res = await fetch(u, { headers: { authorization: `Bearer ${bearer}`, accept: 'application/json' } });
  if (!res.ok) throw new ConfigError(`the OIDC token request answered ${res.status}`, { fix: 'Give the job "permissions: id-token: write".' });
  const { value } = (await res.json()) as { value?: string };
  if (!value) throw new ConfigError('the OIDC token response carried no token');
  mask(value);
  return value;
}

/**
 * The signer's source identity: from OIDC claims when given (the GitHub-vouched path), else from
 * the runner's GITHUB_* variables, else a local identity (`issuer: local`).
 */
export function sourceIdentity(env: Env = process.env, claims?: GitHubOidcClaims): { source: PromotionData['source']; run: { id: string; attempt: number; url?: string } } {
  const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
  if (claims) {
    const runId = claims.run_id ?? env.GITHUB_RUN_ID ?? 'unknown';
    return {
      source: { issuer: claims.iss, repository: claims.repository, repository_id: claims.repository_id, repository_owner_id: claims.repository_owner_id, sha: claims.sha, ref: claims.ref, event_name: claims.event_name, ...(claims.job_workflow_ref ? { job_workflow_ref: claims.job_workflow_ref } : {}) },
      run: { id: runId, attempt: Number(claims.run_attempt ?? env.GITHUB_RUN_ATTEMPT ?? 1), url: `${server}/${claims.repository}/actions/runs/${runId}` },
    };
  }
  if (env.GITHUB_ACTIONS === 'true' && env.GITHUB_REPOSITORY) {
    const runId = env.GITHUB_RUN_ID ?? 'unknown';
    return {
      source: {
        issuer: 'https://token.actions.githubusercontent.com',
        repository: env.GITHUB_REPOSITORY,
        repository_id: env.GITHUB_REPOSITORY_ID ?? '0',
        repository_owner_id: env.GITHUB_REPOSITORY_OWNER_ID ?? '0',
        sha: env.GITHUB_SHA ?? '0'.repeat(40),
        ref: env.GITHUB_REF ?? 'refs/heads/main',
        event_name: env.GITHUB_EVENT_NAME ?? 'push',
        ...(env.GITHUB_WORKFLOW_REF ? { job_workflow_ref: env.GITHUB_WORKFLOW_REF } : {}),
      },
      run: { id: runId, attempt: Number(env.GITHUB_RUN_ATTEMPT ?? 1), url: `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${runId}` },
    };
  }
  return { source: { issuer: 'local', repository: 'local/workstation', repository_id: '0', repository_owner_id: '0', sha: '0'.repeat(40), ref: 'refs/heads/main', event_name: 'workflow_dispatch' }, run: { id: `local-${Date.now()}`, attempt: 1 } };
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
 * The private signing key named by `signing.private_key_env`.
 * @throws ConfigError when the variable is unset or not an Ed25519 key.
 */
export function signingKeyFromEnv(config: PromotionConfig, env: Env = process.env): SigningKey {
  const text = env[config.signing.private_key_env];
  if (!text) throw new ConfigError(`${config.signing.private_key_env} is not set`, { location: { field: 'promotion.signing.private_key_env' }, fix: 'Store the Ed25519 private key (PKCS#8 PEM or JWK) as a secret and pass it in that variable.' });
  return loadPrivateKey(text, config.signing.key_id);
}

/**
 * Trusted public keys: `signing.public_keys_env`, else `signing.public_keys_file` (relative to `baseDir`).
 * @throws ConfigError when neither is available.
 */
export async function trustedKeys(config: PromotionConfig, baseDir: string, env: Env = process.env): Promise<TrustedKeys> {
  const text = env[config.signing.public_keys_env];
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
export async function sendPromotion(event: SignedPromotion, config: PromotionConfig, options: { github?: { client: GitHubClient; repository?: string | undefined }; createTopology?: boolean } = {}): Promise<SendResult> {
  if (config.transport.type === 'github-dispatch') {
    const repository = config.transport.dispatch.repository ?? options.github?.repository;
    if (!options.github || !repository) throw new ConfigError('transport github-dispatch needs a GitHub token and a repository', { location: { field: 'promotion.transport.dispatch.repository' } });
    await dispatchPromotion(event, { client: options.github.client, repository, eventType: config.transport.dispatch.event_type });
    return { transport: 'github-dispatch', eventId: event.id };
  }
  if (options.createTopology) await ensurePromotionTopology(config.transport.pubsub);
  const messageId = await publishPromotion(event, config.transport.pubsub);
  return { transport: 'gcp-pubsub', messageId, eventId: event.id };
}
