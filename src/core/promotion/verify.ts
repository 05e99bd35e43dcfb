/**
 * Verification of a promotion message against the policy of dataops.yml. Order: shape → signature
 * (algorithm allowlist, key id, Ed25519 JWS or sigstore bundle) → identity (issuer, audience,
 * owner id, repository id, name, signer workflow, event, ref) → time (expiry with bounded skew)
 * → replay. The first failing check throws {@link PromotionRejected} with its reason code.
 */
import { flattenedVerify, decodeProtectedHeader } from 'jose';
import { LOCAL_ISSUER, type PromotionPolicy } from './config.ts';
import { matchesGlob } from '../glob.ts';
import { PromotionRejected } from './errors.ts';
import type { TrustedKeys } from './keys.ts';
import { promotionEventSchema, signingPayload, type Evidence, type SignedPromotion } from './message.ts';
import { schemaUrl } from '../schema-url.ts';

/** Identity of the signer as vouched for by the signature (key mode: the signed claims; sigstore: the certificate). */
export interface SignerIdentity {
  issuer: string;
  repository: string;
  repository_id: string;
  repository_owner_id: string;
  ref: string;
  event_name: string;
  sha?: string;
  job_workflow_ref?: string;
}

/** Verifies a sigstore bundle over `payload` and returns the certificate's identity (see sigstore.ts). */
export interface SigstoreVerifier {
  verify(payload: Uint8Array, bundleBase64: string): Promise<SignerIdentity>;
}

/** What the verifier checks against. */
export interface VerifyOptions {
  policy: PromotionPolicy;
  /** Pipeline (project) name the consumer serves. */
  pipeline: string;
  /** Target environment the consumer deploys (the expected audience). */
  environment: string;
  /** Trusted Ed25519 keys by kid (mode key). */
  keys?: TrustedKeys;
  /** Sigstore verifier with the trusted root (mode sigstore). */
  sigstore?: SigstoreVerifier;
  /** Accepted `data.source.issuer` values (default: the policy's issuers). */
  issuers?: string[];
  now?: Date;
  /** True when this CloudEvents id was already consumed (a replay or a redelivery). */
  seen?: (eventId: string) => boolean | Promise<boolean>;
  /**
   * Web URLs of the GitHub servers whose repositories may sign (`https://github.com` always; the
   * consumer's own `GITHUB_SERVER_URL` on GitHub Enterprise Server). The CloudEvents `source` must
   * be one of them followed by `/<data.source.repository>`.
   */
  serverUrls?: readonly string[];
}

/**
 * The CloudEvents `source` values accepted for `repository`: `<server>/<repository>` for
 * github.com, each of `serverUrls`, and the server of a GHES OIDC issuer
 * (`https://HOST/_services/token` → `https://HOST`).
 */
export function acceptedSources(repository: string, issuer: string, serverUrls: readonly string[] = []): string[] {
  const servers = new Set(['https://github.com', ...serverUrls.map((u) => u.replace(/\/+$/, ''))]);
  const ghes = /^(https:\/\/[^/]+)\/_services\/token$/.exec(issuer);
  if (ghes) servers.add(ghes[1]!);
  return [...servers].map((server) => `${server}/${repository}`);
}

/** A message that passed every check. */
export interface VerifiedPromotion {
  event: SignedPromotion;
  mode: 'key' | 'sigstore';
  identity: SignerIdentity;
  /** Policy checks skipped because the policy leaves them open (e.g. no repository_id configured). */
  warnings: string[];
}

/** A report verdict in its canonical form: `passed`/`success`/`ok` → pass, `warned`/`warning` → warn, `failed` → fail, `errored` → error; else lower-cased as is. */
export function evidenceStatus(status: string): string {
  const s = status.trim().toLowerCase();
  if (/^(pass|passed|success|succeeded|ok)$/.test(s)) return 'pass';
  if (/^(warn|warned|warning)$/.test(s)) return 'warn';
  if (/^(fail|failed|failure)$/.test(s)) return 'fail';
  if (/^(error|errored)$/.test(s)) return 'error';
  if (/^(skip|skipped)$/.test(s)) return 'skipped';
  return s;
}

/**
 * Checks a message's evidence against `policy.require` (see config.ts): each required kind is
 * present, and every entry of a required kind has an allowed status.
 * @throws PromotionRejected `evidence-policy` naming every unmet requirement.
 */
