/**
 * The one deploy core for every environment (staging from the flow, production from the
 * promotion gate): refuses references without a digest, resolves a rollback from the recorded
 * history, records the deployment (GitHub Deployments API or the local log) with statuses
 * `in_progress` → `success`/`failure`, and hands the digest to the environment's target.
 */
import { ConfigError } from '../errors.ts';
import type { GitHubRepo } from '../github/api.ts';
import { shortDigest } from '../hash.ts';
import type { RuntimeModules } from '../runtime/modules.ts';
import { digestRef, requireDigestRef } from '../image/ref.ts';
import { deployCloudRun, type ServicesApi } from './cloud-run.ts';
import { deployCommand } from './command.ts';
import type { DeployConfig, EnvironmentConfig, TargetKind } from './config.ts';
import { deploymentDescription, GitHubDeployments, historyFromRecords, type DeploymentRecorder, type Evidence } from './deployments.ts';
import { DeployConflictError, deployGitOps, gitOpsHistory } from './gitops.ts';
import { pickRollbackTarget, type HistoryEntry } from './history.ts';
import { deployKubernetes, type KubectlRunner } from './kubernetes.ts';

/** Where the deployed source comes from. */
export interface DeploySource {
  /** owner/repo of the source repository. */
  repository?: string | undefined;
  /** Commit sha the image was built from (the deployment's `ref`). */
  sha: string;
  ref?: string | undefined;
  /** Workflow run URL (commit trailer, deployment `log_url`). */
  runUrl?: string | undefined;
}

/** A deploy request. */
export interface DeployRequest {
  /** Environment name: a key of `deploy.environments`. */
  environment: string;
  /** `name@sha256:…`; refused without a digest. Optional only with `rollback` (the previous digest is used). */
  image?: string | undefined;
  /** The `deploy:` section (the environment is looked up in it) or the environment's settings directly. */
  config: DeployConfig | EnvironmentConfig;
  /** Directory relative paths in the config resolve from (the project directory). */
  baseDir: string;
  /** Project name: default kustomize image name, commit subjects. */
  name: string;
  source: DeploySource;
  /** Digest expected to be replaced (`none` for a first deploy); default: the last automated deploy's digest. */
  expectedCurrent?: string | undefined;
  rollback?: boolean | undefined;
  force?: boolean | undefined;
  evidence?: Evidence[] | undefined;
  /** Records the deployment on GitHub (also opens GitOps pull requests). */
  github?: GitHubRepo | undefined;
  /** Records the deployment elsewhere (e.g. LocalDeploymentLog); wins over `github` for recording. */
  recorder?: DeploymentRecorder | undefined;
  /** Deployment status `log_url` (default: `source.runUrl`). */
  logUrl?: string | undefined;
  log?: ((message: string) => void) | undefined;
  /** Where the cloud-run target's client comes from (`cloudRun` loader), and the workspace that may hold it. */
  runtime?: RuntimeModules | undefined;
  workspace?: string | undefined;
  /** Test seams of the cluster/cloud targets. */
  seams?: { kubectl?: KubectlRunner; cloudRun?: ServicesApi; beforePush?: () => Promise<void> } | undefined;
}

/** Outcome of a deploy. */
export interface DeployResult {
  environment: string;
  target: TargetKind;
  /** `registry/repository@sha256:…` deployed. */
  image: string;
  digest: string;
  /** Digest replaced (undefined on a first deploy or when unknown). */
  previousDigest: string | undefined;
  /** GitOps commit (or the branch head when unchanged). */
  commitSha?: string | undefined;
  pullRequestUrl?: string | undefined;
  environmentUrl?: string | undefined;
  deploymentId?: number | undefined;
  recordedIn: 'github' | 'local' | 'none';
  /** The environment already ran this digest: nothing changed. */
  unchanged: boolean;
  rollback: boolean;
  notes: string[];
}

