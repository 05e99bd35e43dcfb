/**
 * `dataops push` as a user runs it: refs by digest on stdout, exit 0/1/2, copy by digest, the
 * project's last build pushed by default, a registry failing persistently reported in one line.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.ts';
import { makeLayout } from '../helpers/oci-layout.ts';
import { registryTags, useRegistry } from '../helpers/registry.ts';

const root = path.resolve(import.meta.dirname, '../..');
const reg = useRegistry();
let tmp = '';
let proxy: FaultProxy;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'dataops-push-cli-'));
  proxy = await startFaultProxy({ target: reg.host });
});
afterAll(async () => {
  await proxy?.close();
  await rm(tmp, { recursive: true, force: true });
});

async function dataops(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await promisify(execFile)(process.execPath, [path.join(root, 'src/cli/main.ts'), 'push', ...args], { cwd: tmp, env: { ...process.env, NO_COLOR: '1', DOCKER_CONFIG: path.join(tmp, 'docker') } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('dataops push', () => {
  it('pushes a layout, prints refs by digest, copies by digest, refuses a tag-only image', async () => {
    const l = await makeLayout({ dir: path.join(tmp, 'layout') });
    const pushed = await dataops('--layout', l.dir, '--digest', l.digest, '--to', `${reg.host}/cli/app`, '--tag', 'v1');
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stdout).toBe(`${reg.host}/cli/app@${l.digest}\n`);
    expect(pushed.stderr).toMatch(/verified .*cli\/app@sha256/);
    const copied = await dataops('--image', `${reg.host}/cli/app@${l.digest}`, '--to', `${reg.host}/cli/prod`, '--tag', 'prod', '--json');
    expect(copied.code, copied.stderr).toBe(0);
    expect(JSON.parse(copied.stdout)).toMatchObject({ digest: l.digest, refs: [`${reg.host}/cli/prod@${l.digest}`], uploadedBytes: 0 });
    const tagOnly = await dataops('--image', `${reg.host}/cli/app:v1`, '--to', `${reg.host}/cli/prod`);
    expect(tagOnly.code).toBe(2);
    expect(tagOnly.stderr).toMatch(/dataops push: configuration error: --image: ".*:v1" has no digest/);
  });

  it("pushes the project's last build when no layout is named", async () => {
    const project = path.join(tmp, 'project');
    await mkdir(path.join(project, '.dataops', 'run', 'image'), { recursive: true });
    const l = await makeLayout({ dir: path.join(project, '.dataops', 'run', 'image', 'oci') });
    const r = await dataops('--project', project, '--to', `${reg.host}/cli/last`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(`${reg.host}/cli/last@${l.digest}`);
  });

  it('exits 1 with one clear line when the registry keeps failing, and writes no tag', async () => {
    proxy.configure({ persistent: ['manifest-put-digest'], fault: 503 });
    const l = await makeLayout({ dir: path.join(tmp, 'layout-fail') });
    const r = await dataops('--layout', l.dir, '--digest', l.digest, '--to', `${proxy.host}/cli/fail`, '--tag', 'v1', '--retry-budget', '3');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`dataops push: failed: registry ${proxy.host}, repository cli/fail: PUT manifest ${l.digest} failed: HTTP 503 UNAVAILABLE`));
    expect(r.stdout).toBe('');
    expect(await registryTags(reg.host, 'cli/fail')).toEqual([]);
  });
});
