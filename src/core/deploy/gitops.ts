/**
 * GitOps target: pins a digest in an environment overlay of a Git repository (kustomize `images:`
 * or a Helm values key), validates by rendering, commits with trailers that state the digest it
 * replaces, and pushes (or opens a pull request). Optimistic concurrency: the replaced digest must
 * be the expected one, both before committing and again after a rejected push; an overlay changed
 * by a human (a manual rollback) is never overwritten without `rollback`/`force`.
 */
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../errors.ts';
import { confinePath } from '../paths.ts';
import { parseRepository } from '../fields.ts';
import type { GitHubApi } from '../github/api.ts';
import { shortDigest } from '../hash.ts';
import { digestRef, requireDigestRef } from '../image/ref.ts';
import type { GitOpsTarget } from './config.ts';
import { git, gitOk } from './git.ts';
import { formatDeployCommitMessage, pickRollbackTarget, readGitHistory, type HistoryEntry } from './history.ts';
import { KUSTOMIZATION_FILES, readHelmValue, readKustomizeImage, setHelmValues, setKustomizeImage, type OverlayImage } from './overlay.ts';
import { execTool } from '../exec.ts';

/** The overlay changed under us: another deploy won, or a human rolled back. */
export class DeployConflictError extends ConfigError {
  readonly expected: string | undefined;
  readonly found: string | undefined;
  constructor(problem: string, expected: string | undefined, found: string | undefined, fix: string) {
    super(problem, { fix, location: { field: 'expected-current' } });
    this.expected = expected;
    this.found = found;
  }
}

/** The GitOps repository refused the push for another reason than a lost race (permissions, hooks). */
export class GitOpsPushError extends Error {
  override readonly name = 'GitOpsPushError';
}

/** A GitOps deploy request. */
export interface GitOpsDeployRequest {
  target: GitOpsTarget;
  /** Directory relative repository paths resolve from (the project directory). */
  baseDir: string;
  environment: string;
  /** `name@sha256:…`; may be omitted with `rollback` (the previous digest of the history is used). */
  image?: string | undefined;
  /** Kustomize image name and commit subject name. */
  name: string;
  source: { sha: string; runUrl?: string | undefined };
  /** Digest the overlay must hold now (`none` for an overlay without digest). Default: the digest of the last automated deploy. */
  expectedCurrent?: string | undefined;
  rollback?: boolean | undefined;
  force?: boolean | undefined;
  /** Used to open the pull request in `pull-request` mode. */
  github?: { api: GitHubApi } | undefined;
  log?: ((message: string) => void) | undefined;
  /** Attempts of rebase-and-push after a non-fast-forward rejection that kept the expectation. Default 3. */
  pushAttempts?: number | undefined;
  /** Test seam: runs after the commit, before each push (simulates a concurrent deploy). */
  beforePush?: (() => Promise<void>) | undefined;
}

/** Outcome of a GitOps deploy. */
export interface GitOpsDeployResult {
  image: string;
  digest: string;
  previousDigest: string | undefined;
  /** Commit holding the new overlay (HEAD of the branch when unchanged). */
  commitSha: string;
  /** True when the overlay already pinned the digest: nothing committed. */
  unchanged: boolean;
  /** Overlay file edited, relative to the repository root. */
  file: string;
  repository: string;
  pullRequest?: { number: number; url: string; branch: string };
  notes: string[];
}

/** True for clone URLs (scheme or scp-like `user@host:path`); false for local paths. */
export function isRemoteUrl(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) || /^[\w.-]+@[\w.-]+:/.test(value);
}

/** Repository location as git sees it: URLs unchanged, local paths resolved from `baseDir`. */
export function resolveRepository(repository: string, baseDir: string): string {
  return isRemoteUrl(repository) ? repository : path.resolve(baseDir, repository);
}

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

/**
 * File of the overlay that holds the digest, relative to the repository root. The overlay and the
 * file must stay inside the clone, symlinks of the GitOps repository followed (the digest is
 * written there).
 * @throws PathAccessError for an overlay or values file leading outside the clone or into `.git`.
 */
