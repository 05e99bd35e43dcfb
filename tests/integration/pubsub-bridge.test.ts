/**
 * templates/pubsub-bridge: push tokens minted with a local RSA key stand in for Google's (the
 * emulator sends none); the dispatch reaches the fake GitHub with an installation token bought
 * with an RS256 app JWT.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, exportJWK, jwtVerify, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBridge } from '../../templates/pubsub-bridge/src/bridge.ts';
import { startFakeGitHub, type FakeGitHub } from '../helpers/github-server.ts';
import { ISSUER, keyFixture, signedMessage, testPolicy } from '../helpers/promotion.ts';
import type { SignedPromotion } from '../../src/core/promotion/message.ts';

const google = generateKeyPairSync('rsa', { modulusLength: 2048 });
const app = generateKeyPairSync('rsa', { modulusLength: 2048 });
const key = keyFixture();
const AUDIENCE = 'https://pubsub-bridge.example.run.app';
const EMAIL = 'pubsub-push@proj.iam.gserviceaccount.com';
let gh: FakeGitHub;
let server: Server;
let url: string;

async function pushToken(claims: Record<string, unknown> = {}, opts: { exp?: number; key?: typeof google.privateKey } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ email: EMAIL, email_verified: true, ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'google-1', typ: 'JWT' })
    .setIssuer('https://accounts.google.com')
    .setAudience((claims.aud as string | undefined) ?? AUDIENCE)
    .setSubject('1234567890')
    .setIssuedAt(now - 10)
    .setExpirationTime(opts.exp ?? now + 3600)
    .sign(opts.key ?? google.privateKey);
}

async function push(message: SignedPromotion | string, token: string | undefined, messageId = String(Math.random()).slice(2)): Promise<{ status: number; body: string }> {
  const text = typeof message === 'string' ? message : JSON.stringify(message);
  const ceId = typeof message === 'string' ? undefined : message.id;
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ message: { data: Buffer.from(text).toString('base64'), messageId, attributes: ceId ? { 'ce-id': ceId } : {} }, subscription: 'projects/p/subscriptions/bridge' }),
  });
  return { status: res.status, body: await res.text() };
}

beforeAll(async () => {
  gh = await startFakeGitHub();
  const jwk = { ...(await exportJWK(google.publicKey)), kid: 'google-1', alg: 'RS256' };
  const handler = createBridge({
    audience: AUDIENCE,
    allowedEmails: [EMAIL],
    jwks: createLocalJWKSet({ keys: [jwk] }),
    verify: { policy: testPolicy(), pipeline: 'flights-routes', environment: 'production', keys: key.trusted, issuers: [ISSUER] },
    github: { appId: '31337', privateKey: app.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), installationId: 77, repository: 'octo-org/flights-prod', eventType: 'dataops-promotion', apiUrl: gh.url },
    log: () => undefined,
  });
  server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await gh.close();
});

describe('pubsub-bridge', () => {
  it('dispatches a verified promotion with an installation token bought by an RS256 app JWT', async () => {
    const msg = await signedMessage(key.signing);
    const r = await push(msg, await pushToken());
    expect(r.status, r.body).toBe(204);
    const d = gh.dispatches.at(-1)!;
    expect(d).toMatchObject({ repo: 'octo-org/flights-prod', event_type: 'dataops-promotion' });
    expect((d.client_payload as { ce_id: string }).ce_id).toBe(msg.id);
    const tokenReq = gh.requests.find((q) => q.path === '/app/installations/77/access_tokens')!;
    const appJwt = String(tokenReq.headers.authorization).slice(7);
    const { payload, protectedHeader } = await jwtVerify(appJwt, app.publicKey, { issuer: '31337' });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(600);
    const dispatchReq = gh.requests.filter((q) => q.path === '/repos/octo-org/flights-prod/dispatches').at(-1)!;
    // Octokit sends the installation token as `token …` (GitHub takes `token` and `Bearer` alike)
    expect(dispatchReq.headers.authorization).toMatch(/^(Bearer|token) ghs_installation_77_/);
  });

  it('deduplicates on the CloudEvents id: a redelivery (new Pub/Sub message id) is acked without a dispatch', async () => {
    const msg = await signedMessage(key.signing);
    const before = gh.dispatches.length;
    expect((await push(msg, await pushToken(), 'm-1')).status).toBe(204);
    const again = await push(msg, await pushToken(), 'm-2');
    expect(again.status).toBe(200);
    expect(again.body).toContain('deduplicated');
    expect(gh.dispatches.length - before).toBe(1);
  });

  it.each([
    ['no token', undefined, 401],
    ['wrong audience', { aud: 'https://someone-else.run.app' }, 401],
    ['wrong email', { email: 'attacker@evil.iam.gserviceaccount.com' }, 403],
    ['unverified email', { email_verified: false }, 403],
  ] as const)('refuses a push with %s', async (_name, claims, status) => {
    const before = gh.dispatches.length;
    const msg = await signedMessage(key.signing);
    const r = await push(msg, claims === undefined ? undefined : await pushToken(claims));
    expect(r.status).toBe(status);
    expect(gh.dispatches.length).toBe(before);
  });

  it('refuses an expired push token and one signed by another key', async () => {
    const msg = await signedMessage(key.signing);
    expect((await push(msg, await pushToken({}, { exp: Math.floor(Date.now() / 1000) - 600 }))).status).toBe(401);
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect((await push(msg, await pushToken({}, { key: other.privateKey }))).status).toBe(401);
  });

  it('answers 400 with the reason for a forged promotion and dispatches nothing', async () => {
    const before = gh.dispatches.length;
    const msg = await signedMessage(key.signing);
    const forged = { ...msg, data: { ...msg.data, image: msg.data.image.replace(/@sha256:(.)/, (_m, c: string) => `@sha256:${c === '0' ? '1' : '0'}`) } };
    const r = await push(forged, await pushToken());
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body)).toMatchObject({ reason: 'bad-signature' });
    const fork = await signedMessage(key.signing, {}, { repository: 'fork/flights', repository_owner_id: '1', repository_id: '2' });
    expect(JSON.parse((await push(fork, await pushToken())).body)).toMatchObject({ reason: 'owner-id-mismatch' });
    expect(gh.dispatches.length).toBe(before);
  });
});
