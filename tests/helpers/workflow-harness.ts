/**
 * The workflow harness: runs GitHub Actions workflows — our reusable workflows called from the
 * starter workflows a consuming repository copies — the way GitHub runs their job graphs, on a
 * local consumer repository, for tests. Documented in docs/workflow-harness.md.
 *
 * What it models (https://docs.github.com/en/actions/reference/workflow-syntax-for-github-actions):
 * - workflow files read at the event's commit, parsed and validated by GitHub's own
 *   `@actions/workflow-parser` (errors = a startup failure); `on:` filters (branches, tags, types)
 *   decide whether an event triggers the workflow at all;
 * - jobs in `needs` order (one at a time), job `if:` with the status functions over `needs`
 *   results (a job whose needs did not all succeed is skipped unless its `if:` says otherwise),
 *   `strategy.matrix` expansion, `env` at workflow, job and step level, `defaults.run`;
 * - reusable workflows (`jobs.<id>.uses`): `with:` checked against `on.workflow_call.inputs`
 *   (required, type, defaults), `secrets:` (declared ones, or `inherit`), `outputs` wired from the
 *   called jobs (`jobs` context) to the caller's `needs.<id>.outputs`; the caller workflow's `env`
 *   does not reach the called one; check names `<caller job name> / <job name>` as GitHub shows them;
 * - `permissions`: recorded per job as effective scopes; a called job asking more than its caller
 *   job grants fails at start-up with GitHub's message; `id-token: write` gives the job an OIDC token
 *   endpoint (ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN) issuing unsigned JWTs with GitHub's claims;
 * - `environment:` recorded with its URL, approved through `approve` (the required-reviewers
 *   stand-in); the environment's secrets and variables are visible to that job only;
 * - job `outputs` from `steps`, with GitHub's rule that an output carrying a secret is dropped;
 * - steps run by the composite harness's step runner (tests/helpers/composite-harness.ts): `if:`,
 *   `env`, `with`, `run` with `bash`, GITHUB_OUTPUT/ENV/PATH/STEP_SUMMARY, our actions from the working
 *   tree (`dataops-actions/dataops-actions/...@<ref>`, their committed dist/ or composite steps) as
 *   JavaScript actions with the runner protocol, third-party actions through the stand-ins of
 *   tests/helpers/workflow-standins.ts; any other action is a {@link HarnessError};
 * - every `${{ }}` evaluated by GitHub's `@actions/expressions` over the `github` context of a
 *   push / pull_request / repository_dispatch / workflow_dispatch event;
 * - the Actions runtime services our actions talk to through the real `@actions/*` libraries: the
 *   artifact service (artifact-service.ts) and the cache service v2 (cache-service.ts; one store
 *   for every run of the harness, as a repository's cache; no branch scopes).
 * What it does not model (say so, do not pretend): `services`/`container` jobs, `paths` filters,
 * parallel execution, cancellation, the actions/cache action, log masking. Jobs share the machine: one
 * HOME, buildah storage and tool cache (like a warm self-hosted runner); each job gets its own
 * workspace and RUNNER_TEMP.
 */
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { parse } from 'yaml';
import { asString, condition, evaluateValue, machineEnv, resolveUses, runSteps, type ResolvedAction, type StandIn, type StepRecord, type StepSpec } from './composite-harness.ts';
import type { FakeGitHub } from './github-server.ts';
import { standIns as defaultStandIns } from './workflow-standins.ts';
import { artifactService } from './artifact-service.ts';
import { cacheService, type CacheService } from './cache-service.ts';

/** A problem of the harness or of what it was asked to run, not an outcome of the workflow. */
export class HarnessError extends Error {
  override readonly name = 'HarnessError';
}

const OWN_REPO = 'dataops-actions/dataops-actions';
/** GITHUB_TOKEN permission scopes (https://docs.github.com/en/actions/reference/workflow-syntax-for-github-actions#permissions). */
export const PERMISSION_SCOPES = ['actions', 'attestations', 'checks', 'contents', 'deployments', 'discussions', 'id-token', 'issues', 'models', 'packages', 'pages', 'pull-requests', 'security-events', 'statuses'] as const;
export type Access = 'none' | 'read' | 'write';
export type Permissions = Record<(typeof PERMISSION_SCOPES)[number], Access>;
const RANK: Record<Access, number> = { none: 0, read: 1, write: 2 };

/** The repository a workflow runs in: a local git work tree standing in for the repository on github.com. */
export interface ConsumerRepo {
  dir: string;
  /** `owner/repo`. */
  fullName: string;
  defaultBranch: string;
}

/** An event that starts a workflow run. */
export interface WorkflowEvent {
  name: 'push' | 'pull_request' | 'repository_dispatch' | 'workflow_dispatch';
  /** `github.event`. */
  payload: Record<string, unknown>;
  /** GITHUB_REF. */
  ref: string;
  /** GITHUB_SHA: the commit whose workflow files run and that checkout fetches. */
  sha: string;
  /** `github.base_ref` / `head_ref` (pull requests). */
  baseRef?: string;
  headRef?: string;
}

/** Everything a run needs besides the event. */
export interface RunOptions {
  repo: ConsumerRepo;
  /** Workflow file, relative to the repository root (e.g. `.github/workflows/dataops-cd.yml`). */
  workflow: string;
  event: WorkflowEvent;
  /** Repository secrets, and the secrets of each environment. */
  secrets?: { repository?: Record<string, string>; environments?: Record<string, Record<string, string>> };
  /** Repository variables, and the variables of each environment. */
  vars?: { repository?: Record<string, string>; environments?: Record<string, Record<string, string>> };
  /** The runner machine: extra environment (e.g. PUBSUB_EMULATOR_HOST) and directories put first on PATH (e.g. the docker stub). */
  runner?: { env?: Record<string, string>; path?: string[] };
  /** Required reviewers of an environment (default: everything approved). */
  approve?: (environment: string, job: JobRecord) => boolean;
  /** Jobs not run but taken as finished with this result and outputs (by key, e.g. `ci/quality`), to run part of a graph. */
  assume?: Record<string, { result: JobResult; outputs?: Record<string, string> }>;
  /** Artifacts present from the start (name → directory copied into the run's store), e.g. what an assumed job uploaded. */
  seedArtifacts?: Record<string, string>;
  /**
   * How `dataops-actions/dataops-actions/...@<ref>` resolves. `working-tree` (default): every ref
   * runs the working tree, recorded in {@link WorkflowRun.ownRefs}. `commit-under-test`: a ref must
   * name the commit under test (its SHA, or a tag/branch pointing at it), else a HarnessError says
   * which release GitHub would run instead.
   */
  ownRefs?: 'working-tree' | 'commit-under-test';
  /** Repository default token permissions for jobs that declare none (GitHub's "read repository contents" default). */
  defaultPermissions?: 'restricted' | 'permissive';
}

