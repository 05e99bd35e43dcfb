/**
 * pubsub-bridge: an HTTP endpoint for a Pub/Sub PUSH subscription that turns a verified promotion
 * message into a `repository_dispatch` on the production repository.
 *
 * 1. The push request's `Authorization: Bearer` token is a Google-signed OIDC JWT
 *    (https://cloud.google.com/pubsub/docs/authenticate-push-subscriptions): verified with jose
 *    against Google's JWKS (`iss` accounts.google.com, `aud` = the configured audience, `email` =
 *    the push service account, `email_verified` true). Failures: 401 (no/invalid/expired token,
 *    wrong audience) or 403 (wrong or unverified email) — Pub/Sub redelivers, then dead-letters.
 * 2. The message data is the signed promotion: verified with the toolkit's own verifier and policy.
 *    A refused message answers 400 (redelivered until the dead-letter topic takes it).
 * 3. Deduplicated on the CloudEvents id (in memory per instance; the production job is idempotent
 *    on the same id anyway): a duplicate answers 200 without dispatching.
 * 4. Dispatch with a short-lived GitHub App installation token: an RS256 app JWT (10 min) buys an
 *    installation token (1 h, cached until 5 min before expiry); no personal token anywhere.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, SignJWT, type JWTVerifyGetKey } from 'jose';
import { githubClient } from '../../../src/actions/lib/github.ts';
import { isRejected } from '../../../src/core/promotion/errors.ts';
import { dispatchPromotion } from '../../../src/core/promotion/transport/dispatch.ts';
import { verifyPromotion, type VerifyOptions } from '../../../src/core/promotion/verify.ts';

/** The REST API of github.com. */
const DEFAULT_API_URL = 'https://api.github.com';

/** Google's JWKS for the OIDC tokens of push subscriptions. */
export const GOOGLE_CERTS_URL = 'https://www.googleapis.com/oauth2/v3/certs';

/** Configuration of the bridge. */
export interface BridgeOptions {
  /** Expected `aud` of the push token (the push endpoint URL or the configured audience). */
  audience: string;
  /** Service account emails allowed to push (the subscription's push auth service account). */
  allowedEmails: string[];
  /** Key set of the push tokens (default: Google's certs URL). */
  jwks?: JWTVerifyGetKey;
  /** Promotion verification (policy, pipeline, environment, keys or sigstore). */
  verify: Omit<VerifyOptions, 'seen'>;
  github: {
    appId: string;
    /** GitHub App private key, PEM (PKCS#1 or PKCS#8). */
    privateKey: string;
    installationId: number;
    /** owner/repo receiving the dispatch. */
    repository: string;
    eventType: string;
    /** REST API URL (default https://api.github.com; GitHub Enterprise Server: https://HOST/api/v3). */
    apiUrl?: string;
  };
  /** How long a CloudEvents id is remembered (default 7 days: Pub/Sub's maximum retention). */
  dedupeTtlMs?: number;
  log?: (entry: Record<string, unknown>) => void;
}

/** An installation token from an app JWT (RS256, iss = app id, iat 60 s in the past, exp 9 min ahead). */
export async function installationToken(app: { appId: string; privateKey: KeyObject; installationId: number; apiUrl?: string }): Promise<{ token: string; expiresAt: number }> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = await new SignJWT({}).setProtectedHeader({ alg: 'RS256', typ: 'JWT' }).setIssuer(app.appId).setIssuedAt(now - 60).setExpirationTime(now + 540).sign(app.privateKey);
  const api = githubClient({ token: jwt, apiUrl: app.apiUrl ?? DEFAULT_API_URL, userAgent: 'dataops-pubsub-bridge' });
  const { data } = await api.request('POST /app/installations/{installation_id}/access_tokens', { installation_id: app.installationId });
  return { token: data.token, expiresAt: Date.parse(data.expires_at) };
}

