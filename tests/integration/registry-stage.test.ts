/**
 * The flow's push-image stage on a built layout: without a registry configured it starts a
 * loopback docker-registry under the work dir, pushes by digest, hands on state.registry /
 * state.pushed, keeps the registry up until cleanup; a second flow run uploads no layer bytes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectSchema, type Project } from '../../src/core/project.ts';
import { pushStage } from '../../src/core/flow/stages/push.ts';
import type { FlowContext, FlowState } from '../../src/core/flow/types.ts';
import { makeLayout } from '../helpers/oci-layout.ts';
import { getManifest } from '../helpers/registry.ts';
import { localContext } from '../../src/core/runner-context.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function runStage(workDir: string, state: FlowState, config: Record<string, unknown> = {}) {
  const cleanups: Array<() => Promise<void> | void> = [];
  const logs: string[] = [];
  const project: Project = { file: path.join(workDir, 'dataops.yml'), dir: workDir, config: projectSchema.parse({ version: 1, name: 'demo-pipe', ...config }), lineOf: () => undefined };
  const ctx: FlowContext = { project, runner: localContext(), workDir, now: new Date(), approve: false, confirm: () => Promise.resolve(false), log: (m) => logs.push(m), onCleanup: (fn) => cleanups.push(fn), state };
  const result = await pushStage.run(ctx);
  return { result, logs, cleanup: async () => { for (const fn of cleanups.reverse()) await fn(); } };
}

describe('push-image stage', () => {
  it('pushes state.image to a loopback registry it starts, and the digest it reports is the one served', async () => {
    const workDir = await mkdtemp(path.join(os.tmpdir(), 'dataops-flow-'));
    dirs.push(workDir);
    const l = await makeLayout({ layerSizes: [50_000], dir: path.join(workDir, 'layout') });
    const image = { name: 'localhost/demo-pipe', digest: l.digest, ref: `localhost/demo-pipe@${l.digest}`, tags: ['localhost/demo-pipe:sha-abc1234', 'latest'], layoutDir: l.dir };
    const state: FlowState = { image };
    const first = await runStage(workDir, state);
    try {
      expect(first.result.status).toBe('passed');
      expect(first.result.summary).toContain(l.digest);
      const host = state.registry!.host;
      expect(state.registry).toEqual({ host, repository: 'demo-pipe' });
      expect(state.pushed!.refs).toEqual([`${host}/demo-pipe@${l.digest}`]);
      // still running after the stage: later stages pull from it
      expect((await getManifest(host, 'demo-pipe', l.digest)).digest).toBe(l.digest);
      expect((await getManifest(host, 'demo-pipe', 'sha-abc1234')).digest).toBe(l.digest);
      expect(first.logs.some((m) => m.includes('started a loopback docker-registry'))).toBe(true);
    } finally {
      await first.cleanup();
    }
    const again = await runStage(workDir, { image });
    try {
      expect(again.result.status).toBe('passed');
      expect(again.result.details?.uploaded).toBe('0 B in 0 blob(s)');
    } finally {
      await again.cleanup();
    }
  });

  it('skips without a built image, and refuses bad push settings with the field named', async () => {
    const workDir = await mkdtemp(path.join(os.tmpdir(), 'dataops-flow-'));
    dirs.push(workDir);
    expect((await runStage(workDir, {})).result.status).toBe('skipped');
    // dataops.yml is validated on load: a tag in a destination is refused there
    expect(() => projectSchema.parse({ version: 1, name: 'x', image: { push: { destinations: ['127.0.0.1:5000/x:tag'] } } })).toThrow(/without tag or digest/);
  });
});