export type JobResult = 'success' | 'failure' | 'skipped' | 'cancelled';

/** One job of the run (a reusable-workflow call is a job too, with its called jobs after it). */
export interface JobRecord {
  /** Path in the graph: `cd/deploy-staging` is job `deploy-staging` of the workflow called by job `cd`. */
  key: string;
  id: string;
  /** The name GitHub shows as the check run (and uses for required status checks). */
  checkName: string;
  /** Workflow file the job is defined in (`uses:` form for called workflows). */
  workflow: string;
  result: JobResult;
  /** Why a job was skipped or failed before or outside its steps. */
  reason?: string;
  needs: string[];
  matrix?: Record<string, unknown>;
  runsOn?: unknown;
  environment?: { name: string; url: string; approved: boolean };
  permissions: Permissions;
  concurrency?: { group: string; cancelInProgress: boolean };
  /** Job `env` as evaluated. */
  env: Record<string, string>;
  /** Names of the secrets the job could read. */
  secretNames: string[];
  outputs: Record<string, string>;
  steps: StepRecord[];
  /** For a reusable-workflow call: the workflow called and its inputs. */
  calls?: { workflow: string; inputs: Record<string, unknown>; secrets: string[] };
  summary: string;
  annotations: Array<{ level: string; message: string; props: string }>;
  warnings: string[];
  stdout: string;
  /** Claims of OIDC tokens issued to the job. */
  oidcTokens: Array<Record<string, unknown>>;
}

/** A finished run. */
export interface WorkflowRun {
  workflow: string;
  event: WorkflowEvent['name'];
  /** False when the event does not trigger the workflow (`reason` says why); no job ran. */
  triggered: boolean;
  reason?: string;
  conclusion: 'success' | 'failure' | 'skipped';
  jobs: JobRecord[];
  /** Every `dataops-actions/dataops-actions/...@<ref>` resolved, and whether the ref names the commit under test. */
  ownRefs: Array<{ uses: string; ref: string; commitUnderTest: boolean }>;
  /** Workflow `outputs` (a run of a reusable workflow). */
  outputs: Record<string, string>;
  artifactsDir: string;
  /** The job with `key`. @throws Error listing the keys when there is none. */
  job(key: string): JobRecord;
  /** Step `id` of job `key`. @throws Error when missing. */
  step(key: string, id: string): StepRecord;
}

interface LoadedWorkflow {
  /** Display form: repository path, or `owner/repo/path@ref`. */
  ref: string;
  raw: Record<string, unknown>;
  /** `on:` after the parser's normalisation (events → filters). */
  events: Record<string, unknown>;
}

/** Options of {@link startWorkflowHarness}. */
export interface HarnessSetup {
  /** Checkout of dataops-actions whose actions and reusable workflows run. */
  repoRoot: string;
  /** The fake of GitHub's REST API the runs talk to. */
  github: FakeGitHub;
  /** Server URL the runs see (GITHUB_SERVER_URL, where GitOps repositories live); default https://github.com. */
  serverUrl?: string;
  /** Replace or add stand-ins (by `owner/repo[/path]`). */
  standIns?: Record<string, StandIn>;
}

/** What an event starts in one workflow file (see {@link WorkflowHarness.plan}). */
export interface PlannedWorkflow {
  workflow: string;
  triggered: boolean;
  reason?: string;
  /** Reusable workflows its jobs call (`uses:` as written). */
  calls: string[];
  /** Check run names of its jobs as GitHub shows them (`<caller job name> / <job name>` inside called workflows). */
  checkNames: string[];
}

/** A harness instance: one OIDC token service, one work directory, many runs. */
export interface WorkflowHarness {
  run(options: RunOptions): Promise<WorkflowRun>;
  /** The Actions cache service of the harness (cache-service.ts), shared by every run, as a repository's cache is. */
  cache: CacheService;
  /** Whether `event` triggers `workflow` of `repo` (GitHub's `on:` filters), and why not. */
  triggers(repo: ConsumerRepo, workflow: string, event: WorkflowEvent): Promise<{ triggered: boolean; reason?: string }>;
  /** Every workflow under .github/workflows at the event's commit: whether the event starts it, what it calls, its check names. Nothing runs. */
  plan(repo: ConsumerRepo, event: WorkflowEvent): Promise<PlannedWorkflow[]>;
  close(): Promise<void>;
}

