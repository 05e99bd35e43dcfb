/**
 * Builds the offline base image `localhost/dataops-base:node24` into a buildah storage (see
 * src/core/image/base.ts). Usage: node scripts/build-base-image.ts [--storage-root dir] [--force]
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ensureBaseImage } from '../src/core/image/base.ts';
import { defaultStorageRoot } from '../src/core/image/buildah.ts';

const { values } = parseArgs({ options: { 'storage-root': { type: 'string' }, force: { type: 'boolean', default: false } } });
const storageRoot = path.resolve(values['storage-root'] ?? defaultStorageRoot());
const result = await ensureBaseImage({ storageRoot, cacheDir: path.join(path.dirname(storageRoot), 'base-image'), force: values.force, log: (l) => console.error(l) });
console.log(`${result.name} ${result.id}${result.built ? ' (built)' : ' (already present)'}`);
