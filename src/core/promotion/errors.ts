/** Refusals of the promotion verification policy: each carries a precise, stable reason code. */
import { ConfigError } from '../errors.ts';

/** Why a promotion message was refused. Stable strings: logs, metrics and tests match on them. */
export const REJECTION_REASONS = [
  'malformed',
  'unsigned',
  'alg-none',
  'alg-not-allowed',
  'unknown-key',
  'bad-signature',
  'wrong-issuer',
  'wrong-audience',
  'wrong-pipeline',
  'repository-mismatch',
  'repository-id-mismatch',
  'owner-id-mismatch',
  'signer-workflow-not-allowed',
  'ref-not-allowed',
  'pull-request-event',
  'identity-mismatch',
  'expired',
  'not-yet-valid',
  'replayed',
  'untrusted-certificate',
  'older-than-deployed',
  'staging-not-successful',
  'digest-not-in-staging-registry',
  'approval-required',
  'evidence-policy',
  'registry-unreachable',
  'deploy-failed',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/**
 * A promotion refused by policy (a forged, tampered, expired, replayed or wrong-claim message, or
 * a precondition of the production deploy that does not hold). A ConfigError: the fix is on the
 * sender's or the configuration's side, never a retry.
 */
export class PromotionRejected extends ConfigError {
  readonly reason: RejectionReason;
  constructor(reason: RejectionReason, detail: string, options: { fix?: string; cause?: unknown } = {}) {
    super(`promotion refused (${reason}): ${detail}`, { location: { field: 'promotion' }, ...options });
    this.reason = reason;
  }
}

/**
 * A promotion that could not be carried out for a reason that may pass (the staging registry is
 * unreachable, the deploy backend failed). Not a ConfigError: the Pub/Sub consumer releases the
 * message with a backoff and, when its delivery attempts are spent, forwards it to the dead-letter
 * topic with this `reason` as `dataops-rejection`.
 */
export class PromotionFailed extends Error {
  override readonly name = 'PromotionFailed';
  readonly reason: RejectionReason;
  constructor(reason: RejectionReason, detail: string, options: { cause?: unknown } = {}) {
    super(`promotion failed (${reason}): ${detail}`, options);
    this.reason = reason;
  }
}

/** True when `err` is a {@link PromotionRejected}, optionally with the given reason. */
export function isRejected(err: unknown, reason?: RejectionReason): err is PromotionRejected {
  return err instanceof PromotionRejected && (reason === undefined || err.reason === reason);
}
