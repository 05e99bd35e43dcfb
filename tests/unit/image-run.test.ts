import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.ts';
import { buildahFromSource, buildahRunArgs, containerCommand, dockerRunArgs, findInLayout, parseMemory, runImage } from '../../src/core/image/run.ts';

const D1 = 'sha256:' + '1'.repeat(64);
const D2 = 'sha256:' + '2'.repeat(64);

describe('runner arguments', () => {
  it.each<[string, Parameters<typeof dockerRunArgs>[0], string[]]>([
    ['bare', {}, ['run', '--rm', '--read-only', '--network', 'none', '--tmpfs', '/tmp', 'img@x']],
    [
      'mounts, memory, env, args',
      { inputDir: '/in', outputDir: '/out', memoryLimit: '512m', env: { A: '1' }, args: ['--x'] },
      ['run', '--rm', '--read-only', '--network', 'none', '--tmpfs', '/tmp', '--volume', '/in:/data/in:ro', '--volume', '/out:/data/out', '--memory', '536870912', '--memory-swap', '536870912', '--env', 'A=1', 'img@x', '--x'],
    ],
  ])('docker/podman: %s', (_t, opts, args) => {
    expect(dockerRunArgs(opts, 'img@x')).toEqual(args);
  });

  it.each<[string, Parameters<typeof buildahRunArgs>[0], string[]]>([
    ['bare', {}, ['run', '--isolation', 'chroot', 'c1', '--', 'node', 'main.mjs']],
    ['mounts and env', { inputDir: '/in', outputDir: '/out', env: { K: 'v=w' } }, ['run', '--isolation', 'chroot', '--volume', '/in:/data/in:ro', '--volume', '/out:/data/out:rw', '--env', 'K=v=w', 'c1', '--', 'node', 'main.mjs']],
  ])('buildah: %s', (_t, opts, args) => {
    expect(buildahRunArgs(opts, 'c1', ['node', 'main.mjs'])).toEqual(args);
  });

  it.each<[string, { Entrypoint?: string[] | null; Cmd?: string[] | null }, string[], string[]]>([
    ['entrypoint + cmd', { Entrypoint: ['node', 'm.mjs'], Cmd: ['--in', 'x'] }, [], ['node', 'm.mjs', '--in', 'x']],
    ['args replace cmd', { Entrypoint: ['node', 'm.mjs'], Cmd: ['--in', 'x'] }, ['--help'], ['node', 'm.mjs', '--help']],
    ['cmd only', { Entrypoint: null, Cmd: ['node'] }, [], ['node']],
  ])('containerCommand: %s', (_t, config, args, cmd) => {
    expect(containerCommand(config, args)).toEqual(cmd);
  });

  it('containerCommand refuses an image with nothing to run', () => {
    expect(() => containerCommand({}, [])).toThrow(ConfigError);
  });

  it.each([
    ['512m', 512 * 1024 ** 2],
    ['2g', 2 * 1024 ** 3],
    ['1.5G', 1.5 * 1024 ** 3],
    ['100k', 102400],
    ['4096', 4096],
    ['1gb', 1024 ** 3],
  ])('parseMemory(%s)', (v, n) => expect(parseMemory(v)).toBe(n));

  it('parseMemory refuses junk', () => expect(() => parseMemory('lots')).toThrow(ConfigError));

  it.each([
    ['reg.local:5000/a/b@' + D1, undefined, 'docker://reg.local:5000/a/b@' + D1],
    ['x@' + D1, { dir: '/l', refName: 'main' }, 'oci:/l:main'],
    ['x@' + D1, { dir: '/l' }, 'oci:/l'],
  ])('buildahFromSource(%s)', (ref, layout, src) => expect(buildahFromSource(ref, layout)).toBe(src));
});

describe('findInLayout', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'layout-'));
  const write = (manifests: unknown[]) => writeFileSync(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests }));

  it('finds the named entry of the digest', async () => {
    write([{ digest: D2, annotations: { 'org.opencontainers.image.ref.name': 'old' } }, { digest: D1, annotations: { 'org.opencontainers.image.ref.name': 'main' } }]);
    await expect(findInLayout(dir, D1)).resolves.toEqual({ refName: 'main' });
  });

  it('accepts a single unnamed entry', async () => {
    write([{ digest: D1 }]);
    await expect(findInLayout(dir, D1)).resolves.toEqual({});
  });

  it('refuses a layout without the digest', async () => {
    write([{ digest: D2 }]);
    await expect(findInLayout(dir, D1)).rejects.toThrow(/not sha256:1111/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('runImage refuses a tag-only reference before running anything', async () => {
    await expect(runImage({ image: 'localhost/app:latest', runner: 'buildah' })).rejects.toThrow(/no digest/);
  });
});
