/**
 * Entry of actions/push-image: pushes an image by digest (from the OCI layout build-image wrote,
 * or copied from another registry) to each destination, reads the digest back, then tags it.
 * Outputs the references by digest. Secrets are masked before any request is made.
 */
import * as core from '../lib/core.ts';
import { z } from 'zod';
import { ConfigError } from '../../core/errors.ts';
import { requireDigestRef } from '../../core/image/ref.ts';
import { resolveCredentials } from '../../core/registry/auth.ts';
import { copyImage } from '../../core/registry/copy.ts';
import { formatBytes, pushImage } from '../../core/registry/push.ts';
import type { TransferProgress } from '../../core/registry/transfer.ts';
import { input, readInputs, runAction } from '../lib/action.ts';

const inputs = z.object({
  image: z.string().optional(),
  'layout-dir': z.string().optional(),
  digest: z.string().optional(),
  destinations: input.list().refine((l) => l.length > 0, 'name at least one registry/repository'),
  tags: input.list(),
  username: z.string().optional(),
  password: z.string().optional(),
  'registry-token': z.string().optional(),
  'insecure-registries': input.list(),
  'retry-budget-seconds': input.int(300),
  'timeout-seconds': input.int(3600),
  'request-timeout-seconds': input.int(300),
  'ca-file': z.string().optional(),
});

/** Runs the action (exported for @github/local-action; the bundle entry calls it). */
export async function run(): Promise<void> {
  await runAction('push-image', async (ctx) => {
    const raw = { password: core.getInput('password'), token: core.getInput('registry-token') };
    // mask before anything (even input validation) could print them
    const masked = new Set<string>();
    for (const s of [raw.password, raw.token]) {
      if (s) {
        core.setSecret(s);
        masked.add(s);
      }
    }
    const i = readInputs(inputs);
    const auth = (registry: string) => {
      const r = resolveCredentials(registry, { username: i.username, password: i.password, registryToken: i['registry-token'], env: ctx.runner.env });
      for (const s of r.secrets) {
        if (!masked.has(s)) {
          core.setSecret(s);
          masked.add(s);
        }
      }
      for (const n of r.notes) core.warning(n);
      if (!masked.has(`source:${registry}`)) {
        core.info(`${registry}: credentials from ${r.source}`);
        masked.add(`source:${registry}`);
      }
      return r.credentials;
    };
    const retry = { budgetMs: i['retry-budget-seconds'] * 1000 };
    const limits = { timeoutMs: i['timeout-seconds'] * 1000, requestTimeoutMs: i['request-timeout-seconds'] * 1000, ...(i['ca-file'] ? { caFile: i['ca-file'] } : {}) };
    const insecure = i['insecure-registries'].length ? i['insecure-registries'] : undefined;
    const onProgress = (p: TransferProgress) => {
      if (p.kind === 'blob') core.info(`${p.action} ${p.digest}${p.bytes !== undefined ? ` (${formatBytes(p.bytes)})` : ''} → ${p.destination}`);
      else if (p.action === 'verified') core.info(`verified: ${p.destination} serves ${p.digest}`);
      else if (p.kind === 'tag') core.info(`tagged ${p.destination}:${p.tag}`);
    };
    let refs: string[];
    let digest: string;
    let uploaded = 0;
    let skipped = 0;
    let mounted = 0;
    const tagged: string[] = [];
    if (i['layout-dir']) {
      digest = i.digest ?? (i.image ? requireDigestRef(i.image, 'image').digest : '');
      if (!digest) throw new ConfigError('is required with layout-dir', { location: { field: 'input "digest"' }, fix: 'Pass the "digest" output of build-image (or "image" as name@sha256:…).' });
      if (i.digest && i.image && requireDigestRef(i.image, 'image').digest !== i.digest) {
        throw new ConfigError(`"image" names ${requireDigestRef(i.image, 'image').digest} but "digest" is ${i.digest}`, { location: { field: 'input "digest"' }, fix: 'Pass one of them, or both from the same build-image step.' });
      }
      const r = await pushImage({ layoutDir: i['layout-dir'], digest, destinations: i.destinations, tags: i.tags, auth, retry, ...limits, ...(insecure ? { insecure } : {}), onProgress });
      ({ refs, uploadedBytes: uploaded, skippedBlobs: skipped, mountedBlobs: mounted } = r);
      tagged.push(...r.taggedRefs);
    } else if (i.image) {
      digest = requireDigestRef(i.image, 'image').digest;
      refs = [];
      for (const destination of i.destinations) {
        const r = await copyImage({ source: i.image, destination, tags: i.tags, auth, retry, ...limits, ...(insecure ? { insecure } : {}), onProgress });
        refs.push(r.ref);
        tagged.push(...r.taggedRefs);
        uploaded += r.uploadedBytes;
        skipped += r.skippedBlobs;
        mounted += r.mountedBlobs;
      }
    } else {
      throw new ConfigError('is required', { location: { field: 'input "image"' }, fix: 'Pass "layout-dir" and "digest" from build-image, or "image" as registry/repository@sha256:… to copy from another registry.' });
    }
    core.setOutput('refs', refs.join('\n'));
    core.setOutput('digest', digest);
    core.setOutput('image', refs[0]);
    core.setOutput('tags', tagged.join('\n'));
    await (await core.jobSummary())
      .addHeading('push-image', 2)
      .addRaw(`Pushed <code>${digest}</code> and read it back from every destination before tagging.`, true)
      .addTable([
        [
          { data: 'Reference (by digest)', header: true },
          { data: 'Tags', header: true },
        ],
        ...refs.map((ref) => {
          const repo = ref.split('@')[0]!;
          return [`<code>${ref}</code>`, tagged.filter((t) => t.slice(0, t.lastIndexOf(':')) === repo).map((t) => `<code>${t.slice(t.lastIndexOf(':') + 1)}</code>`).join(' ') || '–'];
        }),
      ])
      .addRaw(`Uploaded ${formatBytes(uploaded)}; ${skipped} blob(s) already present, ${mounted} mounted from another repository.`, true)
      .write();
  });
}
