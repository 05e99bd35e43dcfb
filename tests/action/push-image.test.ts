/**
 * actions/push-image as GitHub runs it: the committed bundle (copied out of the repository)
 * started with the runner's protocol (INPUT_*, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY) against a real
 * docker-registry with htpasswd (bcrypt) basic auth: outputs, job summary, masked password,
 * a clear 401 without credentials, and tag-only references refused.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, describe, expect, it } from 'vitest';
import { makeLayout, type TestLayout } from '../helpers/oci-layout.ts';
import { useRegistry } from '../helpers/registry.ts';
import { copyBundle, runBundle, type BundleRun } from '../helpers/run-bundle.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'push-action-'));
const bundle = copyBundle('push-image', path.join(tmp, 'action', 'dist'));
const PASSWORD = 'pw-Xq7-s3cret';
const htpasswd = path.join(tmp, 'htpasswd');
writeFileSync(htpasswd, `alice:${bcrypt.hashSync(PASSWORD, 6)}\n`);
const reg = useRegistry({ htpasswd });
const layouts: TestLayout[] = [];
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  for (const l of layouts) rmSync(l.dir, { recursive: true, force: true });
});

let runNo = 0;
async function runAction(inputs: Record<string, string>): Promise<BundleRun> {
  const dir = path.join(tmp, `run-${++runNo}`);
  return runBundle(bundle, inputs, { dir, strip: /^DOCKER_CONFIG$/, env: { DOCKER_CONFIG: path.join(dir, 'docker') } });
}

describe('actions/push-image', () => {
  it('pushes a layout by digest with basic auth, masks the password, outputs refs by digest and writes a summary', async () => {
    const l = await makeLayout({ layerSizes: [10_000] });
    layouts.push(l);
    const r = await runAction({ 'layout-dir': l.dir, digest: l.digest, destinations: `${reg.host}/act/app\n${reg.host}/act/mirror`, tags: 'v1\nlatest', username: 'alice', password: PASSWORD });
    // masked before first use: the only line carrying it is the mask command itself
    expect(r.stdout.split('\n').filter((line) => line.includes(PASSWORD))).toEqual([`::add-mask::${PASSWORD}`]);
    expect(r.code, r.stdout).toBe(0);
    expect(r.outputs.refs).toBe(`${reg.host}/act/app@${l.digest}\n${reg.host}/act/mirror@${l.digest}`);
    expect(r.outputs.digest).toBe(l.digest);
    expect(r.outputs.image).toBe(`${reg.host}/act/app@${l.digest}`);
    expect(r.summary).toContain(`<code>${reg.host}/act/mirror@${l.digest}</code>`);
    const res = await fetch(`http://${reg.host}/v2/act/app/tags/list`, { headers: { authorization: `Basic ${Buffer.from(`alice:${PASSWORD}`).toString('base64')}` } });
    expect(((await res.json()) as { tags: string[] }).tags.sort()).toEqual(['latest', 'v1']);
  });

  it('copies an image given by digest from another repository', async () => {
    const l = await makeLayout();
    layouts.push(l);
    await runAction({ 'layout-dir': l.dir, digest: l.digest, destinations: `${reg.host}/act/staging`, username: 'alice', password: PASSWORD });
    const r = await runAction({ image: `${reg.host}/act/staging@${l.digest}`, destinations: `${reg.host}/act/prod`, tags: 'prod', username: 'alice', password: PASSWORD });
    expect(r.code, r.stdout).toBe(0);
    expect(r.outputs.image).toBe(`${reg.host}/act/prod@${l.digest}`);
  });

  it('fails clearly without credentials, and refuses a tag-only image', async () => {
    const l = await makeLayout();
    layouts.push(l);
    const denied = await runAction({ 'layout-dir': l.dir, digest: l.digest, destinations: `${reg.host}/act/denied`, 'retry-budget-seconds': '10' });
    expect(denied.code).not.toBe(0);
    expect(denied.stdout).toMatch(new RegExp(`registry ${reg.host.replace(/\./g, '\\.')}: ping|registry ${reg.host.replace(/\./g, '\\.')}, repository act/denied: .*wants a username and password`));
    const tagOnly = await runAction({ image: `${reg.host}/act/staging:latest`, destinations: `${reg.host}/act/prod` });
    expect(tagOnly.code).not.toBe(0);
    expect(tagOnly.stdout).toMatch(/push-image: configuration error: image: ".*:latest" has no digest/);
  });
});