async function overlayFile(cloneDir: string, target: GitOpsTarget): Promise<string> {
  const inside = (file: string, field: string): string => {
    confinePath(file, { base: cloneDir, roots: [cloneDir], within: 'the GitOps repository', location: { field: `deploy.environments.*.gitops.${field}` } });
    return file;
  };
  inside(target.overlay, 'overlay');
  if (target.helm) return inside(path.posix.join(target.overlay, target.helm.values_file), 'helm.values_file');
  for (const f of KUSTOMIZATION_FILES) if (await exists(path.join(cloneDir, target.overlay, f))) return inside(path.posix.join(target.overlay, f), 'overlay');
  throw new ConfigError(`the GitOps repository has no kustomization in "${target.overlay}"`, {
    location: { field: 'deploy.environments.*.gitops.overlay' },
    fix: `Create ${target.overlay}/kustomization.yaml in the GitOps repository (or fix the overlay path).`,
  });
}

/** Reads what the overlay pins from its text. */
export function readOverlayText(text: string, target: GitOpsTarget, imageName: string, file: string): OverlayImage {
  if (target.helm) {
    const digest = readHelmValue(text, target.helm.digest_key, file);
    const repository = target.helm.repository_key ? readHelmValue(text, target.helm.repository_key, file) : undefined;
    return { ...(digest ? { digest } : {}), ...(repository ? { repository } : {}) };
  }
  return readKustomizeImage(text, imageName, file);
}

/** Writes the new pin into the overlay text. */
export function writeOverlayText(text: string, target: GitOpsTarget, imageName: string, repository: string, digest: string, file: string): string {
  if (target.helm) {
    return setHelmValues(text, { [target.helm.digest_key]: digest, ...(target.helm.repository_key ? { [target.helm.repository_key]: repository } : {}) }, file);
  }
  return setKustomizeImage(text, imageName, repository, digest, file);
}

/**
 * The digest the commit states it replaces, and whether the overlay still holds it.
 * Without an explicit expectation: the digest of the last automated deploy in the history
 * (so a human commit that changed the pin — a manual rollback — is detected).
 */
export function expectedDigest(history: readonly HistoryEntry[], explicit: string | undefined): string | undefined {
  if (explicit !== undefined) return explicit === 'none' ? undefined : explicit;
  return history.find((e) => e.automated && e.digest)?.digest;
}

const short = (d: string | undefined) => (d ? shortDigest(d) : 'no digest');

/**
 * Deploys a digest through a GitOps repository.
 * @throws ConfigError for a tag-only image, a missing overlay, a failed render, or a rollback without history;
 *   DeployConflictError when the overlay does not hold the expected digest (before committing or after a lost push race).
 */
