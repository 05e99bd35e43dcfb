/**
 * Flow stage `push-image`: pushes the built image (`state.image`, an OCI layout) by digest to the
 * project's registry (`image.push` in dataops.yml), reads it back, and hands on
 * `state.registry` and `state.pushed.refs` (`registry/repository@sha256:…`). Without a registry
 * configured (or with `registry: local`) it starts a loopback docker-registry whose storage lives
 * under the flow's work directory, kept running until the flow ends so later stages can pull.
 */
import path from 'node:path';
import { ConfigError } from '../../errors.ts';
import { shortDigest } from '../../hash.ts';
import { pushConfigSchema, type PushConfig } from '../../image/push-config.ts';
import { resolveCredentials } from '../../registry/auth.ts';
import { RegistryClient, RegistryError } from '../../registry/client.ts';
import { attachManifests } from '../../data/attach.ts';
import { manifestExists } from '../../registry/copy.ts';
import { startLocalRegistry } from '../../registry/local.ts';
import { formatBytes, parseDestination, pushImage } from '../../registry/push.ts';
import type { Stage, StageResult } from '../types.ts';

/** A tag from the build's `tags` (which may be full `name:tag` references). */
function tagOf(value: string): string {
  const slash = value.lastIndexOf('/');
  const colon = value.lastIndexOf(':');
  return colon > slash ? value.slice(colon + 1) : value;
}

export const pushStage: Stage = {
  name: 'push-image',
  title: 'Push the image to the registry by digest',
  async run(ctx): Promise<StageResult> {
    const image = ctx.state.image;
    if (!image) return { status: 'skipped', summary: 'no image was built' };
    const cfg: PushConfig = ctx.project.config.image?.push ?? pushConfigSchema.parse({});
    const repository = cfg.repository ?? ctx.project.config.name;
    let destinations: string[];
    let insecure: boolean | undefined = cfg.insecure || undefined;
    if (cfg.destinations?.length) {
      destinations = cfg.destinations;
    } else if (cfg.registry && cfg.registry !== 'local') {
      destinations = [`${cfg.registry}/${repository}`];
    } else {
      let local;
      try {
        local = await startLocalRegistry({ dataDir: path.join(ctx.workDir, 'registry') });
      } catch (err) {
        if (err instanceof ConfigError) return { status: 'skipped', summary: `no registry configured and ${err.message}` };
        throw err;
      }
      ctx.onCleanup(() => local.stop());
      const shown = path.relative(ctx.project.dir, local.dataDir);
      ctx.log(`started a loopback docker-registry at ${local.host} (storage ${shown && !shown.startsWith('..') ? shown : local.dataDir})`);
      destinations = [`${local.host}/${repository}`];
      insecure = true;
    }
    const tags = [...new Set((cfg.tags ?? image.tags).map(tagOf))];
    const notes = new Set<string>();
    const auth = (registry: string) => {
      const r = resolveCredentials(registry, { env: ctx.runner.env });
      for (const n of r.notes) notes.add(n);
      return r.credentials;
    };
    let result;
    try {
      result = await pushImage({
        layoutDir: image.layoutDir,
        digest: image.digest,
        destinations,
        tags,
        auth,
        retry: { budgetMs: cfg.retry_budget_seconds * 1000 },
        ...(insecure ? { insecure } : {}),
        onProgress: (p) => {
          if (p.kind === 'blob' && p.action === 'uploaded') ctx.log(`uploaded ${shortDigest(p.digest)}… (${formatBytes(p.bytes ?? 0)}) to ${p.destination}`);
          if (p.kind === 'manifest' && p.action === 'verified') ctx.log(`${p.destination} serves ${p.digest}`);
        },
      });
    } catch (err) {
      if (err instanceof RegistryError) {
        for (const n of notes) ctx.log(n);
        return { status: 'failed', summary: err.message };
      }
      throw err;
    }
    // prove it once more, the way a later stage will ask: by digest
    for (const ref of result.refs) {
      if (!(await manifestExists(ref, { ...(insecure ? { insecure } : {}), auth }))) return { status: 'failed', summary: `${ref} is not served after the push` };
    }
    const first = parseDestination(destinations[0]!);
    ctx.state.registry = { host: first.registry, repository: first.repository };
    ctx.state.pushed = { refs: result.refs };
    // the data this digest was tested with, attached to it (OCI artifact, subject = the image)
    const recorded = ctx.state.data?.manifests ?? [];
    let attachedNote: string | undefined;
    if (recorded.length) {
      try {
        for (const [i, d] of destinations.map((x) => parseDestination(x)).entries()) {
          const credentials = auth(d.registry);
          const client = new RegistryClient({ registry: d.registry, ...(insecure ? { insecure } : {}), ...(credentials ? { credentials } : {}), retry: { budgetMs: cfg.retry_budget_seconds * 1000 } });
          const a = await attachManifests(client, d.repository, result.digest, recorded);
          if (i === 0) ctx.state.data = { manifests: recorded, artifact: { digest: a.digest, ref: a.ref, via: a.via } };
          ctx.log(`attached ${recorded.length} data manifest(s) to ${d.registry}/${d.repository}@${shortDigest(result.digest)} as ${shortDigest(a.digest)} (${a.via === 'referrers' ? 'referrers API' : `referrers tag ${a.tag}`})`);
        }
        attachedNote = `${recorded.length} data manifest(s) attached`;
      } catch (err) {
        if (err instanceof RegistryError) return { status: 'failed', summary: `the image was pushed, but its data manifests could not be attached: ${err.message}` };
        throw err;
      }
    }
    return {
      status: 'passed',
      summary: `pushed ${result.digest} to ${destinations.length} destination(s); the registry serves that digest`,
      details: {
        image: result.refs[0]!,
        ...(result.refs.length > 1 ? { 'other refs': result.refs.slice(1).join(', ') } : {}),
        tags: tags.join(', ') || '(none)',
        uploaded: `${formatBytes(result.uploadedBytes)} in ${result.uploadedBlobs} blob(s)`,
        'already there': `${result.skippedBlobs} blob(s) skipped, ${result.mountedBlobs} mounted`,
        ...(attachedNote && ctx.state.data?.artifact ? { data: `${attachedNote}: ${ctx.state.data.artifact.ref}` } : {}),
      },
    };
  },
};
