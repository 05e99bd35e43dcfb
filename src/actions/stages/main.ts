/**
 * The first step of the root composite action (action.yml): reads its `stages` input (passed as
 * `INPUT_STAGES` through the step's `env:`, never interpolated into the script) with the stage
 * vocabulary of `dataops flow` ({@link parseStageNames}: `data-quality` accepted for `quality`),
 * and sets one output per stage the composite runs, `true` or `false`, which the later steps' `if:`
 * read (`steps.stages.outputs.quality == 'true'`). An unknown name (or one the composite does not
 * run, like `push-image`) fails the step with exit code 2 and one error line naming it and the
 * accepted names. Exports `run()`; src/actions/index.ts dispatches to it (dist/stages/index.js).
 */
import * as core from '../lib/core.ts';
import { describeError, isConfigError } from '../../core/errors.ts';
import { parseStageNames, type StageName } from '../../core/flow/stage-names.ts';

/** The stages the root composite action runs, in its step order. */
export const ROOT_ACTION_STAGES: readonly StageName[] = ['lint', 'quality', 'build-image', 'system-test'];

/** Runs the step; a bad `stages` value sets exit code 2 (a configuration error), an internal error fails it with exit code 1. */
export function run(): Promise<void> {
  try {
    const wanted = parseStageNames(core.getInput('stages'), 'input "stages"', ROOT_ACTION_STAGES);
    for (const stage of ROOT_ACTION_STAGES) core.setOutput(stage, String(wanted.includes(stage)));
    core.info(`dataops CI stages: ${wanted.join(', ')}`);
  } catch (err) {
    if (isConfigError(err)) {
      core.error(describeError('dataops CI', err), { title: 'dataops CI: configuration error' });
      process.exitCode = 2;
    } else core.setFailed(describeError('dataops CI', err));
  }
  return Promise.resolve();
}
