/** The flow's lint stage: warn-only by default, SARIF in the work dir, counts in state.lint. */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lintStage } from '../../../src/core/flow/stages/lint.ts';
import type { FlowContext, FlowState } from '../../../src/core/flow/types.ts';
import { loadProject } from '../../../src/core/project.ts';
import { localContext } from '../../../src/core/runner-context.ts';

let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'dataops-lint-stage-'));
  await writeFile(path.join(tmp, 'dataops.yml'), 'version: 1\nname: demo\n');
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function ctx(env: Record<string, string> = {}): Promise<FlowContext & { state: FlowState }> {
  return {
    project: await loadProject(tmp),
    runner: localContext({ env }),
    workDir: path.join(tmp, '.dataops', 'run'),
    now: new Date(),
    approve: false,
    confirm: () => Promise.resolve(false),
    log: () => {},
    onCleanup: () => {},
    state: {},
  };
}

describe('lint stage', () => {
  it('passes a clean project and writes the SARIF file', async () => {
    const c = await ctx();
    const r = await lintStage.run(c);
    expect(r.status).toBe('passed');
    expect(c.state.lint).toMatchObject({ findings: 0, errors: 0 });
    expect(existsSync(c.state.lint!.sarifPath)).toBe(true);
  });

  it('warns (does not fail) on findings by default, fails when DATAOPS_LINT_FAIL_ON=error', async () => {
    await mkdir(path.join(tmp, '.github/workflows'), { recursive: true });
    await writeFile(path.join(tmp, '.github/workflows/x.yml'), 'on: issues\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "${{ github.event.issue.title }}"\n');
    const c = await ctx();
    const r = await lintStage.run(c);
    expect(r.status).toBe('warned');
    expect(c.state.lint!.errors).toBeGreaterThan(0);
    expect((await lintStage.run(await ctx({ DATAOPS_LINT_FAIL_ON: 'error' }))).status).toBe('failed');
  });
});
