/**
 * Creates a GitOps repository for the local demo: a bare repository holding one initial commit
 * with a template directory (kustomize base and overlays), the way a team would set one up by hand.
 */
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gitOk } from './git.ts';

/**
 * Initialises `bareDir` (must not exist) as a bare repository with `branch` holding `templateDir`'s files.
 * @throws GitError when git fails.
 */
export async function createGitOpsRepository(bareDir: string, templateDir: string, opts: { branch?: string; author?: { name: string; email: string }; message?: string } = {}): Promise<void> {
  const branch = opts.branch ?? 'main';
  const author = opts.author ?? { name: 'dataops-actions', email: 'dataops-actions@users.noreply.github.com' };
  await mkdir(path.dirname(bareDir), { recursive: true });
  await gitOk(['init', '--quiet', '--bare', `--initial-branch=${branch}`, bareDir]);
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'dataops-gitops-init-'));
  try {
    await gitOk(['init', '--quiet', `--initial-branch=${branch}`, tmp]);
    await cp(templateDir, tmp, { recursive: true });
    const env = { GIT_AUTHOR_NAME: author.name, GIT_AUTHOR_EMAIL: author.email, GIT_COMMITTER_NAME: author.name, GIT_COMMITTER_EMAIL: author.email };
    await gitOk(['add', '--all'], { cwd: tmp });
    await gitOk(['commit', '--quiet', '-m', opts.message ?? 'GitOps repository: kustomize base and environment overlays'], { cwd: tmp, env });
    await gitOk(['push', '--quiet', bareDir, `HEAD:refs/heads/${branch}`], { cwd: tmp });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
