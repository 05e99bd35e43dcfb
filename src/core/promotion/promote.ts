/**
 * The production promotion: verify the signed message → confirm the staging deployment of that
 * digest succeeded → confirm the digest exists in the staging registry → ask for approval →
 * copy the digest to the production repository (no rebuild; cross-repository mount where the
 * registry allows) → deploy it with the deploy core → record the promotion. Idempotent on the
 * CloudEvents id: a redelivery returns the earlier outcome without deploying again (naming the
 * digest production runs now when that is another one). Every promotion, a signed rollback too,
 * must be newer (CloudEvents `time`) than the newest promotion deployed: a rollback is a new
 * decision with its own time, so a captured one cannot be replayed after newer deploys.
 */
import { deploy as deployCore, type DeployRequest, type DeployResult } from '../deploy/deploy.ts';
import type { DeployConfig } from '../deploy/config.ts';
import { deploymentDescription, type DeploymentRecord, type DeploymentRecorder, type Evidence as DeployEvidence } from '../deploy/deployments.ts';
import type { GitHubRepo } from '../github/api.ts';
import { shortDigest } from '../hash.ts';
import type { RuntimeModules } from '../runtime/modules.ts';
import { requireDigestRef } from '../image/ref.ts';
import { RegistryError } from '../registry/client.ts';
import { copyImage as copyCore, manifestExists as existsCore, type RegistryAccess } from '../registry/copy.ts';
import type { PromotionConfig } from './config.ts';
import { PromotionFailed, PromotionRejected } from './errors.ts';
import type { LedgerEntry, PromotionLedger } from './ledger.ts';
import type { SignedPromotion } from './message.ts';
import { verifyPromotion, type VerifiedPromotion, type VerifyOptions } from './verify.ts';

/** Replaceable parts (tests inject fakes; production uses the registry and deploy cores). */
export interface PromoteDeps {
  manifestExists: (ref: string, access?: RegistryAccess) => Promise<boolean>;
  copyImage: (opts: { source: string; destination: string } & RegistryAccess) => Promise<{ ref: string; mountedBlobs: number; uploadedBytes: number }>;
  deploy: (req: DeployRequest) => Promise<DeployResult>;
}

/** A production promotion request. */
export interface PromoteRequest {
  /** The signed message: JSON text, bytes or parsed. */
  message: unknown;
  pipeline: string;
  promotion: PromotionConfig;
  deploy: DeployConfig;
  /** Project directory (relative paths of the deploy config). */
  baseDir: string;
  /** Trust material and clock for verification. */
  verify: Pick<VerifyOptions, 'keys' | 'sigstore' | 'issuers' | 'now' | 'serverUrls'>;
  /** Where deployments are recorded (GitHubDeployments on Actions, LocalDeploymentLog locally). */
  recorder: DeploymentRecorder;
  ledger: PromotionLedger;
  /** The gate: resolves true when a human (or --approve) approved this promotion. Shown the verified message. */
  approve: (verified: VerifiedPromotion, summary: string) => Promise<boolean>;
  github?: GitHubRepo | undefined;
  /** Where the deploy targets' clients come from (cloud-run), and the workspace that may hold them. */
  runtime?: RuntimeModules | undefined;
  workspace?: string | undefined;
  registryAccess?: RegistryAccess;
  deps?: Partial<PromoteDeps>;
  log?: (line: string) => void;
}

/** What production runs now, from the latest successful deployment of the environment. */
export interface RunningDeployment {
  image: string;
  digest: string;
  deploymentId: number;
  /** Promotion that deployed it (absent for a deploy outside the promotion). */
  eventId?: string | undefined;
}

/** Outcome of {@link promote}. */
export interface PromoteResult {
  status: 'deployed' | 'duplicate';
  /** For a duplicate: what production runs now when that is another digest than this promotion's. */
  running?: RunningDeployment;
  eventId: string;
  /** Production reference (same digest as staging). */
  image: string;
  digest: string;
  deploymentId?: number | undefined;
  deploy?: DeployResult;
  copy?: { mountedBlobs: number; uploadedBytes: number };
  verified: VerifiedPromotion;
}

/** Evidence of the message in the deploy core's shape. */
export function deployEvidence(event: SignedPromotion): DeployEvidence[] {
  return event.data.evidence.map((e) => ({ name: e.kind === 'quality' ? `quality:${e.name}` : e.name, status: e.status, ...(e.sha256 ? { sha256: e.sha256 } : {}), ...(e.url ? { url: e.url } : {}) }));
}