export function checkEvidence(evidence: readonly Evidence[], require: PromotionPolicy['require']): void {
  const problems: string[] = [];
  for (const [kind, allowed] of Object.entries(require) as Array<[Evidence['kind'], string[] | undefined]>) {
    if (!allowed) continue;
    const entries = evidence.filter((e) => e.kind === kind);
    if (entries.length === 0) problems.push(`no ${kind} evidence (required: ${allowed.join(' or ')})`);
    for (const e of entries) if (!allowed.includes(evidenceStatus(e.status))) problems.push(`${kind} ${e.name}: ${e.status} (required: ${allowed.join(' or ')})`);
  }
  if (problems.length) throw new PromotionRejected('evidence-policy', problems.join('; '), { fix: 'Promote only what passed: fix the failing reports and publish again, or relax promotion.policy.require deliberately.' });
}

function parseMessage(raw: unknown): SignedPromotion {
  let value = raw;
  if (typeof raw === 'string' || raw instanceof Uint8Array) {
    try {
      value = JSON.parse(typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8'));
    } catch (err) {
      throw new PromotionRejected('malformed', 'the message is not JSON', { cause: err });
    }
  }
  const parsed = promotionEventSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PromotionRejected('malformed', `the message is not a promotion event: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`, { fix: `See ${schemaUrl('promotion-message.schema.json')}.` });
  }
  const event = parsed.data;
  if (!event.dataopssigmode || !event.dataopssignature) throw new PromotionRejected('unsigned', `event ${event.id} carries no signature`, { fix: 'Publish with "dataops promote publish" or the publish-promotion action, which sign.' });
  return event as SignedPromotion;
}

async function verifyKeySignature(event: SignedPromotion, options: VerifyOptions): Promise<void> {
  const parts = event.dataopssignature.split('.');
  if (parts.length !== 3 || parts[1] !== '') throw new PromotionRejected('bad-signature', 'dataopssignature is not a detached compact JWS (header..signature)');
  const [protectedHeader = '', , signature = ''] = parts;
  let header: { alg?: unknown; kid?: unknown; crit?: unknown; b64?: unknown };
  try {
    header = decodeProtectedHeader(`${protectedHeader}..${signature}`);
  } catch (err) {
    throw new PromotionRejected('bad-signature', 'the JWS protected header does not decode', { cause: err });
  }
  const alg = typeof header.alg === 'string' ? header.alg : '';
  if (alg.toLowerCase() === 'none' || alg === '') throw new PromotionRejected('alg-none', 'the JWS says alg "none": unsigned messages are never accepted');
  const allowed: string[] = options.policy.algorithms;
  if (!allowed.includes(alg)) throw new PromotionRejected('alg-not-allowed', `JWS algorithm "${alg}" is not in the allowlist (${allowed.join(', ')})`, { fix: 'Sign with Ed25519 (alg EdDSA).' });
  if (header.crit !== undefined || header.b64 !== undefined) throw new PromotionRejected('bad-signature', 'the JWS header carries crit/b64 parameters that are not accepted');
  const kid = typeof header.kid === 'string' ? header.kid : '';
  const key = options.keys?.get(kid);
  if (!key) throw new PromotionRejected('unknown-key', `key id "${kid}" is not among the trusted keys (${[...(options.keys?.keys() ?? [])].join(', ') || 'none configured'})`, { fix: 'Add the signer\'s public key to the trusted keys, or sign with a trusted key.' });
  try {
    await flattenedVerify({ protected: protectedHeader, payload: Buffer.from(signingPayload(event)).toString('base64url'), signature }, key, { algorithms: ['EdDSA'] });
  } catch (err) {
    throw new PromotionRejected('bad-signature', `the signature of event ${event.id} does not match its content (key "${kid}")`, { cause: err });
  }
}

/**
 * Verifies a promotion message (JSON text, bytes or parsed object).
 * @throws PromotionRejected with the reason of the first failed check.
 */
