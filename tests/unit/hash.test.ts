/**
 * Content hashes (src/core/hash.ts): a dataset's content hash is the sha256 of its files' bytes
 * concatenated, read block by block into one reused buffer. Files larger than a block, a file
 * ending exactly on a block, an empty file and the order of files must all give the digest of
 * the concatenated bytes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sha256, sha256File, sha256Files } from '../../src/core/hash.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'hash-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const bytes = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff));
const file = (name: string, data: Buffer) => {
  const f = path.join(tmp, name);
  writeFileSync(f, data);
  return f;
};

describe('sha256Files', () => {
  it('hashes the concatenated bytes of several files, blocks reused across reads', async () => {
    const a = bytes((1 << 20) * 2 + 12345, 1); // two full blocks and a partial one
    const b = bytes(1 << 20, 7); // exactly one block
    const c = Buffer.alloc(0);
    const d = bytes(100, 3); // shorter than what the block held before: stale bytes must not leak in
    const files = [file('a.bin', a), file('b.bin', b), file('c.bin', c), file('d.bin', d)];
    const expected = `sha256:${createHash('sha256').update(Buffer.concat([a, b, c, d])).digest('hex')}`;
    expect(await sha256Files(files)).toBe(expected);
    expect(await sha256Files([files[3]!, files[0]!])).toBe(sha256(Buffer.concat([d, a])));
    expect(await sha256File(files[3]!)).toBe(sha256(d));
    expect(await sha256Files([])).toBe(sha256(''));
  });

  it('throws the fs error for a missing file', async () => {
    await expect(sha256Files([path.join(tmp, 'missing.bin')])).rejects.toThrow(/ENOENT/);
  });
});
