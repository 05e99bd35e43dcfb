/**
 * The flow's push → deploy-staging → verify-staging on a copy of the example project, with the real
 * example image (buildah), a real loopback docker-registry, a GitOps repository created from the
 * example's deploy/ template, and the image pulled back by digest for the smoke and performance runs.
 */
import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFlow } from '../../src/core/flow/runner.ts';
import { deployStagingStage } from '../../src/core/flow/stages/deploy-staging.ts';
import { pushStage } from '../../src/core/flow/stages/push.ts';
import { verifyStage } from '../../src/core/flow/stages/verify.ts';
import type { FlowState } from '../../src/core/flow/types.ts';
import { loadProject } from '../../src/core/project.ts';
import { buildExampleImage, type ExampleImage } from '../helpers/system-test-image.ts';
import { localContext } from '../../src/core/runner-context.ts';

const EXAMPLE = path.resolve(import.meta.dirname, '../../templates/example-pipeline');

describe('flow: push → deploy-staging → verify-staging', () => {
  let tmp: string;
  let image: ExampleImage;
  const savedRoot = process.env.DATAOPS_BUILDAH_ROOT;
  beforeAll(async () => {
    image = await buildExampleImage('deploy-flow');
    process.env.DATAOPS_BUILDAH_ROOT = image.storageRoot; // the pull by digest reuses the build's layers
    tmp = await mkdtemp(path.join(os.tmpdir(), 'deploy-flow-'));
    for (const f of ['dataops.yml', 'deploy', 'fixtures', 'quality', 'expected']) await cp(path.join(EXAMPLE, f), path.join(tmp, 'project', f), { recursive: true });
  }, 900_000);
  afterAll(async () => {
    if (savedRoot === undefined) delete process.env.DATAOPS_BUILDAH_ROOT;
    else process.env.DATAOPS_BUILDAH_ROOT = savedRoot;
    await rm(tmp, { recursive: true, force: true });
  });

  it('deploys the pushed digest to a GitOps repository it creates, and verifies it', async () => {
    const project = await loadProject(path.join(tmp, 'project'));
    const state: FlowState = { image: { name: image.name, digest: image.digest, ref: image.ref, tags: [], layoutDir: image.layoutDir } };
    const logs: string[] = [];
    const outcome = await runFlow(
      [pushStage, deployStagingStage, verifyStage],
      { project, runner: localContext(), workDir: path.join(tmp, 'work'), now: new Date(), approve: false, confirm: () => Promise.resolve(false), state },
      { stageStart: () => undefined, stageLog: (_s, m) => logs.push(m), stageEnd: () => undefined },
    );
    const byStage = Object.fromEntries(outcome.stages.map((s) => [s.stage, s.result]));
    expect(byStage['push-image']?.status, JSON.stringify(byStage['push-image'])).toBe('passed');
    expect(byStage['deploy-staging']).toMatchObject({ status: 'passed' });
    expect(byStage['verify-staging']?.status, logs.join('\n')).toMatch(/passed|warned/);
    const pushed = state.pushed!.refs[0]!;
    expect(pushed).toMatch(new RegExp(`^127\\.0\\.0\\.1:\\d+/flights-routes@${image.digest}$`));
    expect(state.staging).toMatchObject({ digest: image.digest, image: pushed, overlay: 'overlays/staging' });
    // the overlay of the GitOps repository holds the digest that was pushed
    const overlay = execFileSync('git', ['--git-dir', state.staging!.gitopsRepo!, 'show', 'main:overlays/staging/kustomization.yaml'], { encoding: 'utf8' });
    expect(overlay).toContain(`digest: ${image.digest}`);
    expect(overlay).toContain(`newName: ${pushed.split('@')[0]}`);
    // the deployment was recorded locally: in_progress then success
    const log = JSON.parse(await readFile(path.join(tmp, 'project/.dataops/deployments.json'), 'utf8')) as { deployments: Array<{ environment: string; statuses: Array<{ state: string }> }> };
    expect(log.deployments[0]!.statuses.map((s) => s.state)).toEqual(['success', 'in_progress']);
    // verify: smoke job and the performance budget ran on the pulled digest
    const report = JSON.parse(await readFile(state.verify!.reportPath, 'utf8')) as { checks: Array<{ id: string; status: string; message: string }> };
    const ids = Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
    expect(ids).toMatchObject({ smoke_job: 'pass', budget_duration: 'pass', budget_rows_per_second: 'pass', regression_duration: 'pass' });
    expect(await readFile(path.join(tmp, 'project/.dataops/baselines/staging.json'), 'utf8')).toContain(image.digest);
  }, 900_000);
});
