/**
 * What the toolkit knows about the machine it runs on, read once from the environment by the
 * action layer (src/actions/lib/action.ts) or the CLI (src/cli/main.ts) and handed to the core.
 * This is the only module of src/core that reads `process.env`: the core takes a
 * {@link RunnerContext} (or the one value it needs) as an argument, so it runs the same on a
 * GitHub runner, on a laptop and in tests, and a test states the runner it pretends to be.
 *
 * On a GitHub Actions runner the values come from the default variables
 * (https://docs.github.com/actions/reference/variables-reference#default-environment-variables);
 * elsewhere they are absent and the documented defaults below apply. The knobs of the toolkit
 * itself (`DATAOPS_*`) are read here too, each in one function with its default.
 */
import os from 'node:os';
import path from 'node:path';

/** Environment variables as read: user-named secrets (signing keys, registry passwords, build secrets) are looked up here. */
export type Env = Readonly<Record<string, string | undefined>>;

/** The GitHub side of a run: repository, commit, event and the URLs of the server (github.com or GitHub Enterprise Server). */
export interface GitHubRun {
  /** Web URL of the server: GITHUB_SERVER_URL, default https://github.com. */
  serverUrl: string;
  /** REST API URL: GITHUB_API_URL, default https://api.github.com (GHES: https://HOST/api/v3). */
  apiUrl: string;
  /** `owner/repo`: GITHUB_REPOSITORY. */
  repository?: string | undefined;
  /** Numeric ids of the repository and its owner (GITHUB_REPOSITORY_ID, GITHUB_REPOSITORY_OWNER_ID). */
  repositoryId?: string | undefined;
  repositoryOwnerId?: string | undefined;
  /** Commit of the run: GITHUB_SHA (for pull_request events the merge commit). */
  sha?: string | undefined;
  /** GITHUB_REF, e.g. refs/heads/main. */
  ref?: string | undefined;
  /** GITHUB_EVENT_NAME, e.g. push, pull_request, repository_dispatch. */
  eventName?: string | undefined;
  /** GITHUB_EVENT_PATH: the webhook payload of the event. */
  eventPath?: string | undefined;
  /** GITHUB_WORKFLOW_REF: owner/repo/.github/workflows/x.yml@ref. */
  workflowRef?: string | undefined;
  /** GITHUB_RUN_ID and GITHUB_RUN_ATTEMPT (1 when unset). */
  runId?: string | undefined;
  runAttempt: number;
  /** A token for the REST API: GITHUB_TOKEN, else GH_TOKEN (the gh CLI's). Actions pass theirs as an input instead. */
  token?: string | undefined;
}

/** The machine a stage runs on. */
export interface RunnerContext {
  /** True on a GitHub Actions runner (GITHUB_ACTIONS=true). */
  actions: boolean;
  /** The checked-out repository (GITHUB_WORKSPACE); undefined off a runner. Paths a project or suite names are confined to it there. */
  workspace?: string | undefined;
  /** Scratch directory of the job: RUNNER_TEMP, else the OS temp directory. */
  temp: string;
  /** Where installed tools persist between runs: RUNNER_TOOL_CACHE, else the OS temp directory. */
  toolCache: string;
  github: GitHubRun;
  /** The job may request an OIDC token (`permissions: id-token: write`: ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN are set). */
  oidc: boolean;
  /** The Actions cache service answers for this job (ACTIONS_RUNTIME_TOKEN and ACTIONS_CACHE_URL or ACTIONS_RESULTS_URL): buildx `type=gha` caching. */
  actionsCache: boolean;
  /** The Pub/Sub emulator to use instead of Google Cloud, `host:port` (PUBSUB_EMULATOR_HOST, the variable Google's clients read). */
  pubsubEmulatorHost?: string | undefined;
  /** DATAOPS_TRACE_SQL=1: every engine statement is printed with its time to stderr, and each phase of a suite run with the process's time, CPU and page faults so far. */
  traceSql: boolean;
  /** The whole environment, for variables a user names (secrets) and the environment of child processes. */
  env: Env;
}

const set = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);

/**
 * Reads the runner context from `env` (default: this process's environment).
 * Pure apart from that read; call it once at the entry of an action or command.
 */
