/**
 * `promotion` in dataops.yml: how the promotion message is signed (sigstore keyless or an Ed25519
 * key), how it travels (Google Cloud Pub/Sub or GitHub `repository_dispatch`) and the verification
 * policy the production side applies before it deploys anything.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { repositorySchema } from '../fields.ts';

const globList = z.array(z.string().min(1));

/** Kinds of evidence a promotion message carries. */
export const EVIDENCE_KINDS = ['quality', 'system-test', 'performance', 'verify', 'other'] as const;
const evidenceKind = z.enum(EVIDENCE_KINDS);
/** Canonical evidence verdicts (report statuses): `passed`, `warned`… are read as these. */
export const EVIDENCE_STATUSES = ['pass', 'warn', 'fail', 'error', 'skipped'] as const;
const evidenceStatus = z.enum(EVIDENCE_STATUSES);
/** Default `promotion.policy.require`: quality pass|warn, system-test pass, verify pass. */
export const DEFAULT_EVIDENCE_REQUIREMENTS: Partial<Record<(typeof EVIDENCE_KINDS)[number], Array<(typeof EVIDENCE_STATUSES)[number]>>> = { quality: ['pass', 'warn'], 'system-test': ['pass'], verify: ['pass'] };

export const signingConfigSchema = z
  .strictObject({
    mode: z
      .enum(['sigstore', 'key'])
      .default('key')
      .describe('"sigstore": keyless signature bound to the workflow identity (GitHub OIDC → Fulcio certificate, Rekor transparency log). "key": Ed25519 JWS (EdDSA) with a key pair from secrets.'),
    key_id: z.string().min(1).default('dataops-promotion-1').describe('Key id ("kid") written into the JWS header and looked up on verification (mode key).'),
    private_key_env: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/)
      .default('DATAOPS_PROMOTION_PRIVATE_KEY')
      .describe('Environment variable holding the Ed25519 private key (PKCS#8 PEM or JWK JSON) used to sign (mode key).'),
    public_keys_env: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/)
      .default('DATAOPS_PROMOTION_PUBLIC_KEYS')
      .describe('Environment variable holding the trusted public keys: a JWKS JSON ({"keys":[…]} with "kid"), a single JWK or an SPKI PEM (mode key).'),
    public_keys_file: z.string().optional().describe('File (relative to dataops.yml, inside the project) holding the trusted public keys as JWKS JSON (mode key). Used when the environment variable is unset.'),
  })
  .describe('Signing of the promotion message.');

export const pubsubConfigSchema = z
  .strictObject({
    project: z.string().min(1).default('dataops-local').describe('Google Cloud project id of the topic and subscription.'),
    topic: z.string().min(1).default('dataops-promotions').describe('Topic the promotion message is published to.'),
    subscription: z.string().min(1).default('dataops-promotions-production').describe('Pull subscription the production side (`dataops promote listen`) reads.'),
    dead_letter_topic: z.string().min(1).default('dataops-promotions-dead-letter').describe('Dead-letter topic for messages the consumer keeps failing.'),
    max_delivery_attempts: z.number().int().min(5).max(100).default(5).describe('Delivery attempts before a message goes to the dead-letter topic (Pub/Sub allows 5-100).'),
    message_ordering: z
      .boolean()
      .default(false)
      .describe('Create the subscription with message ordering (messages carry the ordering key pipeline/environment either way). Off by default: the consumer refuses promotions older than the deployed one anyway, and the Pub/Sub emulator does not dead-letter ordered subscriptions.'),
    ack_deadline_seconds: z.number().int().min(10).max(600).default(60).describe('Ack deadline of the subscription, in seconds. The consumer extends it while a message waits for approval or is being deployed.'),
    retry_backoff: z
      .strictObject({
        minimum_seconds: z.number().int().min(0).max(600).default(10).describe('Delay before the first redelivery of a message that failed (Pub/Sub RetryPolicy minimumBackoff).'),
        maximum_seconds: z.number().int().min(0).max(600).default(600).describe('Longest delay between redeliveries (Pub/Sub RetryPolicy maximumBackoff).'),
      })
      .default({ minimum_seconds: 10, maximum_seconds: 600 })
      .describe('Exponential backoff before a failing message (registry unreachable, deploy failed, declined) is delivered again: minimum × 2^(attempt-1), capped at maximum. Set on the subscription as its retry policy and applied by the consumer itself.'),
  })
  .describe('Google Cloud Pub/Sub transport (honours PUBSUB_EMULATOR_HOST).');

export const dispatchConfigSchema = z
  .strictObject({
    repository: repositorySchema.optional().describe('owner/repo receiving the repository_dispatch event (default: the current repository).'),
    event_type: z.string().min(1).max(100).default('dataops-promotion').describe('event_type of the repository_dispatch (what the production workflow listens for).'),
  })
  .describe('GitHub repository_dispatch transport.');

export const transportConfigSchema = z
  .strictObject({
    type: z.enum(['gcp-pubsub', 'github-dispatch']).default('gcp-pubsub').describe('How the signed message travels to the production side.'),
    pubsub: pubsubConfigSchema.default(pubsubConfigSchema.parse({})),
    dispatch: dispatchConfigSchema.default(dispatchConfigSchema.parse({})),
  })
  .describe('Transport of the promotion message.');

