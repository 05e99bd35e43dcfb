/**
 * `dataops init --check`: what a project still lacks for each stage of `dataops flow`, without
 * running anything — the settings in dataops.yml, the files they name, and the local tools the
 * stage starts (buildah or a Docker daemon, docker-registry, gcloud's Pub/Sub emulator).
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { hasTool } from '../exec.ts';
import { isConfigError } from '../errors.ts';
import { detectBuilder } from '../image/builder.ts';
import { loadProject, type Project } from '../project.ts';
import { FLOW_STAGES } from '../flow/stages/index.ts';

/** What one stage lacks: nothing (`ready`), or one line per missing setting, file or tool. */
export interface StageReadiness {
  stage: string;
  ready: boolean;
  missing: string[];
}

/** Injectable tool probes (tests): whether a command runs. */
export interface CheckProbes {
  hasTool(cmd: string, args?: readonly string[]): Promise<boolean>;
  /** Whether an executable of that name is on PATH (without running it: gcloud takes seconds to start). */
  onPath(cmd: string): boolean;
  builder(): Promise<'docker' | 'buildah'>;
  env: NodeJS.ProcessEnv;
}

const onPath = (cmd: string) => (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir !== '' && existsSync(path.join(dir, cmd)));
const defaultProbes: CheckProbes = { hasTool, onPath, builder: detectBuilder, env: process.env };

const nonEmptyDir = (dir: string) => existsSync(dir) && readdirSync(dir).length > 0;

/**
 * The readiness of every flow stage of the project at `dir` (a directory or dataops.yml).
 * A project file that does not load makes every stage not ready, with the error as the reason.
 */
export async function checkProject(dir: string, opts: { workspace?: string | undefined; probes?: CheckProbes } = {}): Promise<StageReadiness[]> {
  const probes = opts.probes ?? defaultProbes;
  let project: Project;
  try {
    project = await loadProject(dir, { workspace: opts.workspace });
  } catch (err) {
    if (!isConfigError(err)) throw err;
    const reason = `dataops.yml: ${err.message}${err.fix ? ` (${err.fix})` : ''}`;
    return FLOW_STAGES.map((s) => ({ stage: s.name, ready: false, missing: [reason] }));
  }
  const c = project.config;
  const at = (rel: string) => path.resolve(project.dir, rel);
  const missing: Record<string, string[]> = Object.fromEntries(FLOW_STAGES.map((s) => [s.name, []]));
  const add = (stage: string, line: string) => missing[stage]!.push(line);

  if (!c.quality?.suites.length) add('quality', 'quality.suites in dataops.yml (run "dataops init --dataset <file>")');
  for (const s of c.quality?.suites ?? []) if (!existsSync(at(s))) add('quality', `suite file ${s}`);
  for (const [name, d] of Object.entries(c.datasets)) {
    if (!('path' in d)) continue;
    for (const p of Array.isArray(d.path) ? d.path : [d.path]) if (!p.startsWith('npm:') && !/[*?[]|^[a-z][a-z0-9+.-]*:\/\//i.test(p) && !existsSync(at(p))) add('quality', `datasets.${name}.path: ${p} does not exist`);
  }

  const dockerfile = c.image?.dockerfile ?? 'Dockerfile';
  if (!existsSync(at(dockerfile))) add('build-image', `${dockerfile} (image.dockerfile)`);
  if ((await probes.builder()) === 'buildah' && !(await probes.hasTool('buildah'))) add('build-image', 'a builder: buildah (apt-get install buildah) or a Docker daemon');

  const st = c.image?.system_test;
  if (!st) add('system-test', 'image.system_test in dataops.yml (fixtures, expected, compare)');
  else {
    if (!nonEmptyDir(at(st.fixtures))) add('system-test', `fixture files in ${st.fixtures}/`);
    for (const cmp of st.compare) if (!existsSync(path.join(at(st.expected), cmp.expected ?? cmp.output))) add('system-test', `expected output ${path.join(st.expected, cmp.expected ?? cmp.output)}`);
    if (st.compare.length === 0 && st.suites.length === 0) add('system-test', 'image.system_test.compare or .suites: something to check the outputs with');
  }

  const push = c.image?.push;
  if (!push?.destinations?.length && (!push?.registry || push.registry === 'local') && !(await probes.hasTool('docker-registry', ['--version']))) add('push-image', 'docker-registry for the local registry (apt-get install docker-registry), or image.push.registry');

  const envs = c.deploy?.environments ?? {};
  const staging = envs.staging;
  if (!staging) add('deploy-staging', 'deploy.environments.staging in dataops.yml');
  else if (staging.target === 'gitops' && !/^[a-z]+:\/\/|^git@/.test(staging.gitops.repository) && !existsSync(at(staging.gitops.repository)) && !existsSync(at(path.join('deploy', staging.gitops.overlay)))) {
    add('deploy-staging', `deploy/${staging.gitops.overlay}/ (the local GitOps repository ${staging.gitops.repository} is created from deploy/)`);
  }

  if (!c.deploy?.verify) add('verify-staging', 'deploy.verify in dataops.yml (smoke and performance)');

  const pubsubReady = Boolean(probes.env.PUBSUB_EMULATOR_HOST) || probes.onPath('gcloud');
  if (!pubsubReady) add('publish-promotion', 'gcloud with the pubsub-emulator component, or PUBSUB_EMULATOR_HOST');

  const production = c.promotion?.environment ?? 'production';
  if (!envs[production]) add('promote-production', `deploy.environments.${production} in dataops.yml`);
  if (!pubsubReady) add('promote-production', 'gcloud with the pubsub-emulator component, or PUBSUB_EMULATOR_HOST');

  return FLOW_STAGES.map((s) => ({ stage: s.name, ready: missing[s.name]!.length === 0, missing: missing[s.name]! }));
}
