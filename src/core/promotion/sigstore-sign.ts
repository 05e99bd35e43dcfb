/**
 * Signing mode `sigstore`, the signing half (publish-promotion): a keyless signature of the canonical
 * message bytes with a short-lived Fulcio certificate for the job's OIDC identity, logged in Rekor.
 * Verification is in sigstore.ts; the two are apart so each action bundles only the half it uses.
 * `@sigstore/sign` (with its HTTP stack, ~0.5 MB bundled) is loaded only when signing: from
 * node_modules, or in the publish-promotion action from the tool cache ({@link setSigstoreSignLoader}).
 */
import { bundleToJSON } from '@sigstore/bundle';
import type * as SigstoreSign from '@sigstore/sign';
import type { IdentityProvider } from '@sigstore/sign';
import { signingPayload, type PromotionEvent, type SignedPromotion } from './message.ts';

/** The `@sigstore/sign` module shape. */
export type SigstoreSignModule = typeof SigstoreSign;

// left to Node at run time: the action bundle does not carry @sigstore/sign
let signLoader: () => Promise<SigstoreSignModule> = () => import(/* webpackIgnore: true */ '@sigstore/sign');

/** Replaces how `@sigstore/sign` is loaded (the publish-promotion action: from the tool cache). */
export function setSigstoreSignLoader(fn: () => Promise<SigstoreSignModule>): void {
  signLoader = fn;
}

/** Public-good Sigstore endpoints (overridable for private instances and tests). */
export const SIGSTORE_DEFAULTS = { fulcioURL: 'https://fulcio.sigstore.dev', rekorURL: 'https://rekor.sigstore.dev' } as const;

/** Options of {@link signWithSigstore}. */
export interface SigstoreSignOptions {
  /** Returns the OIDC token (GitHub: audience "sigstore"); masked by the caller before use. */
  getToken: () => Promise<string>;
  fulcioURL?: string;
  rekorURL?: string;
}

/** Signs the event keylessly; returns it with `dataopssigmode: sigstore` and the base64 bundle JSON. */
export async function signWithSigstore(event: PromotionEvent, options: SigstoreSignOptions): Promise<SignedPromotion> {
  const { FulcioSigner, MessageSignatureBundleBuilder, RekorWitness } = await signLoader();
  const identityProvider: IdentityProvider = { getToken: options.getToken };
  const builder = new MessageSignatureBundleBuilder({
    signer: new FulcioSigner({ fulcioBaseURL: options.fulcioURL ?? SIGSTORE_DEFAULTS.fulcioURL, identityProvider }),
    witnesses: [new RekorWitness({ rekorBaseURL: options.rekorURL ?? SIGSTORE_DEFAULTS.rekorURL })],
  });
  const bundle = await builder.create({ data: Buffer.from(signingPayload(event)) });
  const { dataopssigmode: _m, dataopssignature: _s, ...unsigned } = event;
  return { ...unsigned, dataopssigmode: 'sigstore', dataopssignature: Buffer.from(JSON.stringify(bundleToJSON(bundle))).toString('base64') };
}
