/**
 * buildah storage for tests: a fresh storage root under `.cache/` (same file system as the work
 * tree, so vfs copies stay local) with the offline base image in it. The base image's downloads
 * (.deb files) are cached in `.cache/base-image` across runs, so building the base costs a few
 * seconds once per storage. `removeStorage` deletes everything the storage holds.
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { ensureBaseImage } from '../../src/core/image/base.ts';
import { buildah } from '../../src/core/image/buildah.ts';
import { tool } from './tools.ts';

export const repoRoot = path.resolve(import.meta.dirname, '../..');
export const exampleDir = path.join(repoRoot, 'templates/example-pipeline');
export const baseCacheDir = path.join(repoRoot, '.cache', 'base-image');

/** True when buildah can be started; when it cannot, tests needing it are skipped, or fail in CI (tools.ts). */
export const haveBuildah = await tool('buildah', 'apt-get install buildah, or run scripts/bootstrap');

/** A new storage root under `.cache/buildah-tests/` holding the base image. */
export async function freshStorage(prefix = 'storage-'): Promise<string> {
  const parent = path.join(repoRoot, '.cache', 'buildah-tests');
  await mkdir(parent, { recursive: true });
  const root = await mkdtemp(path.join(parent, prefix));
  await ensureBaseImage({ storageRoot: root, cacheDir: baseCacheDir });
  return root;
}

/** Removes containers, images and the storage directory. */
export async function removeStorage(root: string): Promise<void> {
  await buildah(root, ['rm', '--all']).catch(() => undefined);
  await buildah(root, ['rmi', '--all', '--force']).catch(() => undefined);
  await rm(root, { recursive: true, force: true });
}

/** Copies the example project to `dest` (node_modules included when prepared, to skip npm ci). */
export async function copyExample(dest: string): Promise<string> {
  await cp(exampleDir, dest, { recursive: true, filter: (p) => !/[/\\](\.dataops|out)$/.test(p) });
  if (!existsSync(path.join(dest, 'node_modules'))) await mkdir(dest, { recursive: true });
  return dest;
}
