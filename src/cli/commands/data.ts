/**
 * `dataops data`: data versions and diffs.
 * - `dataops data show <registry/repository@sha256:…>` prints the data manifests attached to an
 *   image digest (referrers API, else the referrers tag schema): stage, role, dataset, rows,
 *   content hash and manifest digest (`--json`: the manifests themselves).
 * - `dataops data diff <base> <head>` compares two data files, two directories of outputs, or two
 *   data manifests: schema changes, row counts and, with `--key`, the rows added, removed and
 *   changed per column, with a few samples (`--pii` columns masked). Markdown with `--markdown`.
 * Exit codes: 0 shown or compared (1 with `--exit-code` when something differs; 1 when an image
 * has no data manifests attached, or the registry failed), 2 configuration error.
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { readAttachedManifests } from '../../core/data/attach.ts';
import { diffPaths } from '../../core/data/compare.ts';
import { isEmptyDiff, renderDiffMarkdown } from '../../core/data/diff.ts';
import { ConfigError } from '../../core/errors.ts';
import { shortDigest } from '../../core/hash.ts';
import { requireDigestRef } from '../../core/image/ref.ts';
import { resolveCredentials } from '../../core/registry/auth.ts';
import { RegistryClient, RegistryError } from '../../core/registry/client.ts';
import { cliRunner } from '../context.ts';
import { action, EXIT } from '../errors.ts';
import { color, progress } from '../ui.ts';

const list = (value: string, previous: string[]) => [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];

export function register(command: Command): void {
  command
    .command('show')
    .description('Print the data manifests attached to an image digest')
    .argument('<image>', 'registry/repository@sha256:…')
    .option('--insecure', 'reach the registry over plain HTTP (loopback hosts are probed)', false)
    .option('--json', 'print the manifests as JSON', false)
    .action(
      action('data show', async (image: string, opts: { insecure: boolean; json: boolean }) => {
        const ref = requireDigestRef(image, 'image');
        const credentials = resolveCredentials(ref.registry, { env: cliRunner().env }).credentials;
        const client = new RegistryClient({ registry: ref.registry, ...(opts.insecure ? { insecure: true } : {}), ...(credentials ? { credentials } : {}) });
        try {
          const found = await readAttachedManifests(client, ref.repository, ref.digest);
          if (!found) {
            progress(`dataops data show: ${image} has no data manifests attached`);
            process.exitCode = EXIT.failed;
            return;
          }
          if (opts.json) {
            process.stdout.write(JSON.stringify({ image, artifact: found.artifact, via: found.via, manifests: found.manifests }, null, 2) + '\n');
            return;
          }
          progress(color.dim(`artifact ${found.artifact} (${found.via === 'referrers' ? 'referrers API' : 'referrers tag schema'})`));
          const rows = found.manifests.map((m) => [m.stage, m.role, m.dataset, String(m.manifest.row_count), m.manifest.content_hash ? shortDigest(m.manifest.content_hash) : '(sql)', shortDigest(m.digest)]);
          const head = ['STAGE', 'ROLE', 'DATASET', 'ROWS', 'CONTENT', 'MANIFEST'];
          const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
          for (const r of [head, ...rows]) process.stdout.write(r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd() + '\n');
        } catch (err) {
          if (!(err instanceof RegistryError)) throw err;
          progress(`dataops data show: ${color.red('failed')}: ${err.message}`);
          process.exitCode = EXIT.failed;
        }
      }),
    );
  command
    .command('diff')
    .description('Compare two data files, two output directories or two data manifests')
    .argument('<base>', 'base version: a data file, a directory of data files, or a *.data-manifest.json')
    .argument('<head>', 'head version, of the same kind')
    .option('--key <columns>', 'key columns of the row diff, comma-separated or repeated', list, [])
    .option('--pii <columns>', 'columns whose values are never shown, comma-separated or repeated', list, [])
    .option('--samples <n>', 'samples kept per kind (added, removed, changed)', '5')
    .option('--markdown <file>', 'also write the diff as Markdown (job summary, PR comment)')
    .option('--json', 'print the diff as JSON', false)
    .option('--check-keys', 'count keys that occur more than once on a side (one more aggregate per side)', false)
    .option('--exit-code', 'exit 1 when something differs (as git diff --exit-code)', false)
    .action(
      action('data diff', async (base: string, head: string, opts: { key: string[]; pii: string[]; samples: string; markdown?: string; json: boolean; exitCode: boolean; checkKeys: boolean }) => {
        if (!/^\d+$/.test(opts.samples)) throw new ConfigError(`"${opts.samples}" is not a whole number`, { location: { field: '--samples' } });
        const diffs = await diffPaths(base, head, { key: opts.key, pii: new Set(opts.pii.map((c) => c.toLowerCase())), samples: Number(opts.samples), checkKeys: opts.checkKeys, engine: { tempDirectory: cliRunner().temp } });
        const markdown = diffs.map((d) => renderDiffMarkdown(d)).join('\n');
        if (opts.markdown) await writeFile(opts.markdown, markdown);
        process.stdout.write(opts.json ? JSON.stringify(diffs, null, 2) + '\n' : markdown);
        if (opts.exitCode && diffs.some((d) => !isEmptyDiff(d))) process.exitCode = EXIT.failed;
      }),
    );
}