export async function deployGitOps(req: GitOpsDeployRequest): Promise<GitOpsDeployResult> {
  const { target } = req;
  const log = req.log ?? (() => undefined);
  const repository = resolveRepository(target.repository, req.baseDir);
  const imageName = target.image_name ?? req.name;
  const notes: string[] = [];
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'dataops-gitops-'));
  try {
    const clone = path.join(tmp, 'repo');
    const cloned = await git(['clone', '--quiet', '--no-tags', '--branch', target.branch, '--single-branch', repository, clone]);
    if (cloned.code !== 0) {
      throw new ConfigError(`cannot clone GitOps repository ${repository} (branch ${target.branch}): ${cloned.stderr.trim().split('\n').pop() ?? ''}`, {
        location: { field: 'deploy.environments.*.gitops.repository' },
        fix: 'Check the repository URL/path, the branch, and that the job has read and write access (a token or deploy key).',
      });
    }
    await gitOk(['config', 'user.name', target.author.name], { cwd: clone });
    await gitOk(['config', 'user.email', target.author.email], { cwd: clone });
    const file = await overlayFile(clone, target);
    const abs = path.join(clone, file);
    const text = (await exists(abs)) ? await readFile(abs, 'utf8') : '';
    const current = readOverlayText(text, target, imageName, file);
    const history = await readGitHistory(clone, 'HEAD', [target.overlay]);

    let image = req.image;
    let rollbackFrom: string | undefined;
    if (req.rollback) {
      rollbackFrom = current.digest;
      if (!image) {
        const back = pickRollbackTarget(history, current.digest);
        if (!back?.digest) {
          throw new ConfigError(`no earlier digest to roll ${req.environment} back to: the history of ${file} records none besides ${short(current.digest)}`, {
            fix: 'Pass the digest to deploy explicitly with --image name@sha256:…',
          });
        }
        image = back.image && back.image.endsWith(back.digest) ? back.image : `${current.repository ?? back.image?.split('@')[0] ?? imageName}@${back.digest}`;
        log(`rollback: ${req.environment} goes back from ${short(current.digest)} to ${short(back.digest)} (deployed ${back.at})`);
      }
    }
    if (!image) throw new ConfigError('no image to deploy', { location: { field: 'image' }, fix: 'Pass --image name@sha256:… (or --rollback).' });
    const ref = requireDigestRef(image);
    const fullImage = digestRef(ref);
    const repo = `${ref.registry}/${ref.repository}`;

    const head = await gitOk(['rev-parse', 'HEAD'], { cwd: clone });
    if (current.digest === ref.digest && (current.repository === undefined || current.repository === repo || target.helm)) {
      log(`${file} already pins ${short(ref.digest)}: nothing to commit`);
      return { image: fullImage, digest: ref.digest, previousDigest: current.digest, commitSha: head, unchanged: true, file, repository, notes };
    }

    const expected = expectedDigest(history, req.expectedCurrent);
    if (current.digest !== expected && !req.rollback && !req.force) {
      const changer = history[0];
      const manual = changer && !changer.automated ? ` by a manual commit ${changer.commit?.slice(0, 12)} (${changer.author}: "${changer.subject}")` : '';
      throw new DeployConflictError(
        `${req.environment} overlay ${file} pins ${short(current.digest)}${manual}, but this deploy expected to replace ${short(expected)}; refusing to overwrite a newer deploy or a manual rollback`,
        expected,
        current.digest,
        'If the overlay is meant to change, re-run with --force (or --rollback); otherwise leave it: someone deployed or rolled back on purpose.',
      );
    }

    await writeFile(abs, writeOverlayText(text, target, imageName, repo, ref.digest, file));
    if (target.render && !target.helm) {
      const rendered = await renderKustomize(path.join(clone, target.overlay));
      if (rendered === undefined) notes.push('kubectl not found: overlay not rendered');
      else if (!rendered.ok) {
        throw new ConfigError(`the ${req.environment} overlay does not render after setting the digest: ${rendered.error}`, {
          location: { file: `${repository}:${file}` },
          fix: 'Fix the kustomization in the GitOps repository (kubectl kustomize must succeed).',
        });
      } else if (!rendered.output.includes(`@${ref.digest}`)) {
        throw new ConfigError(`the rendered ${req.environment} overlay does not reference ${short(ref.digest)}: no manifest uses the image name "${imageName}"`, {
          location: { field: 'deploy.environments.*.gitops.image_name' },
          fix: 'Set gitops.image_name to the image name used in the base manifests.',
        });
      } else notes.push('overlay rendered with kubectl kustomize');
    } else if (target.helm) notes.push('Helm values set: not rendered (helm template is not run)');

    const message = formatDeployCommitMessage({
      environment: req.environment,
      image: fullImage,
      digest: ref.digest,
      previousDigest: current.digest,
      sourceSha: req.source.sha,
      runUrl: req.source.runUrl,
      rollbackFrom: req.rollback ? rollbackFrom : undefined,
      name: imageName,
    });
    await gitOk(['add', '--', file], { cwd: clone });
    await gitOk(['commit', '--quiet', '-F', '-'], { cwd: clone, input: message });

    if (target.mode === 'pull-request') {
      const pr = await openPullRequest(req, clone, ref.digest, message);
      const sha = await gitOk(['rev-parse', 'HEAD'], { cwd: clone });
      return { image: fullImage, digest: ref.digest, previousDigest: current.digest, commitSha: sha, unchanged: false, file, repository, pullRequest: pr, notes };
    }

    const attempts = req.pushAttempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      await req.beforePush?.();
      const pushed = await git(['push', '--quiet', 'origin', `HEAD:refs/heads/${target.branch}`], { cwd: clone });
      if (pushed.code === 0) break;
      if (!/non-fast-forward|fetch first|rejected|failed to update ref|cannot lock ref/i.test(pushed.stderr)) {
        throw new GitOpsPushError(`git push to ${repository} failed: ${pushed.stderr.trim()}`);
      }
      // Lost a race: look at what won and whether our expectation still holds.
      await gitOk(['fetch', '--quiet', 'origin', `+refs/heads/${target.branch}:refs/remotes/origin/${target.branch}`], { cwd: clone });
      const shown = await git(['show', `origin/${target.branch}:${file}`], { cwd: clone });
      const now = readOverlayText(shown.code === 0 ? shown.stdout : '', target, imageName, file);
      if (now.digest === ref.digest) {
        const winner = await gitOk(['rev-parse', `origin/${target.branch}`], { cwd: clone });
        log(`another deploy pinned ${short(ref.digest)} first: nothing to push`);
        return { image: fullImage, digest: ref.digest, previousDigest: current.digest, commitSha: winner, unchanged: true, file, repository, notes };
      }
      if (now.digest !== current.digest) {
        const winner = (await readGitHistory(clone, `origin/${target.branch}`, [target.overlay], 1))[0];
        throw new DeployConflictError(
          `lost a deploy race on ${req.environment}: while this deploy replaced ${short(current.digest)} with ${short(ref.digest)}, commit ${winner?.commit?.slice(0, 12) ?? '?'} ("${winner?.subject ?? ''}") set ${short(now.digest)}; nothing was pushed`,
          current.digest,
          now.digest,
          'The other deploy won. Re-run the deploy if this digest should still replace it.',
        );
      }
      if (attempt >= attempts) throw new GitOpsPushError(`git push to ${repository} kept being rejected after ${attempt} attempts: ${pushed.stderr.trim()}`);
      log(`push rejected (unrelated commit on ${target.branch}); rebasing and retrying`);
      await gitOk(['rebase', '--quiet', `origin/${target.branch}`], { cwd: clone });
    }
    const sha = await gitOk(['rev-parse', 'HEAD'], { cwd: clone });
    log(`pushed ${sha.slice(0, 12)} to ${repository} ${target.branch}: ${file} pins ${short(ref.digest)}`);
    return { image: fullImage, digest: ref.digest, previousDigest: current.digest, commitSha: sha, unchanged: false, file, repository, notes };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function openPullRequest(req: GitOpsDeployRequest, clone: string, digest: string, message: string): Promise<{ number: number; url: string; branch: string }> {
  const pr = req.target.pull_request;
  if (!pr || !req.github) {
    throw new ConfigError('gitops mode pull-request needs pull_request.repository and a GitHub token', {
      location: { field: 'deploy.environments.*.gitops.pull_request' },
      fix: 'Set gitops.pull_request.repository (owner/repo) and pass a token that can open pull requests on it.',
    });
  }
  const branch = `dataops/${req.environment}-${shortDigest(digest).slice('sha256:'.length)}`;
  const pushed = await git(['push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`], { cwd: clone });
  if (pushed.code !== 0) throw new GitOpsPushError(`git push of branch ${branch} failed: ${pushed.stderr.trim()}`);
  const [title = '', ...rest] = message.split('\n');
  const { owner, repo } = parseRepository(pr.repository, 'deploy.environments.*.gitops.pull_request.repository');
  const { data: created } = await req.github.api.request('POST /repos/{owner}/{repo}/pulls', {
    owner,
    repo,
    title,
    head: branch,
    base: req.target.branch,
    body: rest.join('\n').trim(),
    draft: pr.draft,
    maintainer_can_modify: true,
  });
  req.log?.(`opened pull request #${created.number}: ${created.html_url}`);
  return { number: created.number, url: created.html_url, branch };
}

/** Renders a kustomize directory with `kubectl kustomize`; undefined when kubectl is missing. */
export async function renderKustomize(dir: string): Promise<{ ok: true; output: string } | { ok: false; error: string } | undefined> {
  try {
    const r = await execTool('kubectl', ['kustomize', dir], { timeoutMs: 60_000 });
    return r.code === 0 ? { ok: true, output: r.stdout } : { ok: false, error: r.stderr.trim().split('\n').slice(-3).join(' ') };
  } catch {
    return undefined;
  }
}

/**
 * History of an environment's overlay in a GitOps repository (newest first) and what it pins now,
 * for `--rollback` and reports.
 * @throws ConfigError when the repository cannot be cloned or has no overlay.
 */
export async function gitOpsHistory(target: GitOpsTarget, baseDir: string, imageName: string): Promise<{ history: HistoryEntry[]; current: OverlayImage }> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'dataops-gitops-'));
  try {
    const repository = resolveRepository(target.repository, baseDir);
    const clone = path.join(tmp, 'repo');
    const r = await git(['clone', '--quiet', '--no-tags', '--branch', target.branch, '--single-branch', repository, clone]);
    if (r.code !== 0) throw new ConfigError(`cannot clone GitOps repository ${repository}: ${r.stderr.trim()}`, { fix: 'Check the repository URL/path and access.' });
    const file = await overlayFile(clone, target);
    const text = await readFile(path.join(clone, file), 'utf8').catch(() => '');
    return { history: await readGitHistory(clone, 'HEAD', [target.overlay]), current: readOverlayText(text, target, target.image_name ?? imageName, file) };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
