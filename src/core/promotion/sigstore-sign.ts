/**
 * Signing mode `sigstore`, the signing half (publish-promotion): a keyless signature of the canonical
 * message bytes with a short-lived Fulcio certificate for the job's OIDC identity, logged in Rekor.
 * Verification is in sigstore.ts; the two are apart so each action bundles only the half it uses.
 * `@sigstore/sign` (with its HTTP stack, ~0.5 MB bundled) is loaded only when signing: from
 * node_modules, or through the `sigstoreSign` loader of the options' runtime modules (the
 * publish-promotion action: from the tool cache).
 */
import { bundleToJSON } from '@sigstore/bundle';
import type { IdentityProvider } from '@sigstore/sign';
import { once, type RuntimeModules, type SigstoreSignModule } from '../runtime/modules.ts';
import { signingPayload, type PromotionEvent, type SignedPromotion } from './message.ts';

// left to Node at run time: the action bundle does not carry @sigstore/sign
const fromNodeModules = once<SigstoreSignModule>(() => import(/* webpackIgnore: true */ '@sigstore/sign'));

/** Public-good Sigstore endpoints (overridable for private instances and tests). */
export const SIGSTORE_DEFAULTS = { fulcioURL: 'https://fulcio.sigstore.dev', rekorURL: 'https://rekor.sigstore.dev' } as const;

/** Options of {@link signWithSigstore}. */
export interface SigstoreSignOptions {
  /** Returns the OIDC token (GitHub: audience "sigstore"); masked by the caller before use. */
  getToken: () => Promise<string>;
  fulcioURL?: string;
  rekorURL?: string;
  /** Where `@sigstore/sign` comes from (`sigstoreSign` loader). Default: node_modules. */
  runtime?: RuntimeModules;
}

/** Signs the event keylessly; returns it with `dataopssigmode: sigstore` and the base64 bundle JSON. */
export async function signWithSigstore(event: PromotionEvent, options: SigstoreSignOptions): Promise<SignedPromotion> {
  const { FulcioSigner, MessageSignatureBundleBuilder, RekorWitness } = await (options.runtime?.sigstoreSign ?? fromNodeModules)();
  const identityProvider: IdentityProvider = { getToken: options.getToken };
  const builder = new MessageSignatureBundleBuilder({
    signer: new FulcioSigner({ fulcioBaseURL: options.fulcioURL ?? SIGSTORE_DEFAULTS.fulcioURL, identityProvider }),
    witnesses: [new RekorWitness({ rekorBaseURL: options.rekorURL ?? SIGSTORE_DEFAULTS.rekorURL })],
  });
  const bundle = await builder.create({ data: Buffer.from(signingPayload(event)) });
  const { dataopssigmode: _m, dataopssignature: _s, ...unsigned } = event;
  return { ...unsigned, dataopssigmode: 'sigstore', dataopssignature: Buffer.from(JSON.stringify(bundleToJSON(bundle))).toString('base64') };
}
