/** Flow stages publish-promotion and promote-production on the emulator, a docker-registry and a GitOps repository. */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { createGitOpsRepository } from '../../src/core/deploy/bootstrap.ts';
import { deploy } from '../../src/core/deploy/deploy.ts';
import { LocalDeploymentLog } from '../../src/core/deploy/deployments.ts';
import { deployConfigSchema } from '../../src/core/deploy/config.ts';
import { promoteProductionStage } from '../../src/core/flow/stages/promote-production.ts';
import { publishPromotionStage } from '../../src/core/flow/stages/publish-promotion.ts';
import type { FlowContext, FlowState } from '../../src/core/flow/types.ts';
import { loadProject } from '../../src/core/project.ts';
import { pushImage } from '../../src/core/registry/push.ts';
import { makeLayout } from '../helpers/oci-layout.ts';
import { gitopsProjectYaml } from '../helpers/promotion.ts';
import { useRegistry } from '../helpers/registry.ts';
import { localContext } from '../../src/core/runner-context.ts';

const TEMPLATE = path.resolve(import.meta.dirname, '../../templates/example-pipeline/deploy');
const reg = useRegistry();
let tmp: string;
let previous: string | undefined;

beforeAll(() => {
  previous = process.env.PUBSUB_EMULATOR_HOST;
  process.env.PUBSUB_EMULATOR_HOST = inject('pubsubEmulatorHost');
});
afterAll(() => {
  if (previous === undefined) delete process.env.PUBSUB_EMULATOR_HOST;
  else process.env.PUBSUB_EMULATOR_HOST = previous;
});
beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'promotion-flow-'));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function setup(approve: boolean): Promise<{ ctx: FlowContext; digest: string; cleanups: Array<() => unknown> }> {
  const bare = path.join(tmp, 'gitops.git');
  await createGitOpsRepository(bare, TEMPLATE);
  const n = randomUUID().slice(0, 8);
  await writeFile(
    path.join(tmp, 'dataops.yml'),
    gitopsProjectYaml(bare, [
      '  transport:',
      `    pubsub: { project: dataops-test, topic: flow-${n}, subscription: flow-${n}-prod, dead_letter_topic: flow-${n}-dlq }`,
    ]),
  );
  const project = await loadProject(tmp);
  const layout = await makeLayout({ layerSizes: [10_000], label: n });
  await pushImage({ layoutDir: layout.dir, digest: layout.digest, destinations: [`${reg.host}/flights-routes`] });
  await rm(layout.dir, { recursive: true, force: true });
  const image = `${reg.host}/flights-routes@${layout.digest}`;
  const deployCfg = deployConfigSchema.parse(project.config.deploy);
  const staged = await deploy({ environment: 'staging', image, config: deployCfg, baseDir: tmp, name: 'flights-routes', source: { sha: 'b'.repeat(40) }, recorder: new LocalDeploymentLog(path.join(tmp, deployCfg.deployments_log)) });
  const state: FlowState = {
    registry: { host: reg.host, repository: 'flights-routes' },
    pushed: { refs: [image] },
    staging: { deploymentId: staged.deploymentId, digest: layout.digest },
    quality: { reports: [{ suite: 'flights', status: 'passed', reportPath: 'r.json', sha256: `sha256:${'1'.repeat(64)}` }] },
    systemTest: { status: 'pass', reportPath: 's.json', sha256: `sha256:${'3'.repeat(64)}` },
    verify: { status: 'passed', reportPath: 'v.json', sha256: `sha256:${'2'.repeat(64)}` },
  };
  const cleanups: Array<() => unknown> = [];
  const ctx: FlowContext = { project, runner: localContext({ pubsubEmulatorHost: inject('pubsubEmulatorHost') }), workDir: path.join(tmp, '.dataops/run'), now: new Date(), approve, confirm: () => Promise.resolve(false), log: () => undefined, onCleanup: (fn) => cleanups.push(fn), state };
  return { ctx, digest: layout.digest, cleanups };
}

describe.skipIf(!inject('pubsubEmulatorHost'))('flow stages publish-promotion → promote-production', () => {
  it('publishes a signed message and deploys the same digest to production with --approve', async () => {
    const { ctx, digest } = await setup(true);
    const pub = await publishPromotionStage.run(ctx);
    expect(pub.status).toBe('passed');
    expect(ctx.state.promotion?.messageId).toBeTruthy();
    const prod = await promoteProductionStage.run(ctx);
    expect(prod, prod.summary).toMatchObject({ status: 'passed' });
    expect(ctx.state.production).toMatchObject({ digest, ref: `${reg.host}/flights-routes-production@${digest}` });
    const overlay = execFileSync('git', ['--git-dir', path.join(tmp, 'gitops.git'), 'show', 'main:overlays/production/kustomization.yaml'], { encoding: 'utf8' });
    expect(overlay).toContain(`digest: ${digest}`);
  });

  it('refuses without approval (no terminal, no --approve) and deploys nothing', async () => {
    const { ctx } = await setup(false);
    expect((await publishPromotionStage.run(ctx)).status).toBe('passed');
    const prod = await promoteProductionStage.run(ctx);
    expect(prod.status).toBe('failed');
    expect(prod.summary).toMatch(/not approved/);
    expect(ctx.state.production).toBeUndefined();
    expect(await new LocalDeploymentLog(path.join(tmp, '.dataops/deployments.json')).list('production')).toHaveLength(0);
  });
});