/** What the approver is shown: digest, origin, staging, evidence, the data versions staging verified with. */
export function approvalSummary(v: VerifiedPromotion): string {
  const d = v.event.data;
  const lines = [
    `${d.rollback ? 'ROLLBACK ' : ''}${d.image} → ${d.environment}`,
    `  from ${d.source.repository}@${d.source.sha.slice(0, 12)} (${d.source.ref}, ${d.source.event_name}), run ${d.run.id}${d.run.url ? ` ${d.run.url}` : ''}`,
    `  staging: ${d.staging.environment}${d.staging.deployment_id ? ` deployment ${d.staging.deployment_id}` : ''}${d.staging.url ? ` ${d.staging.url}` : ''}`,
    `  signed (${v.mode}) by ${v.identity.job_workflow_ref ?? v.identity.repository}; promotion ${v.event.id} at ${v.event.time}`,
    ...d.evidence.map((e) => `  evidence: ${e.kind} ${e.name}: ${e.status}${e.sha256 ? ` (${shortDigest(e.sha256)}…)` : ''}`),
    ...(d.data_versions?.manifests ?? []).map((m) => `  data: ${m.stage} ${m.role} ${m.dataset}: ${m.row_count} rows, manifest ${shortDigest(m.manifest)}${m.content_hash ? `, content ${shortDigest(m.content_hash)}` : ''}`),
  ];
  return lines.join('\n');
}

/** A recorder adding the promotion id/time to the deployment payload and description. */
function promotionRecorder(inner: DeploymentRecorder, event: SignedPromotion, evidence: DeployEvidence[]): DeploymentRecorder {
  return {
    kind: inner.kind,
    create: (input) =>
      inner.create({
        ...input,
        description: deploymentDescription(input.payload.image as string, evidence, `promotion ${event.id.slice(0, 8)} · `),
        payload: { ...input.payload, promotion_id: event.id, promotion_time: event.time, promotion_source: event.source, staging_deployment_id: event.data.staging.deployment_id, run_url: event.data.run.url },
      }),
    setStatus: (id, state, fields) => inner.setStatus(id, state, fields),
    list: (environment, options) => inner.list(environment, options),
  };
}

/** The latest successful (or superseded) deployment of `environment`, from the recorder. */
export async function runningDeployment(recorder: DeploymentRecorder, environment: string): Promise<RunningDeployment | undefined> {
  const d = (await recorder.list(environment, { limit: 30 })).find((x) => x.state === 'success');
  if (!d?.payload?.digest) return undefined;
  const p = d.payload as DeploymentRecord['payload'] & { promotion_id?: string };
  return { image: String(p.image ?? ''), digest: String(p.digest), deploymentId: d.id, eventId: p.promotion_id };
}

/** A registry that cannot be reached (network error, 5xx, 429) as a {@link PromotionFailed}; other errors unchanged. */
function unreachable(err: unknown, what: string): unknown {
  if (err instanceof RegistryError && (err.status === undefined || err.status >= 500 || err.status === 429 || err.status === 408)) {
    return new PromotionFailed('registry-unreachable', `${what}: ${err.message}`, { cause: err });
  }
  return err;
}

/**
 * Runs the production promotion of one message.
 * @throws PromotionRejected (a ConfigError) when the message or a precondition fails: forged or
 *   stale message, evidence below the policy, staging not successful, digest missing in the
 *   staging registry, not approved, not newer than the newest deployed promotion;
 *   PromotionFailed `registry-unreachable` when a registry cannot be reached; the deploy core's
 *   errors when the deploy fails.
 */
