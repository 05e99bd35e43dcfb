/**
 * src/actions/lib/core.ts writes the workflow commands the actions use at start-up without loading
 * @actions/core (whose entry pulls its HTTP client and undici). Here both run the same calls, in
 * process, and must write the same bytes: stdout, `$GITHUB_OUTPUT` (delimiters aside), the job
 * summary, the exit code, and the same errors.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as toolkit from '@actions/core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import * as ours from '../../src/actions/lib/core.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'actions-core-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
  process.exitCode = undefined;
});

type Core = Pick<typeof toolkit, 'getInput' | 'setOutput' | 'setSecret' | 'info' | 'error' | 'warning' | 'notice' | 'setFailed' | 'startGroup' | 'endGroup'>;

/** Runs `calls` against `core` with stdout captured and a fresh GITHUB_OUTPUT file (unless `withOutputFile` is false). */
function capture(core: Core, calls: (core: Core) => unknown, withOutputFile = true): { stdout: string; output: string; exitCode: typeof process.exitCode; result: unknown } {
  const file = path.join(tmp, `out-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, '');
  if (withOutputFile) process.env.GITHUB_OUTPUT = file;
  else delete process.env.GITHUB_OUTPUT;
  let stdout = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  };
  process.exitCode = undefined;
  let result: unknown;
  try {
    result = calls(core);
  } finally {
    process.stdout.write = write;
  }
  return { stdout, output: readFileSync(file, 'utf8').replace(/ghadelimiter_[0-9a-f-]{36}/g, 'DELIM'), exitCode: process.exitCode, result };
}

const same = (calls: (core: Core) => unknown, withOutputFile = true) => {
  const a = capture(toolkit, calls, withOutputFile);
  const b = capture(ours, calls, withOutputFile);
  expect(b).toEqual(a);
  return b;
};

describe('workflow commands without @actions/core', () => {
  it('writes log lines, groups, masks and annotations (escaped data and properties) as @actions/core does', () => {
    const r = same((core) => {
      core.info('plain 100% line');
      core.startGroup('group: a, b\nnext');
      core.endGroup();
      core.setSecret('s3cr3t%\r\n');
      core.error('bad:\nvalue 50%', { title: 'title: with, comma', file: 'quality/a.yml', startLine: 3, endLine: 4, startColumn: 1, endColumn: 9 });
      core.warning(new Error('as an Error'), { file: 'x.yml' });
      core.notice('no properties', {});
      core.notice('empty property values are left out', { title: '', file: 'f.yml', startLine: 0 });
    });
    expect(r.stdout).toContain('::error title=title%3A with%2C comma,file=quality/a.yml,line=3,endLine=4,col=1,endColumn=9::bad:%0Avalue 50%25');
  });

  it('writes outputs to $GITHUB_OUTPUT as delimited blocks (strings as they are, other values as JSON), else as set-output', () => {
    const r = same((core) => {
      core.setOutput('status', 'fail');
      core.setOutput('report-path', 'a.json\nb.json');
      core.setOutput('failed', 3);
      core.setOutput('obj', { a: [1, null] });
      core.setOutput('none', undefined);
    });
    expect(r.output).toContain('failed<<DELIM\n3\nDELIM\n');
    same((core) => core.setOutput('legacy', 'x\ny'), false);
  });

  it('fails the step with exit code 1 and an error annotation', () => {
    const r = same((core) => core.setFailed('data-quality: suite people fail'));
    expect(r.exitCode).toBe(1);
  });

  it('reads inputs the runner way: INPUT_<NAME> upper-cased, spaces as _, hyphens kept, trimmed, empty when unset', () => {
    process.env['INPUT_CHECK-RUN'] = '  false \n';
    process.env.INPUT_MY_INPUT = 'v';
    for (const name of ['check-run', 'my input', 'unset']) expect(ours.getInput(name), name).toBe(toolkit.getInput(name));
  });

  it('refuses a missing $GITHUB_OUTPUT file with the same error', () => {
    process.env.GITHUB_OUTPUT = path.join(tmp, 'missing', 'out');
    expect(() => ours.setOutput('a', 'b')).toThrow(new Error(`Missing file at path: ${process.env.GITHUB_OUTPUT}`));
    expect(() => toolkit.setOutput('a', 'b')).toThrow(new Error(`Missing file at path: ${process.env.GITHUB_OUTPUT}`));
  });

  it('appends raw Markdown to the job summary as summary.addRaw().write() does, with the same errors', async () => {
    // errors first: @actions/core's summary keeps the first path it could write to
    const messages = async (write: () => Promise<unknown>) => write().then(() => 'written', (e: Error) => e.message);
    delete process.env.GITHUB_STEP_SUMMARY;
    expect(await messages(() => ours.appendJobSummary('x'))).toBe(await messages(() => toolkit.summary.addRaw('x').write()));
    process.env.GITHUB_STEP_SUMMARY = path.join(tmp, 'no-such-dir', 'summary.md');
    expect(await messages(() => ours.appendJobSummary('x'))).toBe(await messages(() => toolkit.summary.emptyBuffer().addRaw('x').write()));
    toolkit.summary.emptyBuffer();
    const [a, b] = [path.join(tmp, 'summary-a.md'), path.join(tmp, 'summary-b.md')];
    writeFileSync(a, 'before\n');
    writeFileSync(b, 'before\n');
    process.env.GITHUB_STEP_SUMMARY = a;
    await toolkit.summary.addRaw('## table\n| a |\n').write();
    process.env.GITHUB_STEP_SUMMARY = b;
    await ours.appendJobSummary('## table\n| a |\n');
    expect(readFileSync(b, 'utf8')).toBe(readFileSync(a, 'utf8'));
  });

  it('hands out @actions/core’s own summary builder on demand', async () => {
    expect(await ours.jobSummary()).toBe(toolkit.summary);
  });
});