export const policyConfigSchema = z
  .strictObject({
    repository: repositorySchema.optional().describe('owner/repo allowed to promote (names can be re-registered: the ids below are what counts).'),
    repository_id: z.union([z.number().int(), z.string().regex(/^\d+$/)]).transform(String).optional().describe('Numeric GitHub repository id allowed to promote (from GET /repos/{owner}/{repo}).'),
    repository_owner_id: z.union([z.number().int(), z.string().regex(/^\d+$/)]).transform(String).optional().describe('Numeric GitHub owner id allowed to promote; a fork has a different owner id.'),
    signer_workflows: globList
      .default([])
      .describe('Allowed signer workflows (`job_workflow_ref`, e.g. "octo/dataops/.github/workflows/dataops.yml@refs/tags/v1*"); "*" matches any run of characters and "?" any one (src/core/glob.ts). Empty: any workflow of the allowed repository.'),
    allowed_refs: globList.default(['refs/heads/main', 'refs/tags/*']).describe('Git refs the promoted commit may come from.'),
    max_age_seconds: z.number().int().min(60).max(30 * 24 * 3600).default(24 * 3600).describe('Messages older than this (by CloudEvents time) are refused, as are messages past their expires_at.'),
    clock_skew_seconds: z.number().int().min(0).max(600).default(60).describe('Tolerated clock difference between signer and verifier, in seconds.'),
    algorithms: z.array(z.enum(['EdDSA'])).default(['EdDSA']).describe('JWS algorithms accepted in key mode (EdDSA only; "none" and HMAC are never accepted).'),
    issuers: z
      .array(z.string().min(1))
      .default(['https://token.actions.githubusercontent.com'])
      .describe('Accepted issuers of the signer identity: the GitHub Actions OIDC issuer; add "local" to accept messages signed on a workstation with a trusted key (mode key).'),
    require: z
      .partialRecord(evidenceKind, z.array(evidenceStatus).min(1))
      .default(DEFAULT_EVIDENCE_REQUIREMENTS)
      .describe('Evidence the message must carry, by kind: every evidence entry of a listed kind must have one of the listed statuses, and at least one entry of each listed kind must be present. Checked by the publisher (nothing is sent) and by the consumer (refused as "evidence-policy"). Default: quality pass or warn, system-test pass, verify pass. {} requires nothing.'),
  })
  .describe('Verification policy applied before anything is deployed.');

export const promotionConfigSchema = z
  .strictObject({
    signing: signingConfigSchema.default(signingConfigSchema.parse({})),
    transport: transportConfigSchema.default(transportConfigSchema.parse({})),
    policy: policyConfigSchema.default(policyConfigSchema.parse({})),
    environment: z.string().min(1).default('production').describe('Environment the promotion deploys to.'),
    staging_environment: z.string().min(1).default('staging').describe('Environment whose successful deployment of the digest is required first.'),
    production_repository: z
      .string()
      .regex(/^[a-z0-9.-]+(?::\d+)?\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/, 'write registry-host[:port]/repository, without tag or digest')
      .optional()
      .describe('registry/repository the promoted digest is copied to (by digest, cross-repository blob mount where the registry allows). Default: production runs the staging reference unchanged.'),
    ledger_file: z.string().default('.dataops/promotions.json').describe('Local ledger of consumed promotion ids (idempotency without GitHub), relative to dataops.yml, inside the project.'),
    expires_in_seconds: z.number().int().min(60).max(30 * 24 * 3600).default(24 * 3600).describe('Lifetime written into the message (data.expires_at).'),
  })
  .describe('Signed promotion from staging to production.');
export type PromotionConfig = z.output<typeof promotionConfigSchema>;
export type PromotionPolicy = z.output<typeof policyConfigSchema>;

/** Defaults of every promotion setting (the section may be absent from dataops.yml). */
export function defaultPromotionConfig(): PromotionConfig {
  return promotionConfigSchema.parse({});
}

/** Issuer of messages signed on a workstation (mode key); its identity claims are not vouched for by GitHub. */
export const LOCAL_ISSUER = 'local';

/**
 * Refuses a production policy that trusts a GitHub identity without pinning the repository and
 * owner by id: without them any repository that can produce a valid signature (any GitHub workflow
 * in mode sigstore, any holder of a shared key) could promote. A policy that trusts only `local`
 * (workstation keys) needs no ids: the key is the whole trust.
 * @throws ConfigError naming the missing field of `file` (dataops.yml).
 */
export function requirePinnedPolicy(policy: PromotionPolicy, file?: string): void {
  if (policy.issuers.every((i) => i === LOCAL_ISSUER)) return;
  for (const field of ['repository_id', 'repository_owner_id'] as const) {
    if (policy[field] === undefined) {
      throw new ConfigError(`promotion.policy.${field} is not set: a message signed for any other repository would be accepted`, {
        location: { ...(file ? { file } : {}), field: `promotion.policy.${field}` },
        fix: 'Pin the repository and its owner by numeric id (GET /repos/{owner}/{repo}: "id" and "owner.id"); "dataops init" fills them in from the git remote.',
      });
    }
  }
}
