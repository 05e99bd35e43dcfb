/**
 * Logic of actions/data-diff: what a pull request changes in the data. Diffs `base` and `head`
 * (two data files, two directories of outputs, or two data manifests: src/core/data/compare.ts),
 * or runs `base-image` and `head-image` on the same fixtures through the system-test core and
 * diffs their outputs (src/core/data/images.ts), then reports it as a check run (`check-name`,
 * conclusion `success` when equal, `neutral` when changed, `failure` when changed and
 * `fail-on-change`), the job summary (the same table), outputs and a JSON report, and (with
 * `upload: true`) a workflow artifact of the report.
 *
 * PII: columns named in `pii` (and the project's `image.system_test.compare[].pii` in image mode)
 * are counted, never shown: their sample values are masked in the diff itself (diff.ts), and the
 * log carries counts only.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as core from '../lib/core.ts';
import { z } from 'zod';
import { diffPaths, parseKeySpec } from '../../core/data/compare.ts';
import { diffConclusion, diffReport, diffTitle, renderDiffReport, writeDiffReport } from '../../core/data/diff-report.ts';
import { isEmptyDiff, type DataDiff } from '../../core/data/diff.ts';
import { diffImageOutputs, ImageRunError } from '../../core/data/images.ts';
import { ConfigError } from '../../core/errors.ts';
import { runnerSchema } from '../../core/image/system-test-config.ts';
import { loadProject } from '../../core/project.ts';
import { input, runActionWith } from '../lib/action.ts';
import { publishCheckRunSpec } from '../lib/report.ts';
import { UPLOAD_INPUTS, uploadIfAsked } from '../lib/upload.ts';

const ACTION = 'data-diff';

const inputsSchema = z.object({
  base: z.string().optional(),
  head: z.string().optional(),
  'base-image': z.string().optional(),
  'head-image': z.string().optional(),
  'base-layout-dir': z.string().optional(),
  'head-layout-dir': z.string().optional(),
  fixtures: z.string().optional(),
  project: z.string().optional(),
  runner: runnerSchema.optional(),
  key: z.string().optional(),
  pii: input.list(),
  samples: input.int(5),
  'check-name': z.string().min(1).max(255).default('data-diff'),
  'check-run': input.boolean(true),
  'fail-on-change': input.boolean(false),
  token: z.string().optional(),
  'report-dir': z.string().optional(),
  ...UPLOAD_INPUTS,
});

type Inputs = z.output<typeof inputsSchema>;

/** Which pair was given: both paths or both images, never a mix. @throws ConfigError otherwise. */
function modeOf(inputs: Inputs): 'paths' | 'images' {
  const paths = inputs.base !== undefined || inputs.head !== undefined;
  const images = inputs['base-image'] !== undefined || inputs['head-image'] !== undefined;
  const fix = 'Set "base" and "head" (files, directories of outputs or data manifests), or "base-image" and "head-image" (images by digest, run on "fixtures").';
  if (paths && images) throw new ConfigError('both paths and images given', { location: { field: 'input "base-image"' }, fix });
  if (images) {
    if (!inputs['base-image'] || !inputs['head-image']) throw new ConfigError('is required with the other image', { location: { field: `input "${inputs['base-image'] ? 'head-image' : 'base-image'}"` }, fix });
    return 'images';
  }
  if (!inputs.base || !inputs.head) throw new ConfigError('is required', { location: { field: `input "${inputs.base ? 'head' : 'base'}"` }, fix });
  return 'paths';
}

/** Runs the action (the bundle's dispatcher calls it). */
export async function run(): Promise<void> {
  await runActionWith(ACTION, inputsSchema, async (ctx, inputs) => {
    const { runner } = ctx;
    const mode = modeOf(inputs);
    const engine = { tempDirectory: runner.temp, runtime: ctx.runtime, trace: runner.traceSql };
    const keySpec = parseKeySpec(inputs.key ?? '', 'input "key"');
    const diffOptions = { key: keySpec.key, keys: keySpec.keys, samples: inputs.samples, checkKeys: true, engine };
    let diffs: DataDiff[];
    let sides: { base: string; head: string; pii: string[] };
    if (mode === 'images') {
      const project = inputs.project ? await loadProject(inputs.project, { workspace: runner.workspace }) : undefined;
      await mkdir(runner.temp, { recursive: true });
      const workDir = await mkdtemp(path.join(runner.temp, 'dataops-data-diff-'));
      const base = inputs['base-image']!;
      const head = inputs['head-image']!;
      core.info(`running ${base} and ${head} on the same fixtures; outputs in ${workDir}`);
      try {
        const r = await diffImageOutputs(project, {
          base: { image: base, layoutDir: inputs['base-layout-dir'] },
          head: { image: head, layoutDir: inputs['head-layout-dir'] },
          fixtures: inputs.fixtures,
          workDir,
          runner: inputs.runner,
          diff: { ...diffOptions, pii: new Set(inputs.pii) },
          cwd: process.cwd(),
        });
        diffs = r.diffs;
        sides = { base, head, pii: r.pii };
      } catch (err) {
        if (!(err instanceof ImageRunError)) throw err;
        core.setFailed(`${ACTION}: ${err.message}`);
        return;
      }
    } else {
      const pii = inputs.pii.map((c) => c.toLowerCase());
      diffs = await diffPaths(inputs.base!, inputs.head!, { ...diffOptions, pii: new Set(pii) });
      sides = { base: inputs.base!, head: inputs.head!, pii };
    }

    // the report and the summary first: they exist even when the step then fails
    const report = diffReport(diffs, sides);
    const dir = path.resolve(inputs['report-dir'] ?? path.join(runner.temp, 'dataops-data-diff'));
    const reportPath = path.join(dir, 'data-diff.json');
    await writeDiffReport(reportPath, report);
    const markdown = renderDiffReport(diffs, sides);
    await writeFile(path.join(dir, 'data-diff.md'), markdown);
    const { totals } = report;
    const conclusion = diffConclusion(totals, inputs['fail-on-change']);
    const title = diffTitle(totals);
    core.setOutput('changed', String(report.changed));
    core.setOutput('rows-added', totals.rows_added);
    core.setOutput('rows-removed', totals.rows_removed);
    core.setOutput('rows-changed', totals.rows_changed);
    core.setOutput('conclusion', conclusion);
    core.setOutput('report-path', reportPath);

    // counts only in the log: samples (even masked) stay in the report, summary and check run
    core.startGroup(`data diff: ${title}`);
    for (const d of diffs) {
      const r = d.rows;
      core.info(`  ${isEmptyDiff(d) ? 'same   ' : 'changed'} ${d.dataset ?? d.head}: rows ${d.row_count.base} → ${d.row_count.head}${r ? `, ${r.added} added, ${r.removed} removed, ${r.changed} changed` : ' (no key)'}, schema +${d.schema.added.length} -${d.schema.removed.length} ~${d.schema.retyped.length}`);
    }
    core.endGroup();
    if (runner.env.GITHUB_STEP_SUMMARY) await core.appendJobSummary(markdown);
    core.info(`report: ${reportPath}`);
    if (inputs['check-run']) await publishCheckRunSpec(runner, { name: inputs['check-name'], conclusion, title, externalId: ACTION }, { action: ACTION, token: inputs.token, summary: markdown });
    await uploadIfAsked(ctx, ACTION, inputs, 'dataops-data-diff', [reportPath, path.join(dir, 'data-diff.md')], dir);
    if (conclusion === 'failure') core.setFailed(`${ACTION}: the data changed (${title}) — fail-on-change: true. See the job summary.`);
  });
}
