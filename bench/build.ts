/**
 * Build bench: the example pipeline image with buildah in a fresh storage root under .cache/.
 * Measures the base image (offline, from cached .deb files), a cold build (empty layer cache,
 * context prepared), then warm builds of the unchanged project (layer cache) — and whether every
 * build gives the same digest (reproducible). Also the time to run the image on the fixtures.
 *
 * `node bench/build.ts` runs it alone; `npm run bench` runs it with the other bench modules.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBaseImage } from '../src/core/image/base.ts';
import { buildImage } from '../src/core/image/build.ts';
import { buildah } from '../src/core/image/buildah.ts';
import { hasTool } from '../src/core/exec.ts';
import { runImage } from '../src/core/image/run.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const EXAMPLE = path.join(ROOT, 'templates', 'example-pipeline');
const WARM = 3;

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs the bench and prints one line per figure. */
export async function run(): Promise<Record<string, number | string | boolean>> {
  if (!(await hasTool('buildah'))) {
    console.log('buildah not installed: build bench skipped');
    return {};
  }
  const tmp = await mkdtemp(path.join(ROOT, '.cache', 'bench-build-'));
  const storageRoot = path.join(tmp, 'storage');
  const git = { sha: 'b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0', ref: 'refs/heads/main', commitTime: new Date('2024-01-01T00:00:00Z') };
  try {
    let t = performance.now();
    await ensureBaseImage({ storageRoot, cacheDir: path.join(ROOT, '.cache', 'base-image') });
    const base = performance.now() - t;
    const build = (i: number) => buildImage({ projectDir: EXAMPLE, projectName: 'flights-routes', workDir: path.join(tmp, `work-${i}`), storageRoot, builder: 'buildah', git });
    t = performance.now();
    const cold = await build(0);
    const coldMs = performance.now() - t;
    const warm: number[] = [];
    const digests = new Set([cold.digest]);
    for (let i = 1; i <= WARM; i++) {
      t = performance.now();
      const r = await build(i);
      warm.push(performance.now() - t);
      digests.add(r.digest);
    }
    t = performance.now();
    const ran = await runImage({ image: cold.ref, layoutDir: cold.layoutDir, inputDir: path.join(EXAMPLE, 'fixtures'), outputDir: path.join(tmp, 'out'), storageRoot, runner: 'buildah' });
    const runMs = performance.now() - t;
    const figures = {
      'base image (offline, cached debs)': s(base),
      'cold build (empty layer cache)': s(coldMs),
      [`warm build, median of ${WARM} (layer cache)`]: s(median(warm)),
      'same digest cold and warm (reproducible)': digests.size === 1,
      'run on fixtures (buildah from layout + run)': `${s(runMs)}, exit ${ran.exitCode}${ran.peakMemoryBytes ? `, peak ${(ran.peakMemoryBytes / 2 ** 20).toFixed(0)} MiB` : ''}`,
    };
    for (const [k, v] of Object.entries(figures)) console.log(`${k}: ${String(v)}`);
    console.log(`digest: ${cold.digest}`);
    return figures;
  } finally {
    await buildah(storageRoot, ['rm', '--all']).catch(() => undefined);
    await rm(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await run();
