/**
 * Push bench: a real docker-registry on loopback, pushing an OCI image layout by digest.
 * Source: the largest image layout under templates/example-pipeline/.dataops/ or .cache/ (the example
 * image built by `dataops build` or the system test), else a generated ~50 MB layout (5 incompressible 10 MB layers).
 * Measures: cold push (fresh repository, every blob uploaded), warm push of the unchanged image
 * (bytes uploaded, target 0 layer bytes), push through the fault proxy with 2 failures of every
 * request kind, cross-repository copy by mount, `skopeo copy` of the same layout for comparison, and
 * skopeo's own `--retry-times` vs ours against a single 502 on the manifest PUT.
 *
 * `node bench/push.ts` runs it alone; `npm run bench` runs it with the other bench modules.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { copyImage } from '../src/core/registry/copy.ts';
import { startLocalRegistry } from '../src/core/registry/local.ts';
import { pushImage } from '../src/core/registry/push.ts';
import { startFaultProxy } from '../tests/helpers/fault-proxy.ts';
import { makeLayout } from '../tests/helpers/oci-layout.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REPEAT = 3;

async function findLayouts(dir: string, depth = 0): Promise<string[]> {
  if (depth > 5) return [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  if (entries.some((e) => e.name === 'oci-layout') && entries.some((e) => e.name === 'index.json')) return [dir];
  const out: string[] = [];
  for (const e of entries) if (e.isDirectory() && e.name !== 'storage' && e.name !== 'node_modules') out.push(...(await findLayouts(path.join(dir, e.name), depth + 1)));
  return out;
}

async function dirSize(dir: string): Promise<number> {
  let n = 0;
  for (const f of await readdir(path.join(dir, 'blobs', 'sha256'))) n += (await stat(path.join(dir, 'blobs', 'sha256', f))).size;
  return n;
}

/** The layout to push and its manifest digest; `cleanup` removes a generated one. */
async function source(): Promise<{ dir: string; digest: string; bytes: number; origin: string; cleanup: () => Promise<void> }> {
  const found = [...(await findLayouts(path.join(ROOT, 'templates/example-pipeline/.dataops'))), ...(await findLayouts(path.join(ROOT, '.cache')))];
  let best: { dir: string; bytes: number } | undefined;
  for (const dir of found) {
    const bytes = await dirSize(dir).catch(() => 0);
    if (!best || bytes > best.bytes) best = { dir, bytes };
  }
  if (best && best.bytes > 1_000_000) {
    // a private copy: other runs may rewrite the cached layout while we push it
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dataops-bench-layout-'));
    try {
      await cp(best.dir, dir, { recursive: true });
      const index = JSON.parse(await readFile(path.join(dir, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
      return { dir, digest: index.manifests[0]!.digest, bytes: await dirSize(dir), origin: path.relative(ROOT, best.dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
    } catch {
      await rm(dir, { recursive: true, force: true }); // rewritten while copying: use a generated one
    }
  }
  const l = await makeLayout({ layerSizes: [10, 10, 10, 10, 10].map((mb) => mb * 1024 * 1024), label: 'bench' });
  return { dir: l.dir, digest: l.digest, bytes: await dirSize(l.dir), origin: 'generated (5 × 10 MB random layers)', cleanup: () => rm(l.dir, { recursive: true, force: true }) };
}

const fmtMs = (ms: number) => `${Math.round(ms)} ms`;
const fmtMB = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}

export async function run(): Promise<Record<string, unknown>> {
  const src = await source();
  const reg = await startLocalRegistry();
  const proxy = await startFaultProxy({ target: reg.host });
  const out: Record<string, unknown> = { source: src.origin, image_bytes: src.bytes, digest: src.digest };
  try {
    const retry = { baseMs: 20, maxDelayMs: 200, budgetMs: 120_000 };
    // cold: a fresh repository each time, so every blob is uploaded
    const cold: number[] = [];
    let uploaded = 0;
    for (let i = 0; i < REPEAT; i++) {
      const r = await timed(() => pushImage({ layoutDir: src.dir, digest: src.digest, destinations: [`${reg.host}/bench/cold${i}`], tags: ['latest'], retry }));
      cold.push(r.ms);
      uploaded = r.value.uploadedBytes;
    }
    // warm: the unchanged image again to a repository that has it
    const warm: number[] = [];
    let warmBytes = -1;
    for (let i = 0; i < REPEAT; i++) {
      const r = await timed(() => pushImage({ layoutDir: src.dir, digest: src.digest, destinations: [`${reg.host}/bench/cold0`], tags: ['latest'], retry }));
      warm.push(r.ms);
      warmBytes = Math.max(warmBytes, r.value.uploadedBytes);
    }
    // faults: 2 failures (502/429/reset) of every request kind before it passes
    proxy.configure({ failFirst: 2, fault: (_k, n) => (n === 1 ? 502 : 429) });
    const faulty = await timed(() => pushImage({ layoutDir: src.dir, digest: src.digest, destinations: [`${proxy.host}/bench/faulty`], tags: ['latest'], retry }));
    const injected = [...proxy.injected.values()].reduce((a, b) => a + b, 0);
    // copy within the registry (cross-repository mount)
    const copy = await timed(() => copyImage({ source: `${reg.host}/bench/cold0@${src.digest}`, destination: `${reg.host}/bench/promoted`, tags: ['prod'], retry }));
    // skopeo, same layout, fresh repository
    let skopeoMs: number | undefined;
    try {
      const r = await timed(() => promisify(execFile)('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci:${src.dir}`, `docker://${reg.host}/bench/skopeo:latest`]));
      skopeoMs = r.ms;
    } catch {
      skopeoMs = undefined;
    }
    // the motivation: one 502 on the manifest PUT, skopeo's own --retry-times 3 vs our retries
    const manifestPuts = ['manifest-put-tag', 'manifest-put-digest'];
    let skopeoUnderFault = 'not run';
    try {
      proxy.configure({ failFirst: 1, kinds: manifestPuts, fault: 502 });
      await promisify(execFile)('skopeo', ['copy', '--quiet', '--retry-times', '3', '--dest-tls-verify=false', `oci:${src.dir}`, `docker://${proxy.host}/bench/skopeo-fault:latest`]);
      skopeoUnderFault = 'succeeded';
    } catch (err) {
      const stderr = String((err as { stderr?: string }).stderr ?? '');
      if ((err as { code?: string }).code !== 'ENOENT') skopeoUnderFault = `failed: ${stderr.trim().split('\n').at(-1)?.slice(0, 160) ?? ''}`;
    }
    proxy.configure({ failFirst: 1, kinds: manifestPuts, fault: 502 });
    const ours = await pushImage({ layoutDir: src.dir, digest: src.digest, destinations: [`${proxy.host}/bench/ours-fault`], tags: ['latest'], retry }).then(
      () => 'succeeded',
      (err: unknown) => `failed: ${String(err)}`,
    );
    const best = (a: number[]) => Math.min(...a);
    console.log('\n## push: OCI layout → loopback docker-registry, by digest');
    console.log(`image: ${src.origin}, ${fmtMB(src.bytes)}; best of ${REPEAT}\n`);
    console.log('| case | time | uploaded |');
    console.log('|---|---:|---:|');
    console.log(`| cold push (fresh repository) | ${fmtMs(best(cold))} (${fmtMB(src.bytes / (best(cold) / 1000))}/s) | ${fmtMB(uploaded)} |`);
    console.log(`| unchanged image pushed again | ${fmtMs(best(warm))} | ${warmBytes} B (target 0) ${warmBytes === 0 ? 'met' : 'MISSED'} |`);
    console.log(`| cold push, 2 failures of every request kind (${injected} injected) | ${fmtMs(faulty.ms)} | ${fmtMB(faulty.value.uploadedBytes)} |`);
    console.log(`| copyImage to another repository (mount) | ${fmtMs(copy.ms)} | ${fmtMB(copy.value.uploadedBytes)} (${copy.value.mountedBlobs} mounted) |`);
    if (skopeoMs !== undefined) console.log(`| skopeo copy oci: → docker:// (comparison) | ${fmtMs(skopeoMs)} | |`);
    console.log(`\none 502 on the first manifest PUT: skopeo copy --retry-times 3 ${skopeoUnderFault}; pushImage ${ours}`);
    Object.assign(out, {
      cold_push_ms: best(cold),
      cold_push_runs_ms: cold,
      cold_uploaded_bytes: uploaded,
      warm_push_ms: best(warm),
      warm_uploaded_bytes: warmBytes,
      faulty_push_ms: faulty.ms,
      faults_injected: injected,
      copy_mount_ms: copy.ms,
      copy_uploaded_bytes: copy.value.uploadedBytes,
      ...(skopeoMs !== undefined ? { skopeo_copy_ms: skopeoMs } : {}),
      manifest_put_502_skopeo: skopeoUnderFault,
      manifest_put_502_ours: ours,
    });
  } finally {
    await proxy.close();
    await reg.stop();
    await src.cleanup();
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run();
