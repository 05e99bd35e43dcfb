/**
 * Generated files are committed; these tests fail when they are stale: dist/ (ncc bundles of every
 * action, the check-dist habit of actions/typescript-action) and schemas/ (JSON Schemas from zod).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderJsonSchema, SCHEMAS } from '../../src/core/schemas.ts';

const root = path.resolve(import.meta.dirname, '../..');

function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? listFiles(p, base) : [path.relative(base, p)];
  });
}

describe('generated files', () => {
  it.each(SCHEMAS.map((s) => [s.file, s] as const))('schemas/%s matches its zod schema (run npm run bundle)', (file, entry) => {
    expect(readFileSync(path.join(root, 'schemas', file), 'utf8')).toBe(renderJsonSchema(entry));
  });

  it('dist/ matches a fresh bundle of src/ (run npm run bundle and commit dist/)', () => {
    mkdirSync(path.join(root, '.cache'), { recursive: true });
    const tmp = mkdtempSync(path.join(root, '.cache', 'check-dist-'));
    // ncc names modules by their path, so compile to the same build/ the real bundle uses
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'pipe' });
    execFileSync(process.execPath, ['scripts/bundle.ts', '--out', path.join(tmp, 'dist')], { cwd: root, stdio: 'pipe' });
    const fresh = listFiles(path.join(tmp, 'dist')).sort();
    const committed = listFiles(path.join(root, 'dist')).sort();
    expect(committed).toEqual(fresh);
    const stale = fresh.filter((f) => !readFileSync(path.join(tmp, 'dist', f)).equals(readFileSync(path.join(root, 'dist', f))));
    rmSync(tmp, { recursive: true, force: true });
    expect(stale, `stale files in dist/: ${stale.join(', ')}`).toEqual([]);
  }, 600_000);

  it('README.md action reference matches every action.yml (run node scripts/gen-docs.ts)', async () => {
    const { renderReadme } = await import('../../scripts/gen-docs.ts');
    expect(readFileSync(path.join(root, 'README.md'), 'utf8')).toBe(await renderReadme());
  });

  it('dist/ stays under 10 MB and holds no native engine binaries', () => {
    const files = listFiles(path.join(root, 'dist'));
    const total = files.reduce((n, f) => n + statSync(path.join(root, 'dist', f)).size, 0);
    expect(total).toBeLessThan(10 * 1024 * 1024);
    expect(files.filter((f) => f.endsWith('.node'))).toEqual([]);
  });
});
