/**
 * Flow stage `deploy-staging`: deploys the pushed digest (`state.pushed.refs[0]`) to the
 * `staging` environment of `deploy:` in dataops.yml. For the local demo, a GitOps repository
 * configured as a local path that does not exist yet is created from `<project>/deploy/`
 * (kustomize base + overlays). Deployments are recorded on GitHub when the flow has a GitHub
 * repository (GITHUB_TOKEN and GITHUB_REPOSITORY set), else in the local log. Hands on `state.staging`.
 */
import path from 'node:path';
import { deploy } from '../../deploy/deploy.ts';
import type { Evidence } from '../../deploy/deployments.ts';
import { ensureLocalGitOpsRepository, gitHeadSha, localRecorder } from '../../deploy/local.ts';
import { shortDigest } from '../../hash.ts';
import { runUrl } from '../../runner-context.ts';
import { resolveRepository } from '../../deploy/gitops.ts';
import type { FlowState, Stage } from '../types.ts';

/** Evidence of earlier stages (quality reports, system test) for the deployment record. */
export function evidenceFromState(state: FlowState): Evidence[] {
  const out: Evidence[] = [];
  for (const q of state.quality?.reports ?? []) out.push({ name: `quality:${q.suite}`, status: q.status, sha256: q.sha256 });
  if (state.systemTest) out.push({ name: 'system-test', status: state.systemTest.status, sha256: state.systemTest.sha256 });
  return out;
}

export const deployStagingStage: Stage = {
  name: 'deploy-staging',
  title: 'Deploy the digest to staging',
  async run(ctx) {
    const config = ctx.project.config.deploy;
    const env = config?.environments.staging;
    if (!config || !env) return { status: 'skipped', summary: 'not configured (deploy.environments.staging in dataops.yml)' };
    const image = ctx.state.pushed?.refs[0];
    if (!image) return { status: 'skipped', summary: 'nothing was pushed' };
    const created = await ensureLocalGitOpsRepository(env, ctx.project.dir, path.join(ctx.project.dir, 'deploy'));
    if (created) ctx.log(`created the GitOps repository ${path.relative(ctx.project.dir, created)} from deploy/`);
    const github = ctx.github;
    const sha = (await gitHeadSha(ctx.project.dir)) ?? ctx.state.image?.labels?.['org.opencontainers.image.revision'] ?? '0'.repeat(40);
    const result = await deploy({
      environment: 'staging',
      image,
      config,
      baseDir: ctx.project.dir,
      name: ctx.project.config.name,
      source: { sha, repository: ctx.runner.github.repository, runUrl: runUrl(ctx.runner.github) },
      evidence: evidenceFromState(ctx.state),
      ...(github ? { github } : { recorder: localRecorder(ctx.project.dir, config, () => ctx.now) }),
      runtime: ctx.runtime,
      workspace: ctx.runner.workspace,
      log: (m) => ctx.log(m),
    });
    ctx.state.staging = {
      digest: result.digest,
      image: result.image,
      ...(result.deploymentId !== undefined ? { deploymentId: result.deploymentId } : {}),
      ...(result.environmentUrl ? { environmentUrl: result.environmentUrl } : {}),
      ...(env.target === 'gitops' ? { gitopsRepo: resolveRepository(env.gitops.repository, ctx.project.dir), overlay: env.gitops.overlay } : {}),
      ...(result.commitSha ? { commitSha: result.commitSha } : {}),
    };
    for (const n of result.notes) ctx.log(n);
    const short = shortDigest(result.digest);
    return {
      status: 'passed',
      summary: result.unchanged ? `staging already runs ${short}` : `staging ${env.target === 'gitops' ? 'overlay pins' : 'runs'} ${short}${result.previousDigest ? ` (was ${shortDigest(result.previousDigest)})` : ''}`,
      details: {
        image: result.image,
        target: result.target,
        ...(result.commitSha ? { commit: result.commitSha.slice(0, 12) } : {}),
        ...(env.target === 'gitops' ? { gitops: `${path.relative(ctx.project.dir, resolveRepository(env.gitops.repository, ctx.project.dir)) || env.gitops.repository} ${env.gitops.overlay}` } : {}),
        ...(result.deploymentId !== undefined ? { deployment: `${result.deploymentId} (${result.recordedIn})` } : {}),
      },
    };
  },
};
