/**
 * `dataops data …` as a child process for the data-show tests: a runner bound to a working
 * directory (its own docker config there: no credentials of the machine), and the check that a
 * failed run said one line.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';

const CLI = path.resolve(import.meta.dirname, '../../src/cli/main.ts');

/** What one run printed and its exit code. */
export interface DataCliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** A runner of `dataops <args>` in `cwd` (NO_COLOR, DOCKER_CONFIG=`cwd`/docker). */
export function dataopsIn(cwd: string): (...args: string[]) => Promise<DataCliRun> {
  return async (...args) => {
    try {
      const r = await promisify(execFile)(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', DOCKER_CONFIG: path.join(cwd, 'docker') } });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (err) {
      const e = err as DataCliRun;
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };
}

/** The one line of a failed run: no stack frame, nothing else on stderr. */
export function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(stderr).not.toMatch(/^\s+at /m);
  expect(stderr).not.toContain('internal error');
  return lines[0]!;
}
