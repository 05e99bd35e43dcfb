/**
 * Signing mode `sigstore`: a keyless signature of the canonical message bytes. The job's GitHub
 * OIDC token (audience `sigstore`) buys a short-lived Fulcio certificate binding an ephemeral key to
 * the workflow identity; the signature is logged in Rekor, whose integrated time proves it was made
 * while the certificate was valid, so it verifies long after the token and certificate expired.
 * The bundle (https://github.com/sigstore/protobuf-specs, message signature) travels base64 in
 * `dataopssignature`; verification (`@sigstore/verify`) checks it against trusted root material and
 * returns the certificate's GitHub identity extensions (OIDs 1.3.6.1.4.1.57264.1.*). Signing lives in
 * sigstore-sign.ts so the promote action (verification only) does not carry `@sigstore/sign`.
 */
import { bundleFromJSON } from '@sigstore/bundle';
import { X509Certificate } from '@sigstore/core';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { getTrustedRoot } from '@sigstore/tuf';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { PromotionRejected } from './errors.ts';
import type { SignerIdentity, SigstoreVerifier } from './verify.ts';

/** Fulcio certificate extension OIDs (https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md). */
export const FULCIO_OIDS = {
  issuer: '1.3.6.1.4.1.57264.1.8',
  buildSignerURI: '1.3.6.1.4.1.57264.1.9',
  sourceRepositoryURI: '1.3.6.1.4.1.57264.1.12',
  sourceRepositoryDigest: '1.3.6.1.4.1.57264.1.13',
  sourceRepositoryRef: '1.3.6.1.4.1.57264.1.14',
  sourceRepositoryIdentifier: '1.3.6.1.4.1.57264.1.15',
  sourceRepositoryOwnerIdentifier: '1.3.6.1.4.1.57264.1.17',
  buildTrigger: '1.3.6.1.4.1.57264.1.20',
} as const;

/** The UTF8String value of a v2 Fulcio extension (DER-encoded). */
function extensionString(cert: X509Certificate, oid: string): string | undefined {
  const ext = cert.extension(oid);
  if (!ext) return undefined;
  const bytes = Buffer.from(ext.valueObj.value);
  // v2 extensions hold a DER UTF8String (tag 0x0c); legacy ones (…1.1-1.6) the raw string
  if (bytes[0] === 0x0c && bytes.length >= 2) {
    let len = bytes[1]!;
    let offset = 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      len = 0;
      for (let i = 0; i < n; i++) len = (len << 8) | bytes[2 + i]!;
      offset = 2 + n;
    }
    if (offset + len === bytes.length) return bytes.subarray(offset).toString('utf8');
  }
  return bytes.toString('utf8');
}

/** GitHub identity of a Fulcio certificate; `job_workflow_ref` from the Build Signer URI. */
export function certificateIdentity(cert: X509Certificate): SignerIdentity {
  const get = (oid: string) => extensionString(cert, oid) ?? '';
  const repoUri = get(FULCIO_OIDS.sourceRepositoryURI);
  const signer = get(FULCIO_OIDS.buildSignerURI);
  const sha = get(FULCIO_OIDS.sourceRepositoryDigest);
  return {
    issuer: get(FULCIO_OIDS.issuer),
    repository: repoUri.replace(/^https:\/\/[^/]+\//, ''),
    repository_id: get(FULCIO_OIDS.sourceRepositoryIdentifier),
    repository_owner_id: get(FULCIO_OIDS.sourceRepositoryOwnerIdentifier),
    ref: get(FULCIO_OIDS.sourceRepositoryRef),
    event_name: get(FULCIO_OIDS.buildTrigger),
    ...(sha ? { sha } : {}),
    ...(signer ? { job_workflow_ref: signer.replace(/^https:\/\/[^/]+\//, '') } : {}),
  };
}

/**
 * A verifier of sigstore-signed promotions against `trustedRoot` (the JSON of a Sigstore
 * TrustedRoot: Fulcio CA chain, Rekor and CT log keys; the public-good one comes from Sigstore's
 * TUF repository). Requires one transparency-log entry (its integrated time dates the signature).
 */
export function sigstoreVerifier(trustedRoot: unknown, options: { ctlogThreshold?: number } = {}): SigstoreVerifier {
  const trust = toTrustMaterial(TrustedRoot.fromJSON(trustedRoot));
  const verifier = new Verifier(trust, { tlogThreshold: 1, ctlogThreshold: options.ctlogThreshold ?? 1, tsaThreshold: 0 });
  return {
    verify(payload: Uint8Array, bundleBase64: string): Promise<SignerIdentity> {
      let bundle;
      try {
        bundle = bundleFromJSON(JSON.parse(Buffer.from(bundleBase64, 'base64').toString('utf8')));
      } catch (err) {
        return Promise.reject(new PromotionRejected('bad-signature', 'dataopssignature is not a sigstore bundle', { cause: err }));
      }
      try {
        verifier.verify(toSignedEntity(bundle, Buffer.from(payload)));
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        const reason = /signature/i.test(msg) && !/certificate|chain|tlog|SCT|timestamp/i.test(msg) ? 'bad-signature' : 'untrusted-certificate';
        return Promise.reject(new PromotionRejected(reason, `sigstore verification failed: ${msg}`, { cause: err }));
      }
      const vm = bundle.verificationMaterial.content;
      const der = vm.$case === 'certificate' ? vm.certificate.rawBytes : vm.$case === 'x509CertificateChain' ? vm.x509CertificateChain.certificates[0]?.rawBytes : undefined;
      if (!der) return Promise.reject(new PromotionRejected('untrusted-certificate', 'the sigstore bundle carries a public key, not a Fulcio certificate'));
      return Promise.resolve(certificateIdentity(X509Certificate.parse(Buffer.from(der))));
    },
  };
}

/**
 * A verifier with the public-good Sigstore trusted root, fetched from Sigstore's TUF repository on
 * first use (`@sigstore/tuf`, cached) — messages signed in key mode never trigger the fetch.
 */
export function publicGoodSigstoreVerifier(): SigstoreVerifier {
  let inner: Promise<SigstoreVerifier> | undefined;
  return {
    verify(payload, bundle) {
      inner ??= getTrustedRoot().then((root) => sigstoreVerifier(TrustedRoot.toJSON(root)));
      return inner.then((v) => v.verify(payload, bundle));
    },
  };
}
