/**
 * `dataops data`: data versions and diffs.
 * - `dataops data show <registry/repository@sha256:…>` prints the data manifests attached to an
 *   image digest (referrers API, else the referrers tag schema): stage, role, dataset, rows,
 *   content hash and manifest digest (`--json`: the manifests themselves).
 * - `dataops data diff <base> <head>` compares two data files, two directories of outputs, or two
 *   data manifests: schema changes, row counts and, with `--key`, the rows added, removed and
 *   changed per column, with a few samples (`--pii` columns masked). Markdown with `--markdown`,
 *   the JSON report (totals and diffs) with `--report`.
 * - `dataops data diff --base-image A@sha256:… --head-image B@sha256:… [--fixtures dir]` runs both
 *   images on the same fixtures (src/core/data/images.ts: the system test's container settings of
 *   the project) and diffs their outputs; keys and pii default to image.system_test.compare's.
 * Exit codes: 0 shown or compared (1 with `--exit-code` when something differs; 1 when an image
 * has no data manifests attached, the registry failed, or an image failed on the fixtures),
 * 2 configuration error.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { diffPaths } from '../../core/data/compare.ts';
import { isEmptyDiff, renderDiffMarkdown, type DataDiff } from '../../core/data/diff.ts';
import { diffReport, writeDiffReport } from '../../core/data/diff-report.ts';
import type { Runner } from '../../core/image/system-test-config.ts';
import { ConfigError } from '../../core/errors.ts';
import { cliRunner } from '../context.ts';
import { action, EXIT } from '../errors.ts';
import { color, progress, terminalSafe, terminalSafeJson } from '../ui.ts';

// Loaded when used: `data show` (the registry client) and `data diff` of two images (project,
// system test) need modules a diff of two files does not; its start-up is part of what the
// data-diff bench measures. The project file's name is repeated here for the same reason.
const PROJECT_FILE = 'dataops.yml';

interface DiffOptions {
  key: string[];
  pii: string[];
  samples: string;
  markdown?: string;
  report?: string;
  json: boolean;
  exitCode: boolean;
  checkKeys: boolean;
  baseImage?: string;
  headImage?: string;
  baseLayout?: string;
  headLayout?: string;
  fixtures?: string;
  project?: string;
  runner?: string;
  storageRoot?: string;
  workDir?: string;
}

async function runnerOf(value: string | undefined): Promise<Runner | undefined> {
  if (value === undefined) return undefined;
  const { runnerSchema } = await import('../../core/image/system-test-config.ts');
  const r = runnerSchema.safeParse(value);
  if (!r.success) throw new ConfigError(`"${value}" is not allowed`, { location: { field: '--runner' }, fix: `Use one of: ${runnerSchema.options.join(', ')}.` });
  return r.data;
}

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
        const [{ readAttachedManifests }, { shortDigest }, { requireDigestRef }, { resolveCredentials }, { RegistryClient, RegistryError }] = await Promise.all([
          import('../../core/data/attach.ts'),
          import('../../core/hash.ts'),
          import('../../core/image/ref.ts'),
          import('../../core/registry/auth.ts'),
          import('../../core/registry/client.ts'),
        ]);
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
            process.stdout.write(terminalSafeJson({ image, artifact: found.artifact, via: found.via, manifests: found.manifests }) + '\n');
            return;
          }
          progress(color.dim(`artifact ${found.artifact} (${found.via === 'referrers' ? 'referrers API' : 'referrers tag schema'})`));
          // stage, role and dataset are the artifact's annotations: text a registry hands back, shown escaped
          const rows = found.manifests.map((m) => [m.stage, m.role, m.dataset, String(m.manifest.row_count), m.manifest.content_hash ? shortDigest(m.manifest.content_hash) : '(sql)', shortDigest(m.digest)].map(terminalSafe));
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
    .description('Compare two data files, two output directories, two data manifests, or the outputs of two images on the same fixtures')
    .argument('[base]', 'base version: a data file, a directory of data files, or a *.data-manifest.json')
    .argument('[head]', 'head version, of the same kind')
    .option('--key <columns>', 'key columns of the row diff, comma-separated or repeated', list, [])
    .option('--pii <columns>', 'columns whose values are never shown, comma-separated or repeated', list, [])
    .option('--samples <n>', 'samples kept per kind (added, removed, changed)', '5')
    .option('--markdown <file>', 'also write the diff as Markdown (job summary, PR comment)')
    .option('--report <file>', 'also write the JSON report (totals and every diff)')
    .option('--json', 'print the diff as JSON', false)
    .option('--check-keys', 'count keys that occur more than once on a side (one more aggregate per side)', false)
    .option('--exit-code', 'exit 1 when something differs (as git diff --exit-code)', false)
    .option('--base-image <ref>', 'instead of <base>: run this image (name@sha256:…) on the fixtures and diff its outputs')
    .option('--head-image <ref>', 'instead of <head>: the other image, run on the same fixtures')
    .option('--base-layout <dir>', 'OCI image layout holding --base-image (else it is pulled)')
    .option('--head-layout <dir>', 'OCI image layout holding --head-image (else it is pulled)')
    .option('--fixtures <dir>', 'fixtures both images run on (default: image.system_test.fixtures of the project)')
    .option('-p, --project <dir|file>', `project directory or ${PROJECT_FILE}: container settings, keys and pii of image.system_test.compare (default: . when it holds one)`)
    .option('--runner <runner>', 'auto | docker | podman | buildah (default: image.system_test.runner)')
    .option('--storage-root <dir>', 'buildah storage root')
    .option('--work-dir <dir>', 'where the images write their outputs (base/, head/; default: a new temp dir)')
    .action(
      action('data diff', async (baseArg: string | undefined, headArg: string | undefined, opts: DiffOptions) => {
        if (!/^\d+$/.test(opts.samples)) throw new ConfigError(`"${opts.samples}" is not a whole number`, { location: { field: '--samples' } });
        const runner = cliRunner();
        const diffOpts = { key: opts.key, samples: Number(opts.samples), checkKeys: opts.checkKeys, engine: { tempDirectory: runner.temp } };
        let diffs: DataDiff[];
        let sides: { base: string; head: string; pii: string[] };
        const images = opts.baseImage !== undefined || opts.headImage !== undefined;
        if (images) {
          if (!opts.baseImage || !opts.headImage) throw new ConfigError('give both --base-image and --head-image', { location: { field: opts.baseImage ? '--head-image' : '--base-image' } });
          if (baseArg !== undefined || headArg !== undefined) throw new ConfigError('give either <base> <head> or --base-image/--head-image, not both', { location: { field: '<base>' } });
          const [{ diffImageOutputs, ImageRunError }, { loadProject }] = await Promise.all([import('../../core/data/images.ts'), import('../../core/project.ts')]);
          const project = opts.project ? await loadProject(opts.project, { workspace: runner.workspace }) : existsSync(PROJECT_FILE) ? await loadProject('.', { workspace: runner.workspace }) : undefined;
          const workDir = opts.workDir ?? (await mkdtemp(path.join(runner.temp, 'dataops-data-diff-')));
          progress(color.bold(`dataops data diff: ${opts.baseImage} → ${opts.headImage}`));
          try {
            const r = await diffImageOutputs(project, {
              base: { image: opts.baseImage, layoutDir: opts.baseLayout },
              head: { image: opts.headImage, layoutDir: opts.headLayout },
              fixtures: opts.fixtures,
              workDir,
              runner: await runnerOf(opts.runner),
              storageRoot: opts.storageRoot,
              diff: { ...diffOpts, pii: new Set(opts.pii) },
            });
            progress(color.dim(`  fixtures ${r.fixturesDir} → outputs ${r.outputs.base}, ${r.outputs.head}`));
            diffs = r.diffs;
            sides = { base: opts.baseImage, head: opts.headImage, pii: r.pii };
          } catch (err) {
            if (!(err instanceof ImageRunError)) throw err;
            // the message quotes the container's stderr: text of the image, shown escaped
            progress(`dataops data diff: ${color.red('failed')}: ${terminalSafe(err.message)}`);
            process.exitCode = EXIT.failed;
            return;
          }
        } else {
          if (baseArg === undefined || headArg === undefined) throw new ConfigError('name <base> and <head>, or --base-image and --head-image', { location: { field: baseArg === undefined ? '<base>' : '<head>' } });
          const pii = opts.pii.map((c) => c.toLowerCase());
          diffs = await diffPaths(baseArg, headArg, { ...diffOpts, pii: new Set(pii) });
          sides = { base: baseArg, head: headArg, pii };
        }
        const markdown = diffs.map((d) => renderDiffMarkdown(d)).join('\n');
        if (opts.markdown) await writeFile(opts.markdown, markdown);
        if (opts.report) await writeDiffReport(opts.report, diffReport(diffs, sides));
        process.stdout.write(opts.json ? JSON.stringify(diffs, null, 2) + '\n' : markdown);
        if (opts.exitCode && diffs.some((d) => !isEmptyDiff(d))) process.exitCode = EXIT.failed;
      }),
    );
}
