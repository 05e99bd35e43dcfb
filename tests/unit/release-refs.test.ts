/**
 * The release step of internal references (scripts/release-refs.ts): every
 * `dataops-actions/dataops-actions/…@vX.Y.Z` in the shipped workflows, actions and docs names the
 * version of package.json, so the commit tagged with that version runs its own siblings.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { releaseRefs, rewriteRefs } from '../../scripts/release-refs.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const tmps: string[] = [];
afterAll(async () => {
  for (const t of tmps) await rm(t, { recursive: true, force: true });
});

describe('release-refs', () => {
  it('this checkout: every internal reference names v<package.json version> (the CI check)', async () => {
    expect(await releaseRefs(repoRoot)).toEqual([]);
  });

  it('rewrites tag refs and the version comment of SHA refs, leaves other repositories alone', () => {
    const text = [
      'uses: dataops-actions/dataops-actions/actions/lint@v0.1.0',
      'uses: dataops-actions/dataops-actions/.github/workflows/dataops-ci.yml@0123456789abcdef0123456789abcdef01234567 # v0.1.0',
      'uses: dataops-actions/dataops-actions@<40-hex-sha> # v0.1.0',
      'uses: actions/checkout@v0.1.0',
      'uses: dataops-actions/dataops-actions/actions/lint@v0.2.0',
    ].join('\n');
    const r = rewriteRefs(text, 'v0.2.0', 'w.yml');
    expect(r.text.split('\n')).toEqual([
      'uses: dataops-actions/dataops-actions/actions/lint@v0.2.0',
      'uses: dataops-actions/dataops-actions/.github/workflows/dataops-ci.yml@0123456789abcdef0123456789abcdef01234567 # v0.2.0',
      'uses: dataops-actions/dataops-actions@<40-hex-sha> # v0.2.0',
      'uses: actions/checkout@v0.1.0',
      'uses: dataops-actions/dataops-actions/actions/lint@v0.2.0',
    ]);
    expect(r.stale.map((s) => s.line)).toEqual([1, 2, 3]);
  });

  it('--check fails naming file:line after a version bump; the rewrite makes it pass', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'release-refs-'));
    tmps.push(dir);
    await mkdir(path.join(dir, '.github/workflows'), { recursive: true });
    await mkdir(path.join(dir, 'actions/lint'), { recursive: true });
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'x', version: '0.2.0' }));
    await writeFile(path.join(dir, '.github/workflows/ci.yml'), 'jobs:\n  a:\n    steps:\n      - uses: dataops-actions/dataops-actions/actions/lint@v0.1.0\n');
    await writeFile(path.join(dir, 'action.yml'), 'runs:\n  steps:\n    - uses: dataops-actions/dataops-actions/actions/lint@v0.1.0\n');
    const script = path.join(repoRoot, 'scripts/release-refs.ts');
    const run = (args: string[]) => {
      try {
        return { code: 0, out: execFileSync(process.execPath, [script, ...args, '--root', dir], { encoding: 'utf8', stdio: 'pipe' }) };
      } catch (err) {
        const e = err as { status: number; stderr: string };
        return { code: e.status, out: e.stderr };
      }
    };
    const failed = run(['--check']);
    expect(failed.code).toBe(1);
    expect(failed.out).toContain('.github/workflows/ci.yml:4: dataops-actions/dataops-actions/actions/lint@v0.1.0 is not v0.2.0 (package.json)');
    expect(failed.out).toContain('action.yml:3:');
    expect(run([]).out).toBe('rewrote 2 reference(s) to v0.2.0\n');
    expect(await readFile(path.join(dir, 'action.yml'), 'utf8')).toContain('actions/lint@v0.2.0');
    expect(run(['--check'])).toEqual({ code: 0, out: 'every internal reference names v0.2.0\n' });
  });
});
