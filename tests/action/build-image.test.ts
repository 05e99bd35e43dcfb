/**
 * actions/build-image as GitHub runs it: the committed bundle (copied away from the repository)
 * started with the runner's protocol (`INPUT_*`, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_REF,
 * GITHUB_EVENT_PATH), building with real buildah in a fresh storage under .cache/.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshStorage, haveBuildah, removeStorage, repoRoot } from '../helpers/buildah.ts';
import { copyBundle } from '../helpers/run-bundle.ts';

mkdirSync(path.join(repoRoot, '.cache'), { recursive: true });
const tmp = mkdtempSync(path.join(repoRoot, '.cache', 'build-action-'));
const bundle = path.join(tmp, 'action', 'dist', 'build-image', 'index.js');
const ws = path.join(tmp, 'workspace');
const SHA = '5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed';
let storageRoot: string;

function runAction(inputs: Record<string, string>, ref = 'refs/tags/v2.1.0'): Promise<{ code: number; stdout: string; outputs: Record<string, string>; summary: string }> {
  const outFile = path.join(tmp, `out-${Math.random().toString(16).slice(2)}`);
  const summaryFile = `${outFile}.md`;
  writeFileSync(outFile, '');
  writeFileSync(summaryFile, '');
  const event = path.join(tmp, 'event.json');
  writeFileSync(event, JSON.stringify({ repository: { default_branch: 'main' }, head_commit: { timestamp: '2024-06-01T08:00:00Z' } }));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_ACTIONS: 'true',
    GITHUB_SHA: SHA,
    GITHUB_REF: ref,
    GITHUB_EVENT_NAME: 'push',
    GITHUB_EVENT_PATH: event,
    GITHUB_REPOSITORY: 'acme/flights',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_WORKSPACE: ws,
    GITHUB_OUTPUT: outFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: path.join(tmp, 'runner-temp'),
    'INPUT_STORAGE-ROOT': storageRoot,
    INPUT_BUILDER: 'buildah',
  };
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundle], { cwd: ws, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stdout += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const outputs: Record<string, string> = {};
      const text = readFileSync(outFile, 'utf8');
      for (const m of text.matchAll(/^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) outputs[m[1]!] = m[3]!;
      resolve({ code: code ?? 1, stdout, outputs, summary: readFileSync(summaryFile, 'utf8') });
    });
  });
}

describe.skipIf(!haveBuildah)('actions/build-image bundle', () => {
  beforeAll(async () => {
    copyBundle('build-image', path.join(tmp, 'action', 'dist'));
    mkdirSync(path.join(ws, 'app'), { recursive: true });
    writeFileSync(path.join(ws, 'app', 'Dockerfile'), 'ARG BASE_IMAGE=localhost/dataops-base:node24\nFROM ${BASE_IMAGE}\nCOPY hello.mjs /app/\nENTRYPOINT ["node", "/app/hello.mjs"]\n');
    writeFileSync(path.join(ws, 'app', 'hello.mjs'), 'console.log("hello");\n');
    writeFileSync(path.join(ws, 'app', 'Broken.Dockerfile'), 'FROM localhost/dataops-base:node24\n# copy the code\nCOPY missing.mjs /app/\n');
    storageRoot = await freshStorage('action-');
  }, 300_000);

  afterAll(async () => {
    if (storageRoot) await removeStorage(storageRoot);
    rmSync(tmp, { recursive: true, force: true });
  });

  it('outputs the image by digest, semver tags, labels and a job summary', async () => {
    const r = await runAction({ project: 'app', name: 'localhost/hello', labels: 'org.opencontainers.image.vendor=acme' });
    expect(r.code, r.stdout).toBe(0);
    expect(r.outputs.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(r.outputs.image).toBe(`localhost/hello@${r.outputs.digest}`);
    expect(r.outputs.tags!.split('\n')).toEqual(['2.1.0', '2.1', '2', 'sha-5eed5ee', 'latest'].map((t) => `localhost/hello:${t}`));
    const meta = JSON.parse(r.outputs.metadata!);
    expect(meta.labels).toMatchObject({ 'org.opencontainers.image.version': '2.1.0', 'org.opencontainers.image.revision': SHA, 'org.opencontainers.image.source': 'https://github.com/acme/flights', 'org.opencontainers.image.created': '2024-06-01T08:00:00Z', 'org.opencontainers.image.vendor': 'acme' });
    const index = JSON.parse(readFileSync(path.join(r.outputs['layout-dir']!, 'index.json'), 'utf8'));
    expect(index.manifests[0].digest).toBe(r.outputs.digest);
    expect(r.summary).toContain(r.outputs.digest);
  }, 300_000);

  it('annotates the Dockerfile line of a build error', async () => {
    const r = await runAction({ project: 'app', dockerfile: 'Broken.Dockerfile' });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toMatch(/::error title=build-image%3A configuration error,file=app\/Broken\.Dockerfile,line=3::/);
    expect(r.outputs.image).toBeUndefined();
  }, 300_000);

  it('refuses a malformed secret line', async () => {
    const r = await runAction({ project: 'app', secrets: 'id=npm' });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toMatch(/configuration error: input "secrets": line 1 "id=npm"/);
  }, 120_000);
});
