/**
 * Deployment records: GitHub's Deployments API (https://docs.github.com/rest/deployments) ties a
 * deployment of an environment to the commit (`ref` = source sha), the image digest and the
 * evidence behind it (payload), with statuses `in_progress` → `success`/`failure`. Without a
 * GitHub token the same records go to a local JSON log (`.dataops/deployments.json`), so history
 * and rollback work on a laptop too.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { GitHubRepo } from '../github/api.ts';
import { shortDigest } from '../hash.ts';
import type { HistoryEntry } from './history.ts';

/** A piece of evidence behind a deploy: a report or check and its verdict. */
export interface Evidence {
  /** quality, system-test, verify, provenance… */
  name: string;
  /** pass, warn, fail, error, success… */
  status: string;
  /** `sha256:` of the report file. */
  sha256?: string | undefined;
  url?: string | undefined;
}

/** Payload stored on each deployment. */
export interface DeploymentPayload {
  /** `registry/repository@sha256:…`. */
  image: string;
  digest: string;
  previous_digest?: string | undefined;
  target: string;
  evidence: Evidence[];
  source: { repository?: string | undefined; sha: string; ref?: string | undefined; run_url?: string | undefined };
  /** GitOps commit (or pull request) that carries the deploy. */
  commit_sha?: string | undefined;
  pull_request_url?: string | undefined;
  rollback?: boolean | undefined;
  /** Free-form extra data (performance baselines). */
  [extra: string]: unknown;
}

/** States a deployment status can take (GitHub's list). */
export type DeploymentState = 'error' | 'failure' | 'inactive' | 'in_progress' | 'queued' | 'pending' | 'success';

/** A deployment as listed, with its latest status. */
export interface DeploymentRecord {
  id: number;
  environment: string;
  sha: string;
  ref: string;
  task: string;
  payload: DeploymentPayload;
  created_at: string;
  /** Latest status state; undefined when none was set. */
  state?: DeploymentState | undefined;
}

/** Input of {@link DeploymentRecorder.create}. */
export interface CreateDeployment {
  environment: string;
  /** Commit sha the deployment is for. */
  sha: string;
  task?: string;
  description: string;
  payload: DeploymentPayload | Record<string, unknown>;
  production: boolean;
}

/** Extra fields of a status. */
export interface StatusFields {
  description?: string | undefined;
  environment_url?: string | undefined;
  log_url?: string | undefined;
}

/** Where deployments are recorded: GitHub or the local log. */
export interface DeploymentRecorder {
  readonly kind: 'github' | 'local';
  /** Creates a deployment; resolves its id. */
  create(input: CreateDeployment): Promise<number>;
  setStatus(id: number, state: DeploymentState, fields?: StatusFields): Promise<void>;
  /** Deployments of an environment (and task), newest first, with their latest state. */
  list(environment: string, options?: { task?: string; limit?: number }): Promise<DeploymentRecord[]>;
}

/** GitHub's limit on deployment and status descriptions. */
export const DESCRIPTION_LIMIT = 140;

/** Cuts `text` to `limit` characters (code points), ending with `…` when cut. */
export function truncate(text: string, limit = DESCRIPTION_LIMIT): string {
  const chars = Array.from(text);
  return chars.length <= limit ? text : chars.slice(0, limit - 1).join('') + '…';
}

const verdict = (status: string) => (/^(pass|passed|success|ok)$/i.test(status) ? '✓' : /^warn/i.test(status) ? '!' : /^(skipped|none|unknown)$/i.test(status) ? '-' : '✗');

/**
 * Description shown by GitHub (≤ 140 characters): what is deployed and the verdicts of its evidence,
 * e.g. `flights-routes@sha256:1a2b3c4d5e6f · quality ✓ system-test ✓ verify ✓`.
 */
export function deploymentDescription(image: string, evidence: readonly Evidence[], prefix = ''): string {
  const at = image.lastIndexOf('@');
  const name = image.slice(0, at).split('/').pop() ?? image;
  const digest = shortDigest(image.slice(at + 1));
  const verdicts = evidence.map((e) => `${e.name} ${verdict(e.status)}`).join(' ');
  return truncate(`${prefix}${name}@${digest}${verdicts ? ` · ${verdicts}` : ''}`);
}

/** Deployment records as rollback history: deploys that succeeded (now `success` or superseded `inactive`), newest first. */
export function historyFromRecords(records: readonly DeploymentRecord[]): HistoryEntry[] {
  return records
    .filter((r) => (r.state === 'success' || r.state === 'inactive') && typeof r.payload?.digest === 'string')
    .map((r) => ({
      automated: true,
      digest: r.payload.digest,
      image: r.payload.image,
      deploymentId: r.id,
      at: r.created_at,
      sourceSha: r.sha,
      ...(r.payload.previous_digest ? { previousDigest: r.payload.previous_digest } : {}),
      ...(r.payload.rollback && r.payload.previous_digest ? { rollbackFrom: r.payload.previous_digest } : {}),
    }));
}

