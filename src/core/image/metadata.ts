/**
 * Tags and OCI labels of the pipeline image from the git/GitHub context, following
 * docker/metadata-action's conventions: `sha-<7>`, the branch name (sanitised), semver tags
 * (`v1.2.3` → `1.2.3`, `1.2`, `1`), `pr-<n>`, `latest` (auto: stable semver tags and the default
 * branch), and the `org.opencontainers.image.*` annotations of the OCI image spec, plus
 * `io.dataops.quality.suite.<name>.sha256` recording the content hashes of the quality suites the
 * image was tested with. {@link imageMetadata} is pure; the readers below collect the context.
 */
import { readFile } from 'node:fs/promises';
import { execTool } from '../exec.ts';
import { repositoryUrl, type RunnerContext } from '../runner-context.ts';

/** What the tags and labels are derived from. */
export interface GitContext {
  /** Full commit SHA (40 hex); absent outside a git repository. */
  sha?: string;
  /** Full ref: `refs/heads/<branch>`, `refs/tags/<tag>`, `refs/pull/<n>/merge`. */
  ref?: string;
  /** GitHub event name (`push`, `pull_request`, `workflow_dispatch`…); absent locally. */
  eventName?: string;
  /** Pull request number for pull_request events. */
  prNumber?: number;
  /** Repository default branch (`main` when unknown). */
  defaultBranch?: string;
  /** `https://github.com/<owner>/<repo>` (the `source` label). */
  repoUrl?: string;
  /** Commit time: the `created` label and SOURCE_DATE_EPOCH of reproducible builds. */
  commitTime?: Date;
  /** Uncommitted changes in the work tree (local builds): tags get a `-dirty` sha tag. */
  dirty?: boolean;
}

/** Tag rules (see tagRulesSchema in config.ts). */
export interface TagRules {
  sha: boolean;
  branch: boolean;
  semver: boolean;
  pr: boolean;
  latest: 'auto' | 'true' | 'false';
  extra: string[];
}

/** Options of {@link imageMetadata}. */
export interface MetadataOptions {
  /** Image name (repository) without tag, e.g. `localhost/flights-routes`. */
  name: string;
  rules?: Partial<TagRules>;
  /** `org.opencontainers.image.title` (default: last path component of `name`). */
  title?: string;
  description?: string;
  /** Used for `created` when the commit time is unknown. */
  now?: Date;
  /** Quality suites the image was tested with: name (e.g. file stem) and `sha256:<hex>` of the file. */
  qualitySuites?: Array<{ name: string; sha256: string }>;
  /** Extra labels; they override generated ones. */
  labels?: Record<string, string>;
}

/** Tags, references and labels of one build. */
export interface ImageMetadata {
  /** Tags without the name, in order: version-like first (`1.2.3`, `1.2`, `1`, branch, pr-n), then sha, then latest/extra. */
  tags: string[];
  /** `name:tag` for each tag. */
  refs: string[];
  labels: Record<string, string>;
  /** The version label: semver (without v), branch, pr-n or sha-7. */
  version: string;
  /** RFC 3339 `created` label (commit time when known). */
  created: string;
}

const DEFAULT_RULES: TagRules = { sha: true, branch: true, semver: true, pr: true, latest: 'auto', extra: [] };
const SEMVER = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+([0-9A-Za-z.-]+))?$/;

/** Docker tag from any string: `[A-Za-z0-9_.-]`, other characters → `-`, no leading `.`/`-`, at most 128 characters, lower-case. */
export function sanitizeTag(value: string): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^[.-]+/, '')
    .slice(0, 128);
}

/** Label-key fragment of a suite name: lower-case `[a-z0-9.-]`. */
export function labelKeyPart(value: string): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[.-]+|[.-]+$/g, '');
}

