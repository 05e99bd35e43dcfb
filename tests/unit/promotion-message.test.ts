/** Promotion message shape, canonical form, key handling and the repository_dispatch limits. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.ts';
import { loadPrivateKey, loadPublicKeys } from '../../src/core/promotion/keys.ts';
import { canonicalJson, createPromotionEvent, promotionEventSchema } from '../../src/core/promotion/message.ts';
import { dispatchPromotion, unwrapPromotion } from '../../src/core/promotion/transport/dispatch.ts';
import { acceptedSources, verifyPromotion } from '../../src/core/promotion/verify.ts';
import { startFakeGitHub, type FakeGitHub } from '../helpers/github-server.ts';
import { keyFixture, REPO, signedMessage, testPolicy, validInput } from '../helpers/promotion.ts';

describe('promotion message', () => {
  it('is a CloudEvents 1.0 event with a UUID id, repository source, versioned type and subject', () => {
    const e = createPromotionEvent(validInput({ now: new Date('2026-11-20T10:00:00Z'), expiresInSeconds: 3600 }));
    expect(e).toMatchObject({ specversion: '1.0', source: 'https://github.com/octo-org/flights', type: 'io.dataops.promotion.v1', subject: 'flights-routes/production', datacontenttype: 'application/json', time: '2026-11-20T10:00:00.000Z' });
    expect(e.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(e.data.expires_at).toBe('2026-11-20T11:00:00.000Z');
  });

  it('refuses a tag-only image', () => {
    expect(() => createPromotionEvent(validInput({ image: '127.0.0.1:5000/flights-routes:latest' }))).toThrow(ConfigError);
    expect(() => createPromotionEvent(validInput({ image: '127.0.0.1:5000/flights-routes:latest' }))).toThrow(/image: .*has no digest/);
  });

  it('canonical JSON sorts keys at every level and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: undefined, x: 'é' }], c: true } })).toBe('{"a":{"c":true,"d":[2,{"x":"é","z":1}]},"b":1}');
  });

  it('is verified against the server the repository lives on: github.com, the consumer\'s GHES server, or the GHES issuer\'s host', async () => {
    const key = keyFixture();
    const now = new Date();
    const ghes = await signedMessage(key.signing, { now, sourceUrl: `https://ghe.example.com/${REPO}` });
    const opts = { policy: testPolicy(), pipeline: 'flights-routes', environment: 'production', keys: key.trusted, now };
    await expect(verifyPromotion(ghes, opts)).rejects.toMatchObject({ reason: 'repository-mismatch', message: expect.stringContaining(`expected https://github.com/${REPO}`) });
    await expect(verifyPromotion(ghes, { ...opts, serverUrls: ['https://ghe.example.com/'] })).resolves.toMatchObject({ mode: 'key' });
    await expect(verifyPromotion(await signedMessage(key.signing, { now, sourceUrl: `https://evil.example.com/${REPO}` }), { ...opts, serverUrls: ['https://ghe.example.com'] })).rejects.toMatchObject({ reason: 'repository-mismatch' });
    await expect(verifyPromotion(await signedMessage(key.signing, { now }), { ...opts, serverUrls: ['https://ghe.example.com'] })).resolves.toMatchObject({ mode: 'key' });
    expect(acceptedSources(REPO, 'https://ghe.example.com/_services/token')).toEqual([`https://github.com/${REPO}`, `https://ghe.example.com/${REPO}`]);
  });

  it('round-trips through JSON and the schema', async () => {
    const msg = await signedMessage(keyFixture().signing);
    expect(promotionEventSchema.parse(JSON.parse(JSON.stringify(msg)))).toEqual(msg);
  });
});

describe('promotion keys', () => {
  it('loads JWK and PEM keys and refuses non-Ed25519 keys', () => {
    const k = keyFixture('k1');
    expect(loadPrivateKey(k.privateJwkJson, 'x').kid).toBe('k1');
    const pem = k.signing.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(loadPrivateKey(pem, 'pem-kid').kid).toBe('pem-kid');
    expect([...loadPublicKeys(k.publicJwkJson, 'x').keys()]).toEqual(['k1']);
    expect(() => loadPublicKeys('-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----', 'x')).toThrow(ConfigError);
  });
});

describe('repository_dispatch transport', () => {
  let gh: FakeGitHub;
  beforeAll(async () => {
    gh = await startFakeGitHub();
  });
  afterAll(async () => {
    await gh.close();
  });

  it('sends the signed event within GitHub limits and refuses an oversized one before sending', async () => {
    const key = keyFixture();
    const api = gh.api();
    const msg = await signedMessage(key.signing);
    await dispatchPromotion(msg, { api, repository: 'octo-org/prod', eventType: 'dataops-promotion' });
    expect(gh.dispatches).toHaveLength(1);
    expect(unwrapPromotion(JSON.stringify(gh.dispatches[0]!.client_payload))).toEqual(msg);
    const evidence = Array.from({ length: 400 }, (_, i) => ({ name: `suite-${i}`, kind: 'quality' as const, status: 'passed', sha256: `sha256:${'f'.repeat(64)}`, url: `https://example.com/reports/${'x'.repeat(80)}/${i}` }));
    const big = await signedMessage(key.signing, { evidence });
    expect(JSON.stringify(big).length).toBeGreaterThan(65_535);
    await expect(dispatchPromotion(big, { api, repository: 'octo-org/prod', eventType: 'dataops-promotion' })).rejects.toThrow(/65535 in client_payload/);
    expect(gh.dispatches).toHaveLength(1);
  });
});

describe('data versions in the promotion', () => {
  const versions = {
    artifact: `sha256:${'1a'.repeat(32)}`,
    manifests: [{ dataset: 'flights.parquet', stage: 'system-test', role: 'input' as const, manifest: `sha256:${'2b'.repeat(32)}`, content_hash: `sha256:${'3c'.repeat(32)}`, row_count: 1000 }],
  };

  it('are signed: the message verifies, a changed manifest digest does not, and a message without them is unchanged', async () => {
    const { verifyPromotion } = await import('../../src/core/promotion/verify.ts');
    const { testPolicy } = await import('../helpers/promotion.ts');
    const k = keyFixture();
    const opts = { policy: testPolicy(), pipeline: 'flights-routes', environment: 'production', keys: k.trusted };
    const msg = await signedMessage(k.signing, { dataVersions: versions });
    const ok = await verifyPromotion(JSON.stringify(msg), opts);
    expect(ok.event.data.data_versions).toEqual(versions);
    const { approvalSummary } = await import('../../src/core/promotion/promote.ts');
    expect(approvalSummary(ok)).toContain('data: system-test input flights.parquet: 1000 rows, manifest sha256:2b2b2b2b2b2b');
    const forged = structuredClone(msg);
    forged.data.data_versions!.manifests[0]!.manifest = `sha256:${'ff'.repeat(32)}`;
    await expect(verifyPromotion(JSON.stringify(forged), opts)).rejects.toThrow(/signature/i);
    const stripped = structuredClone(msg);
    delete stripped.data.data_versions;
    await expect(verifyPromotion(JSON.stringify(stripped), opts)).rejects.toThrow(/signature/i);
    const plain = await signedMessage(k.signing);
    expect('data_versions' in plain.data).toBe(false);
    expect((await verifyPromotion(JSON.stringify(plain), opts)).event.data.data_versions).toBeUndefined();
  });
});