/** Settings of `environment` from a `deploy:` section or settings given directly. @throws ConfigError when not configured. */
export function environmentConfig(config: DeployConfig | EnvironmentConfig, environment: string): EnvironmentConfig {
  if (!('environments' in config)) return config;
  const env = config.environments[environment];
  if (!env) {
    throw new ConfigError(`environment "${environment}" is not configured`, {
      location: { file: 'dataops.yml', field: `deploy.environments.${environment}` },
      fix: `Add it under deploy.environments (configured: ${Object.keys(config.environments).join(', ') || 'none'}).`,
    });
  }
  return env;
}

const short = (d: string | undefined) => (d ? shortDigest(d) : 'none');

/** History of an environment from the target's own record (GitOps log) or the deployment records. */
async function environmentHistory(req: DeployRequest, env: EnvironmentConfig, recorder: DeploymentRecorder | undefined): Promise<{ history: HistoryEntry[]; current: string | undefined; repository?: string | undefined }> {
  if (env.target === 'gitops' && env.gitops) {
    const { history, current } = await gitOpsHistory(env.gitops, req.baseDir, req.name);
    return { history, current: current.digest, repository: current.repository };
  }
  if (!recorder) return { history: [], current: undefined };
  const history = historyFromRecords(await recorder.list(req.environment, { task: 'deploy' }));
  return { history, current: history[0]?.digest };
}

/**
 * Deploys a digest to an environment.
 * @throws ConfigError for a tag-only image, an unknown environment, a rollback without history, or a
 *   {@link DeployConflictError} (the environment does not run the expected digest); the target's error
 *   when the deploy itself fails. The deployment record (when recording) ends in `failure` then.
 */
