/** Content hashes used in reports, labels and promotion evidence: `sha256:<hex>` (OCI digest form). */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** `sha256:<64 hex>` of a string or bytes. */
export function sha256(data: string | Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** `sha256:<64 hex>` of a file's bytes, streamed. @throws the fs error when unreadable. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}
