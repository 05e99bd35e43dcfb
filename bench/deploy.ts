/**
 * Bench of the GitOps deploy and the verify input scaling: sequential deploys to a local bare
 * repository (clone, edit, kubectl kustomize render, commit, push), racing pairs (one winner
 * each), and the time to build N× the example fixtures with DuckDB.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createGitOpsRepository } from '../src/core/deploy/bootstrap.ts';
import { deployConfigSchema } from '../src/core/deploy/config.ts';
import { deploy } from '../src/core/deploy/deploy.ts';
import { buildScaledInput } from '../src/core/verify/performance.ts';

const root = path.resolve(import.meta.dirname, '..');
const digest = (i: number) => `sha256:${i.toString(16).padStart(64, '0')}`;

export async function run(): Promise<void> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'bench-deploy-'));
  try {
    const bare = path.join(tmp, 'gitops.git');
    await createGitOpsRepository(bare, path.join(root, 'templates/example-pipeline/deploy'));
    const config = deployConfigSchema.parse({ environments: { staging: { gitops: { repository: bare, overlay: 'overlays/staging' } } } });
    const one = (i: number, expectedCurrent?: string) =>
      deploy({ environment: 'staging', image: `127.0.0.1:5000/flights-routes@${digest(i)}`, config, baseDir: tmp, name: 'flights-routes', source: { sha: 'a'.repeat(40) }, expectedCurrent });
    const n = 10;
    let t = performance.now();
    for (let i = 1; i <= n; i++) await one(i);
    const seq = performance.now() - t;
    console.log(`gitops deploy (clone + edit + render + commit + push): ${(seq / n).toFixed(0)} ms per deploy over ${n}`);
    let winners = 0;
    let losers = 0;
    t = performance.now();
    for (let i = 0; i < 5; i++) {
      const current = digest(n + 2 * i);
      const results = await Promise.allSettled([one(n + 2 * i + 1, current), one(n + 2 * i + 2, current)]);
      winners += results.filter((r) => r.status === 'fulfilled').length;
      losers += results.filter((r) => r.status === 'rejected').length;
      // the next pair expects whatever won
      const won = results.findIndex((r) => r.status === 'fulfilled');
      if (won === 0) await one(n + 2 * i + 2, digest(n + 2 * i + 1));
    }
    console.log(`racing pairs: ${winners} winners, ${losers} refused, ${((performance.now() - t) / 5).toFixed(0)} ms per pair`);
    for (const factor of [20, 200]) {
      t = performance.now();
      const r = await buildScaledInput(path.join(root, 'templates/example-pipeline/fixtures'), path.join(tmp, `in-${factor}`), factor, ['flights*.parquet']);
      const ms = performance.now() - t;
      console.log(`scaled input ${factor}×: ${r.rows} rows in ${ms.toFixed(0)} ms (${Math.round(r.rows / (ms / 1000))} rows/s written)`);
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
