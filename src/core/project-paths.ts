/**
 * The path-valued fields of dataops.yml, confined when the project loads: dataops.yml can arrive
 * in a pull request, so every path it names must resolve (symlinks followed) inside the project
 * root and never into `.git` or a credential file (see ../paths.ts). Paths relative to a directory
 * that does not exist on this machine yet (the container's `/data/out`, a GitOps clone) must stay
 * inside it lexically. Values given as CLI flags or action inputs instead are not checked here:
 * they are the user's own choice.
 *
 * Not confined: `deploy.environments.*.gitops.repository` is a Git remote (a URL or a local
 * repository, read and pushed through git like any remote), not a file read by this tool;
 * `datasets.*.path` is confined where a suite reads it (quality/load.ts), with its `npm:` rule.
 */
import path from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { ConfigError, ConfigErrors } from './errors.ts';
import { confinePath, isInside, PathAccessError, projectRoot, realDir } from './paths.ts';
import { imageConfigSchema } from './image/config.ts';
import { defaultPromotionConfig } from './promotion/config.ts';
import type { Project } from './project.ts';
import type { YamlPath } from './yaml.ts';

/** How a field's path is confined. */
type Kind =
  /** a file or directory read or written on this machine, relative to dataops.yml */
  | 'path'
  /** a directory handed over whole (mounted into a container, copied): nothing below it may be refused */
  | 'tree'
  /** a file or glob of files */
  | 'pattern'
  /** relative to a directory that is not on this machine yet (`/data/out`, a GitOps clone): lexically inside it */
  | 'relative';

interface Field {
  at: YamlPath;
  value: string;
  kind: Kind;
  /** What the path is relative to and must stay inside, when not dataops.yml's directory and the project. */
  within?: { dir: string; name: string };
  /** How to name a file of one's own outside the project instead (the fix). */
  elsewhere?: string;
}

/** Every path-valued field of `project` present (defaults included), with how it is confined. */
function pathFields(project: Project): Field[] {
  const c = project.config;
  const fields: Field[] = [];
  const add = (at: YamlPath, value: string | undefined, kind: Kind, within?: Field['within'], elsewhere?: string) => {
    if (value !== undefined) fields.push({ at, value, kind, ...(within ? { within } : {}), ...(elsewhere ? { elsewhere } : {}) });
  };
  c.quality?.suites.forEach((s, i) => add(['quality', 'suites', i], s, 'pattern'));
  if (c.quality?.history?.store === 'local') add(['quality', 'history', 'path'], c.quality.history.path, 'path');
  const image = c.image ?? imageConfigSchema.parse({});
  add(['image', 'dockerfile'], image.dockerfile, 'path');
  add(['image', 'context'], image.context, 'path');
  image.secrets.forEach((s, i) => add(['image', 'secrets', i, 'file'], s.file, 'path'));
  const st = image.system_test;
  if (st) {
    add(['image', 'system_test', 'fixtures'], st.fixtures, 'tree');
    add(['image', 'system_test', 'expected'], st.expected, 'path');
    const expectedDir = { dir: path.resolve(project.dir, st.expected), name: 'the expected directory' };
    st.compare.forEach((cmp, i) => {
      add(['image', 'system_test', 'compare', i, 'output'], cmp.output, 'relative', { dir: '/data/out', name: 'the output directory' });
      // the expected file defaults to the output's path, inside the expected directory
      add(['image', 'system_test', 'compare', i, cmp.expected === undefined ? 'output' : 'expected'], cmp.expected ?? cmp.output, 'path', expectedDir, 'an expected directory of your own with --expected (action input "expected")');
    });
    st.suites.forEach((s, i) => add(['image', 'system_test', 'suites', i], s, 'path'));
    for (const [name, p] of Object.entries(st.outputs)) add(['image', 'system_test', 'outputs', name], p, 'relative', { dir: '/data/out', name: 'the output directory' });
  }
  for (const [env, e] of Object.entries(c.deploy?.environments ?? {})) {
    const at = ['deploy', 'environments', env];
    if (e.target === 'kubernetes') {
      add([...at, 'kubernetes', 'manifests'], e.kubernetes.manifests, 'path');
      add([...at, 'kubernetes', 'kubeconfig'], e.kubernetes.kubeconfig, 'path', undefined, 'a kubeconfig of your own in the KUBECONFIG environment variable');
    }
    if (e.target === 'gitops') {
      add([...at, 'gitops', 'overlay'], e.gitops.overlay, 'relative', { dir: '/repository', name: 'the GitOps repository' });
      add([...at, 'gitops', 'helm', 'values_file'], e.gitops.helm?.values_file, 'relative', { dir: '/overlay', name: 'the overlay directory' });
    }
  }
  const verify = c.deploy?.verify;
  add(['deploy', 'verify', 'smoke', 'job', 'input'], verify?.smoke.job?.input, 'tree');
  verify?.smoke.job?.expect_outputs.forEach((o, i) => add(['deploy', 'verify', 'smoke', 'job', 'expect_outputs', i], o, 'relative', { dir: '/data/out', name: 'the output directory' }));
  add(['deploy', 'verify', 'performance', 'input'], verify?.performance?.input, 'tree');
  add(['deploy', 'verify', 'baseline_dir'], verify?.baseline_dir, 'path');
  add(['deploy', 'deployments_log'], c.deploy?.deployments_log, 'path');
  const promotion = c.promotion ?? defaultPromotionConfig();
  add(['promotion', 'signing', 'public_keys_file'], promotion.signing.public_keys_file, 'path', undefined, `keys of your own in the ${promotion.signing.public_keys_env} environment variable`);
  add(['promotion', 'ledger_file'], promotion.ledger_file, 'path');
  return fields;
}

