import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.ts';
import { loadProject } from '../../src/core/project.ts';
import { defaultComparisons, parseEnvLines, resolveSystemTestOptions } from '../../src/core/system-test/options.ts';
import { referenceSafeLayout, runSystemTest, tail } from '../../src/core/system-test/run.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'st-options-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const DIGEST = `sha256:${'b'.repeat(64)}`;
const root = path.resolve(import.meta.dirname, '../..');
const example = path.join(root, 'templates/example-pipeline');

describe('parseEnvLines', () => {
  it('reads KEY=VALUE lines, skipping blanks and comments, keeping "=" in values', () => {
    expect(parseEnvLines('A=1\n\n# note\nB=x\nURL=postgres://u@h/db?x=1\n')).toEqual({ A: '1', B: 'x', URL: 'postgres://u@h/db?x=1' });
  });
  it('names the line that is not KEY=VALUE', () => {
    expect(() => parseEnvLines('A=1\nnot a pair', 'input "env"')).toThrow(/input "env": line 2 "not a pair" is not KEY=VALUE/);
  });
});

describe('defaultComparisons', () => {
  it('compares every data file of the expected directory, names made unique by extension', async () => {
    const dir = path.join(tmp, 'exp');
    mkdirSync(dir, { recursive: true });
    for (const f of ['routes.csv', 'routes.parquet', 'totals.json', 'README.md', '2024.csv']) writeFileSync(path.join(dir, f), 'x');
    expect(await defaultComparisons(dir)).toEqual([
      { output: '2024.csv', name: '_2024' },
      { output: 'routes.csv', name: 'routes_csv' },
      { output: 'routes.parquet', name: 'routes_parquet' },
      { output: 'totals.json', name: 'totals' },
    ]);
    await expect(defaultComparisons(path.join(tmp, 'nope'))).rejects.toThrow(ConfigError);
  });
});

describe('resolveSystemTestOptions', () => {
  it('takes the example project settings, paths from dataops.yml, with annotation lines', async () => {
    const project = await loadProject(example);
    const o = await resolveSystemTestOptions(project, { image: `x@${DIGEST}`, outputDir: 'out' }, tmp);
    expect(o.fixturesDir).toBe(path.join(example, 'fixtures'));
    expect(o.expectedDir).toBe(path.join(example, 'expected'));
    expect(o.outputDir).toBe(path.join(tmp, 'out'));
    expect(o.suites).toEqual([path.join(example, 'quality/outputs.yml')]);
    expect(o.comparisons.map((c) => c.output)).toEqual(['daily_routes.parquet', 'daily_routes.csv']);
    expect(o.timeoutMs).toBe(5 * 60_000);
    expect(o.memoryLimit).toBe('1g');
    expect(o.env).toEqual({ PIPELINE_THREADS: '2' });
    expect(o.lines?.compare?.every((l) => typeof l === 'number' && l > 1)).toBe(true);
  });

  it('lets explicit values win, relative to the working directory', async () => {
    const project = await loadProject(example);
    const o = await resolveSystemTestOptions(project, { image: `x@${DIGEST}`, outputDir: 'o', fixtures: 'f', suites: ['s.yml'], env: { PIPELINE_THREADS: '1', X: 'y' }, timeoutMinutes: 1, memoryLimit: '2g', runner: 'buildah', failOn: 'warn' }, tmp);
    expect(o).toMatchObject({ fixturesDir: path.join(tmp, 'f'), suites: [path.join(tmp, 's.yml')], env: { PIPELINE_THREADS: '1', X: 'y' }, timeoutMs: 60_000, memoryLimit: '2g', runner: 'buildah', failOn: 'warn' });
  });

  it('without a project compares the files of expected/ and uses defaults', async () => {
    const dir = path.join(tmp, 'bare');
    mkdirSync(path.join(dir, 'expected'), { recursive: true });
    writeFileSync(path.join(dir, 'expected', 'out.csv'), 'a\n1\n');
    const o = await resolveSystemTestOptions(undefined, { image: `x@${DIGEST}`, outputDir: 'o' }, dir);
    expect(o).toMatchObject({ fixturesDir: path.join(dir, 'fixtures'), comparisons: [{ output: 'out.csv', name: 'out' }], suites: [], timeoutMs: 600_000, runner: 'auto' });
  });
});