/** Records deployments through GitHub's Deployments API. */
export class GitHubDeployments implements DeploymentRecorder {
  readonly kind = 'github' as const;
  private readonly github: GitHubRepo;
  constructor(github: GitHubRepo) {
    this.github = github;
  }

  /**
   * `POST /deployments` with `auto_merge: false` (never merge the default branch into the ref) and
   * `required_contexts: []` (the evidence was verified by the flow; the payload names it).
   */
  async create(input: CreateDeployment): Promise<number> {
    const { api, owner, repo } = this.github;
    const { data } = await api.request('POST /repos/{owner}/{repo}/deployments', {
      owner,
      repo,
      ref: input.sha,
      task: input.task ?? 'deploy',
      auto_merge: false,
      required_contexts: [],
      environment: input.environment,
      description: truncate(input.description),
      payload: input.payload as Record<string, unknown>,
      production_environment: input.production,
      transient_environment: false,
    });
    if (!('id' in data)) throw new Error(`GitHub did not create the deployment of ${input.environment}: ${data.message ?? 'no id in the answer'}`);
    return Number(data.id);
  }

  async setStatus(id: number, state: DeploymentState, fields: StatusFields = {}): Promise<void> {
    const { api, owner, repo } = this.github;
    await api.request('POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses', {
      owner,
      repo,
      deployment_id: id,
      state,
      ...(fields.description !== undefined ? { description: truncate(fields.description) } : {}),
      ...(fields.environment_url ? { environment_url: fields.environment_url } : {}),
      ...(fields.log_url ? { log_url: fields.log_url } : {}),
      auto_inactive: true,
    });
  }

  async list(environment: string, options: { task?: string; limit?: number } = {}): Promise<DeploymentRecord[]> {
    const { api, owner, repo } = this.github;
    const limit = options.limit ?? 30;
    const { data: list } = await api.request('GET /repos/{owner}/{repo}/deployments', { owner, repo, environment, per_page: Math.min(100, limit), ...(options.task ? { task: options.task } : {}) });
    const out: DeploymentRecord[] = [];
    for (const d of list.filter((x) => !options.task || x.task === options.task).slice(0, limit)) {
      const { data: statuses } = await api.request('GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses', { owner, repo, deployment_id: Number(d.id), per_page: 1 });
      out.push({ id: Number(d.id), environment: d.environment, sha: d.sha, ref: d.ref, task: d.task, payload: d.payload as DeploymentPayload, created_at: d.created_at, state: statuses[0]?.state });
    }
    return out;
  }
}

interface LocalFile {
  version: 1;
  next_id: number;
  deployments: Array<Omit<DeploymentRecord, 'state'> & { description: string; statuses: Array<{ state: DeploymentState; created_at: string } & StatusFields> }>;
}

/** Records deployments in a local JSON file with the API's shapes (newest status first). */
export class LocalDeploymentLog implements DeploymentRecorder {
  readonly kind = 'local' as const;
  readonly file: string;
  private readonly now: () => Date;
  constructor(file: string, now: () => Date = () => new Date()) {
    this.file = file;
    this.now = now;
  }

  private async load(): Promise<LocalFile> {
    try {
      return JSON.parse(await readFile(this.file, 'utf8')) as LocalFile;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, next_id: 1, deployments: [] };
      throw err;
    }
  }

  private async save(data: LocalFile): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(data, null, 2) + '\n');
    await rename(tmp, this.file);
  }

  async create(input: CreateDeployment): Promise<number> {
    const data = await this.load();
    const id = data.next_id++;
    data.deployments.push({
      id,
      environment: input.environment,
      sha: input.sha,
      ref: input.sha,
      task: input.task ?? 'deploy',
      description: truncate(input.description),
      payload: input.payload as DeploymentPayload,
      created_at: this.now().toISOString(),
      statuses: [],
    });
    await this.save(data);
    return id;
  }

  async setStatus(id: number, state: DeploymentState, fields: StatusFields = {}): Promise<void> {
    const data = await this.load();
    const d = data.deployments.find((x) => x.id === id);
    if (!d) throw new Error(`local deployment ${id} not found in ${this.file}`);
    d.statuses.unshift({ state, created_at: this.now().toISOString(), ...fields, ...(fields.description ? { description: truncate(fields.description) } : {}) });
    if (state === 'success') {
      for (const other of data.deployments) {
        if (other.id !== id && other.environment === d.environment && other.task === d.task && other.statuses[0]?.state === 'success') {
          other.statuses.unshift({ state: 'inactive', created_at: this.now().toISOString() });
        }
      }
    }
    await this.save(data);
  }

  async list(environment: string, options: { task?: string; limit?: number } = {}): Promise<DeploymentRecord[]> {
    const data = await this.load();
    return data.deployments
      .filter((d) => d.environment === environment && (!options.task || d.task === options.task))
      .reverse()
      .slice(0, options.limit ?? 30)
      .map(({ statuses, description: _d, ...d }) => ({ ...d, state: statuses[0]?.state }));
  }
}
