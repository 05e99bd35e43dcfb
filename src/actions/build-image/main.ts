/**
 * Entry of actions/build-image: builds the pipeline image with docker buildx (where a daemon
 * answers: GitHub-hosted runners, with the `type=gha` cache) or daemonless buildah, tags and labels
 * it from the GitHub context (docker/metadata-action conventions plus the quality suites' hashes)
 * and outputs the digest reference every later step takes. A Dockerfile error fails the step with
 * an annotation on the Dockerfile line. With `upload: true` the OCI layout is uploaded as a workflow
 * artifact (output `artifact-name`) for later jobs. Settings: `image:` in dataops.yml (input
 * `project`), then the inputs, which win.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as core from '../lib/core.ts';
import { z } from 'zod';
import { ConfigError } from '../../core/errors.ts';
import { imageConfigSchema, type ImageConfig } from '../../core/image/config.ts';
import { buildImage, buildMetadata, suiteHashes } from '../../core/image/build.ts';
import { loadProject, PROJECT_FILE } from '../../core/project.ts';
import { input, readInputs, runAction } from '../lib/action.ts';
import { filesUnder, UPLOAD_INPUTS, uploadIfAsked } from '../lib/upload.ts';

const ACTION = 'build-image';

const inputsSchema = z.object({
  project: z.string().optional(),
  name: z.string().optional(),
  dockerfile: z.string().optional(),
  context: z.string().optional(),
  'build-args': z.string().optional(),
  target: z.string().optional(),
  platforms: input.list(),
  secrets: z.string().optional(),
  builder: z.enum(['auto', 'docker', 'buildah']).optional(),
  labels: z.string().optional(),
  tags: input.list(),
  cache: input.boolean(true),
  'quality-suites': input.list(),
  'work-dir': z.string().optional(),
  'storage-root': z.string().optional(),
  ...UPLOAD_INPUTS,
});

/** `KEY=VALUE` lines (blank lines and `#` comments skipped). @throws ConfigError naming the input. */
function parseKeyValueLines(text: string | undefined, inputName: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [i, raw] of (text ?? '').split('\n').entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new ConfigError(`line ${i + 1} "${line}" is not KEY=VALUE`, { location: { field: `input "${inputName}"` } });
    out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

/** `id=NAME,env=VAR` / `id=NAME,file=PATH` lines, as docker/build-push-action's secret-envs/secret-files. */
function parseSecretLines(text: string | undefined): ImageConfig['secrets'] {
  const secrets: ImageConfig['secrets'] = [];
  for (const [i, raw] of (text ?? '').split('\n').entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const fields = Object.fromEntries(line.split(',').map((p) => [p.slice(0, p.indexOf('=')).trim(), p.slice(p.indexOf('=') + 1).trim()]));
    const id = fields.id;
    const env = fields.env;
    const file = fields.file ?? fields.src;
    if (!id || (env === undefined) === (file === undefined)) {
      throw new ConfigError(`line ${i + 1} "${line}" must be id=<id>,env=<VAR> or id=<id>,file=<path>`, { location: { field: 'input "secrets"' }, fix: 'Secrets become secret mounts (RUN --mount=type=secret,id=<id>), never build args.' });
    }
    secrets.push({ id, ...(env !== undefined ? { env } : { file: file! }) });
  }
  return secrets;
}

/** Runs the action (exported for @github/local-action; the bundle entry calls it). */
export async function run(): Promise<void> {
  await runAction(ACTION, async (ctx) => {
    const { runner } = ctx;
    const inputs = readInputs(inputsSchema);
    const projectPath = path.resolve(inputs.project ?? '.');
    const hasProject = /\.ya?ml$/.test(projectPath) ? existsSync(projectPath) : existsSync(path.join(projectPath, PROJECT_FILE));
    const project = hasProject ? await loadProject(projectPath, { workspace: runner.workspace }) : undefined;
    const projectDir = project?.dir ?? projectPath;
    const base = project?.config.image ?? imageConfigSchema.parse({});
    const config: ImageConfig = {
      ...base,
      ...(inputs.name ? { name: inputs.name } : {}),
      ...(inputs.dockerfile ? { dockerfile: inputs.dockerfile } : {}),
      ...(inputs.context ? { context: inputs.context } : {}),
      ...(inputs.target ? { target: inputs.target } : {}),
      ...(inputs.platforms.length ? { platforms: inputs.platforms } : {}),
      ...(inputs.builder ? { builder: inputs.builder } : {}),
      build_args: { ...base.build_args, ...parseKeyValueLines(inputs['build-args'], 'build-args') },
      labels: { ...base.labels, ...parseKeyValueLines(inputs.labels, 'labels') },
      secrets: [...base.secrets, ...parseSecretLines(inputs.secrets)],
      tags: { ...base.tags, extra: [...base.tags.extra, ...inputs.tags] },
      cache: { ...base.cache, enabled: base.cache.enabled && inputs.cache },
    };
    const projectName = project?.config.name ?? (runner.github.repository?.split('/').pop() ?? path.basename(projectDir)).toLowerCase().replace(/[^a-z0-9._-]+/g, '-');
    const suites = inputs['quality-suites'].length ? inputs['quality-suites'].map((f) => path.resolve(f)) : (project?.config.quality?.suites ?? []).map((f) => path.resolve(projectDir, f));
    const workDir = path.resolve(inputs['work-dir'] ?? path.join(runner.temp, 'dataops-build'));
    const result = await buildImage({
      projectDir,
      projectName,
      config,
      workDir,
      ...(inputs['storage-root'] ? { storageRoot: path.resolve(inputs['storage-root']) } : {}),
      qualitySuites: await suiteHashes(projectDir, suites),
      runner,
      log: (line) => core.info(line),
      onBuildLog: (chunk) => process.stdout.write(chunk),
    });
    const metadata = buildMetadata(result);
    core.setOutput('image', result.ref);
    core.setOutput('digest', result.digest);
    core.setOutput('tags', result.tags.join('\n'));
    core.setOutput('metadata', JSON.stringify(metadata));
    core.setOutput('layout-dir', result.layoutDir);
    core.info(`built ${result.ref}`);
    await uploadIfAsked(ctx, ACTION, inputs, 'dataops-image', () => filesUnder(result.layoutDir), result.layoutDir);
    await (await core.jobSummary())
      .addHeading('dataops build-image', 2)
      .addTable([
        [
          { data: 'Field', header: true },
          { data: 'Value', header: true },
        ],
        ['Image', `<code>${result.ref}</code>`],
        ['Digest', `<code>${result.digest}</code>`],
        ['Tags', result.metadata.tags.map((t) => `<code>${t}</code>`).join(' ')],
        ['Builder', `${result.builder}${result.cachedSteps ? ` (${result.cachedSteps} cached steps)` : ''}`],
        ['Build time', `${(result.durationMs / 1000).toFixed(1)} s`],
      ])
      .addDetails('OCI labels', `<pre>${Object.entries(result.labels).map(([k, v]) => `${k}=${v}`).join('\n')}</pre>`)
      .addRaw('Later steps take the image by digest (the <code>image</code> output); tags are names only.', true)
      .write();
  });
}
