/**
 * Flow stage `verify-staging`: smoke checks and the performance budget (`deploy.verify` in
 * dataops.yml) against the digest deployed to staging. The image is run by its registry digest
 * reference (pulled from the loopback registry without TLS), or from the build's OCI layout when
 * the registry pull is not possible and the layout holds the same digest. Reports go to
 * `<workDir>/verify-staging/`; hands on `state.verify = { status, reportPath, sha256 }`.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { shortDigest } from '../../hash.ts';
import { parseImageRef } from '../../image/ref.ts';
import { isLoopbackRegistry } from '../../registry/client.ts';
import { runImage, type RunImageOptions } from '../../image/run.ts';
import { gitHeadSha } from '../../deploy/local.ts';
import { renderSummary } from '../../report/summary.ts';
import type { ImageRunner } from '../../verify/smoke.ts';
import { verify } from '../../verify/verify.ts';
import type { Stage } from '../types.ts';
import { piiColumnNames, recordDirectory, withStage } from '../../data/record.ts';

export const verifyStage: Stage = {
  name: 'verify-staging',
  title: 'Smoke test and performance budget on staging',
  async run(ctx) {
    const cfg = ctx.project.config.deploy?.verify;
    if (!cfg) return { status: 'skipped', summary: 'not configured (deploy.verify in dataops.yml)' };
    const staging = ctx.state.staging;
    if (!staging?.image) return { status: 'skipped', summary: 'nothing was deployed to staging' };
    const ref = parseImageRef(staging.image);
    const built = ctx.state.image;
    const runOptions: Partial<RunImageOptions> = isLoopbackRegistry(ref.registry) ? { registryTlsVerify: false } : {};
    // Pull by the registry digest reference; fall back to the build's layout only when it holds the same digest.
    const run: ImageRunner = async (opts) => {
      try {
        return await runImage(opts);
      } catch (err) {
        if (!built?.layoutDir || built.digest !== staging.digest) throw err;
        ctx.log(`pull of ${opts.image} failed (${(err as Error).message.split('\n')[0]}); running the same digest from the build's OCI layout`);
        return runImage({ ...opts, layoutDir: built.layoutDir });
      }
    };
    const dir = path.join(ctx.workDir, 'verify-staging');
    const reportPath = path.join(dir, 'report.json');
    const result = await verify({
      environment: cfg.environment,
      image: staging.image,
      config: cfg,
      baseDir: ctx.project.dir,
      run,
      runOptions,
      reportPath,
      sourceSha: (await gitHeadSha(ctx.project.dir)) ?? '0'.repeat(40),
      now: ctx.now,
      engine: { tempDirectory: path.join(ctx.workDir, 'tmp'), runtime: ctx.runtime, trace: ctx.runner.traceSql },
      log: (m) => ctx.log(m),
    });
    await writeFile(path.join(dir, 'summary.md'), renderSummary([result.report], { reportPath }));
    ctx.state.verify = { status: result.status, reportPath, sha256: result.sha256 };
    // the data staging verified the digest on (the smoke job's input directory)
    if (cfg.smoke?.job) {
      const dataOpts = { root: ctx.project.dir, pii: piiColumnNames(Object.values(ctx.project.config.datasets)), engine: { tempDirectory: path.join(ctx.workDir, 'tmp'), runtime: ctx.runtime } };
      const inputs = await recordDirectory(path.resolve(ctx.project.dir, cfg.smoke.job.input), path.join(dir, 'manifests'), 'verify-staging', 'input', dataOpts);
      ctx.state.data = { ...ctx.state.data, manifests: withStage(ctx.state.data?.manifests, 'verify-staging', inputs.recorded) };
    }
    for (const c of result.report.checks) if (c.status !== 'pass') ctx.log(`${c.status.toUpperCase()} ${c.id}: ${c.message}`);
    const m = result.metrics;
    const { pass, total } = result.report.counts;
    return {
      status: result.status === 'pass' ? 'passed' : result.status === 'warn' ? 'warned' : 'failed',
      summary: `${pass}/${total} checks passed on ${shortDigest(staging.digest)}${m ? ` — ${m.duration_seconds} s for ${m.input_rows} rows (${m.scale_factor}×), ${Math.round(m.rows_per_second)} rows/s${m.peak_memory_mb !== undefined ? `, peak ${m.peak_memory_mb} MiB` : ''}` : ''}`,
      details: { report: path.relative(ctx.project.dir, reportPath) || reportPath, ...(result.baselineUpdated ? { baseline: 'updated' } : {}) },
    };
  },
};
