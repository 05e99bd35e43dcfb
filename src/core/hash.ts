/** Content hashes used in reports, labels and promotion evidence: `sha256:<hex>` (OCI digest form). */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** `sha256:<64 hex>` of a string or bytes. */
export function sha256(data: string | Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** `sha256:<64 hex>` of a file's bytes, streamed in 1 MiB reads. @throws the fs error when unreadable. */
export async function sha256File(file: string): Promise<string> {
  return sha256Files([file]);
}

/**
 * `sha256:<64 hex>` over several files' bytes concatenated in the given order (a dataset's content
 * hash over its matched files). 1 MiB reads: about 20% less CPU than the 64 KiB default on large files.
 * @throws the fs error when a file is unreadable.
 */
export async function sha256Files(files: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const file of files) for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

/** `sha256:` and the first 12 hex digits of a digest (`sha256:1a2b3c4d5e6f`): how logs, summaries and descriptions name a digest. */
export function shortDigest(digest: string): string {
  return digest.slice(0, 'sha256:'.length + 12);
}