const git = (args: string[], cwd: string) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** Parses and validates a workflow with GitHub's parser. @throws HarnessError with the parser's errors. */
async function loadWorkflow(ref: string, content: string): Promise<LoadedWorkflow> {
  const parsed = parseWorkflow({ name: ref, content }, new NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  if (errors.length || !parsed.value) throw new HarnessError(`${ref}: invalid workflow (GitHub would not start it): ${errors.join('; ')}`);
  const template = await convertWorkflowTemplate(parsed.context, parsed.value);
  if (template.errors?.length) throw new HarnessError(`${ref}: invalid workflow (GitHub would not start it): ${template.errors.map((e) => e.Message).join('; ')}`);
  return { ref, raw: parse(content) as Record<string, unknown>, events: template.events };
}

/**
 * GitHub's filter pattern (branches, tags, types): `*` (not `/`), `**`, `?` and `+` after a
 * character, `[]` ranges; `!` negates (https://docs.github.com/en/actions/reference/workflow-syntax-for-github-actions#filter-pattern-cheat-sheet).
 */
export function filterMatches(patterns: string[], value: string): boolean {
  let matched = false;
  for (const p of patterns) {
    const negate = p.startsWith('!');
    const body = negate ? p.slice(1) : p;
    let re = '';
    for (let i = 0; i < body.length; i++) {
      const c = body[i]!;
      if (c === '*' && body[i + 1] === '*') {
        re += '.*';
        i++;
      } else if (c === '*') re += '[^/]*';
      else if (c === '?' || c === '+') re += c;
      else if (c === '[') {
        const end = body.indexOf(']', i);
        re += body.slice(i, end + 1);
        i = end;
      } else re += c.replace(/[.^$|(){}\\]/g, '\\$&');
    }
    if (new RegExp(`^${re}$`).test(value)) matched = !negate;
  }
  return matched;
}

function triggerOf(workflow: LoadedWorkflow, event: WorkflowEvent): { triggered: boolean; reason?: string } {
  const config = workflow.events[event.name] as Record<string, string[] | undefined> | undefined;
  if (!config) return { triggered: false, reason: `${workflow.ref} has no "on: ${event.name}"` };
  if (config.paths || config['paths-ignore']) throw new HarnessError(`${workflow.ref}: "paths" filters are not modelled by the harness`);
  const filtered = (include: string[] | undefined, exclude: string[] | undefined, value: string, what: string) => {
    if (include && !filterMatches(include, value)) return `${what} "${value}" does not match on.${event.name}.${what === 'tag' ? 'tags' : what === 'type' ? 'types' : 'branches'} [${include.join(', ')}]`;
    if (exclude && filterMatches(exclude, value)) return `${what} "${value}" is excluded by on.${event.name}.${what === 'tag' ? 'tags' : 'branches'}-ignore`;
    return undefined;
  };
  let why: string | undefined;
  if (event.name === 'push') {
    const branch = event.ref.startsWith('refs/heads/') ? event.ref.slice('refs/heads/'.length) : undefined;
    const tag = event.ref.startsWith('refs/tags/') ? event.ref.slice('refs/tags/'.length) : undefined;
    const hasBranchFilter = Boolean(config.branches || config['branches-ignore']);
    const hasTagFilter = Boolean(config.tags || config['tags-ignore']);
    if (branch !== undefined) why = hasTagFilter && !hasBranchFilter ? `on.push filters only tags; branch ${branch} is not one` : filtered(config.branches, config['branches-ignore'], branch, 'branch');
    if (tag !== undefined) why = hasBranchFilter && !hasTagFilter ? `on.push filters only branches; tag ${tag} is not one` : filtered(config.tags, config['tags-ignore'], tag, 'tag');
  } else if (event.name === 'pull_request') {
    const action = String(event.payload.action ?? 'opened');
    why = filtered(config.types ?? ['opened', 'synchronize', 'reopened'], undefined, action, 'type') ?? filtered(config.branches, config['branches-ignore'], event.baseRef ?? '', 'branch');
  } else if (event.name === 'repository_dispatch') {
    why = filtered(config.types, undefined, String(event.payload.action ?? ''), 'type');
  }
  return why ? { triggered: false, reason: why } : { triggered: true };
}

/** Effective permissions from a `permissions:` value (`read-all`, `write-all`, `{}` or a mapping). */
function permissionsOf(value: unknown, fallback: Permissions): Permissions {
  if (value === undefined || value === null) return fallback;
  const all = (a: Access) => Object.fromEntries(PERMISSION_SCOPES.map((s) => [s, a])) as Permissions;
  if (value === 'read-all') return all('read');
  if (value === 'write-all') return all('write');
  const out = all('none');
  for (const [k, v] of Object.entries(value as Record<string, string>)) {
    if (!(PERMISSION_SCOPES as readonly string[]).includes(k)) throw new HarnessError(`unknown permission scope "${k}"`);
    out[k as keyof Permissions] = v as Access;
  }
  return out;
}

const RESTRICTED: Permissions = { ...(Object.fromEntries(PERMISSION_SCOPES.map((s) => [s, 'none'])) as Permissions), contents: 'read', packages: 'read' };
const PERMISSIVE: Permissions = { ...(Object.fromEntries(PERMISSION_SCOPES.map((s) => [s, 'write'])) as Permissions), 'id-token': 'none' };

/** Matrix combinations of `strategy.matrix` (keys × values, minus `exclude`, plus/extended by `include`). */
function expandMatrix(matrix: Record<string, unknown> | undefined): Array<Record<string, unknown>> | undefined {
  if (!matrix) return undefined;
  const { include = [], exclude = [], ...axes } = matrix as { include?: Array<Record<string, unknown>>; exclude?: Array<Record<string, unknown>> };
  let combos: Array<Record<string, unknown>> = [{}];
  for (const [k, values] of Object.entries(axes)) combos = combos.flatMap((c) => (values as unknown[]).map((v) => ({ ...c, [k]: v })));
  if (Object.keys(axes).length === 0) combos = [];
  combos = combos.filter((c) => !exclude.some((e) => Object.entries(e).every(([k, v]) => JSON.stringify(c[k]) === JSON.stringify(v))));
  for (const inc of include) {
    const extendable = combos.filter((c) => Object.entries(inc).every(([k, v]) => !(k in axes) || JSON.stringify(c[k]) === JSON.stringify(v)));
    if (extendable.length) for (const c of extendable) Object.assign(c, inc);
    else combos.push({ ...inc });
  }
  return combos;
}

/** An unsigned JWT (header `alg: none`) carrying `claims`: what the OIDC stand-in hands out. */
function unsignedJwt(claims: Record<string, unknown>): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
}

