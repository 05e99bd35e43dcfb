/**
 * Ed25519 keys of signing mode `key`: the private key comes from a secret (PKCS#8 PEM or a JWK),
 * the trusted public keys from a JWKS (`{"keys":[{"kid":…}]}`), a single JWK or an SPKI PEM.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import { ConfigError } from '../errors.ts';

/** A private signing key with its key id. */
export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
}

/** Trusted public keys by key id. */
export type TrustedKeys = Map<string, KeyObject>;

function requireEd25519(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new ConfigError(`${what} is a ${key.asymmetricKeyType ?? key.type} key, not Ed25519`, { fix: 'Generate one with "openssl genpkey -algorithm ed25519" (signing mode key uses EdDSA only).' });
  }
  return key;
}

/**
 * Parses a private key: PKCS#8 PEM or a JWK JSON object (OKP/Ed25519 with "d").
 * @throws ConfigError when it is neither or not Ed25519.
 */
export function loadPrivateKey(text: string, kid: string): SigningKey {
  const t = text.trim();
  try {
    const key = t.startsWith('{') ? createPrivateKey({ key: JSON.parse(t) as JsonWebKey, format: 'jwk' }) : createPrivateKey(t);
    const jwkKid = t.startsWith('{') ? (JSON.parse(t) as { kid?: string }).kid : undefined;
    return { kid: jwkKid ?? kid, privateKey: requireEd25519(key, 'the promotion signing key') };
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError('the promotion signing key is not a PKCS#8 PEM or JWK private key', { fix: 'Store the Ed25519 private key (PEM "BEGIN PRIVATE KEY" or JWK JSON) in the secret.', cause: err });
  }
}

/**
 * Parses trusted public keys: JWKS JSON, one JWK, or SPKI PEM(s) (which get `defaultKid`).
 * @throws ConfigError when nothing parses or a key is not Ed25519.
 */
export function loadPublicKeys(text: string, defaultKid: string): TrustedKeys {
  const t = text.trim();
  const keys: TrustedKeys = new Map();
  try {
    if (t.startsWith('{')) {
      const parsed = JSON.parse(t) as { keys?: Array<JsonWebKey & { kid?: string }> } & JsonWebKey & { kid?: string };
      const list = parsed.keys ?? [parsed];
      for (const jwk of list) {
        const { d: _d, ...pub } = jwk;
        keys.set(jwk.kid ?? defaultKid, requireEd25519(createPublicKey({ key: pub, format: 'jwk' }), `public key "${jwk.kid ?? defaultKid}"`));
      }
    } else {
      keys.set(defaultKid, requireEd25519(createPublicKey(t), 'the promotion public key'));
    }
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError('the trusted promotion public keys are not a JWKS, JWK or SPKI PEM', { fix: 'Store {"keys":[{"kty":"OKP","crv":"Ed25519","x":"…","kid":"…"}]} or a PEM public key.', cause: err });
  }
  return keys;
}

/** A fresh Ed25519 key pair as JWKs carrying `kid` (the local demo and tests use it). */
export function generateKeyPair(kid: string): { kid: string; privateJwk: JsonWebKey; publicJwk: JsonWebKey } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    kid,
    privateJwk: { ...privateKey.export({ format: 'jwk' }), kid, alg: 'EdDSA', use: 'sig' },
    publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'EdDSA', use: 'sig' },
  };
}