export async function promote(req: PromoteRequest): Promise<PromoteResult> {
  const deps: PromoteDeps = { manifestExists: existsCore, copyImage: copyCore, deploy: deployCore, ...req.deps };
  const log = req.log ?? (() => undefined);
  const cfg = req.promotion;
  const verified = await verifyPromotion(req.message, { policy: cfg.policy, pipeline: req.pipeline, environment: cfg.environment, ...req.verify });
  for (const w of verified.warnings) log(`policy: ${w}`);
  const event = verified.event;
  const data = event.data;
  const digest = requireDigestRef(data.image, 'data.image').digest;

  return req.ledger.exclusive(async () => {
    const earlier = await req.ledger.get(event.id);
    if (earlier) {
      const running = await runningDeployment(req.recorder, cfg.environment);
      const other = running && running.digest !== earlier.digest ? running : undefined;
      log(`promotion ${event.id} was already deployed (deployment ${earlier.deployment_id ?? '-'}): redelivery or replay, nothing to do${other ? `; production now runs ${other.image} (deployment ${other.deploymentId}), not ${earlier.digest}` : ''}`);
      return { status: 'duplicate', eventId: event.id, image: earlier.image, digest: earlier.digest, deploymentId: earlier.deployment_id, ...(other ? { running: other } : {}), verified } satisfies PromoteResult;
    }
    // the reference is the newest event time deployed, not the last deploy: after a rollback an
    // older promotion must still be refused; rollbacks carry their own (newer) time like any promotion
    const newest = await req.ledger.newest(cfg.environment);
    if (newest && Date.parse(event.time) <= Date.parse(newest.time)) {
      throw new PromotionRejected('older-than-deployed', `${data.rollback ? 'rollback' : 'promotion'} ${event.id} (${event.time}) is not newer than the newest deployed promotion ${newest.event_id} (${newest.time}, ${shortDigest(newest.digest)}…)`, {
        fix: data.rollback ? 'A rollback is a new decision: publish a fresh signed rollback (dataops promote publish --rollback); an old one cannot be replayed.' : 'Promote the newer digest, or publish a fresh signed rollback (dataops promote publish --rollback).',
      });
    }

    const staging = await req.recorder.list(data.staging.environment, { limit: 100 });
    const match = staging.find((d) => (data.staging.deployment_id !== undefined ? d.id === data.staging.deployment_id : d.payload?.digest === digest));
    if (!match) throw new PromotionRejected('staging-not-successful', `no ${data.staging.environment} deployment ${data.staging.deployment_id ?? `of ${digest}`} is recorded (${req.recorder.kind})`, { fix: 'Deploy the digest to staging first; promotion only follows a successful staging deployment.' });
    if (match.payload?.digest !== digest) throw new PromotionRejected('staging-not-successful', `${data.staging.environment} deployment ${match.id} deployed ${String(match.payload?.digest)}, not ${digest}`);
    if (match.state !== 'success' && match.state !== 'inactive') throw new PromotionRejected('staging-not-successful', `${data.staging.environment} deployment ${match.id} of ${shortDigest(digest)}… ended "${match.state ?? 'without status'}", not success`);
    log(`staging deployment ${match.id} of ${shortDigest(digest)}… succeeded (${match.state})`);

    const present = await deps.manifestExists(data.image, req.registryAccess).catch((err: unknown) => {
      throw unreachable(err, `the staging registry could not be asked for ${data.image}`);
    });
    if (!present) {
      throw new PromotionRejected('digest-not-in-staging-registry', `${data.image} is not in the staging registry`, { fix: 'The message names a digest that was never pushed (or was deleted); promote what push-image pushed.' });
    }

    const summary = approvalSummary(verified);
    if (!(await req.approve(verified, summary))) throw new PromotionRejected('approval-required', `production deploy of ${data.image} was not approved`, { fix: 'Approve on the terminal, pass --approve, or approve the "production" environment on GitHub.' });

    let image = data.image;
    let copy: PromoteResult['copy'];
    if (cfg.production_repository) {
      const c = await deps.copyImage({ source: data.image, destination: cfg.production_repository, ...req.registryAccess }).catch((err: unknown) => {
        throw unreachable(err, `copying ${data.image} to ${cfg.production_repository} failed`);
      });
      if (!c.ref.endsWith(`@${digest}`)) throw new Error(`copy to ${cfg.production_repository} produced ${c.ref}, not digest ${digest}`);
      image = c.ref;
      copy = { mountedBlobs: c.mountedBlobs, uploadedBytes: c.uploadedBytes };
      log(`copied ${shortDigest(digest)}… to ${cfg.production_repository} (${c.mountedBlobs} blobs mounted, ${c.uploadedBytes} bytes uploaded)`);
    }

    const evidence = deployEvidence(event);
    const result = await deps.deploy({
      environment: cfg.environment,
      image,
      config: req.deploy,
      baseDir: req.baseDir,
      name: req.pipeline,
      source: { repository: data.source.repository, sha: data.source.sha, ref: data.source.ref, runUrl: data.run.url },
      rollback: data.rollback,
      force: data.rollback,
      evidence,
      github: req.github,
      recorder: promotionRecorder(req.recorder, event, evidence),
      runtime: req.runtime,
      workspace: req.workspace,
      log,
    });
    const entry: LedgerEntry = { event_id: event.id, time: event.time, environment: cfg.environment, image, digest, rollback: data.rollback, deployment_id: result.deploymentId, deployed_at: new Date().toISOString() };
    await req.ledger.record(entry);
    return { status: 'deployed', eventId: event.id, image, digest, deploymentId: result.deploymentId, deploy: result, ...(copy ? { copy } : {}), verified } satisfies PromoteResult;
  });
}
