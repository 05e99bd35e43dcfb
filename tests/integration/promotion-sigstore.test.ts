/**
 * Signing mode sigstore against @sigstore/mock (Fulcio CA, CT log and Rekor stand-ins): keyless
 * signature of the canonical message, verification against the mock trusted root, identity from
 * the certificate's extensions, and refusals: tampering, identity mismatch, fork, pull_request.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { fulcioHandler, initializeCA, initializeCTLog, initializeTLog, rekorHandler } from '@sigstore/mock';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isRejected } from '../../src/core/promotion/errors.ts';
import { createPromotionEvent } from '../../src/core/promotion/message.ts';
import { signWithSigstore } from '../../src/core/promotion/sigstore-sign.ts';
import { sigstoreVerifier } from '../../src/core/promotion/sigstore.ts';
import { verifyPromotion, type SigstoreVerifier } from '../../src/core/promotion/verify.ts';
import { ISSUER, OWNER_ID, REPO, REPO_ID, testPolicy, validInput, WORKFLOW } from '../helpers/promotion.ts';

const FULCIO = 'https://fulcio.mock.test';
const REKOR = 'https://rekor.mock.test';
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
const ec = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });

let trustedRoot: Record<string, unknown>;
let verifier: SigstoreVerifier;

/** An (unsigned) GitHub Actions OIDC token: the mock Fulcio copies its claims into the certificate. */
function githubToken(claims: Record<string, string> = {}): string {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc({
    iss: ISSUER,
    sub: `repo:${REPO}:ref:refs/heads/main`,
    aud: 'sigstore',
    repository: REPO,
    repository_id: REPO_ID,
    repository_owner: REPO.split('/')[0],
    repository_owner_id: OWNER_ID,
    ref: 'refs/heads/main',
    sha: 'a'.repeat(40),
    event_name: 'push',
    job_workflow_ref: WORKFLOW,
    exp: Math.floor(Date.now() / 1000) + 300,
    ...claims,
  })}.c2lnbmF0dXJl`;
}

/** Mock Fulcio + CT log + Rekor on `fulcioUrl`/`rekorUrl` with the given clocks; returns the matching trusted root. */
async function mockSigstore(fulcioUrl: string, rekorUrl: string, clocks: { ca?: Date; tlog?: Date } = {}): Promise<Record<string, unknown>> {
  const caKeys = ec();
  const ctKeys = ec();
  const tlogKeys = ec();
  const ctLog = await initializeCTLog(ctKeys, clocks.ca);
  const ca = await initializeCA(caKeys, ctLog, clocks.ca);
  const tlog = await initializeTLog(rekorUrl, tlogKeys, clocks.tlog);
  const serve = (base: string, h: { path: string; fn: (body: string) => Promise<{ statusCode: number; response: string | ArrayBufferView; contentType?: string }> }) =>
    nock(base)
      .persist()
      .post(h.path)
      .reply(async (_uri, body) => {
        const r = await h.fn(typeof body === 'string' ? body : JSON.stringify(body));
        return [r.statusCode, r.response as string, { 'Content-Type': r.contentType ?? 'text/plain' }];
      });
  serve(fulcioUrl, fulcioHandler(ca));
  serve(rekorUrl, rekorHandler(tlog));
  const spki = (k: ReturnType<typeof ec>) => k.publicKey.export({ format: 'der', type: 'spki' });
  const validFor = { start: '2000-01-01T00:00:00Z' };
  return {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [{ baseUrl: rekorUrl, hashAlgorithm: 'SHA2_256', publicKey: { rawBytes: b64(spki(tlogKeys)), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor }, logId: { keyId: b64(createHash('sha256').update(spki(tlogKeys)).digest()) } }],
    certificateAuthorities: [{ subject: { organization: 'mock', commonName: 'mock' }, uri: fulcioUrl, certChain: { certificates: [{ rawBytes: b64(ca.rootCertificate as Uint8Array) }] }, validFor }],
    ctlogs: [{ baseUrl: 'https://ctfe.mock.test', hashAlgorithm: 'SHA2_256', publicKey: { rawBytes: b64(spki(ctKeys)), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor }, logId: { keyId: b64(ctLog.logID as Uint8Array) } }],
    timestampAuthorities: [],
  };
}

beforeAll(async () => {
  trustedRoot = await mockSigstore(FULCIO, REKOR);
  verifier = sigstoreVerifier(trustedRoot);
});
afterAll(() => {
  nock.cleanAll();
});

const sign = (claims: Record<string, string> = {}, source: Parameters<typeof validInput>[1] = {}) =>
  signWithSigstore(createPromotionEvent(validInput({}, source)), { getToken: () => Promise.resolve(githubToken(claims)), fulcioURL: FULCIO, rekorURL: REKOR });
const check = (msg: unknown, now?: Date) => verifyPromotion(msg, { policy: testPolicy(), pipeline: 'flights-routes', environment: 'production', sigstore: verifier, ...(now ? { now } : {}) });

describe('signing mode sigstore (@sigstore/mock)', () => {
  it('signs keylessly and verifies with the identity from the certificate', async () => {
    const msg = await sign();
    expect(msg.dataopssigmode).toBe('sigstore');
    const v = await check(JSON.stringify(msg));
    expect(v.mode).toBe('sigstore');
    expect(v.identity).toMatchObject({ issuer: ISSUER, repository: REPO, repository_id: REPO_ID, repository_owner_id: OWNER_ID, ref: 'refs/heads/main', event_name: 'push', job_workflow_ref: WORKFLOW });
  });

  it('accepts it three hours later by the policy clock (within the message lifetime)', async () => {
    const msg = await sign();
    await expect(check(msg, new Date(Date.now() + 3 * 3600_000))).resolves.toMatchObject({ mode: 'sigstore' });
  });

  it('verifies a signature whose certificate has long expired: the log entry was integrated while it was valid', async () => {
    // the mock's root certificate starts "now": sign an hour ago with Date faked, verify in the present
    const hourAgo = new Date(Date.now() - 3600_000);
    vi.useFakeTimers({ now: hourAgo, toFake: ['Date'] });
    let root: Record<string, unknown>;
    let msg: Awaited<ReturnType<typeof signWithSigstore>>;
    try {
      root = await mockSigstore('https://fulcio-past.mock.test', 'https://rekor-past.mock.test');
      msg = await signWithSigstore(createPromotionEvent(validInput()), { getToken: () => Promise.resolve(githubToken()), fulcioURL: 'https://fulcio-past.mock.test', rekorURL: 'https://rekor-past.mock.test' });
    } finally {
      vi.useRealTimers();
    }
    const bundle = JSON.parse(Buffer.from(msg.dataopssignature, 'base64').toString('utf8')) as { verificationMaterial: { tlogEntries: Array<{ integratedTime: string }> } };
    expect(Number(bundle.verificationMaterial.tlogEntries[0]!.integratedTime) * 1000).toBeLessThan(Date.now() - 50 * 60_000);
    const v = await verifyPromotion(msg, { policy: testPolicy(), pipeline: 'flights-routes', environment: 'production', sigstore: sigstoreVerifier(root) });
    expect(v.identity.repository_id).toBe(REPO_ID);
  });

  it('refuses a tampered digest', async () => {
    const msg = await sign();
    const err = await check({ ...msg, data: { ...msg.data, image: msg.data.image.replace(/@sha256:(.)/, (_m, c: string) => `@sha256:${c === '0' ? '1' : '0'}`) } }).catch((e: unknown) => e);
    expect(isRejected(err), String(err)).toBe(true);
    expect(['bad-signature', 'untrusted-certificate']).toContain((err as { reason: string }).reason);
  });

  it('refuses claims the certificate does not back (repository id differs)', async () => {
    const msg = await sign({}, { repository_id: '111' });
    expect(isRejected(await check(msg).catch((e: unknown) => e), 'identity-mismatch')).toBe(true);
  });

  it('refuses a fork, a pull_request run and a foreign signer workflow by the certificate', async () => {
    const fork = await sign({ repository: 'fork/flights', repository_owner_id: '999', repository_id: '5' }, { repository: 'fork/flights', repository_owner_id: '999', repository_id: '5' });
    expect(isRejected(await check(fork).catch((e: unknown) => e), 'owner-id-mismatch')).toBe(true);
    const pr = await sign({ event_name: 'pull_request', ref: 'refs/pull/1/merge' }, { event_name: 'pull_request', ref: 'refs/pull/1/merge' });
    expect(isRejected(await check(pr).catch((e: unknown) => e), 'pull-request-event')).toBe(true);
    const wf = await sign({ job_workflow_ref: `${REPO}/.github/workflows/evil.yml@refs/heads/main` }, { job_workflow_ref: `${REPO}/.github/workflows/evil.yml@refs/heads/main` });
    expect(isRejected(await check(wf).catch((e: unknown) => e), 'signer-workflow-not-allowed')).toBe(true);
  });

  it('refuses a bundle from an untrusted CA', async () => {
    const msg = await sign();
    const other = sigstoreVerifier({ ...trustedRoot, certificateAuthorities: [] });
    const err = await verifyPromotion(msg, { policy: testPolicy(), pipeline: 'flights-routes', environment: 'production', sigstore: other }).catch((e: unknown) => e);
    expect(isRejected(err, 'untrusted-certificate'), String(err)).toBe(true);
  });
});