/** Starts a harness (its OIDC token service on a loopback port). Close it after the tests. */
export async function startWorkflowHarness(setup: HarnessSetup): Promise<WorkflowHarness> {
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'dataops-workflow-harness-'));
  const oidc = new Map<string, { claims: Record<string, unknown>; record: JobRecord }>();
  const artifacts = artifactService();
  const caches = cacheService();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (artifacts.handle(req, res, url, oidcUrl)) return;
    if (caches.handle(req, res, url, oidcUrl)) return;
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const entry = bearer ? oidc.get(bearer) : undefined;
    if (url.pathname !== '/token' || !entry) {
      res.writeHead(entry ? 404 : 401, { 'content-type': 'application/json' }).end(JSON.stringify({ message: entry ? 'Not Found' : 'Bad credentials' }));
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    const claims = { ...entry.claims, aud: url.searchParams.get('audience') ?? entry.claims.repository_owner, iat: now, nbf: now - 5, exp: now + 300, jti: randomBytes(8).toString('hex') };
    entry.record.oidcTokens.push(claims);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ count: 1, value: unsignedJwt(claims) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const oidcUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const serverUrl = setup.serverUrl ?? 'https://github.com';
  const commitUnderTest = git(['rev-parse', 'HEAD'], setup.repoRoot);
  let runCounter = 0;

  const readAt = (repo: ConsumerRepo, sha: string, file: string): string => {
    try {
      return execFileSync('git', ['show', `${sha}:${file}`], { cwd: repo.dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch {
      throw new HarnessError(`${repo.fullName}@${sha.slice(0, 12)} has no ${file}`);
    }
  };

  /** The workflow a `jobs.<id>.uses` names: `./…` from the consumer repository at `sha`, ours from the working tree. */
  const loadCalled = async (repo: ConsumerRepo, sha: string, uses: string): Promise<LoadedWorkflow> => {
    if (uses.startsWith('./')) return loadWorkflow(uses, readAt(repo, sha, uses.slice(2)));
    const target = uses.slice(0, uses.lastIndexOf('@'));
    if (!target.startsWith(`${OWN_REPO}/`)) throw new HarnessError(`unknown reusable workflow "${uses}": only ${OWN_REPO} and ./ workflows resolve`);
    return loadWorkflow(uses, await readFile(path.join(setup.repoRoot, target.slice(OWN_REPO.length + 1)), 'utf8'));
  };

  const refNamesCommitUnderTest = (ref: string): boolean => {
    if (ref === commitUnderTest) return true;
    try {
      return git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], setup.repoRoot) === commitUnderTest;
    } catch {
      return false;
    }
  };

  async function repoIds(fullName: string): Promise<{ id: string; ownerId: string }> {
    const res = await fetch(`${setup.github.url}/repos/${fullName}`, { headers: { authorization: `token ${setup.github.token}` } });
    const body = (await res.json()) as { id: number; owner: { id: number } };
    return { id: String(body.id), ownerId: String(body.owner.id) };
  }

  async function run(options: RunOptions): Promise<WorkflowRun> {
    const runId = String(9_000_000 + ++runCounter);
    const runDir = path.join(workDir, `run-${runId}`);
    const artifactsDir = path.join(runDir, 'artifacts');
    await mkdir(artifactsDir, { recursive: true });
    for (const [name, dir] of Object.entries(options.seedArtifacts ?? {})) await cp(dir, path.join(artifactsDir, name), { recursive: true });
    const { repo, event } = options;
    const jobs: JobRecord[] = [];
    const ownRefs: WorkflowRun['ownRefs'] = [];
    const stand = { ...defaultStandIns({ repoDir: repo.dir, artifactsDir }), ...setup.standIns };
    const ids = await repoIds(repo.fullName);
    const owner = repo.fullName.split('/')[0]!;
    const eventPath = path.join(runDir, 'event.json');
    await writeFile(eventPath, JSON.stringify(event.payload, null, 2));
    const callerWorkflow = await loadWorkflow(options.workflow, readAt(repo, event.sha, options.workflow));
    const finish = (conclusion: WorkflowRun['conclusion'], extra: Partial<WorkflowRun>): WorkflowRun => ({
      workflow: options.workflow,
      event: event.name,
      triggered: true,
      conclusion,
      jobs,
      ownRefs,
      outputs: {},
      artifactsDir,
      job(key) {
        const j = jobs.find((x) => x.key === key);
        if (!j) throw new Error(`no job "${key}" in the run (jobs: ${jobs.map((x) => x.key).join(', ')})`);
        return j;
      },
      step(key, id) {
        const s = this.job(key).steps.find((x) => x.id === id);
        if (!s) throw new Error(`job "${key}" has no step "${id}" (steps: ${this.job(key).steps.map((x) => x.id).join(', ')})`);
        return s;
      },
      ...extra,
    });
    const trigger = triggerOf(callerWorkflow, event);
    if (!trigger.triggered) return finish('skipped', { triggered: false, ...(trigger.reason ? { reason: trigger.reason } : {}) });

    const refName = event.ref.replace(/^refs\/(heads|tags)\//, '');
    const workflowName = typeof callerWorkflow.raw.name === 'string' ? callerWorkflow.raw.name : options.workflow;
    const workflowRef = `${repo.fullName}/${options.workflow}@${event.ref}`;
    const githubBase: Record<string, unknown> = {
      event_name: event.name,
      event: event.payload,
      event_path: eventPath,
      ref: event.ref,
      ref_name: event.name === 'pull_request' ? `${String((event.payload.pull_request as { number?: number } | undefined)?.number ?? '')}/merge` : refName,
      ref_type: event.ref.startsWith('refs/tags/') ? 'tag' : 'branch',
      sha: event.sha,
      head_ref: event.headRef ?? '',
      base_ref: event.baseRef ?? '',
      repository: repo.fullName,
      repository_id: ids.id,
      repository_owner: owner,
      repository_owner_id: ids.ownerId,
      run_id: runId,
      run_number: String(runCounter),
      run_attempt: '1',
      retention_days: '90',
      actor: 'octocat',
      actor_id: '583231',
      triggering_actor: 'octocat',
      workflow: workflowName,
      workflow_ref: workflowRef,
      workflow_sha: event.sha,
      server_url: serverUrl,
      api_url: setup.github.url,
      graphql_url: `${setup.github.url}/graphql`,
      // each job gets its own scoped token (runJob); outside steps there is none
      token: '',
    };
    const repoSecrets = options.secrets?.repository ?? {};
    const defaults = options.defaultPermissions === 'permissive' ? PERMISSIVE : RESTRICTED;

    /** Records a reference to this repository; in `commit-under-test` mode refuses one naming another commit. */
    const ownRef = (uses: string, what: 'step' | 'job') => {
      const ref = uses.includes('@') ? uses.slice(uses.lastIndexOf('@') + 1) : '';
      const matches = refNamesCommitUnderTest(ref);
      ownRefs.push({ uses, ref, commitUnderTest: matches });
      if (!matches && options.ownRefs === 'commit-under-test') throw new HarnessError(`${uses}: ref "${ref}" does not name the commit under test (${commitUnderTest.slice(0, 12)}); on GitHub this ${what} would run ${OWN_REPO}@${ref}, not this tree`);
    };

    /** How `uses:` of a step resolves in a job with `workspace`. */
    const resolverFor = (workspace: string) => (uses: string): ResolvedAction => {
      if (uses.startsWith('./')) return { dir: resolveUses(uses, { workspace, repoRoot: setup.repoRoot }) };
      if (uses.startsWith('docker://')) throw new HarnessError(`docker:// actions are not modelled ("${uses}")`);
      const at = uses.lastIndexOf('@');
      const target = at > 0 ? uses.slice(0, at) : uses;
      if (target === OWN_REPO || target.startsWith(`${OWN_REPO}/`)) {
        ownRef(uses, 'step');
        return { dir: resolveUses(uses, { workspace, repoRoot: setup.repoRoot }) };
      }
      const standIn = stand[target];
      if (!standIn) throw new HarnessError(`unknown third-party action "${uses}": the harness runs third-party actions only through stand-ins (tests/helpers/workflow-standins.ts); add one`);
      return { standIn };
    };

    /** Loads the workflow a job's `uses:` names. */
    const calledWorkflow = async (uses: string): Promise<LoadedWorkflow> => {
      if (uses.startsWith(`${OWN_REPO}/`)) ownRef(uses, 'job');
      return loadCalled(repo, event.sha, uses);
    };

    interface Scope {
      workflow: LoadedWorkflow;
      keyPrefix: string;
      checkPrefix: string;
      inputs: Record<string, unknown>;
      secrets: Record<string, string>;
      /** The calling job's permissions (undefined at the top level). */
      callerPermissions?: Permissions;
      /** Workflow-level env (does not cross into called workflows). */
      env: Record<string, unknown>;
    }

    /** Runs the jobs of one workflow; returns their results (by id) for `jobs` / `needs`. */
    async function runJobs(scope: Scope): Promise<Record<string, { result: JobResult; outputs: Record<string, string> }>> {
      const rawJobs = (scope.workflow.raw.jobs ?? {}) as Record<string, Record<string, unknown>>;
      const done: Record<string, { result: JobResult; outputs: Record<string, string> }> = {};
      const order: string[] = [];
      const visit = (id: string, stack: string[]) => {
        if (order.includes(id)) return;
        if (stack.includes(id)) throw new HarnessError(`${scope.workflow.ref}: needs cycle ${[...stack, id].join(' → ')}`);
        for (const n of needsOf(rawJobs[id]!)) visit(n, [...stack, id]);
        order.push(id);
      };
      for (const id of Object.keys(rawJobs)) visit(id, []);
      const workflowPermissions = scope.workflow.raw.permissions;
      for (const id of order) {
        const job = rawJobs[id]!;
        const key = `${scope.keyPrefix}${id}`;
        const needs = needsOf(job);
        const needsCtx = Object.fromEntries(needs.map((n) => [n, done[n]!]));
        const baseCtx = { github: { ...githubBase, job: id }, needs: needsCtx, inputs: scope.inputs, vars: options.vars?.repository ?? {} };
        const permissions = permissionsOf(job.permissions ?? workflowPermissions, scope.callerPermissions ?? defaults);
        if (scope.callerPermissions) {
          for (const s of PERMISSION_SCOPES) {
            if (RANK[permissions[s]] > RANK[scope.callerPermissions[s]]) {
              throw new HarnessError(`startup failure: The nested job '${id}' is requesting '${s}: ${permissions[s]}', but is only allowed '${s}: ${scope.callerPermissions[s]}'.`);
            }
          }
        }
        const matrixCombos = expandMatrix(evaluateValue((job.strategy as { matrix?: unknown } | undefined)?.matrix, baseCtx) as Record<string, unknown> | undefined) ?? [undefined];
        const results: JobResult[] = [];
        const mergedOutputs: Record<string, string> = {};
        for (const matrix of matrixCombos) {
          const displayName = String(evaluateValue(job.name ?? id, { ...baseCtx, matrix: matrix ?? {} }));
          const suffix = matrix && job.name === undefined ? ` (${Object.values(matrix).map(asString).join(', ')})` : '';
          const record: JobRecord = {
            key: matrix ? `${key}(${Object.values(matrix).map(asString).join(', ')})` : key,
            id,
            checkName: `${scope.checkPrefix}${displayName}${suffix}`,
            workflow: scope.workflow.ref,
            result: 'skipped',
            needs,
            ...(matrix ? { matrix } : {}),
            permissions,
            env: {},
            secretNames: [],
            outputs: {},
            steps: [],
            summary: '',
            annotations: [],
            warnings: [],
            stdout: '',
            oidcTokens: [],
          };
          jobs.push(record);
          const assumed = options.assume?.[record.key];
          if (assumed) {
            record.result = assumed.result;
            record.outputs = assumed.outputs ?? {};
            record.reason = 'assumed by the test (not run)';
            results.push(record.result);
            Object.assign(mergedOutputs, record.outputs);
            continue;
          }
          // success(): every job in needs succeeded; failure(): a job it depends on, directly or not, failed
          const ancestors = ancestorsOf(id, rawJobs);
          const status = { success: needs.every((n) => done[n]!.result === 'success') && !ancestors.some((a) => done[a]!.result === 'failure'), failure: ancestors.some((a) => done[a]!.result === 'failure') };
          if (!condition(job.if, { ...baseCtx, matrix: matrix ?? {} }, status)) {
            record.reason = status.success ? `if: ${String(job.if)} is false` : `needs not all successful (${needs.map((n) => `${n}: ${done[n]!.result}`).join(', ')})`;
            results.push('skipped');
            continue;
          }
          if (typeof job.uses === 'string') await runCall(job, record, scope, { ...baseCtx, matrix: matrix ?? {}, strategy: {} });
          else await runJob(job, record, scope, { ...baseCtx, matrix: matrix ?? {}, strategy: { 'fail-fast': true, 'job-index': 0, 'job-total': matrixCombos.length } });
          results.push(record.result);
          Object.assign(mergedOutputs, record.outputs);
        }
        const result: JobResult = results.includes('failure') ? 'failure' : results.every((r) => r === 'skipped') ? 'skipped' : 'success';
        done[id] = { result, outputs: mergedOutputs };
      }
      return done;
    }

    /** A job calling a reusable workflow. */
    async function runCall(job: Record<string, unknown>, record: JobRecord, scope: Scope, ctx: Record<string, unknown>): Promise<void> {
      const uses = String(job.uses);
      const called = await calledWorkflow(uses);
      if (!called.events.workflow_call) throw new HarnessError(`${uses} has no "on: workflow_call"`);
      const on = called.raw.on;
      const call = ((on && typeof on === 'object' && !Array.isArray(on) ? (on as Record<string, unknown>).workflow_call : undefined) ?? {}) as {
        inputs?: Record<string, { type: string; required?: boolean; default?: unknown }>;
        secrets?: Record<string, { required?: boolean }>;
        outputs?: Record<string, { value: string }>;
      };
      const given = evaluateValue(job.with ?? {}, { ...ctx, secrets: {} }) as Record<string, unknown>;
      const inputs: Record<string, unknown> = {};
      for (const [name, def] of Object.entries(call.inputs ?? {})) {
        let value = given[name];
        if (value === undefined) {
          if (def.required) throw new HarnessError(`startup failure: ${scope.workflow.ref} job ${record.id}: input "${name}" of ${uses} is required`);
          value = def.default !== undefined ? evaluateValue(def.default, ctx) : def.type === 'boolean' ? false : def.type === 'number' ? 0 : '';
        }
        const type = typeof value;
        if ((def.type === 'boolean' && type !== 'boolean') || (def.type === 'number' && type !== 'number') || (def.type === 'string' && type !== 'string')) {
          throw new HarnessError(`startup failure: ${scope.workflow.ref} job ${record.id}: input "${name}" of ${uses} must be a ${def.type}, got ${JSON.stringify(value)}`);
        }
        inputs[name] = value;
      }
      for (const name of Object.keys(given)) if (!(name in (call.inputs ?? {}))) throw new HarnessError(`startup failure: ${scope.workflow.ref} job ${record.id}: ${uses} has no input "${name}"`);
      let secrets: Record<string, string>;
      if (job.secrets === 'inherit') secrets = { ...scope.secrets };
      else {
        const passed = evaluateValue(job.secrets ?? {}, { ...ctx, secrets: scope.secrets }) as Record<string, unknown>;
        for (const n of Object.keys(passed)) if (!(n in (call.secrets ?? {}))) throw new HarnessError(`startup failure: ${scope.workflow.ref} job ${record.id}: ${uses} declares no secret "${n}"`);
        secrets = Object.fromEntries(Object.entries(passed).map(([k, v]) => [k, asString(v)]));
      }
      for (const [n, def] of Object.entries(call.secrets ?? {})) if (def.required && !secrets[n]) throw new HarnessError(`startup failure: ${uses}: secret "${n}" is required`);
      record.calls = { workflow: uses, inputs, secrets: Object.keys(secrets) };
      record.secretNames = Object.keys(secrets);
      const calledJobs = await runJobs({
        workflow: called,
        keyPrefix: `${record.key}/`,
        checkPrefix: `${record.checkName} / `,
        inputs,
        secrets,
        callerPermissions: record.permissions,
        env: (called.raw.env ?? {}) as Record<string, unknown>,
      });
      const jobsCtx = calledJobs;
      for (const [name, def] of Object.entries(call.outputs ?? {})) record.outputs[name] = asString(evaluateValue(def.value, { ...ctx, jobs: jobsCtx }));
      const results = Object.values(calledJobs).map((j) => j.result);
      record.result = results.includes('failure') ? 'failure' : 'success';
    }

    /** A job with steps. */
    async function runJob(job: Record<string, unknown>, record: JobRecord, scope: Scope, ctx: Record<string, unknown>): Promise<void> {
      if (job.services || job.container) throw new HarnessError(`${scope.workflow.ref} job ${record.id}: services/container jobs are not modelled`);
      const jobDir = path.join(runDir, record.key.replace(/[^A-Za-z0-9_.-]+/g, '_'));
      const workspace = path.join(jobDir, 'work', repo.fullName.split('/')[1]!);
      const runnerTemp = path.join(jobDir, 'temp');
      await mkdir(workspace, { recursive: true });
      await mkdir(runnerTemp, { recursive: true });
      record.runsOn = evaluateValue(job['runs-on'], ctx);
      // environment: its secrets and variables join the job's
      let environment: { name: string; url?: string } | undefined;
      if (job.environment !== undefined) {
        const e = typeof job.environment === 'string' ? { name: job.environment } : (job.environment as { name: string; url?: string });
        environment = { name: asString(evaluateValue(e.name, ctx)), ...(e.url !== undefined ? { url: e.url } : {}) };
      }
      const envSecrets = environment ? (options.secrets?.environments?.[environment.name] ?? {}) : {};
      // the job's own GITHUB_TOKEN: this repository only, the job's permissions (the fake answers 403 outside them)
      const token = `ghs_job_${randomBytes(12).toString('hex')}`;
      setup.github.scopeToken(token, repo.fullName, record.permissions);
      const secrets = { ...scope.secrets, ...envSecrets, GITHUB_TOKEN: token };
      record.secretNames = Object.keys(secrets);
      const vars = { ...(options.vars?.repository ?? {}), ...(environment ? (options.vars?.environments?.[environment.name] ?? {}) : {}) };
      const jobCtx = { ...ctx, secrets, vars };
      if (environment) {
        record.environment = { name: environment.name, url: '', approved: options.approve ? options.approve(environment.name, record) : true };
        if (!record.environment.approved) {
          record.result = 'failure';
          record.reason = `deployment to environment "${environment.name}" was rejected`;
          return;
        }
      }
      if (job.concurrency !== undefined) {
        const c = evaluateValue(job.concurrency, jobCtx);
        record.concurrency = typeof c === 'string' ? { group: c, cancelInProgress: false } : { group: asString((c as { group: unknown }).group), cancelInProgress: (c as { 'cancel-in-progress'?: unknown })['cancel-in-progress'] === true };
      }
      const envCtx: Record<string, string> = {};
      for (const [k, v] of Object.entries(scope.env)) envCtx[k] = asString(evaluateValue(v, jobCtx));
      for (const [k, v] of Object.entries((job.env ?? {}) as Record<string, unknown>)) envCtx[k] = record.env[k] = asString(evaluateValue(v, { ...jobCtx, env: envCtx }));
      const github = { ...githubBase, job: record.id, workspace, action_path: '', token };
      const processEnv: Record<string, string> = {
        ...machineEnv(),
        HOME: process.env.HOME ?? runnerTemp,
        ...options.runner?.env,
        PATH: [...(options.runner?.path ?? []), process.env.PATH ?? ''].join(path.delimiter),
        CI: 'true',
        GITHUB_ACTIONS: 'true',
        GITHUB_ACTOR: 'octocat',
        GITHUB_ACTOR_ID: '583231',
        GITHUB_API_URL: setup.github.url,
        GITHUB_BASE_REF: event.baseRef ?? '',
        GITHUB_EVENT_NAME: event.name,
        GITHUB_EVENT_PATH: eventPath,
        GITHUB_GRAPHQL_URL: `${setup.github.url}/graphql`,
        GITHUB_HEAD_REF: event.headRef ?? '',
        GITHUB_JOB: record.id,
        GITHUB_REF: event.ref,
        GITHUB_REF_NAME: String(githubBase.ref_name),
        GITHUB_REF_TYPE: String(githubBase.ref_type),
        GITHUB_REPOSITORY: repo.fullName,
        GITHUB_REPOSITORY_ID: ids.id,
        GITHUB_REPOSITORY_OWNER: owner,
        GITHUB_REPOSITORY_OWNER_ID: ids.ownerId,
        GITHUB_RETENTION_DAYS: '90',
        GITHUB_RUN_ATTEMPT: '1',
        GITHUB_RUN_ID: runId,
        GITHUB_RUN_NUMBER: String(runCounter),
        GITHUB_SERVER_URL: serverUrl,
        GITHUB_SHA: event.sha,
        GITHUB_TRIGGERING_ACTOR: 'octocat',
        GITHUB_WORKFLOW: String(githubBase.workflow),
        GITHUB_WORKFLOW_REF: workflowRef,
        GITHUB_WORKFLOW_SHA: event.sha,
        GITHUB_WORKSPACE: workspace,
        RUNNER_ARCH: 'X64',
        RUNNER_ENVIRONMENT: 'github-hosted',
        RUNNER_NAME: 'dataops-workflow-harness',
        RUNNER_OS: 'Linux',
        RUNNER_TEMP: runnerTemp,
        RUNNER_TOOL_CACHE: options.runner?.env?.RUNNER_TOOL_CACHE ?? path.join(workDir, 'tool-cache'),
        // the Actions runtime services: artifacts v4 and the cache service v2 (as on github.com) through the stand-ins (artifact-service.ts, cache-service.ts)
        ACTIONS_RUNTIME_TOKEN: artifacts.runtimeToken(runId, record.key, artifactsDir),
        ACTIONS_RESULTS_URL: `${oidcUrl}/results/`,
        ACTIONS_CACHE_URL: `${oidcUrl}/cache/`,
        ACTIONS_CACHE_SERVICE_V2: 'True',
        ...envCtx,
      };
      if (record.permissions['id-token'] === 'write') {
        const requestToken = randomBytes(16).toString('hex');
        const jobWorkflowRef = scope.keyPrefix ? jobWorkflowRefOf(scope.workflow.ref) : workflowRef;
        oidc.set(requestToken, {
          record,
          claims: {
            iss: 'https://token.actions.githubusercontent.com',
            sub: `repo:${repo.fullName}:${environment ? `environment:${environment.name}` : `ref:${event.ref}`}`,
            repository: repo.fullName,
            repository_id: ids.id,
            repository_owner: owner,
            repository_owner_id: ids.ownerId,
            ref: event.ref,
            ref_type: githubBase.ref_type,
            sha: event.sha,
            event_name: event.name,
            workflow: githubBase.workflow,
            workflow_ref: workflowRef,
            workflow_sha: event.sha,
            job_workflow_ref: jobWorkflowRef,
            run_id: runId,
            run_number: String(runCounter),
            run_attempt: '1',
            actor: 'octocat',
            runner_environment: 'github-hosted',
            ...(environment ? { environment: environment.name } : {}),
          },
        });
        processEnv.ACTIONS_ID_TOKEN_REQUEST_URL = `${oidcUrl}/token?job=${encodeURIComponent(record.key)}`;
        processEnv.ACTIONS_ID_TOKEN_REQUEST_TOKEN = requestToken;
      }
      const defaultsRun = { ...((scope.workflow.raw.defaults as { run?: object } | undefined)?.run ?? {}), ...((job.defaults as { run?: object } | undefined)?.run ?? {}) } as { shell?: string; 'working-directory'?: string };
      const timeoutMinutes = job['timeout-minutes'] !== undefined ? Number(evaluateValue(job['timeout-minutes'], jobCtx)) : 360;
      const result = await runSteps((job.steps ?? []) as StepSpec[], {
        kind: 'job',
        contexts: { ...jobCtx, github, env: envCtx, runner: { os: 'Linux', arch: 'X64', temp: runnerTemp, tool_cache: processEnv.RUNNER_TOOL_CACHE, name: 'dataops-workflow-harness', environment: 'github-hosted' }, job: { status: 'success' } },
        processEnv,
        defaults: defaultsRun,
        opts: { workspace, repoRoot: setup.repoRoot, runnerTemp, resolveAction: resolverFor(workspace), stepTimeoutMs: Math.min(timeoutMinutes * 60_000, 3_600_000), github },
      });
      record.steps = result.records;
      record.summary = result.summary;
      record.annotations = result.annotations;
      record.warnings = result.warnings;
      record.stdout = result.stdout;
      const outCtx = { ...jobCtx, github, env: envCtx, steps: result.stepsContext, job: { status: result.failed ? 'failure' : 'success' } };
      const secretValues = Object.entries(secrets).filter(([k, v]) => k !== 'GITHUB_TOKEN' && v.length > 3).map(([, v]) => v);
      for (const [name, value] of Object.entries((job.outputs ?? {}) as Record<string, unknown>)) {
        const v = asString(evaluateValue(value, outCtx));
        // GitHub drops an output that carries a secret ("Skip output '…' since it may contain secret")
        if (secretValues.some((s) => v.includes(s))) {
          record.warnings.push(`Skip output '${name}' since it may contain secret.`);
          record.outputs[name] = '';
        } else record.outputs[name] = v;
      }
      if (record.environment && environment?.url !== undefined) record.environment.url = asString(evaluateValue(environment.url, outCtx));
      const continueOnError = asString(evaluateValue(job['continue-on-error'] ?? false, jobCtx)) === 'true';
      record.result = result.failed && !continueOnError ? 'failure' : 'success';
    }

    const done = await runJobs({ workflow: callerWorkflow, keyPrefix: '', checkPrefix: '', inputs: workflowInputs(callerWorkflow, event), secrets: repoSecrets, env: (callerWorkflow.raw.env ?? {}) as Record<string, unknown> });
    return finish(Object.values(done).some((j) => j.result === 'failure') ? 'failure' : 'success', {});
  }

  return {
    run,
    cache: caches,
    async triggers(repo, workflow, event) {
      const loaded = await loadWorkflow(workflow, readAt(repo, event.sha, workflow));
      return triggerOf(loaded, event);
    },
    async plan(repo, event) {
      const files = git(['ls-tree', '--name-only', event.sha, '.github/workflows/'], repo.dir).split('\n').filter((f) => /\.ya?ml$/.test(f));
      const out: PlannedWorkflow[] = [];
      const jobName = (id: string, job: Record<string, unknown>) => (typeof job.name === 'string' && !job.name.includes('${{') ? job.name : id);
      for (const file of files) {
        const loaded = await loadWorkflow(file, readAt(repo, event.sha, file));
        const planned: PlannedWorkflow = { workflow: file, ...triggerOf(loaded, event), calls: [], checkNames: [] };
        for (const [id, job] of Object.entries((loaded.raw.jobs ?? {}) as Record<string, Record<string, unknown>>)) {
          if (typeof job.uses !== 'string') {
            planned.checkNames.push(jobName(id, job));
            continue;
          }
          planned.calls.push(job.uses);
          const called = await loadCalled(repo, event.sha, job.uses);
          for (const [cid, cjob] of Object.entries((called.raw.jobs ?? {}) as Record<string, Record<string, unknown>>)) planned.checkNames.push(`${jobName(id, job)} / ${jobName(cid, cjob)}`);
        }
        out.push(planned);
      }
      return out;
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(workDir, { recursive: true, force: true });
    },
  };
}

/** `job_workflow_ref` of a called workflow `owner/repo/path@ref`: a tag ref in full form, a SHA as is. */
function jobWorkflowRefOf(uses: string): string {
  const at = uses.lastIndexOf('@');
  const ref = uses.slice(at + 1);
  return /^[0-9a-f]{40}$/.test(ref) || ref.startsWith('refs/') ? uses : `${uses.slice(0, at)}@refs/tags/${ref}`;
}

/** Every job `id` depends on, directly or through other jobs. */
function ancestorsOf(id: string, jobs: Record<string, Record<string, unknown>>): string[] {
  const out = new Set<string>();
  const walk = (j: string) => {
    for (const n of needsOf(jobs[j]!)) {
      if (out.has(n)) continue;
      out.add(n);
      walk(n);
    }
  };
  walk(id);
  return [...out];
}

function needsOf(job: Record<string, unknown>): string[] {
  const n = job.needs;
  return n === undefined ? [] : Array.isArray(n) ? n.map(String) : [String(n)];
}

/** `inputs` of a workflow_dispatch run: the declared inputs, typed, with defaults. */
function workflowInputs(workflow: LoadedWorkflow, event: WorkflowEvent): Record<string, unknown> {
  if (event.name !== 'workflow_dispatch') return {};
  const on = workflow.raw.on as Record<string, { inputs?: Record<string, { type?: string; default?: unknown; required?: boolean }> } | null> | undefined;
  const declared = (on && typeof on === 'object' ? on.workflow_dispatch?.inputs : undefined) ?? {};
  const given = (event.payload.inputs ?? {}) as Record<string, string>;
  const out: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(declared)) {
    const raw = given[name] ?? (def.default !== undefined ? String(def.default) : undefined);
    if (raw === undefined && def.required) throw new HarnessError(`workflow_dispatch input "${name}" is required`);
    out[name] = def.type === 'boolean' ? raw === 'true' : def.type === 'number' ? Number(raw) : (raw ?? '');
  }
  return out;
}

/**
 * The body of an `it.fails` test for a known bug: runs `body` — which asserts what the fix must
 * bring — and lets it fail only with `symptom` (matched against the error message). A failure for
 * any other reason (a harness bug, an unrelated regression) is printed and swallowed, so the
 * `it.fails` turns red ("expected to fail") instead of counting it as the known bug; so does a pass
 * (the bug is fixed: turn the test into a plain `it`). Kept for the next known bug when none is open.
 * @public
 */
export async function failsOnlyWith(symptom: RegExp, body: () => Promise<void> | void): Promise<void> {
  try {
    await body();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (symptom.test(message)) throw err;
    process.stderr.write(`\nit.fails: failed for another reason than ${String(symptom)}:\n${err instanceof Error ? (err.stack ?? message) : message}\n`);
  }
}

/** Creates a consumer repository at `dir` (git, one commit of `files` copied by the caller) on `defaultBranch`. */
export async function initConsumerRepo(dir: string, fullName: string, defaultBranch = 'main'): Promise<ConsumerRepo> {
  await mkdir(dir, { recursive: true });
  git(['init', '--quiet', '--initial-branch', defaultBranch], dir);
  git(['config', 'user.name', 'Octo Cat'], dir);
  git(['config', 'user.email', 'octocat@users.noreply.github.com'], dir);
  git(['config', 'commit.gpgsign', 'false'], dir);
  return { dir, fullName, defaultBranch };
}

/** Commits everything in the work tree; returns the new HEAD sha. */
export function commitAll(repo: ConsumerRepo, message: string): string {
  git(['add', '-A'], repo.dir);
  git(['commit', '--quiet', '--allow-empty', '-m', message], repo.dir);
  return git(['rev-parse', 'HEAD'], repo.dir);
}

function repositoryPayload(repo: ConsumerRepo, isPrivate: boolean): Record<string, unknown> {
  const [owner, name] = repo.fullName.split('/');
  return { full_name: repo.fullName, name, owner: { login: owner }, default_branch: repo.defaultBranch, private: isPrivate, visibility: isPrivate ? 'private' : 'public', html_url: `https://github.com/${repo.fullName}` };
}

/** A push of the current HEAD of `branch` (default: the default branch). */
export function pushEvent(repo: ConsumerRepo, options: { branch?: string; private?: boolean } = {}): WorkflowEvent {
  const branch = options.branch ?? repo.defaultBranch;
  const sha = git(['rev-parse', branch], repo.dir);
  const before = (() => {
    try {
      return git(['rev-parse', `${branch}~1`], repo.dir);
    } catch {
      return '0'.repeat(40);
    }
  })();
  const message = git(['log', '-1', '--format=%s', sha], repo.dir);
  const timestamp = git(['log', '-1', '--format=%cI', sha], repo.dir);
  return {
    name: 'push',
    ref: `refs/heads/${branch}`,
    sha,
    payload: { ref: `refs/heads/${branch}`, before, after: sha, repository: repositoryPayload(repo, options.private ?? false), head_commit: { id: sha, message, timestamp }, pusher: { name: 'octocat' }, sender: { login: 'octocat' }, commits: [] },
  };
}

/** A pull request from `head` into the default branch (GITHUB_SHA = the head commit; GitHub would test a merge commit). */
export function pullRequestEvent(repo: ConsumerRepo, options: { head: string; number?: number; action?: string; private?: boolean }): WorkflowEvent {
  const number = options.number ?? 1;
  const sha = git(['rev-parse', options.head], repo.dir);
  const baseSha = git(['rev-parse', repo.defaultBranch], repo.dir);
  return {
    name: 'pull_request',
    ref: `refs/pull/${number}/merge`,
    sha,
    baseRef: repo.defaultBranch,
    headRef: options.head,
    payload: {
      action: options.action ?? 'opened',
      number,
      pull_request: { number, head: { ref: options.head, sha }, base: { ref: repo.defaultBranch, sha: baseSha } },
      repository: repositoryPayload(repo, options.private ?? false),
      sender: { login: 'octocat' },
    },
  };
}

/** A repository_dispatch (always runs the default branch's workflow at its HEAD). */
export function repositoryDispatchEvent(repo: ConsumerRepo, eventType: string, clientPayload: unknown): WorkflowEvent {
  const sha = git(['rev-parse', repo.defaultBranch], repo.dir);
  return { name: 'repository_dispatch', ref: `refs/heads/${repo.defaultBranch}`, sha, payload: { action: eventType, branch: repo.defaultBranch, client_payload: clientPayload, repository: repositoryPayload(repo, false), sender: { login: 'octocat' } } };
}

/** A workflow_dispatch of `workflow` on `branch` with `inputs` (strings, as the API takes them). */
export function workflowDispatchEvent(repo: ConsumerRepo, workflow: string, inputs: Record<string, string>, branch = repo.defaultBranch): WorkflowEvent {
  const sha = git(['rev-parse', branch], repo.dir);
  return { name: 'workflow_dispatch', ref: `refs/heads/${branch}`, sha, payload: { inputs, ref: `refs/heads/${branch}`, workflow, repository: repositoryPayload(repo, false), sender: { login: 'octocat' } } };
}
