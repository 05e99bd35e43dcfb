/**
 * Runner glue shared by every action entry: the runner context read once from the environment,
 * the runtime packages (installed on first use into the tool cache when the action runs from its
 * bundle, through the Actions cache across jobs), inputs parsed by a zod schema from the runner's `INPUT_*` protocol, and failures
 * prefixed with the action name and split into configuration errors (annotated at the file/line
 * they name) and bugs (with the stack, mapped through the bundle's source maps to src/ lines: ./stack.ts).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as core from './core.ts';
import { z } from 'zod';
import { ConfigError, ConfigErrors, describeError, isConfigError } from '../../core/errors.ts';
import { runnerContext, type RunnerContext } from '../../core/runner-context.ts';
import type { RuntimeCache } from '../../core/runtime/install.ts';
import { bundledRuntime, type RuntimeModules } from '../../core/runtime/modules.ts';
import { actionsRuntimeCache } from './runtime-cache.ts';
import { sourceMappedStack } from './stack.ts';

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
 * Reads every input named in `schema`'s shape from the environment (`core.getInput`), turning empty
 * strings into `undefined` so zod defaults apply, and validates them.
 * @throws ConfigError naming the input and the accepted values.
 */
export function readInputs<S extends z.ZodObject>(schema: S): z.output<S> {
  const raw: Record<string, string | undefined> = {};
  for (const name of Object.keys(schema.shape)) {
    const value = core.getInput(name);
    raw[name] = value === '' ? undefined : value;
  }
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  throw new ConfigErrors(
    result.error.issues.map(
      (issue) =>
        new ConfigError(raw[String(issue.path[0])] === undefined ? 'is required' : `${issue.message} (got "${raw[String(issue.path[0])]}")`, {
          location: { field: `input "${String(issue.path[0])}"` },
          fix: 'Fix the value under "with:" in your workflow step.',
        }),
    ),
  );
}

/** zod helpers for action inputs, which always arrive as strings. */
export const input = {
  boolean: (def: boolean) =>
    z
      .enum(['true', 'false', 'True', 'False', 'TRUE', 'FALSE'])
      .optional()
      .transform((v) => (v === undefined ? def : v.toLowerCase() === 'true')),
  int: (def: number) =>
    z
      .string()
      .regex(/^\d+$/, 'expected a whole number')
      .optional()
      .transform((v) => (v === undefined ? def : Number(v))),
  /** A whole number, absent when not given. */
  count: () =>
    z
      .string()
      .regex(/^\d+$/, 'expected a whole number')
      .transform(Number)
      .optional(),
  list: () =>
    z
      .string()
      .optional()
      .transform((v) =>
        (v ?? '')
          .split(/[\n,]/)
          .map((s) => s.trim())
          .filter(Boolean),
      ),
};

/**
 * Runs an action body with the step's context: on a thrown ConfigError the step fails with
 * `<action>: configuration error: …` and an error annotation at the named file/line; any other
 * error fails it as an internal error with its stack (bundle positions mapped to src/ lines).
 */
export async function runAction(action: string, body: (ctx: ActionContext) => Promise<void>): Promise<void> {
  await core.useToolkitFromSource();
  try {
    await body(actionContext());
  } catch (err) {
    if (isConfigError(err)) {
      const errors = err instanceof ConfigErrors ? err.errors : [err];
      for (const e of errors) {
        core.error(e.message, {
          title: `${action}: configuration error`,
          ...(e.location.file ? { file: e.location.file } : {}),
          ...(e.location.line ? { startLine: e.location.line } : {}),
        });
      }
    }
    else if (err instanceof Error && err.stack) err.stack = sourceMappedStack(err.stack);
    core.setFailed(describeError(action, err));
  }
}

/**
 * {@link runAction} with the step's inputs read and validated by `schema` first ({@link readInputs}):
 * a bad input fails the step as a configuration error before the body runs.
 */
export async function runActionWith<S extends z.ZodObject>(action: string, schema: S, body: (ctx: ActionContext, inputs: z.output<S>) => Promise<void>): Promise<void> {
  await runAction(action, (ctx) => body(ctx, readInputs(schema)));
}