/** Tags, refs and OCI labels for a build of `opts.name` at `ctx` (pure). */
export function imageMetadata(ctx: GitContext, opts: MetadataOptions): ImageMetadata {
  const rules: TagRules = { ...DEFAULT_RULES, ...opts.rules };
  const ref = ctx.ref ?? '';
  const branch = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
  const gitTag = ref.startsWith('refs/tags/') ? ref.slice('refs/tags/'.length) : undefined;
  const prNumber = ctx.prNumber ?? (/^refs\/pull\/(\d+)\//.exec(ref) ? Number(/^refs\/pull\/(\d+)\//.exec(ref)![1]) : undefined);
  const semver = gitTag ? SEMVER.exec(gitTag) : null;
  const tags: string[] = [];
  let version: string | undefined;
  let stableSemver = false;
  if (semver && rules.semver) {
    const [, major, minor, patch, pre] = semver;
    const full = `${major}.${minor}.${patch}${pre ? `-${pre}` : ''}`;
    tags.push(sanitizeTag(full));
    version = full;
    if (!pre) {
      stableSemver = true;
      tags.push(`${major}.${minor}`);
      if (major !== '0') tags.push(major!);
    }
  } else if (gitTag) {
    tags.push(sanitizeTag(gitTag));
    version = gitTag;
  }
  if (branch && rules.branch) {
    const t = sanitizeTag(branch);
    if (t) {
      tags.push(t);
      version ??= t;
    }
  }
  if (prNumber !== undefined && rules.pr) {
    tags.push(`pr-${prNumber}`);
    version ??= `pr-${prNumber}`;
  }
  if (ctx.sha && rules.sha) {
    const t = `sha-${ctx.sha.slice(0, 7)}${ctx.dirty ? '-dirty' : ''}`;
    tags.push(t);
    version ??= t;
  }
  const onDefault = branch !== undefined && branch === (ctx.defaultBranch ?? 'main');
  if (rules.latest === 'true' || (rules.latest === 'auto' && (stableSemver || onDefault))) tags.push('latest');
  tags.push(...rules.extra);
  if (tags.length === 0) tags.push('dev');
  version ??= tags[0]!;
  const unique = [...new Set(tags)];
  const created = (ctx.commitTime ?? opts.now ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const labels: Record<string, string> = {
    'org.opencontainers.image.title': opts.title ?? opts.name.split('/').pop()!,
    'org.opencontainers.image.version': version,
    'org.opencontainers.image.created': created,
  };
  if (opts.description) labels['org.opencontainers.image.description'] = opts.description;
  if (ctx.repoUrl) {
    labels['org.opencontainers.image.source'] = ctx.repoUrl;
    labels['org.opencontainers.image.url'] = ctx.repoUrl;
  }
  if (ctx.sha) labels['org.opencontainers.image.revision'] = ctx.sha;
  for (const suite of opts.qualitySuites ?? []) labels[`io.dataops.quality.suite.${labelKeyPart(suite.name)}.sha256`] = suite.sha256;
  Object.assign(labels, opts.labels ?? {});
  return { tags: unique, refs: unique.map((t) => `${opts.name}:${t}`), labels: sortKeys(labels), version, created };
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}

/** GitHub event payload fields read by {@link gitContextFromGitHub}. */
interface GitHubEvent {
  pull_request?: { number?: number };
  number?: number;
  repository?: { default_branch?: string; html_url?: string };
  head_commit?: { timestamp?: string };
}

/**
 * Context of a GitHub Actions run from the runner context: commit, ref, event, repository URL on
 * the run's server, and the event payload (pull request number, default branch, head commit time).
 */
export async function gitContextFromGitHub(runner: Pick<RunnerContext, 'github' | 'workspace'>): Promise<GitContext> {
  const gh = runner.github;
  let event: GitHubEvent = {};
  if (gh.eventPath) {
    try {
      event = JSON.parse(await readFile(gh.eventPath, 'utf8')) as GitHubEvent;
    } catch {
      event = {};
    }
  }
  const pr = event.pull_request?.number ?? (gh.eventName?.startsWith('pull_request') ? event.number : undefined);
  const ctx: GitContext = {
    ...(gh.sha ? { sha: gh.sha } : {}),
    ...(gh.ref ? { ref: gh.ref } : {}),
    ...(gh.eventName ? { eventName: gh.eventName } : {}),
    ...(pr !== undefined ? { prNumber: pr } : {}),
    defaultBranch: event.repository?.default_branch ?? 'main',
    ...(gh.repository ? { repoUrl: repositoryUrl(gh, gh.repository) } : event.repository?.html_url ? { repoUrl: event.repository.html_url } : {}),
    ...(event.head_commit?.timestamp ? { commitTime: new Date(event.head_commit.timestamp) } : {}),
  };
  if (!ctx.commitTime && runner.workspace) {
    const local = await gitContextFromRepo(runner.workspace);
    if (local.commitTime && (!ctx.sha || local.sha === ctx.sha)) ctx.commitTime = local.commitTime;
  }
  return ctx;
}

/** `git@github.com:o/r.git` / `https://x@github.com/o/r.git` → `https://github.com/o/r` (pure). */
export function normalizeRemoteUrl(url: string): string | undefined {
  const u = url.trim();
  if (!u) return undefined;
  const scp = /^[\w.-]+@([\w.-]+):(.+?)(?:\.git)?\/?$/.exec(u);
  if (scp) return `https://${scp[1]}/${scp[2]}`;
  try {
    const parsed = new URL(u);
    if (parsed.protocol === 'file:') return undefined;
    return `https://${parsed.host}${parsed.pathname.replace(/\.git\/?$/, '').replace(/\/$/, '')}`;
  } catch {
    return undefined;
  }
}

/** Context of a local git work tree (`git rev-parse`, `git describe --exact-match`, …); `{}` outside git. */
export async function gitContextFromRepo(dir: string): Promise<GitContext> {
  const git = async (...args: string[]) => {
    try {
      const r = await execTool('git', ['-C', dir, ...args], { timeoutMs: 15_000 });
      return r.code === 0 ? r.stdout.trim() : undefined;
    } catch {
      return undefined;
    }
  };
  const sha = await git('rev-parse', '--verify', '-q', 'HEAD');
  if (!sha) return {};
  const [branch, tag, time, remote, originHead, status] = await Promise.all([
    git('symbolic-ref', '--short', '-q', 'HEAD'),
    git('describe', '--exact-match', '--tags', 'HEAD'),
    git('log', '-1', '--format=%ct', 'HEAD'),
    git('config', '--get', 'remote.origin.url'),
    git('symbolic-ref', '--short', '-q', 'refs/remotes/origin/HEAD'),
    git('status', '--porcelain', '--untracked-files=no'),
  ]);
  const repoUrl = remote ? normalizeRemoteUrl(remote) : undefined;
  return {
    sha,
    ...(tag ? { ref: `refs/tags/${tag}` } : branch ? { ref: `refs/heads/${branch}` } : {}),
    defaultBranch: originHead ? originHead.replace(/^origin\//, '') : 'main',
    ...(repoUrl ? { repoUrl } : {}),
    ...(time ? { commitTime: new Date(Number(time) * 1000) } : {}),
    dirty: Boolean(status),
  };
}
