/**
 * Cloud Run target through the Cloud Run Admin API v2 (`@google-cloud/run` ServicesClient):
 * `UpdateService` with the container image set to the digest reference; with a `tag`, the new
 * revision first gets no traffic and a tag URL, then traffic is shifted in a second update.
 * The request objects are built by pure functions (tested); the client calls are a thin wrapper,
 * untested against live Google (no Google API is reachable from this repository's tests).
 * Credentials: Application Default Credentials (e.g. google-github-actions/auth in a workflow).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as GoogleCloudRun from '@google-cloud/run';
import { ConfigError } from '../errors.ts';
import type { CloudRunTarget } from './config.ts';

/** Traffic allocation types of the v2 API. */
export const LATEST = 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST';
export const REVISION = 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION';

/** The parts of a v2 `Service` this target reads and writes. */
export interface RunService {
  name?: string | null;
  template?: { containers?: Array<{ name?: string | null; image?: string | null; [k: string]: unknown }> | null; revision?: string | null; [k: string]: unknown } | null;
  traffic?: RunTrafficTarget[] | null;
  latestReadyRevision?: string | null;
  latestCreatedRevision?: string | null;
  uri?: string | null;
  [k: string]: unknown;
}
/** A v2 `TrafficTarget`. */
export interface RunTrafficTarget {
  type?: string | null;
  revision?: string | null;
  percent?: number | null;
  tag?: string | null;
}

/** `projects/{project}/locations/{region}/services/{service}`. */
export function serviceName(t: Pick<CloudRunTarget, 'project' | 'region' | 'service'>): string {
  return `projects/${t.project}/locations/${t.region}/services/${t.service}`;
}

/** Short name of a revision resource (`…/revisions/api-00042-abc` → `api-00042-abc`). */
const revisionId = (r: string | null | undefined) => (r ? (r.split('/').pop() ?? r) : undefined);

/**
 * The `UpdateServiceRequest` of the first step: the service's template with the container image
 * set to `image` (a digest reference). With a tag, the current traffic is pinned to the serving
 * revision(s) and the new (latest) revision gets 0 % under the tag; without, traffic follows
 * {@link trafficSplit}.
 * @throws ConfigError when the named container does not exist or the service has none.
 */
export function buildRevisionUpdate(current: RunService, t: CloudRunTarget, image: string): { service: RunService } {
  const containers = [...(current.template?.containers ?? [])];
  if (containers.length === 0) containers.push({ image });
  const index = t.container ? containers.findIndex((c) => c.name === t.container) : 0;
  if (index < 0) {
    throw new ConfigError(`Cloud Run service ${t.service} has no container named "${t.container}"`, {
      location: { field: 'deploy.environments.*.cloud_run.container' },
      fix: `Use one of: ${containers.map((c) => c.name ?? '(unnamed)').join(', ')}.`,
    });
  }
  containers[index] = { ...containers[index], image };
  const template = { ...current.template, containers };
  delete template.revision; // let Cloud Run name the new revision
  const serving = revisionId(current.latestReadyRevision);
  let traffic: RunTrafficTarget[];
  if (t.tag) {
    const pinned = (current.traffic ?? [])
      .filter((x) => (x.percent ?? 0) > 0)
      .map((x) => (x.type === LATEST || !x.revision ? { type: REVISION, revision: serving ?? null, percent: x.percent ?? 0 } : { type: REVISION, revision: x.revision, percent: x.percent ?? 0 }));
    traffic = [...(pinned.length ? pinned : serving ? [{ type: REVISION, revision: serving, percent: 100 }] : []), { type: LATEST, percent: 0, tag: t.tag }];
  } else traffic = trafficSplit(t, undefined, serving);
  return { service: { ...current, name: current.name ?? serviceName(t), template, traffic } };
}

/**
 * Traffic after the deploy: `traffic_percent` to the new revision (by name when known, else LATEST),
 * the rest to the previously serving revision; the tag stays on the new revision.
 */
export function trafficSplit(t: CloudRunTarget, newRevision: string | undefined, previousRevision: string | undefined): RunTrafficTarget[] {
  const target: RunTrafficTarget = newRevision ? { type: REVISION, revision: newRevision, percent: t.traffic_percent } : { type: LATEST, percent: t.traffic_percent };
  if (t.tag) target.tag = t.tag;
  const rest = 100 - t.traffic_percent;
  return [target, ...(rest > 0 && previousRevision && previousRevision !== newRevision ? [{ type: REVISION, revision: previousRevision, percent: rest }] : [])];
}