export function runnerContext(env: Env = process.env): RunnerContext {
  const attempt = Number(env.GITHUB_RUN_ATTEMPT);
  return {
    actions: env.GITHUB_ACTIONS === 'true',
    workspace: set(env.GITHUB_WORKSPACE),
    temp: set(env.RUNNER_TEMP) ?? os.tmpdir(),
    toolCache: set(env.RUNNER_TOOL_CACHE) ?? os.tmpdir(),
    github: {
      serverUrl: (set(env.GITHUB_SERVER_URL) ?? 'https://github.com').replace(/\/+$/, ''),
      apiUrl: (set(env.GITHUB_API_URL) ?? 'https://api.github.com').replace(/\/+$/, ''),
      repository: set(env.GITHUB_REPOSITORY),
      repositoryId: set(env.GITHUB_REPOSITORY_ID),
      repositoryOwnerId: set(env.GITHUB_REPOSITORY_OWNER_ID),
      sha: set(env.GITHUB_SHA),
      ref: set(env.GITHUB_REF),
      eventName: set(env.GITHUB_EVENT_NAME),
      eventPath: set(env.GITHUB_EVENT_PATH),
      workflowRef: set(env.GITHUB_WORKFLOW_REF),
      runId: set(env.GITHUB_RUN_ID),
      runAttempt: Number.isInteger(attempt) && attempt > 0 ? attempt : 1,
      token: set(env.GITHUB_TOKEN) ?? set(env.GH_TOKEN),
    },
    oidc: !!(set(env.ACTIONS_ID_TOKEN_REQUEST_URL) && set(env.ACTIONS_ID_TOKEN_REQUEST_TOKEN)),
    actionsCache: !!(set(env.ACTIONS_RUNTIME_TOKEN) && (set(env.ACTIONS_CACHE_URL) || set(env.ACTIONS_RESULTS_URL))),
    pubsubEmulatorHost: set(env.PUBSUB_EMULATOR_HOST),
    traceSql: !!set(env.DATAOPS_TRACE_SQL),
    env,
  };
}

/**
 * A context off any runner (a laptop, a test): no GitHub facts whatever the environment says, OS
 * temp directories, and this process's environment for the variables a user names (secrets).
 */
export function localContext(overrides: Partial<RunnerContext> = {}): RunnerContext {
  return { ...runnerContext({}), env: process.env, ...overrides };
}

/** `<server>/<owner>/<repo>`: the web URL of a repository on the run's server (GHES-aware). */
export function repositoryUrl(github: Pick<GitHubRun, 'serverUrl'>, repository: string): string {
  return `${github.serverUrl}/${repository}`;
}

/** URL of the current workflow run (`<server>/<owner>/<repo>/actions/runs/<id>`), when known. */
export function runUrl(github: GitHubRun): string | undefined {
  return github.repository && github.runId ? `${repositoryUrl(github, github.repository)}/actions/runs/${github.runId}` : undefined;
}

// --- knobs of the toolkit (documented defaults) ---

/** `DATAOPS_TOOLS`: where scripts/bootstrap keeps Node.js and other tools. Default `~/.cache/dataops-tools`. */
export function toolsDir(env: Env = process.env): string {
  return set(env.DATAOPS_TOOLS) ?? path.join(os.homedir(), '.cache', 'dataops-tools');
}

/** `DATAOPS_NODE_VERSION`: the Node.js of the base image (scripts/bootstrap installs the same). Default 24.21.0. */
export function baseNodeVersion(env: Env = process.env): string {
  return set(env.DATAOPS_NODE_VERSION) ?? '24.21.0';
}

/** `DATAOPS_BUILDAH_ROOT`: buildah's storage root. Default `$XDG_CACHE_HOME/dataops/buildah` (XDG_CACHE_HOME defaults to ~/.cache). */
export function buildahRoot(env: Env = process.env): string {
  if (set(env.DATAOPS_BUILDAH_ROOT)) return path.resolve(env.DATAOPS_BUILDAH_ROOT!);
  return path.join(set(env.XDG_CACHE_HOME) ?? path.join(os.homedir(), '.cache'), 'dataops', 'buildah');
}

/** `DATAOPS_NO_CGROUP=1`: containers are run without a memory cgroup of their own (no peak-memory or OOM facts). */
export function noCgroup(env: Env = process.env): boolean {
  return env.DATAOPS_NO_CGROUP === '1';
}

/** `DATAOPS_REGISTRY_BIN`: the CNCF distribution registry binary of the loopback registry. Default `docker-registry` (Debian's). */
export function registryBinary(env: Env = process.env): string {
  return set(env.DATAOPS_REGISTRY_BIN) ?? 'docker-registry';
}

/** The environment a child process inherits, plus `extra` (later keys win; an `undefined` value removes the variable). */
export function childEnv(extra: Env = {}, env: Env = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...env, ...extra })) if (v !== undefined) out[k] = v;
  return out;
}
