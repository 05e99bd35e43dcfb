import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareContext, stageContext } from '../../src/core/image/build.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ctx-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('stageContext', () => {
  it('copies the context with file times set to the epoch, leaving out .git, .dataops and the destination itself', async () => {
    const src = path.join(tmp, 'src');
    mkdirSync(path.join(src, 'pipeline'), { recursive: true });
    mkdirSync(path.join(src, '.git'), { recursive: true });
    writeFileSync(path.join(src, 'pipeline', 'main.mjs'), 'console.log(1)\n', { mode: 0o600 });
    writeFileSync(path.join(src, 'run.sh'), '#!/bin/sh\n', { mode: 0o700 });
    writeFileSync(path.join(src, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    symlinkSync('pipeline/main.mjs', path.join(src, 'link.mjs'));
    const dest = path.join(src, '.work', 'context'); // inside the source, as <project>/.dataops/run would be
    await stageContext(src, dest, 0);
    expect(readFileSync(path.join(dest, 'pipeline', 'main.mjs'), 'utf8')).toBe('console.log(1)\n');
    expect(statSync(path.join(dest, 'pipeline', 'main.mjs')).mtimeMs).toBe(0);
    expect(statSync(path.join(dest, 'pipeline')).mtimeMs).toBe(0);
    expect(statSync(path.join(dest, 'pipeline', 'main.mjs')).mode & 0o777).toBe(0o644);
    expect(statSync(path.join(dest, 'run.sh')).mode & 0o777).toBe(0o755);
    expect(lstatSync(path.join(dest, 'link.mjs')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(path.join(dest, 'link.mjs'))).toBe('pipeline/main.mjs');
    expect(existsSync(path.join(dest, '.git'))).toBe(false);
    expect(existsSync(path.join(dest, '.work', 'context'))).toBe(false);
  });
});

describe('prepareContext', () => {
  it('does nothing without a lock file or when the Dockerfile does not copy node_modules', async () => {
    const dir = path.join(tmp, 'noprep');
    mkdirSync(dir, { recursive: true });
    await expect(prepareContext(dir, 'FROM x\nCOPY node_modules ./node_modules\n', 'auto')).resolves.toBe(false);
    writeFileSync(path.join(dir, 'package-lock.json'), '{}');
    await expect(prepareContext(dir, 'FROM x\nCOPY app.mjs .\n', 'auto')).resolves.toBe(false);
    await expect(prepareContext(dir, 'FROM x\n', 'none')).resolves.toBe(false);
  });

  it('skips npm when node_modules matches the lock (stamp)', async () => {
    const dir = path.join(tmp, 'stamped');
    mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
    writeFileSync(path.join(dir, 'package-lock.json'), '{"lockfileVersion":3}');
    const { sha256 } = await import('../../src/core/hash.ts');
    writeFileSync(path.join(dir, 'node_modules', '.dataops-prepared'), sha256('{"lockfileVersion":3}') + '\n');
    await expect(prepareContext(dir, 'COPY node_modules/ ./node_modules/', 'auto')).resolves.toBe(false);
  });
});
