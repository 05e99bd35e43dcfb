/**
 * Image references as the OCI distribution spec and Docker name them:
 * `[registry[:port]/]repository[:tag][@sha256:<64 hex>]`. Every stage after the build hands on a
 * digest reference (`name@sha256:…`); tag-only references are refused downstream.
 */
import { ConfigError } from '../errors.ts';

/** A parsed image reference. */
export interface ImageRef {
  /** Registry host[:port]; `docker.io` when omitted (Docker's default). */
  registry: string;
  /** Repository path within the registry (`library/` added for Docker Hub single names). */
  repository: string;
  tag?: string;
  /** `sha256:<64 hex>` when pinned. */
  digest?: string;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;
const REPO = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** True for `sha256:` followed by 64 lower-case hex digits. */
export function isDigest(value: string): boolean {
  return DIGEST.test(value);
}

/**
 * Parses an image reference.
 * @throws ConfigError naming `field` when the reference is malformed.
 */
export function parseImageRef(value: string, field = 'image'): ImageRef {
  const bad = (why: string) => new ConfigError(`"${value}" is not a valid image reference: ${why}`, { location: { field }, fix: 'Write it as registry/repository@sha256:<digest> (or :tag where a tag is allowed).' });
  let rest = value.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw bad(`digest "${digest}" is not sha256:<64 lower-case hex>`);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad(`tag "${tag}" is invalid`);
  }
  const parts = rest.split('/');
  let registry = 'docker.io';
  const first = parts[0] ?? '';
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    registry = first;
    parts.shift();
  }
  let repository = parts.join('/');
  if (registry === 'docker.io' && parts.length === 1) repository = `library/${repository}`;
  if (!REPO.test(repository)) throw bad(`repository "${repository}" must be lower-case path components`);
  return { registry, repository, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/**
 * Parses a reference and requires a digest: the rule every stage after the build follows.
 * @throws ConfigError for a tag-only or malformed reference.
 */
export function requireDigestRef(value: string, field = 'image'): ImageRef & { digest: string } {
  const ref = parseImageRef(value, field);
  if (!ref.digest) {
    throw new ConfigError(`"${value}" has no digest; a tag can be moved after the image was tested`, {
      location: { field },
      fix: 'Pass the reference by digest (name@sha256:…), e.g. the "image" output of build-image or push-image.',
    });
  }
  return ref as ImageRef & { digest: string };
}

/** `registry/repository@digest`: the immutable form handed between stages. */
export function digestRef(ref: ImageRef & { digest: string }): string {
  return `${ref.registry}/${ref.repository}@${ref.digest}`;
}
