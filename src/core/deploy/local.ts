/**
 * Helpers shared by the deploy/verify CLI commands and flow stages: the source commit, the local
 * deployment log (where deployments are recorded without a GitHub token) and the local GitOps
 * repository of the demo.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.ts';
import { createGitOpsRepository } from './bootstrap.ts';
import type { DeployConfig, EnvironmentConfig } from './config.ts';
import { LocalDeploymentLog, type DeploymentRecorder } from './deployments.ts';
import { git } from './git.ts';
import { isRemoteUrl } from './gitops.ts';

/** HEAD commit of the Git work tree holding `dir`, or undefined outside one. */
export async function gitHeadSha(dir: string): Promise<string | undefined> {
  try {
    const r = await git(['rev-parse', 'HEAD'], { cwd: dir });
    return r.code === 0 ? r.stdout.trim() : undefined;
  } catch {
    return undefined;
  }
}

/** The local deployment log of a project (`deploy.deployments_log`). */
export function localRecorder(projectDir: string, config: DeployConfig, now?: () => Date): DeploymentRecorder {
  return new LocalDeploymentLog(path.resolve(projectDir, config.deployments_log), now);
}

/**
 * Creates the GitOps repository of `env` from `templateDir` when it is a local path that does not
 * exist yet (the demo). Returns the path created, or undefined when nothing was done.
 * @throws ConfigError when the template directory is missing.
 */
export async function ensureLocalGitOpsRepository(env: EnvironmentConfig, projectDir: string, templateDir: string): Promise<string | undefined> {
  if (env.target !== 'gitops' || !env.gitops || isRemoteUrl(env.gitops.repository)) return undefined;
  const repo = path.resolve(projectDir, env.gitops.repository);
  const exists = await access(repo).then(
    () => true,
    () => false,
  );
  if (exists) return undefined;
  const hasTemplate = await access(templateDir).then(
    () => true,
    () => false,
  );
  if (!hasTemplate) {
    throw new ConfigError(`the GitOps repository ${env.gitops.repository} does not exist and there is no template to create it from`, {
      location: { field: 'deploy.environments.staging.gitops.repository' },
      fix: `Create the repository, or put a kustomize base and overlays in ${path.relative(projectDir, templateDir) || templateDir}/.`,
    });
  }
  await createGitOpsRepository(repo, templateDir, { branch: env.gitops.branch, author: env.gitops.author });
  return repo;
}
