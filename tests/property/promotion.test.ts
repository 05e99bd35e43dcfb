/**
 * Property tests of the promotion verification policy: forged, tampered, expired, replayed and
 * wrong-claim messages across 18 mutation classes are all refused with the right reason code;
 * valid messages with arbitrary contents are accepted.
 */
import { createHmac, generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { isRejected, type RejectionReason } from '../../src/core/promotion/errors.ts';
import { createPromotionEvent, signingPayload, type SignedPromotion } from '../../src/core/promotion/message.ts';
import { signWithKey } from '../../src/core/promotion/sign.ts';
import { verifyPromotion, type VerifyOptions } from '../../src/core/promotion/verify.ts';
import { ISSUER, keyFixture, PASSING_EVIDENCE, signedMessage, testPolicy, validInput } from '../helpers/promotion.ts';

const trusted = keyFixture('prod-signer-1');
const NOW = new Date('2026-11-20T12:00:00Z');
const options = (extra: Partial<VerifyOptions> = {}): VerifyOptions => ({ policy: testPolicy(), pipeline: 'flights-routes', environment: 'production', keys: trusted.trusted, now: NOW, ...extra });
const b64u = (s: string | Uint8Array) => Buffer.from(s).toString('base64url');

const counts = { refused: {} as Record<string, number>, accepted: 0 };

const hex = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: n, maxLength: n });
const ageSeconds = fc.integer({ min: 0, max: 3600 });
const mutationInput = fc.record({ sha: hex(40), digest: hex(64), age: ageSeconds, runId: fc.integer({ min: 1, max: 1e10 }).map(String), tag: fc.stringMatching(/^[0-9]{1,2}\.[0-9]{1,2}$/) });
type M = { sha: string; digest: string; age: number; runId: string; tag: string };

async function base(m: M, overrides: Parameters<typeof validInput>[0] = {}, source: Parameters<typeof validInput>[1] = {}): Promise<SignedPromotion> {
  return signedMessage(trusted.signing, { now: new Date(NOW.getTime() - m.age * 1000), image: `127.0.0.1:5000/flights-routes@sha256:${m.digest}`, run: { id: m.runId }, ...overrides }, { sha: m.sha, ...source });
}

/** Each class: how to forge from a random input, and the reason the verifier must give. */
const CLASSES: Array<{ name: string; reason: RejectionReason; forge: (m: M) => Promise<{ msg: unknown; opts?: Partial<VerifyOptions> }> }> = [
  {
    name: 'alg none',
    reason: 'alg-none',
    forge: async (m) => {
      const msg = await base(m);
      return { msg: { ...msg, dataopssignature: `${b64u(JSON.stringify({ alg: 'none', kid: 'prod-signer-1' }))}..` } };
    },
  },
  {
    name: 'key confusion (HS256 keyed with the public key)',
    reason: 'alg-not-allowed',
    forge: async (m) => {
      const msg = await base(m, {}, { ref: 'refs/heads/evil' });
      const header = b64u(JSON.stringify({ alg: 'HS256', kid: 'prod-signer-1', typ: 'dataops-promotion+jws' }));
      const secret = trusted.publicJwkJson;
      const sig = createHmac('sha256', secret).update(`${header}.${b64u(signingPayload(msg))}`).digest('base64url');
      return { msg: { ...msg, dataopssignature: `${header}..${sig}` } };
    },
  },
  {
    name: 'unknown key id',
    reason: 'unknown-key',
    forge: async (m) => {
      const attacker = { kid: `attacker-${m.runId}`, privateKey: generateKeyPairSync('ed25519').privateKey };
      return { msg: await signWithKey(createPromotionEvent(validInput({ now: NOW, run: { id: m.runId } }, { sha: m.sha })), attacker) };
    },
  },
  {
    name: 'bad signature (attacker key under the trusted kid)',
    reason: 'bad-signature',
    forge: async (m) => {
      const attacker = { kid: 'prod-signer-1', privateKey: generateKeyPairSync('ed25519').privateKey };
      return { msg: await signWithKey(createPromotionEvent(validInput({ now: NOW, run: { id: m.runId } }, { sha: m.sha })), attacker) };
    },
  },
  { name: 'wrong issuer', reason: 'wrong-issuer', forge: async (m) => ({ msg: await base(m, {}, { issuer: `https://token.evil-${m.tag}.example` }) }) },
  { name: 'wrong audience (another environment)', reason: 'wrong-audience', forge: async (m) => ({ msg: await base(m, { environment: `staging-${m.tag}` }) }) },
  { name: 'name matches but repository id differs', reason: 'repository-id-mismatch', forge: async (m) => ({ msg: await base(m, {}, { repository_id: String(Number(m.runId) + 1) }) }) },
  {
    name: 'fork repository (owner id differs)',
    reason: 'owner-id-mismatch',
    forge: async (m) => ({ msg: await base(m, {}, { repository: `fork-${m.tag.replace('.', '')}/flights`, repository_id: m.runId, repository_owner_id: String(Number(m.runId) + 7) }) }),
  },
  { name: 'wrong signer workflow', reason: 'signer-workflow-not-allowed', forge: async (m) => ({ msg: await base(m, {}, { job_workflow_ref: `octo-org/flights/.github/workflows/evil.yml@refs/heads/main` }) }) },
  { name: 'signer workflow at an unprotected branch', reason: 'signer-workflow-not-allowed', forge: async (m) => ({ msg: await base(m, {}, { job_workflow_ref: `octo-org/dataops/.github/workflows/dataops.yml@refs/heads/feature-${m.tag}` }) }) },
  {
    name: 'tampered digest',
    reason: 'bad-signature',
    forge: async (m) => {
      const msg = await base(m);
      const other = m.digest.startsWith('0') ? `1${m.digest.slice(1)}` : `0${m.digest.slice(1)}`;
      return { msg: { ...msg, data: { ...msg.data, image: `127.0.0.1:5000/flights-routes@sha256:${other}` } } };
    },
  },
  {
    name: 'tampered rollback flag',
    reason: 'bad-signature',
    forge: async (m) => {
      const msg = await base(m);
      return { msg: { ...msg, data: { ...msg.data, rollback: true } } };
    },
  },
  {
    name: 'expired (beyond skew)',
    reason: 'expired',
    forge: async (m) => ({ msg: await signedMessage(trusted.signing, { now: new Date(NOW.getTime() - (3600 + 61 + m.age) * 1000), expiresInSeconds: 3600, run: { id: m.runId } }, { sha: m.sha }) }),
  },
  {
    name: 'replayed under a new transport message id',
    reason: 'replayed',
    forge: async (m) => {
      const msg = await base(m);
      const consumed = new Set([msg.id]);
      return { msg: JSON.parse(JSON.stringify(msg)) as unknown, opts: { seen: (id) => consumed.has(id) } };
    },
  },
  {
    name: 're-identified replay (new CloudEvents id, old signature)',
    reason: 'bad-signature',
    forge: async (m) => {
      const msg = await base(m);
      return { msg: { ...msg, id: crypto.randomUUID() } };
    },
  },
  { name: 'pull_request event', reason: 'pull-request-event', forge: async (m) => ({ msg: await base(m, {}, { event_name: m.age % 2 ? 'pull_request' : 'pull_request_target', ref: `refs/pull/${m.runId}/merge` }) }) },
  { name: 'ref not allowed', reason: 'ref-not-allowed', forge: async (m) => ({ msg: await base(m, {}, { ref: `refs/heads/feature-${m.tag}` }) }) },
  {
    name: 'evidence below the policy (a failing or missing report, validly signed)',
    reason: 'evidence-policy',
    forge: async (m) => {
      const kinds = ['quality', 'system-test', 'verify'] as const;
      const broken = kinds[m.age % 3]!;
      const evidence = PASSING_EVIDENCE.flatMap((e) => (e.kind !== broken ? [e] : m.age % 2 ? [] : [{ ...e, status: m.age % 4 ? 'failed' : 'error' }]));
      return { msg: await base(m, { evidence }) };
    },
  },
];