export async function deploy(req: DeployRequest): Promise<DeployResult> {
  const env = environmentConfig(req.config, req.environment);
  const log = req.log ?? (() => undefined);
  if (req.image !== undefined || !req.rollback) requireDigestRef(req.image ?? '', 'image');
  const recorder = req.recorder ?? (req.github ? new GitHubDeployments(req.github) : undefined);
  const notes: string[] = [];

  let image = req.image;
  let previous: string | undefined;
  let known: { history: HistoryEntry[]; current: string | undefined } | undefined;
  if (req.rollback && !image) {
    known = await environmentHistory(req, env, recorder);
    const back = pickRollbackTarget(known.history, known.current);
    if (!back?.digest) {
      throw new ConfigError(`no earlier digest to roll ${req.environment} back to (it runs ${short(known.current)})`, {
        location: { field: 'rollback' },
        fix: 'Pass the digest to deploy with --image name@sha256:…',
      });
    }
    image = back.image?.endsWith(back.digest) ? back.image : `${back.image?.split('@')[0] ?? req.name}@${back.digest}`;
    log(`rollback: ${req.environment} goes back from ${short(known.current)} to ${short(back.digest)} (deployed ${back.at})`);
  }
  const ref = requireDigestRef(image ?? '', 'image');
  const fullImage = digestRef(ref);

  if (env.target !== 'gitops') {
    known ??= await environmentHistory(req, env, recorder);
    previous = known.current;
    const expected = req.expectedCurrent === 'none' ? undefined : (req.expectedCurrent ?? previous);
    if (req.expectedCurrent !== undefined && previous !== expected && !req.rollback && !req.force) {
      throw new DeployConflictError(`${req.environment} runs ${short(previous)}, but this deploy expected to replace ${short(expected)}`, expected, previous, 'Re-run with --force if the environment is meant to change.');
    }
  }

  let deploymentId: number | undefined;
  const logUrl = req.logUrl ?? req.source.runUrl;
  if (recorder) {
    deploymentId = await recorder.create({
      environment: req.environment,
      sha: req.source.sha,
      task: 'deploy',
      description: deploymentDescription(fullImage, req.evidence ?? [], req.rollback ? 'rollback ' : ''),
      production: env.production ?? req.environment === 'production',
      payload: {
        image: fullImage,
        digest: ref.digest,
        target: env.target,
        evidence: req.evidence ?? [],
        source: { repository: req.source.repository, sha: req.source.sha, ref: req.source.ref, run_url: req.source.runUrl },
        ...(previous ? { previous_digest: previous } : {}),
        ...(req.rollback ? { rollback: true } : {}),
        ...(req.expectedCurrent ? { expected_current: req.expectedCurrent } : {}),
      },
    });
    await recorder.setStatus(deploymentId, 'in_progress', { description: `deploying ${short(ref.digest)} to ${req.environment}`, log_url: logUrl });
    log(`deployment ${deploymentId} recorded (${recorder.kind}): in_progress`);
  }

  const base = { environment: req.environment, target: env.target, image: fullImage, digest: ref.digest, deploymentId, recordedIn: recorder?.kind ?? ('none' as const), rollback: Boolean(req.rollback), notes };
  try {
    let result: DeployResult;
    switch (env.target) {
      case 'gitops': {
        const g = await deployGitOps({
          target: env.gitops,
          baseDir: req.baseDir,
          environment: req.environment,
          image: fullImage,
          name: req.name,
          source: { sha: req.source.sha, runUrl: req.source.runUrl },
          expectedCurrent: req.expectedCurrent,
          rollback: req.rollback,
          force: req.force,
          github: req.github,
          beforePush: req.seams?.beforePush,
          log,
        });
        notes.push(...g.notes);
        result = { ...base, previousDigest: g.previousDigest, commitSha: g.commitSha, pullRequestUrl: g.pullRequest?.url, environmentUrl: env.environment_url, unchanged: g.unchanged };
        break;
      }
      case 'kubernetes': {
        const k = env.kubernetes;
        await deployKubernetes({ target: k, baseDir: req.baseDir, imageName: k.image_name ?? req.name, repository: `${ref.registry}/${ref.repository}`, digest: ref.digest, kubectl: req.seams?.kubectl, log });
        result = { ...base, previousDigest: previous, environmentUrl: env.environment_url, unchanged: false };
        break;
      }
      case 'cloud-run': {
        const c = await deployCloudRun({ target: env.cloud_run, image: fullImage, api: req.seams?.cloudRun, runtime: req.runtime, workspace: req.workspace, log });
        result = { ...base, previousDigest: previous, environmentUrl: env.environment_url ?? c.url, unchanged: false };
        if (c.tagUrl) notes.push(`tag URL: ${c.tagUrl}`);
        break;
      }
      case 'command': {
        await deployCommand({ target: env.command, cwd: req.baseDir, image: fullImage, digest: ref.digest, environment: req.environment, sourceSha: req.source.sha, previousDigest: previous, log });
        result = { ...base, previousDigest: previous, environmentUrl: env.environment_url, unchanged: false };
        break;
      }
    }
    if (recorder && deploymentId !== undefined) {
      const what = result.pullRequestUrl ? `pull request opened for ${short(ref.digest)}` : result.unchanged ? `${short(ref.digest)} already deployed` : `${short(ref.digest)} deployed`;
      await recorder.setStatus(deploymentId, 'success', { description: `${what}${result.commitSha ? ` (commit ${result.commitSha.slice(0, 12)})` : ''}`, environment_url: result.environmentUrl, log_url: logUrl });
    }
    return result;
  } catch (err) {
    if (recorder && deploymentId !== undefined) {
      const why = err instanceof Error ? err.message : String(err);
      try {
        await recorder.setStatus(deploymentId, 'failure', { description: `failed: ${why}`, log_url: logUrl });
      } catch (statusErr) {
        log(`could not record the failure of deployment ${deploymentId}: ${String(statusErr)}`);
      }
    }
    throw err;
  }
}

/** Recorded history of an environment (newest first): the GitOps log or the deployment records. */
export async function deployHistory(req: Pick<DeployRequest, 'environment' | 'config' | 'baseDir' | 'name' | 'github' | 'recorder'>): Promise<{ history: HistoryEntry[]; current: string | undefined }> {
  const env = environmentConfig(req.config, req.environment);
  const recorder = req.recorder ?? (req.github ? new GitHubDeployments(req.github) : undefined);
  return environmentHistory(req as DeployRequest, env, recorder);
}
