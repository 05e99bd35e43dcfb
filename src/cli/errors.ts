/** Exit codes of the `dataops` CLI and the error handler every command shares. */
import { describeError, isConfigError } from '../core/errors.ts';
import { progress } from './ui.ts';

/** 0 success; 1 the checks ran and failed (bad data, failed stage); 2 configuration error; 70 internal error (EX_SOFTWARE). */
export const EXIT = { ok: 0, failed: 1, config: 2, bug: 70 } as const;

/** Prints `err` with the command prefix and sets the exit code by kind. */
export function reportError(command: string, err: unknown): void {
  progress(describeError(`dataops ${command}`, err));
  process.exitCode = isConfigError(err) ? EXIT.config : EXIT.bug;
}

/** Wraps a commander action so thrown errors become the right exit code. */
export function action<A extends unknown[]>(command: string, fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      reportError(command, err);
    }
  };
}