describe('runSystemTest configuration errors (before any container runs)', () => {
  const dirs = () => {
    const d = mkdtempSync(path.join(tmp, 'run-'));
    mkdirSync(path.join(d, 'fixtures'));
    mkdirSync(path.join(d, 'expected'));
    writeFileSync(path.join(d, 'expected', 'a.csv'), 'x\n1\n');
    return { fixturesDir: path.join(d, 'fixtures'), expectedDir: path.join(d, 'expected'), outputDir: path.join(d, 'out'), comparisons: [{ output: 'a.csv' }] };
  };
  it('refuses a tag-only or malformed image reference', async () => {
    await expect(runSystemTest({ ...dirs(), image: 'localhost/app:v1' })).rejects.toThrow(/has no digest/);
    await expect(runSystemTest({ ...dirs(), image: 'localhost/app@sha256:123' })).rejects.toThrow(ConfigError);
  });
  it('refuses missing fixtures, a missing expected file, one outside the expected directory or a credential file, and a non-empty output directory', async () => {
    const d = dirs();
    await expect(runSystemTest({ ...d, image: `localhost/app@${DIGEST}`, fixturesDir: path.join(tmp, 'none') })).rejects.toThrow(/fixtures directory .* not found/);
    await expect(runSystemTest({ ...d, image: `localhost/app@${DIGEST}`, comparisons: [{ output: 'b.csv' }] })).rejects.toThrow(/expected file .*b\.csv not found/);
    const badSuite = path.join(tmp, 'bad-suite.yml');
    writeFileSync(badSuite, 'version: 1\nsuite: outputs\nchecks:\n  - type: uniq\n    dataset: a\n');
    await expect(runSystemTest({ ...d, image: `localhost/app@${DIGEST}`, suites: [badSuite] })).rejects.toThrow(/unknown check type "uniq"/);
    // a comparison (from dataops.yml) stays inside the expected directory, even one given on the command line
    writeFileSync(path.join(path.dirname(d.expectedDir), 'secret.csv'), 'x\n1\n');
    await expect(runSystemTest({ ...d, image: `localhost/app@${DIGEST}`, comparisons: [{ output: 'a.csv', expected: '../secret.csv' }] })).rejects.toThrow(/compare\[0\]\.expected: "[^"]*secret\.csv" is outside the expected directory/);
    writeFileSync(path.join(d.expectedDir, '.npmrc'), '//registry.npmjs.org/:_authToken=x\n');
    await expect(runSystemTest({ ...d, image: `localhost/app@${DIGEST}`, comparisons: [{ output: 'a.csv', expected: '.npmrc', format: 'csv' }] })).rejects.toThrow(/compare\[0\]\.expected: "[^"]*\.npmrc" is a credential file \(\.npmrc\)/);
    mkdirSync(d.outputDir);
    writeFileSync(path.join(d.outputDir, 'a.csv'), 'stale');
    await expect(runSystemTest({ ...d, image: `localhost/app@${DIGEST}` })).rejects.toThrow(/output directory .* is not empty \(a\.csv\)/);
  });
});

describe('helpers', () => {
  it('keeps the last non-empty lines of stderr', () => {
    expect(tail('a\n\nb\nc\n', 2)).toEqual(['b', 'c']);
  });
  it('reaches layouts under dot-directories through a symlink with a valid reference name', async () => {
    const dotted = path.join(tmp, '.cache', 'layout');
    mkdirSync(dotted, { recursive: true });
    const safe = await referenceSafeLayout(dotted);
    expect(safe.dir).not.toBe(dotted);
    expect(safe.dir.split('/').filter(Boolean).every((c) => /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/.test(c))).toBe(true);
    await safe.cleanup();
    const plain = await referenceSafeLayout('/tmp');
    expect(plain.dir).toBe('/tmp');
  });
});
