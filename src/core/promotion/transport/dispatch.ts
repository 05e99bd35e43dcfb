/**
 * GitHub `repository_dispatch` transport (https://docs.github.com/rest/repos/repos#create-a-repository-dispatch-event):
 * the signed event travels in `client_payload`, which GitHub limits to 10 top-level properties and
 * 65,535 characters. The payload has two: `promotion` (the signed event) and `ce_id`.
 */
import { ConfigError } from '../../errors.ts';
import { parseRepository } from '../../fields.ts';
import type { GitHubApi } from '../../github/api.ts';
import type { SignedPromotion } from '../message.ts';

/** GitHub's limits on `client_payload`. */
export const DISPATCH_LIMITS = { topLevelKeys: 10, characters: 65_535 } as const;

/** `client_payload` for a promotion. */
export function dispatchPayload(event: SignedPromotion): { promotion: SignedPromotion; ce_id: string; ce_type: string } {
  return { promotion: event, ce_id: event.id, ce_type: event.type };
}

/**
 * Sends the signed event as a repository_dispatch to `repository` (owner/repo).
 * @throws ConfigError when the payload exceeds GitHub's limits (before sending); the client's RequestError when GitHub refuses.
 */
export async function dispatchPromotion(event: SignedPromotion, options: { api: GitHubApi; repository: string; eventType: string }): Promise<void> {
  const { owner, repo } = parseRepository(options.repository, 'promotion.transport.dispatch.repository');
  const payload = dispatchPayload(event);
  const size = JSON.stringify(payload).length;
  if (Object.keys(payload).length > DISPATCH_LIMITS.topLevelKeys || size > DISPATCH_LIMITS.characters) {
    throw new ConfigError(`the promotion message is ${size} characters; repository_dispatch allows ${DISPATCH_LIMITS.characters} in client_payload`, {
      location: { field: 'promotion.transport.type' },
      fix: 'Shorten the evidence list (report URLs instead of inline data), or use transport gcp-pubsub with the pubsub-bridge.',
    });
  }
  await options.api.request('POST /repos/{owner}/{repo}/dispatches', { owner, repo, event_type: options.eventType, client_payload: payload as unknown as Record<string, unknown> });
}

/** The signed event from a repository_dispatch `client_payload` (the `github.event.client_payload` of the receiving workflow). */
export function promotionFromDispatch(clientPayload: unknown): unknown {
  const p = clientPayload as { promotion?: unknown } | undefined;
  if (!p || typeof p !== 'object' || !('promotion' in p)) throw new ConfigError('the repository_dispatch client_payload carries no "promotion"', { fix: 'Send it with dataops promote publish --transport github-dispatch.' });
  return p.promotion;
}

/**
 * The signed event from whatever carried it: the event itself (JSON text or parsed) or a
 * repository_dispatch `client_payload` (`{ promotion, ce_id, … }`) as text or parsed.
 * Anything else is returned unchanged (the verifier reports it as malformed).
 */
export function unwrapPromotion(raw: unknown): unknown {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  if (value && typeof value === 'object' && 'promotion' in value && !('specversion' in value)) return (value).promotion;
  return value;
}