export async function verifyPromotion(raw: unknown, options: VerifyOptions): Promise<VerifiedPromotion> {
  const event = parseMessage(raw);
  const { policy } = options;
  const now = options.now ?? new Date();
  const data = event.data;
  let identity: SignerIdentity;
  if (event.dataopssigmode === 'key') {
    await verifyKeySignature(event, options);
    identity = { ...data.source };
  } else {
    if (!options.sigstore) throw new PromotionRejected('untrusted-certificate', 'a sigstore-signed message arrived but no sigstore trust root is configured', { fix: 'Set promotion.signing.mode: sigstore on the consumer.' });
    identity = await options.sigstore.verify(signingPayload(event), event.dataopssignature);
    for (const field of ['repository_id', 'repository_owner_id', 'ref', 'event_name', 'issuer'] as const) {
      if (identity[field] !== data.source[field]) throw new PromotionRejected('identity-mismatch', `data.source.${field} "${data.source[field]}" differs from the signing certificate's "${identity[field]}"`);
    }
    if (identity.sha && identity.sha !== data.source.sha) throw new PromotionRejected('identity-mismatch', `data.source.sha differs from the signing certificate's commit ${identity.sha}`);
    if (identity.job_workflow_ref && data.source.job_workflow_ref && identity.job_workflow_ref !== data.source.job_workflow_ref) throw new PromotionRejected('identity-mismatch', 'data.source.job_workflow_ref differs from the certificate');
  }
  const warnings: string[] = [];
  const issuers = options.issuers ?? policy.issuers;
  if (!issuers.includes(identity.issuer)) throw new PromotionRejected('wrong-issuer', `issuer "${identity.issuer}" is not in promotion.policy.issuers (${issuers.join(', ')})${identity.issuer === 'local' ? '; a message signed on a workstation has issuer "local": add it to promotion.policy.issuers, with a trusted key, to accept such messages' : ''}`);
  if (data.environment !== options.environment || event.subject !== `${data.pipeline}/${data.environment}`) {
    throw new PromotionRejected('wrong-audience', `the message targets "${event.subject}", this consumer deploys "${options.pipeline}/${options.environment}"`);
  }
  if (data.pipeline !== options.pipeline) throw new PromotionRejected('wrong-pipeline', `the message is for pipeline "${data.pipeline}", not "${options.pipeline}"`);
  if (policy.repository_owner_id !== undefined) {
    if (identity.repository_owner_id !== policy.repository_owner_id) throw new PromotionRejected('owner-id-mismatch', `owner id ${identity.repository_owner_id} is not the allowed ${policy.repository_owner_id} (a fork or another account)`);
  } else if (identity.issuer !== LOCAL_ISSUER) warnings.push('policy.repository_owner_id is not set: any owner is accepted');
  if (policy.repository_id !== undefined) {
    if (identity.repository_id !== policy.repository_id) throw new PromotionRejected('repository-id-mismatch', `repository "${identity.repository}" has id ${identity.repository_id}, the allowed repository has id ${policy.repository_id} (re-created or look-alike repository)`);
  } else if (identity.issuer !== LOCAL_ISSUER) warnings.push('policy.repository_id is not set: any repository id is accepted');
  if (policy.repository !== undefined && identity.repository.toLowerCase() !== policy.repository.toLowerCase()) throw new PromotionRejected('repository-mismatch', `repository "${identity.repository}" is not "${policy.repository}"`);
  const sources = acceptedSources(data.source.repository, identity.issuer, options.serverUrls);
  if (!sources.includes(event.source)) throw new PromotionRejected('repository-mismatch', `CloudEvents source "${event.source}" does not name data.source.repository (expected ${sources.join(' or ')})`);
  if (policy.signer_workflows.length > 0) {
    const wf = identity.job_workflow_ref ?? '';
    if (!policy.signer_workflows.some((p) => matchesGlob(wf, p, { segments: false }))) throw new PromotionRejected('signer-workflow-not-allowed', `signer workflow "${wf || '(none)'}" matches none of ${policy.signer_workflows.join(', ')}`);
  }
  if (/^pull_request/.test(identity.event_name)) throw new PromotionRejected('pull-request-event', `event "${identity.event_name}" may not promote: pull requests run code that was not reviewed`);
  if (!policy.allowed_refs.some((p) => matchesGlob(identity.ref, p, { segments: false }))) throw new PromotionRejected('ref-not-allowed', `ref "${identity.ref}" matches none of ${policy.allowed_refs.join(', ')}`);
  const skew = policy.clock_skew_seconds * 1000;
  const time = Date.parse(event.time);
  const expires = Date.parse(data.expires_at);
  if (time - skew > now.getTime()) throw new PromotionRejected('not-yet-valid', `event time ${event.time} is in the future (clock skew beyond ${policy.clock_skew_seconds} s)`);
  if (expires + skew < now.getTime()) throw new PromotionRejected('expired', `the message expired at ${data.expires_at}`);
  if (time + policy.max_age_seconds * 1000 + skew < now.getTime()) throw new PromotionRejected('expired', `the message is older than ${policy.max_age_seconds} s`);
  checkEvidence(data.evidence, policy.require ?? {});
  if (options.seen && (await options.seen(event.id))) throw new PromotionRejected('replayed', `event ${event.id} was already consumed; a redelivery or replay is not a new promotion`);
  return { event, mode: event.dataopssigmode, identity, warnings };
}
