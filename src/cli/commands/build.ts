/**
 * `dataops build`: builds the pipeline image of a project (`image:` in dataops.yml) with docker
 * buildx or buildah into an OCI image layout, and prints its digest reference (`name@sha256:…`,
 * stdout) — the reference every later command takes. Exit code 2 for a configuration error
 * (e.g. a Dockerfile error, reported as file:line).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../../core/errors.ts';
import { imageConfigSchema } from '../../core/image/config.ts';
import { buildImage, buildMetadata, suiteHashes } from '../../core/image/build.ts';
import { loadProject, PROJECT_FILE } from '../../core/project.ts';
import { action } from '../errors.ts';
import { color, formatDuration, progress } from '../ui.ts';
import { cliRunner } from '../context.ts';

interface Options {
  project: string;
  builder?: string;
  name?: string;
  workDir?: string;
  storageRoot?: string;
  buildArg: string[];
  target?: string;
  cache: boolean;
  metadataFile?: string;
  json: boolean;
  verbose: boolean;
}

const collect = (v: string, prev: string[]) => [...prev, v];

export function register(command: Command): void {
  command
    .option('-p, --project <dir|file>', `project directory or ${PROJECT_FILE}`, '.')
    .option('--builder <builder>', 'auto | docker | buildah (default: image.builder, auto)')
    .option('--name <name>', 'image name without tag (default: image.name or localhost/<project name>)')
    .option('--build-arg <KEY=VALUE>', 'build argument (repeatable; not for secrets)', collect, [])
    .option('--target <stage>', 'multi-stage target')
    .option('--no-cache', 'do not use the layer cache')
    .option('--work-dir <dir>', 'scratch directory; the OCI layout goes to <dir>/image/oci (default: <project>/.dataops/run)')
    .option('--storage-root <dir>', 'buildah storage root (default: $DATAOPS_BUILDAH_ROOT or ~/.cache/dataops/buildah)')
    .option('--metadata-file <file>', 'write the build metadata (digest, tags, labels) as JSON here')
    .option('--json', 'print the metadata JSON on stdout instead of the reference', false)
    .option('-v, --verbose', 'show the builder output', false)
    .action(
      action('build', async (opts: Options) => {
        const project = await loadProject(opts.project, { workspace: cliRunner().workspace });
        const base = project.config.image ?? imageConfigSchema.parse({});
        const buildArgs = { ...base.build_args };
        for (const pair of opts.buildArg) {
          const eq = pair.indexOf('=');
          if (eq <= 0) throw new ConfigError(`"${pair}" is not KEY=VALUE`, { location: { field: '--build-arg' } });
          buildArgs[pair.slice(0, eq)] = pair.slice(eq + 1);
        }
        if (opts.builder && !['auto', 'docker', 'buildah'].includes(opts.builder)) {
          throw new ConfigError(`"${opts.builder}" is not a builder`, { location: { field: '--builder' }, fix: 'Use auto, docker or buildah.' });
        }
        const config = { ...base, build_args: buildArgs, ...(opts.name ? { name: opts.name } : {}), ...(opts.target ? { target: opts.target } : {}) };
        const workDir = path.resolve(opts.workDir ?? path.join(project.dir, '.dataops', 'run'));
        await mkdir(workDir, { recursive: true });
        const result = await buildImage({
          projectDir: project.dir,
          projectName: project.config.name,
          config,
          workDir,
          ...(opts.storageRoot ? { storageRoot: path.resolve(opts.storageRoot) } : {}),
          ...(opts.builder ? { builder: opts.builder as 'auto' | 'docker' | 'buildah' } : {}),
          qualitySuites: await suiteHashes(project.dir, project.config.quality?.suites ?? []),
          noCache: !opts.cache,
          runner: cliRunner(),
          log: (line) => progress(color.dim(line)),
          ...(opts.verbose ? { onBuildLog: (chunk: string) => process.stderr.write(chunk) } : {}),
        });
        const metadata = buildMetadata(result);
        if (opts.metadataFile) await writeFile(path.resolve(opts.metadataFile), JSON.stringify(metadata, null, 2) + '\n');
        progress(`${color.green('built')} ${result.ref} with ${result.builder} in ${formatDuration(result.durationMs)} (${result.cachedSteps} cached steps)`);
        progress(`  tags: ${result.metadata.tags.join(', ')}`);
        progress(`  OCI layout: ${path.relative(process.cwd(), result.layoutDir) || result.layoutDir}`);
        process.stdout.write(opts.json ? JSON.stringify(metadata, null, 2) + '\n' : result.ref + '\n');
      }),
    );
}