const RUNS_PER_CLASS = 75;

describe('promotion verification policy (property)', () => {
  afterAll(() => {
    const refused = Object.values(counts.refused).reduce((a, b) => a + b, 0);
    console.log(`promotion property tests: ${refused} forged/tampered/expired/replayed/wrong-claim messages refused across ${Object.keys(counts.refused).length} mutation classes; ${counts.accepted} valid messages accepted`);
    for (const [k, v] of Object.entries(counts.refused)) console.log(`  ${v.toString().padStart(4)}  ${k}`);
  });

  it.each(CLASSES.map((c) => [c.name, c] as const))('refuses: %s', async (_name, cls) => {
    await fc.assert(
      fc.asyncProperty(mutationInput, async (m) => {
        const { msg, opts } = await cls.forge(m);
        const err = await verifyPromotion(msg, options(opts)).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isRejected(err), `${cls.name}: expected a PromotionRejected, got ${String(err)}`).toBe(true);
        expect((err as { reason: string }).reason).toBe(cls.reason);
        counts.refused[cls.name] = (counts.refused[cls.name] ?? 0) + 1;
      }),
      { numRuns: RUNS_PER_CLASS },
    );
  });

  it('accepts valid messages with arbitrary contents', async () => {
    await fc.assert(
      fc.asyncProperty(
        mutationInput,
        fc.constantFrom('refs/heads/main', 'refs/tags/v1.0.0', 'refs/tags/v2.3.4'),
        fc.constantFrom('push', 'workflow_dispatch', 'workflow_run', 'schedule'),
        fc.boolean(),
        fc.array(
          fc.oneof(
            fc.record({ name: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), kind: fc.constantFrom('quality' as const, 'performance' as const), status: fc.constantFrom('passed', 'warned', 'pass', 'warn'), sha256: hex(64).map((h) => `sha256:${h}`) }),
            fc.record({ name: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), kind: fc.constantFrom('system-test' as const, 'verify' as const), status: fc.constantFrom('passed', 'pass'), sha256: hex(64).map((h) => `sha256:${h}`) }),
          ),
          { maxLength: 6 },
        ),
        async (m, ref, eventName, rollback, evidence) => {
          const msg = await base(m, { rollback, evidence: [...PASSING_EVIDENCE, ...evidence] }, { ref, event_name: eventName });
          const wire = JSON.stringify(msg);
          const ok = await verifyPromotion(wire, options({ seen: () => false, issuers: [ISSUER] }));
          expect(ok.event.id).toBe(msg.id);
          expect(ok.event.data.image).toBe(msg.data.image);
          expect(ok.warnings).toEqual([]);
          counts.accepted++;
        },
      ),
      { numRuns: 150 },
    );
  });

  it('ran at least 1,000 refusals across at least 12 classes and 100 acceptances', () => {
    const refused = Object.values(counts.refused).reduce((a, b) => a + b, 0);
    expect(refused).toBeGreaterThanOrEqual(1000);
    expect(Object.keys(counts.refused).length).toBeGreaterThanOrEqual(12);
    expect(counts.accepted).toBeGreaterThanOrEqual(100);
  });
});
