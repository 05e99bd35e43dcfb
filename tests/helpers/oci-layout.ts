/**
 * Small OCI image layouts for registry tests: random layer blobs (gzip of random bytes, so
 * digests differ per call), a config and an image manifest with correct digests, sizes and media
 * types, written as `oci-layout`, `index.json` and `blobs/sha256/…`.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { sha256 } from '../../src/core/hash.ts';

export interface TestLayout {
  dir: string;
  /** Manifest digest. */
  digest: string;
  manifest: Buffer;
  layers: Array<{ digest: string; size: number }>;
  config: { digest: string; size: number };
}

async function writeBlob(dir: string, bytes: Uint8Array): Promise<{ digest: string; size: number }> {
  const digest = sha256(bytes);
  await writeFile(path.join(dir, 'blobs', 'sha256', digest.slice(7)), bytes);
  return { digest, size: bytes.byteLength };
}

/**
 * Writes a layout with `layerSizes.length` layers of about the given sizes (random bytes, gzipped:
 * incompressible, so sizes stay close). `label` goes into the config so two calls differ even with
 * equal layers. `dir` defaults to a new temp directory (the caller removes it).
 */
export async function makeLayout(opts: { layerSizes?: number[]; label?: string; dir?: string; sharedLayers?: Uint8Array[] } = {}): Promise<TestLayout> {
  const dir = opts.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'dataops-layout-')));
  await mkdir(path.join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const raw = [...(opts.sharedLayers ?? []), ...(opts.layerSizes ?? [1024, 4096]).map((n) => gzipSync(randomBytes(n)))];
  const layers = [];
  for (const bytes of raw) layers.push(await writeBlob(dir, bytes));
  const config = await writeBlob(
    dir,
    Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: { Labels: { 'org.opencontainers.image.title': opts.label ?? 'test' } },
        rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
      }),
    ),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...l })),
    }),
  );
  const m = await writeBlob(dir, manifest);
  await writeFile(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...m }] }));
  return { dir, digest: m.digest, manifest, layers, config };
}

/**
 * A multi-platform layout: two image manifests (linux/amd64, linux/arm64) sharing one layer, under
 * an OCI image index; `digest` is the index's.
 */
export async function makeIndexLayout(): Promise<TestLayout & { children: string[] }> {
  const shared = gzipSync(randomBytes(2048));
  const amd = await makeLayout({ label: 'amd64', sharedLayers: [shared], layerSizes: [512] });
  const arm = await makeLayout({ label: 'arm64', sharedLayers: [shared], layerSizes: [512], dir: amd.dir });
  const platform = (architecture: string) => ({ architecture, os: 'linux' });
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: amd.digest, size: amd.manifest.length, platform: platform('amd64') },
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: arm.digest, size: arm.manifest.length, platform: platform('arm64') },
      ],
    }),
  );
  const i = await writeBlob(amd.dir, index);
  await writeFile(path.join(amd.dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', ...i }] }));
  return { dir: amd.dir, digest: i.digest, manifest: index, layers: [...amd.layers, ...arm.layers.slice(1)], config: amd.config, children: [amd.digest, arm.digest] };
}
