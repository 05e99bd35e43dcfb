/**
 * Flow stage `system-test`: runs the image the build stage produced (by digest, from its OCI layout)
 * on the project's fixtures and checks the outputs (`image.system_test` in dataops.yml). Reports go
 * to `<workDir>/system-test/` (report.json, junit.xml, summary.md); the container writes to
 * `<workDir>/system-test/out/`. Hands on `state.systemTest = { status, reportPath, sha256 }`.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sha256 } from '../../hash.ts';
import { renderJUnit } from '../../report/junit.ts';
import { writeReport } from '../../report/report.ts';
import { renderSummary } from '../../report/summary.ts';
import { runSystemTest } from '../../system-test/run.ts';
import { resolveSystemTestOptions } from '../../system-test/options.ts';
import type { Stage } from '../types.ts';
import { piiColumnNames, recordDirectory, withStage } from '../../data/record.ts';

export const systemTestStage: Stage = {
  name: 'system-test',
  title: 'Run the image on fixtures and check its outputs',
  async run(ctx) {
    const image = ctx.state.image;
    if (!image) return { status: 'skipped', summary: 'no image was built' };
    if (!ctx.project.config.image?.system_test) return { status: 'skipped', summary: 'not configured (image.system_test in dataops.yml)' };
    const dir = path.join(ctx.workDir, 'system-test');
    const outputDir = path.join(dir, 'out');
    await rm(outputDir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const opts = await resolveSystemTestOptions(ctx.project, { image: image.ref, layoutDir: image.layoutDir, outputDir, now: ctx.now }, ctx.project.dir);
    ctx.log(`running ${image.ref} on ${path.relative(ctx.project.dir, opts.fixturesDir) || '.'}/ (runner ${opts.runner ?? 'auto'}, timeout ${Math.round((opts.timeoutMs ?? 0) / 60_000)} min${opts.memoryLimit ? `, memory ${opts.memoryLimit}` : ''})`);
    const report = await runSystemTest({ ...opts, engine: { tempDirectory: path.join(ctx.workDir, 'tmp'), runtime: ctx.runtime, trace: ctx.runner.traceSql }, root: ctx.runner.workspace });
    const reportPath = path.join(dir, 'report.json');
    const text = await writeReport(report, reportPath);
    await writeFile(path.join(dir, 'junit.xml'), renderJUnit([report]));
    await writeFile(path.join(dir, 'summary.md'), renderSummary([report], { reportPath }));
    ctx.state.systemTest = { status: report.status, reportPath, sha256: sha256(text) };
    // the data this image was tested with (fixtures) and what it wrote from them (outputs)
    const dataOpts = { root: ctx.project.dir, pii: piiColumnNames(Object.values(ctx.project.config.datasets)), engine: { tempDirectory: path.join(ctx.workDir, 'tmp'), runtime: ctx.runtime } };
    const inputs = await recordDirectory(opts.fixturesDir, path.join(dir, 'manifests', 'inputs'), 'system-test', 'input', dataOpts);
    const outputs = await recordDirectory(outputDir, path.join(dir, 'manifests', 'outputs'), 'system-test', 'output', { ...dataOpts, root: outputDir });
    ctx.state.data = { ...ctx.state.data, manifests: withStage(ctx.state.data?.manifests, 'system-test', [...inputs.recorded, ...outputs.recorded]) };
    for (const s of [...inputs.skipped, ...outputs.skipped]) ctx.log(`no data manifest for ${s}`);
    // every line: a failed run ends with the last lines of the container's stderr
    for (const c of report.checks) if (c.status !== 'pass') for (const [i, line] of c.message.split('\n').entries()) ctx.log(i === 0 ? `${c.status.toUpperCase()} ${c.id}: ${line}` : `  ${line}`);
    const run = report.checks.find((c) => c.type === 'container_run');
    const { pass, total, fail, error, warn } = report.counts;
    return {
      status: report.failed_step ? 'failed' : report.status === 'pass' ? 'passed' : 'warned',
      summary: `${pass}/${total} checks passed${fail ? `, ${fail} failed` : ''}${error ? `, ${error} errors` : ''}${warn ? `, ${warn} warned` : ''}`,
      details: {
        digest: image.digest,
        ...(run ? { container: run.message.split('\n')[0] ?? '' } : {}),
        report: path.relative(process.cwd(), reportPath) || reportPath,
      },
    };
  },
};
