/**
 * The one bundle of every action (dist/actions/main.js, built by scripts/bundle.ts with
 * @vercel/ncc). Each action's logic (`<name>/main.ts`) is a chunk of it, loaded only when that
 * action runs; what several actions use (zod, yaml, @actions/core…) sits in chunks shared by all,
 * so dist/ holds it once. `dist/<name>/index.js`, the file an action.yml runs, calls {@link main}
 * with the action's name (an internal error's stack is mapped to src/ lines when reported:
 * lib/stack.ts).
 *
 * Before the action's code loads, Node's compile cache is turned on in
 * `$RUNNER_TOOL_CACHE/dataops-compile-cache` (the OS temp directory off a runner): the chunks and
 * the DuckDB engine's JavaScript are then compiled once per runner instead of on every start
 * (~30 ms less CPU per start with a warm cache; writing it costs ~40 ms once). It is an
 * optimisation only: an unwritable directory runs uncached.
 */
import module from 'node:module';
import path from 'node:path';
import { runnerContext } from '../core/runner-context.ts';

/** Every action and where its logic is, plus the root composite action's `stages` step. */
const ACTIONS: Record<string, () => Promise<{ run: () => Promise<void> }>> = {
  'build-image': () => import('./build-image/main.ts'),
  'data-diff': () => import('./data-diff/main.ts'),
  'data-quality': () => import('./data-quality/main.ts'),
  deploy: () => import('./deploy/main.ts'),
  lint: () => import('./lint/main.ts'),
  promote: () => import('./promote/main.ts'),
  'publish-promotion': () => import('./publish-promotion/main.ts'),
  'push-image': () => import('./push-image/main.ts'),
  'system-test': () => import('./system-test/main.ts'),
  verify: () => import('./verify/main.ts'),
  // not an action of its own: the first step of the root composite action.yml (`node …/dist/stages/index.js`)
  stages: () => import('./stages/main.ts'),
};

/** The names of the actions (the directories under actions/). */
export const ACTION_NAMES = Object.keys(ACTIONS).filter((name) => name !== 'stages');

/** Runs action (or step entry) `name`. @throws Error for a name that is neither (a broken dist/ stub). */
export async function main(name: string): Promise<void> {
  const load = ACTIONS[name];
  if (!load) throw new Error(`dataops-actions has no action "${name}"`);
  try {
    module.enableCompileCache?.(path.join(runnerContext().toolCache, 'dataops-compile-cache'));
  } catch {
    // not fatal: compiled without the cache
  }
  await (await load()).run();
}
