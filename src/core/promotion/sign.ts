/**
 * Signing of promotion events. Mode `key`: a detached JWS (RFC 7515 appendix F) with `alg: EdDSA`
 * (RFC 8037, Ed25519) and the key id in the protected header, over the canonical JSON of the event.
 * Mode `sigstore`: see {@link signWithSigstore} in sigstore.ts.
 */
import { FlattenedSign } from 'jose';
import type { SigningKey } from './keys.ts';
import { signingPayload, type PromotionEvent, type SignedPromotion } from './message.ts';

/** JWS `typ` of a promotion signature. */
export const PROMOTION_JWS_TYPE = 'dataops-promotion+jws';

/** Signs `event` with an Ed25519 key: returns the event with `dataopssigmode: key` and the detached compact JWS. */
export async function signWithKey(event: PromotionEvent, key: SigningKey): Promise<SignedPromotion> {
  const jws = await new FlattenedSign(signingPayload(event)).setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: PROMOTION_JWS_TYPE }).sign(key.privateKey);
  const { dataopssigmode: _m, dataopssignature: _s, ...unsigned } = event;
  return { ...unsigned, dataopssigmode: 'key', dataopssignature: `${jws.protected}..${jws.signature}` };
}
