/**
 * The context of an action's step: the runner context read once from the environment, the
 * runtime packages (installed on first use into the tool cache when the action runs from its
 * bundle, through the Actions cache across jobs) and, for the actions the dispatcher starts an
 * engine for, that engine. No zod and no action code here: the dispatcher (src/actions/index.ts)
 * loads this module to start the DuckDB engine while the action's code still loads.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as core from './core.ts';
import { runnerContext, type RunnerContext } from '../../core/runner-context.ts';
import { isRuntimeInstalled, type RuntimeCache } from '../../core/runtime/install.ts';
import { bundledRuntime, type RuntimeModules } from '../../core/runtime/modules.ts';
import { RUNTIME_PACKAGES, runtimeLockName } from '../../core/runtime/packages.ts';
import type { EngineStart } from '../../core/engine/duckdb.ts';
import { actionsRuntimeCache } from './runtime-cache.ts';

/** What every action body gets. */
export interface ActionContext {
  /** The runner, read once at the start of the step. */
  runner: RunnerContext;
  /**
   * The runtime packages: from the bundle, each one whose lock lies next to it is installed on
   * first use into the tool cache; from source (tests, @github/local-action) node_modules serves.
   */
  runtime: RuntimeModules;
  /** The Actions cache of installed runtime packages across jobs (one per step: it warns once). */
  runtimeCache: RuntimeCache;
  /**
   * The DuckDB engine, started by the dispatcher before the action's code loaded ({@link startAction}),
   * for the first engine the action opens (`start` of the engine options); closed at the end of the step unless taken.
   */
  engine?: EngineStart;
}

/** The directory of the running bundle (dist/<action>/) or, from source, of this file. */
const BUNDLE_DIR = path.dirname(fileURLToPath(import.meta.url));

/** The context of the current step. */
export function actionContext(): ActionContext {
  const runner = runnerContext();
  const runtimeCache = actionsRuntimeCache(runner);
  return { runner, runtimeCache, runtime: bundledRuntime(BUNDLE_DIR, { toolCache: runner.toolCache, cache: runtimeCache, log: (l) => core.info(l) }) };
}

/**
 * The context of the current step, created by the dispatcher (src/actions/index.ts) before it
 * loads the action's code, and with `engine: true` the DuckDB engine started: its module loaded
 * (on the main thread, which nothing else needs yet) and the creation of its instance under way
 * (off the main thread, while the action's code loads and reads its inputs and suites) when this
 * resolves (engine/duckdb.ts startEngine: in the step's temp directory, with the engine's default
 * settings; the memory limit is set when the engine is opened). Only from the bundle and only
 * when the tool cache already holds the pinned engine: an install (first run) still happens when
 * a suite needs it, after the inputs were read, as without a start; a module that fails to load
 * is left to that later open to report.
 */
export async function startAction(opts: { engine?: boolean } = {}): Promise<ActionContext> {
  const ctx = actionContext();
  const lockFile = path.join(BUNDLE_DIR, runtimeLockName('duckdb'));
  if (!opts.engine || !ctx.runtime.duckdb || !(await isRuntimeInstalled(RUNTIME_PACKAGES.duckdb, { lockFile, toolCache: ctx.runner.toolCache }))) return ctx;
  try {
    const [{ startEngine }] = await Promise.all([import('../../core/engine/duckdb.ts'), ctx.runtime.duckdb()]);
    // the module is loaded: startEngine issues the instance's creation before this resolves
    ctx.engine = startEngine({ runtime: ctx.runtime, tempDirectory: ctx.runner.temp });
  } catch {
    // reported by the engine's open, which loads it again
  }
  return ctx;
}
