/** Fixtures for promotion tests: a trusted Ed25519 key, a policy and valid signed messages. */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { policyConfigSchema, type PromotionPolicy } from '../../src/core/promotion/config.ts';
import { generateKeyPair, loadPublicKeys, type SigningKey, type TrustedKeys } from '../../src/core/promotion/keys.ts';
import { createPromotionEvent, type PromotionInput, type SignedPromotion } from '../../src/core/promotion/message.ts';
import { signWithKey } from '../../src/core/promotion/sign.ts';

export const REPO = 'octo-org/flights';
export const REPO_ID = '123456789';
export const OWNER_ID = '4242';
export const WORKFLOW = 'octo-org/dataops/.github/workflows/dataops.yml@refs/tags/v1.4.0';
export const ISSUER = 'https://token.actions.githubusercontent.com';

export interface KeyFixture {
  signing: SigningKey;
  trusted: TrustedKeys;
  publicJwkJson: string;
  privateJwkJson: string;
}

/** A fresh trusted key pair with kid `kid`. */
export function keyFixture(kid = 'prod-signer-1'): KeyFixture {
  const pair = generateKeyPair(kid);
  const privateKey: KeyObject = createPrivateKey({ key: pair.privateJwk, format: 'jwk' });
  const publicJwkJson = JSON.stringify({ keys: [pair.publicJwk] });
  return { signing: { kid, privateKey }, trusted: loadPublicKeys(publicJwkJson, kid), publicJwkJson, privateJwkJson: JSON.stringify(pair.privateJwk) };
}

/** The policy the tests verify against. */
export function testPolicy(overrides: Partial<Record<string, unknown>> = {}): PromotionPolicy {
  return policyConfigSchema.parse({
    repository: REPO,
    repository_id: REPO_ID,
    repository_owner_id: OWNER_ID,
    signer_workflows: ['octo-org/dataops/.github/workflows/dataops.yml@refs/tags/v1*'],
    allowed_refs: ['refs/heads/main', 'refs/tags/v*'],
    ...overrides,
  });
}

export const DIGEST = `sha256:${'ab'.repeat(32)}`;

/** Evidence meeting the default `promotion.policy.require` (quality, system-test and verify passed). */
export const PASSING_EVIDENCE: NonNullable<PromotionInput['evidence']> = [
  { name: 'routes', kind: 'quality', status: 'passed', sha256: `sha256:${'cd'.repeat(32)}` },
  { name: 'system-test', kind: 'system-test', status: 'passed', sha256: `sha256:${'ce'.repeat(32)}` },
  { name: 'verify', kind: 'verify', status: 'passed', sha256: `sha256:${'cf'.repeat(32)}` },
];

/** Input of a valid promotion; override any part. */
export function validInput(overrides: Partial<PromotionInput> = {}, source: Partial<PromotionInput['source']> = {}): PromotionInput {
  return {
    pipeline: 'flights-routes',
    environment: 'production',
    image: `127.0.0.1:5000/flights-routes@${DIGEST}`,
    source: { issuer: ISSUER, repository: REPO, repository_id: REPO_ID, repository_owner_id: OWNER_ID, sha: 'a'.repeat(40), ref: 'refs/heads/main', event_name: 'push', job_workflow_ref: WORKFLOW, ...source },
    sourceUrl: `https://github.com/${source.repository ?? REPO}`,
    run: { id: '987654', attempt: 1, url: `https://github.com/${REPO}/actions/runs/987654` },
    staging: { environment: 'staging', deployment_id: 77, url: 'https://staging.example.com' },
    evidence: PASSING_EVIDENCE,
    ...overrides,
  };
}

/** A valid, signed promotion. */
export async function signedMessage(key: SigningKey, overrides: Partial<PromotionInput> = {}, source: Partial<PromotionInput['source']> = {}): Promise<SignedPromotion> {
  return signWithKey(createPromotionEvent(validInput(overrides, source)), key);
}

/**
 * A dataops.yml for the pipeline `flights-routes` deploying staging and production to GitOps
 * overlays of the bare repository `bare`, followed by `promotion` (lines under `promotion:`, indented).
 */
export function gitopsProjectYaml(bare: string, promotion: string[]): string {
  return [
    'version: 1',
    'name: flights-routes',
    'deploy:',
    '  environments:',
    `    staging: { gitops: { repository: ${bare}, overlay: overlays/staging } }`,
    `    production: { gitops: { repository: ${bare}, overlay: overlays/production } }`,
    'promotion:',
    ...promotion,
    '',
  ].join('\n');
}
