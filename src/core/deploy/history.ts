/**
 * Recorded history of the digests deployed to an environment, newest first: from the GitOps
 * repository's log (commit trailers, see {@link TRAILERS}) or from deployment records (GitHub
 * Deployments API or the local log). `--rollback` re-deploys the digest {@link pickRollbackTarget} picks.
 */
import { git, GitError } from './git.ts';

/** Git trailers (`git interpret-trailers` syntax) carried by every automated deploy commit. */
export const TRAILERS = {
  environment: 'Dataops-Environment',
  image: 'Dataops-Image',
  digest: 'Dataops-Digest',
  previousDigest: 'Dataops-Previous-Digest',
  sourceSha: 'Dataops-Source-Sha',
  runUrl: 'Dataops-Run-Url',
  rollbackFrom: 'Dataops-Rollback-From',
} as const;

/** One deploy (or manual change) in an environment's history. */
export interface HistoryEntry {
  /** Digest deployed by this entry; undefined for a change that names none (a manual edit). */
  digest?: string;
  image?: string;
  /** True when written by dataops (has a `Dataops-Digest` trailer or is a deployment record). */
  automated: boolean;
  /** Digest this entry rolled back from. */
  rollbackFrom?: string;
  previousDigest?: string;
  sourceSha?: string;
  /** GitOps commit. */
  commit?: string;
  /** Deployment record id. */
  deploymentId?: number;
  /** ISO 8601 time. */
  at: string;
  author?: string;
  subject?: string;
}

/** Fields of a deploy commit message. */
export interface DeployCommitFields {
  environment: string;
  image: string;
  digest: string;
  previousDigest?: string | undefined;
  sourceSha: string;
  runUrl?: string | undefined;
  rollbackFrom?: string | undefined;
  /** Short name shown in the subject (project or image repository). */
  name: string;
}

/** Commit message: a subject naming environment and digest, a body, and the {@link TRAILERS}. */
export function formatDeployCommitMessage(f: DeployCommitFields): string {
  const short = f.digest.slice(7, 19);
  const subject = f.rollbackFrom ? `rollback(${f.environment}): ${f.name}@sha256:${short}` : `deploy(${f.environment}): ${f.name}@sha256:${short}`;
  const body = f.rollbackFrom
    ? `Roll ${f.environment} back from ${f.rollbackFrom} to ${f.digest}.`
    : `Deploy ${f.image} to ${f.environment}, replacing ${f.previousDigest ?? 'nothing (first deploy)'}.`;
  const trailers: Array<[string, string | undefined]> = [
    [TRAILERS.environment, f.environment],
    [TRAILERS.image, f.image],
    [TRAILERS.digest, f.digest],
    [TRAILERS.previousDigest, f.previousDigest ?? 'none'],
    [TRAILERS.sourceSha, f.sourceSha],
    [TRAILERS.runUrl, f.runUrl],
    [TRAILERS.rollbackFrom, f.rollbackFrom],
  ];
  return `${subject}\n\n${body}\n\n${trailers
    .filter((t): t is [string, string] => Boolean(t[1]))
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n')}\n`;
}

/** Trailers of a commit message (last paragraph, `Key: value` lines); later keys win. */
export function parseTrailers(message: string): Record<string, string> {
  const paragraphs = message.trim().split(/\n\s*\n/);
  const last = paragraphs.length > 1 ? (paragraphs[paragraphs.length - 1] ?? '') : '';
  const out: Record<string, string> = {};
  for (const line of last.split('\n')) {
    const m = /^([A-Za-z0-9][A-Za-z0-9-]*):\s*(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!.trim();
  }
  return out;
}

/** Builds a history entry from one commit. */
export function entryFromCommit(commit: string, author: string, at: string, message: string): HistoryEntry {
  const t = parseTrailers(message);
  const digest = t[TRAILERS.digest];
  const prev = t[TRAILERS.previousDigest];
  return {
    automated: digest !== undefined,
    commit,
    at,
    author,
    subject: message.split('\n')[0] ?? '',
    ...(digest ? { digest } : {}),
    ...(t[TRAILERS.image] ? { image: t[TRAILERS.image] } : {}),
    ...(prev && prev !== 'none' ? { previousDigest: prev } : {}),
    ...(t[TRAILERS.sourceSha] ? { sourceSha: t[TRAILERS.sourceSha] } : {}),
    ...(t[TRAILERS.rollbackFrom] ? { rollbackFrom: t[TRAILERS.rollbackFrom] } : {}),
  };
}

/**
 * History of the commits that touched `paths` on `ref` in a clone, newest first.
 * @throws GitError when git fails (unknown ref).
 */
export async function readGitHistory(cloneDir: string, ref: string, paths: string[], limit = 200): Promise<HistoryEntry[]> {
  const args = ['log', `--max-count=${limit}`, '--format=%H%x1f%an <%ae>%x1f%aI%x1f%B%x1e', ref, '--', ...paths];
  const res = await git(args, { cwd: cloneDir });
  if (res.code !== 0) throw new GitError(args, res);
  return res.stdout
    .split('\x1e')
    .map((r) => r.replace(/^\n/, ''))
    .filter((r) => r.trim())
    .map((r) => {
      const [commit = '', author = '', at = '', message = ''] = r.split('\x1f');
      return entryFromCommit(commit, author, at, message);
    });
}

/**
 * Digest a rollback goes back to: walking the history newest first, the first deployed digest
 * that differs from `current` and was not rolled back since it was last deployed.
 * Returns undefined when the history holds no such digest.
 */
export function pickRollbackTarget(history: readonly HistoryEntry[], current: string | undefined): HistoryEntry | undefined {
  const rolledBack = new Set<string>();
  for (const e of history) {
    if (e.rollbackFrom) rolledBack.add(e.rollbackFrom);
    if (!e.digest || e.digest === current || rolledBack.has(e.digest)) continue;
    return e;
  }
  return undefined;
}