/** `a.b[2].c` for a field path. */
function fieldName(at: YamlPath): string {
  return at.map((p, i) => (typeof p === 'number' ? `[${p}]` : i ? `.${p}` : p)).join('');
}

/**
 * The root a project's paths are confined to: on a GitHub runner the workspace (the runner
 * context's `GITHUB_WORKSPACE`, as the data-quality action does for suites) when it holds the project; else the repository
 * (nearest ancestor holding `.git`); else the directory of dataops.yml.
 */
export function projectRootOf(projectDir: string, workspace: string | undefined): string {
  return projectRoot(projectDir, projectDir, workspace && isInside(realDir(projectDir), realDir(workspace)) ? workspace : undefined);
}

/**
 * Confines every path-valued field of `project` (see the module doc).
 * @throws ConfigErrors with one PathAccessError per refused field (dataops.yml:line, field, fix).
 */
export async function confineProjectPaths(project: Project, workspace: string | undefined): Promise<void> {
  const root = projectRootOf(project.dir, workspace);
  const file = path.relative(process.cwd(), project.file) || project.file;
  const problems: ConfigError[] = [];
  for (const f of pathFields(project)) {
    const location = { file, line: project.lineOf(f.at), field: fieldName(f.at) };
    try {
      if (f.kind === 'relative' && f.within) {
        const { dir, name } = f.within;
        const abs = path.posix.resolve(dir, f.value);
        if (!isInside(abs, dir) || abs === dir) throw new PathAccessError(`"${f.value}" is outside ${name}`, { location, fix: `Write a path relative to ${name}, without "../" or a leading "/".` });
        continue;
      }
      // a field inside another directory (an expected file) stays inside it, and so inside the project
      const roots = f.within ? [f.within.dir] : [root];
      const options = { base: f.within?.dir ?? project.dir, roots, location, ...(f.within ? { within: f.within.name } : {}) };
      const fix = `Paths in dataops.yml stay inside ${f.within?.name ?? 'the project (the repository)'}; give ${f.elsewhere ?? 'a path of your own elsewhere as a CLI flag or action input'} instead.`;
      if (f.kind === 'pattern' && isDynamicPattern(f.value)) {
        confinePath(path.dirname(f.value.split(/[*?[{]/)[0]! + 'x'), { ...options, fix });
        for (const m of await glob(f.value, { cwd: project.dir, absolute: true, onlyFiles: true })) confinePath(m, { ...options, fix });
      } else confinePath(f.value, { ...options, fix, tree: f.kind === 'tree' });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(err);
    }
  }
  if (problems.length) throw new ConfigErrors(problems);
}
