/**
 * The root composite action's first step runs `node "$GITHUB_ACTION_PATH/dist/stages/index.js"`
 * with the runner's `node` (a composite `run:` step gets no `runs.using: node24`): Node 20 on
 * GitHub-hosted runners. The committed stages bundle, copied away from node_modules, must run
 * there: valid stage lists set one output per stage, invalid ones exit 2 with one error line.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { copyBundle, parseOutputs } from '../helpers/run-bundle.ts';
import { node20 } from '../helpers/tools.ts';

const node = node20();
const tmp = mkdtempSync(path.join(os.tmpdir(), 'stages-node20-'));
const stub = copyBundle('stages', path.join(tmp, 'action', 'dist'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs the stages step with Node 20 and `INPUT_STAGES=stages`, as the composite does. */
function stagesStep(stages: string, name: string) {
  const out = path.join(tmp, `${name}.out`);
  writeFileSync(out, '');
  const r = spawnSync(node!, [stub], { cwd: tmp, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', GITHUB_ACTIONS: 'true', GITHUB_OUTPUT: out, INPUT_STAGES: stages } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, outputs: parseOutputs(readFileSync(out, 'utf8')) };
}

describe.skipIf(!node)('dist/stages/index.js on Node 20 (the `node` of hosted runners)', () => {
  it('runs on Node 20', () => {
    expect(spawnSync(node!, ['--version'], { encoding: 'utf8' }).stdout).toMatch(/^v20\./);
  });

  it.each([
    ['lint,quality', { lint: 'true', quality: 'true', 'build-image': 'false', 'system-test': 'false' }],
    ['data-quality, build-image\nsystem-test', { lint: 'false', quality: 'true', 'build-image': 'true', 'system-test': 'true' }],
  ])('stages %j: exit 0 and one output per stage', (stages, outputs) => {
    const r = stagesStep(stages, 'valid');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.outputs).toEqual(outputs);
  });

  it.each([
    ['lint,qualty', /^::error title=dataops CI%3A configuration error::dataops CI: configuration error: input "stages": unknown stage name "qualty"\. Use the stage names lint, quality, build-image, system-test \(data-quality = quality\), comma-separated\.$/],
    ['lint,push-image', /^::error .*"push-image" is a stage of dataops flow that does not run here/],
    [' , ', /^::error .*input "stages": names no stage/],
  ])('stages %j: exit 2, one error line, no output, no stack trace', (stages, line) => {
    const r = stagesStep(stages, 'invalid');
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout.trim().split('\n')).toEqual([expect.stringMatching(line)]);
    expect(r.stderr).toBe('');
    expect(r.outputs).toEqual({});
  });
});