/** Creates the request handler. */
export function createBridge(options: BridgeOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const jwks = options.jwks ?? createRemoteJWKSet(new URL(GOOGLE_CERTS_URL));
  const appKey = createPrivateKey(options.github.privateKey);
  const seen = new Map<string, number>();
  const inFlight = new Set<string>();
  const ttl = options.dedupeTtlMs ?? 7 * 24 * 3600_000;
  const log = options.log ?? ((e) => process.stdout.write(JSON.stringify({ severity: 'INFO', ...e }) + '\n'));
  let cached: { token: string; expiresAt: number } | undefined;

  const token = async () => {
    if (!cached || cached.expiresAt - Date.now() < 5 * 60_000) {
      cached = await installationToken({ appId: options.github.appId, privateKey: appKey, installationId: options.github.installationId, ...(options.github.apiUrl ? { apiUrl: options.github.apiUrl } : {}) });
    }
    return cached.token;
  };

  const handle = async (req: IncomingMessage, body: string): Promise<{ status: number; body: Record<string, unknown> }> => {
    if (req.method !== 'POST') return { status: 405, body: { error: 'POST only' } };
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ')) return { status: 401, body: { error: 'missing push token' } };
    let claims: Record<string, unknown>;
    try {
      ({ payload: claims } = await jwtVerify(auth.slice(7), jwks, { issuer: ['https://accounts.google.com', 'accounts.google.com'], audience: options.audience, algorithms: ['RS256'] }));
    } catch (err) {
      const why = err instanceof joseErrors.JWTExpired ? 'expired' : err instanceof joseErrors.JWTClaimValidationFailed ? `claim ${err.claim} invalid` : 'invalid signature or token';
      return { status: 401, body: { error: `push token refused: ${why}` } };
    }
    if (claims.email_verified !== true) return { status: 403, body: { error: 'push token email is not verified' } };
    if (typeof claims.email !== 'string' || !options.allowedEmails.includes(claims.email)) return { status: 403, body: { error: `push token email ${String(claims.email)} is not allowed` } };

    let envelope: { message?: { data?: string; messageId?: string; attributes?: Record<string, string> } };
    try {
      envelope = JSON.parse(body) as typeof envelope;
    } catch {
      return { status: 400, body: { error: 'body is not JSON' } };
    }
    const data = Buffer.from(envelope.message?.data ?? '', 'base64');
    const ceId = envelope.message?.attributes?.['ce-id'];
    if (ceId && (seen.has(ceId) || inFlight.has(ceId))) return { status: 200, body: { deduplicated: ceId } };
    let verified;
    try {
      verified = await verifyPromotion(data, { ...options.verify, seen: (id) => seen.has(id) || inFlight.has(id) });
    } catch (err) {
      if (isRejected(err, 'replayed')) return { status: 200, body: { deduplicated: ceId ?? 'unknown' } };
      if (isRejected(err)) {
        log({ severity: 'WARNING', event: 'promotion refused', reason: err.reason, messageId: envelope.message?.messageId, detail: err.message });
        return { status: 400, body: { error: err.message, reason: err.reason } };
      }
      throw err;
    }
    const id = verified.event.id;
    inFlight.add(id);
    try {
      const api = githubClient({ token: await token(), apiUrl: options.github.apiUrl ?? DEFAULT_API_URL, userAgent: 'dataops-pubsub-bridge' });
      await dispatchPromotion(verified.event, { api, repository: options.github.repository, eventType: options.github.eventType });
      const now = Date.now();
      seen.set(id, now + ttl);
      for (const [k, exp] of seen) if (exp < now) seen.delete(k);
      log({ event: 'promotion dispatched', id, image: verified.event.data.image, repository: options.github.repository, messageId: envelope.message?.messageId });
      return { status: 204, body: {} };
    } finally {
      inFlight.delete(id);
    }
  };

  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, Buffer.concat(chunks).toString('utf8')).then(
        (out) => {
          if (out.status === 204) res.writeHead(204).end();
          else res.writeHead(out.status, { 'content-type': 'application/json' }).end(JSON.stringify(out.body));
        },
        (err: unknown) => {
          log({ severity: 'ERROR', event: 'bridge error', error: err instanceof Error ? err.message : String(err) });
          res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'internal error; Pub/Sub will redeliver' }));
        },
      );
    });
  };
}
