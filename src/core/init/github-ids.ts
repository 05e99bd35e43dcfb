/**
 * What `dataops init` needs to pin the promotion policy: the GitHub repository of the work tree
 * (its `origin` remote) and the repository's and owner's numeric ids, which survive renames and
 * differ for a fork or a re-created look-alike. Ids come from the Actions environment
 * (GITHUB_REPOSITORY_ID, GITHUB_REPOSITORY_OWNER_ID) when it names the same repository, else from
 * the REST API (`GET /repos/{owner}/{repo}`: `id`, `owner.id`; GITHUB_TOKEN or GH_TOKEN when set).
 */
import { git } from '../deploy/git.ts';

/** A repository pinned by name and ids. */
export interface PinnedRepository {
  repository: string;
  repository_id: string;
  repository_owner_id: string;
}

/**
 * `owner/repo` of the `origin` remote of the git work tree holding `dir` when it is on GitHub
 * (https, ssh or scp-like URL; host github.com or that of GITHUB_SERVER_URL); undefined otherwise.
 */
export async function githubRemote(dir: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  let url: string;
  try {
    const r = await git(['remote', 'get-url', 'origin'], { cwd: dir });
    if (r.code !== 0) return undefined;
    url = r.stdout.trim();
  } catch {
    return undefined;
  }
  const host = new URL(env.GITHUB_SERVER_URL ?? 'https://github.com').host;
  const esc = host.replace(/[.]/g, '\\.');
  const m = new RegExp(`^(?:https?://(?:[^@/]+@)?${esc}/|ssh://git@${esc}(?::\\d+)?/|git@${esc}:)([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+?)(?:\\.git)?/?$`).exec(url);
  return m ? `${m[1]}/${m[2]}` : undefined;
}

/**
 * Ids of `repository` (owner/repo).
 * @returns undefined when they cannot be found (no network, unknown or private repository without a token); `reason` says why.
 */
export async function repositoryIds(repository: string, env: NodeJS.ProcessEnv = process.env): Promise<PinnedRepository | { reason: string }> {
  if (env.GITHUB_REPOSITORY?.toLowerCase() === repository.toLowerCase() && env.GITHUB_REPOSITORY_ID && env.GITHUB_REPOSITORY_OWNER_ID) {
    return { repository, repository_id: env.GITHUB_REPOSITORY_ID, repository_owner_id: env.GITHUB_REPOSITORY_OWNER_ID };
  }
  const api = (env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/$/, '');
  const token = env.GITHUB_TOKEN || env.GH_TOKEN;
  try {
    const res = await fetch(`${api}/repos/${repository}`, {
      headers: { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28', 'user-agent': 'dataops-actions', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) return { reason: `GET ${api}/repos/${repository} answered ${res.status}${token ? '' : ' (no GITHUB_TOKEN: a private repository needs one)'}` };
    const body = (await res.json()) as { id?: number; owner?: { id?: number } };
    if (typeof body.id !== 'number' || typeof body.owner?.id !== 'number') return { reason: `GET ${api}/repos/${repository} named no id` };
    return { repository, repository_id: String(body.id), repository_owner_id: String(body.owner.id) };
  } catch (err) {
    return { reason: `GET ${api}/repos/${repository} failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}