/** The `UpdateServiceRequest` of the second step (tag mode): shift traffic to the tagged revision. */
export function buildTrafficShift(updated: RunService, t: CloudRunTarget, previousRevision: string | undefined): { service: RunService } {
  const newRevision = revisionId(updated.latestCreatedRevision);
  return { service: { name: updated.name ?? serviceName(t), traffic: trafficSplit(t, newRevision, previousRevision) } };
}

/** The calls this target makes; the real one wraps `ServicesClient` (see {@link googleServicesApi}). */
export interface ServicesApi {
  getService(name: string): Promise<RunService>;
  /** UpdateService and wait for the long-running operation; resolves the updated service. */
  updateService(request: { service: RunService; updateMask?: { paths: string[] } }): Promise<RunService>;
}

/** The `@google-cloud/run` module shape. */
export type RunModule = typeof GoogleCloudRun;
let runLoader: (() => Promise<RunModule>) | undefined;

/**
 * Replaces how `@google-cloud/run` is loaded: the deploy action installs it on first use into the
 * runner's tool cache from the lock next to its bundle (src/core/engine/install.ts).
 */
export function setCloudRunLoader(fn: () => Promise<RunModule>): void {
  runLoader = fn;
}

/**
 * Loads `@google-cloud/run` at run time (not bundled into the action: with its gRPC protos it would
 * weigh ~7 MB): through the loader set with {@link setCloudRunLoader} (the action: tool cache), else
 * from the toolkit's node_modules, else from the workspace.
 * @throws ConfigError when none has it; the installer's EngineInstallError when installing failed.
 */
async function loadRunModule(): Promise<RunModule> {
  if (runLoader) return runLoader();
  try {
    return await import(/* webpackIgnore: true */ '@google-cloud/run');
  } catch {
    try {
      // the workspace (GITHUB_WORKSPACE in Actions, else the shell's directory); not process.cwd(), which the bundler would trace
      const workspace = process.env.GITHUB_WORKSPACE ?? process.env.PWD ?? path.sep;
      const entry = createRequire(pathToFileURL(path.join(workspace, 'noop.js'))).resolve('@google-cloud/run');
      return (await import(/* webpackIgnore: true */ pathToFileURL(entry).href)) as RunModule;
    } catch (err) {
      throw new ConfigError('the cloud-run target needs the @google-cloud/run package, which is not installed', {
        location: { field: 'deploy.environments.*.target' },
        fix: 'Install the toolkit with its dependencies (npm install); the deploy action installs it itself on first use.',
        cause: err,
      });
    }
  }
}

/** The real client (Application Default Credentials). Loaded lazily: only this target needs it. */
export async function googleServicesApi(): Promise<ServicesApi> {
  const { v2 } = await loadRunModule();
  const client = new v2.ServicesClient();
  return {
    async getService(name) {
      const [service] = await client.getService({ name });
      return service as RunService;
    },
    async updateService(request) {
      const [operation] = await client.updateService(request as Parameters<typeof client.updateService>[0]);
      const [service] = await operation.promise();
      return service as RunService;
    },
  };
}

/** Result of a Cloud Run deploy. */
export interface CloudRunResult {
  service: string;
  revision?: string | undefined;
  previousRevision?: string | undefined;
  url?: string | undefined;
  tagUrl?: string | undefined;
}

/** Deploys `image` (digest reference) as a new revision. @throws the API's error. */
export async function deployCloudRun(opts: { target: CloudRunTarget; image: string; api?: ServicesApi; log?: (m: string) => void }): Promise<CloudRunResult> {
  const t = opts.target;
  const api = opts.api ?? (await googleServicesApi());
  const name = serviceName(t);
  const current = await api.getService(name);
  const previousRevision = revisionId(current.latestReadyRevision);
  let updated = await api.updateService(buildRevisionUpdate(current, t, opts.image));
  opts.log?.(`revision ${revisionId(updated.latestCreatedRevision) ?? '?'} created with ${opts.image}`);
  let tagUrl: string | undefined;
  if (t.tag) {
    tagUrl = updated.uri ? updated.uri.replace('https://', `https://${t.tag}---`) : undefined;
    if (t.traffic_percent > 0) {
      updated = await api.updateService({ ...buildTrafficShift(updated, t, previousRevision), updateMask: { paths: ['traffic'] } });
      opts.log?.(`traffic: ${t.traffic_percent}% to the new revision`);
    }
  }
  return { service: name, revision: revisionId(updated.latestCreatedRevision), previousRevision, url: updated.uri ?? undefined, tagUrl };
}
