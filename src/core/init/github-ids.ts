/**
 * What `dataops init` needs to pin the promotion policy: the GitHub repository of the work tree
 * (its `origin` remote) and the repository's and owner's numeric ids, which survive renames and
 * differ for a fork or a re-created look-alike. Ids come from the run (GITHUB_REPOSITORY_ID,
 * GITHUB_REPOSITORY_OWNER_ID) when it names the same repository, else from the REST API
 * (`GET /repos/{owner}/{repo}`: `id`, `owner.id`) through the client the CLI builds.
 */
import { git } from '../deploy/git.ts';
import { parseRepository } from '../fields.ts';
import { apiStatus, type GitHubApi } from '../github/api.ts';
import type { GitHubRun } from '../runner-context.ts';

/** A repository pinned by name and ids. */
export interface PinnedRepository {
  repository: string;
  repository_id: string;
  repository_owner_id: string;
}

/**
 * `owner/repo` of the `origin` remote of the git work tree holding `dir` when it is on the run's
 * GitHub server (https, ssh or scp-like URL; github.com, or the host of GITHUB_SERVER_URL on GitHub
 * Enterprise Server); undefined otherwise.
 */
export async function githubRemote(dir: string, github: Pick<GitHubRun, 'serverUrl'>): Promise<string | undefined> {
  let url: string;
  try {
    const r = await git(['remote', 'get-url', 'origin'], { cwd: dir });
    if (r.code !== 0) return undefined;
    url = r.stdout.trim();
  } catch {
    return undefined;
  }
  const esc = new URL(github.serverUrl).host.replace(/[.]/g, '\\.');
  const m = new RegExp(`^(?:https?://(?:[^@/]+@)?${esc}/|ssh://git@${esc}(?::\\d+)?/|git@${esc}:)([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+?)(?:\\.git)?/?$`).exec(url);
  return m ? `${m[1]}/${m[2]}` : undefined;
}

/**
 * Ids of `repository` (owner/repo): from the run when it is the run's own repository
 * (GITHUB_REPOSITORY_ID, GITHUB_REPOSITORY_OWNER_ID), else `GET /repos/{owner}/{repo}` through `api`.
 * @returns the ids, or why they cannot be had (no client, unknown or private repository without a token, no network).
 */
export async function repositoryIds(repository: string, github: Pick<GitHubRun, 'repository' | 'repositoryId' | 'repositoryOwnerId' | 'apiUrl' | 'token'>, api: GitHubApi | undefined): Promise<PinnedRepository | { reason: string }> {
  if (github.repository?.toLowerCase() === repository.toLowerCase() && github.repositoryId && github.repositoryOwnerId) {
    return { repository, repository_id: github.repositoryId, repository_owner_id: github.repositoryOwnerId };
  }
  const what = `GET ${github.apiUrl}/repos/${repository}`;
  if (!api) return { reason: `${what} was not tried (no GitHub client)` };
  const { owner, repo } = parseRepository(repository);
  try {
    const { data } = await api.request('GET /repos/{owner}/{repo}', { owner, repo });
    return { repository, repository_id: String(data.id), repository_owner_id: String(data.owner.id) };
  } catch (err) {
    const status = apiStatus(err);
    if (status !== undefined) return { reason: `${what} answered ${status}${github.token ? '' : ' (no GITHUB_TOKEN: a private repository needs one)'}` };
    return { reason: `${what} failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}
