/**
 * Runs flow stages in order. A failed stage stops the flow (later stages are reported as not run);
 * cleanup callbacks always run. Progress and results go to an observer so the CLI can render them.
 */
import type { FlowContext, Stage, StageResult } from './types.ts';

/** Receives progress events from {@link runFlow}. */
export interface FlowObserver {
  stageStart(stage: Stage, index: number, total: number): void;
  stageLog(stage: Stage, message: string): void;
  stageEnd(stage: Stage, result: StageResult, durationMs: number): void;
}

/** One row of the final summary. */
export interface FlowStageOutcome {
  stage: string;
  title: string;
  result: StageResult | { status: 'not-run'; summary: string };
  durationMs: number;
}

/** Overall outcome: `failed` if any stage failed. */
export interface FlowOutcome {
  ok: boolean;
  stages: FlowStageOutcome[];
}

/**
 * Runs `stages` over `ctx`. An exception from a stage is re-thrown after cleanup, so callers can tell a
 * configuration error (user's to fix) from a failed check (the data's verdict).
 */
export async function runFlow(stages: Stage[], ctx: Omit<FlowContext, 'log' | 'onCleanup'>, observer: FlowObserver): Promise<FlowOutcome> {
  const cleanups: Array<() => Promise<void> | void> = [];
  const outcomes: FlowStageOutcome[] = [];
  let failed = false;
  try {
    for (const [i, stage] of stages.entries()) {
      if (failed) {
        outcomes.push({ stage: stage.name, title: stage.title, result: { status: 'not-run', summary: 'an earlier stage failed' }, durationMs: 0 });
        continue;
      }
      observer.stageStart(stage, i, stages.length);
      const started = performance.now();
      const full: FlowContext = { ...ctx, log: (m) => observer.stageLog(stage, m), onCleanup: (fn) => cleanups.push(fn) };
      const result = await stage.run(full);
      const durationMs = performance.now() - started;
      observer.stageEnd(stage, result, durationMs);
      outcomes.push({ stage: stage.name, title: stage.title, result, durationMs });
      if (result.status === 'failed') failed = true;
    }
  } finally {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch {
        // cleanup is best effort: a stopped service must not hide the flow's result
      }
    }
  }
  return { ok: !failed, stages: outcomes };
}
