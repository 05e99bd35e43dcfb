/**
 * A real `docker-registry` per test file: `useRegistry()` starts one in `beforeAll` and stops it in
 * `afterAll`; the returned object is filled in once it runs.
 */
import { afterAll, beforeAll } from 'vitest';
import { startLocalRegistry, type LocalRegistry, type LocalRegistryOptions } from '../../src/core/registry/local.ts';

export function useRegistry(opts: LocalRegistryOptions = {}): { host: string; registry: LocalRegistry } {
  const handle = {} as { host: string; registry: LocalRegistry };
  beforeAll(async () => {
    handle.registry = await startLocalRegistry(opts);
    handle.host = handle.registry.host;
  });
  afterAll(async () => {
    await handle.registry?.stop();
  });
  return handle;
}

/** Tags of `repository` as the registry lists them (`GET /v2/<name>/tags/list`); [] when unknown. */
export async function registryTags(host: string, repository: string): Promise<string[]> {
  const res = await fetch(`http://${host}/v2/${repository}/tags/list`);
  if (res.status === 404) return [];
  const body = (await res.json()) as { tags: string[] | null };
  return body.tags ?? [];
}

/** Raw manifest bytes by reference, and the digest header. */
export async function getManifest(host: string, repository: string, reference: string): Promise<{ status: number; bytes: Buffer; digest: string | null }> {
  const res = await fetch(`http://${host}/v2/${repository}/manifests/${reference}`, {
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json' },
  });
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()), digest: res.headers.get('docker-content-digest') };
}
