/**
 * Cloud Run target through the Cloud Run Admin API v2 (`@google-cloud/run` ServicesClient):
 * `UpdateService` with the container image set to the digest reference; with a `tag`, the new
 * revision first gets no traffic and a tag URL, then traffic is shifted in a second update.
 * The request objects are built by pure functions (tested); the client calls are a thin wrapper,
 * untested against live Google (no Google API is reachable from this repository's tests).
 * Credentials: Application Default Credentials (e.g. google-github-actions/auth in a workflow).
 */
import { ConfigError } from '../errors.ts';
import { importPackage, type CloudRunModule, type RuntimeModules } from '../runtime/modules.ts';
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

/**
 * Loads `@google-cloud/run` (not bundled into the action: with its gRPC protos it would weigh
 * ~7 MB): through the `cloudRun` loader of `runtime` (the action: the tool cache), else from the
 * toolkit's node_modules, else from the workspace.
 * @throws ConfigError when none has it; the installer's RuntimeInstallError when installing failed.
 */
function loadRunModule(runtime: RuntimeModules | undefined, workspace: string | undefined): Promise<CloudRunModule> {
  if (runtime?.cloudRun) return runtime.cloudRun();
  return importPackage('@google-cloud/run', () => import(/* webpackIgnore: true */ '@google-cloud/run'), workspace, {
    field: 'deploy.environments.*.target',
    fix: 'Install the toolkit with its dependencies (npm install); the deploy action installs it itself on first use.',
  });
}

/** The real client (Application Default Credentials). Loaded lazily: only this target needs it. */
export async function googleServicesApi(runtime?: RuntimeModules, workspace?: string): Promise<ServicesApi> {
  const { v2 } = await loadRunModule(runtime, workspace);
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
export async function deployCloudRun(opts: { target: CloudRunTarget; image: string; api?: ServicesApi | undefined; runtime?: RuntimeModules | undefined; workspace?: string | undefined; log?: (m: string) => void }): Promise<CloudRunResult> {
  const t = opts.target;
  const api = opts.api ?? (await googleServicesApi(opts.runtime, opts.workspace));
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
