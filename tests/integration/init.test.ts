/**
 * `dataops init` on real vega-datasets files: the suites it proposes from profiling pass on the
 * data they were proposed from and fail on a corrupted copy (nulls injected, a duplicate key, an
 * out-of-range value, an unknown category). Existing files are never overwritten.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requirePinnedPolicy } from '../../src/core/promotion/config.ts';
import { projectPromotionConfig } from '../../src/core/promotion/consumer.ts';
import { startFakeGitHub } from '../helpers/github-server.ts';
import { initProject } from '../../src/core/init/index.ts';
import { loadProject } from '../../src/core/project.ts';
import { runSuite } from '../../src/core/quality/run.ts';
import { lintPath } from '../../src/core/lint/index.ts';
import type { DatasetSpec } from '../../src/core/quality/suite.ts';
import { localContext, runnerContext } from '../../src/core/runner-context.ts';

const data = path.resolve(import.meta.dirname, '../../node_modules/vega-datasets/data');
let tmp: string;
let proj: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'dataops-init-'));
  // the repository: the project is a directory of it, its data files sit next to the project
  // (a suite may read files anywhere in the repository, nothing outside it)
  await mkdir(path.join(tmp, '.git'));
  proj = path.join(tmp, 'weather-cars');
  await copyFile(path.join(data, 'seattle-weather.csv'), path.join(tmp, 'seattle-weather.csv'));
  await copyFile(path.join(data, 'cars.json'), path.join(tmp, 'cars.json'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function run(suite: string, datasets?: Record<string, DatasetSpec>) {
  const project = await loadProject(proj);
  return runSuite({ suiteFile: path.join(proj, suite), projectDatasets: datasets ?? project.config.datasets, projectDir: proj, threads: 1 });
}

describe('dataops init', () => {
  it('scaffolds dataops.yml, one suite per dataset, .gitignore and the starter workflows (--pipeline none)', async () => {
    const result = await initProject(proj, { datasets: [path.join(tmp, 'seattle-weather.csv'), path.join(tmp, 'cars.json')], pipeline: 'none', runner: localContext() });
    expect(result.created.sort()).toEqual(['.github/workflows/dataops-cd.yml', '.github/workflows/dataops-ci.yml', '.gitignore', 'dataops.yml', 'quality/cars.yml', 'quality/seattle_weather.yml']);
    expect(result.kept).toEqual([]);
    expect(result.datasets.map((d) => [d.name, d.rows, d.columns])).toEqual([
      ['seattle_weather', 1461, 6],
      ['cars', 406, 9],
    ]);
    const project = await loadProject(proj);
    expect(project.config.name).toBe('weather-cars');
    expect(project.config.datasets.seattle_weather).toEqual({ path: '../seattle-weather.csv' });
    expect(project.config.quality?.suites).toEqual(['quality/seattle_weather.yml', 'quality/cars.yml']);
    const weather = await readFile(path.join(proj, 'quality/seattle_weather.yml'), 'utf8');
    for (const t of ['type: schema', 'type: row_count', 'type: not_null', 'type: unique', 'type: accepted_values', 'type: range']) expect(weather).toContain(t);
    const workflow = await readFile(path.join(proj, '.github/workflows/dataops-ci.yml'), 'utf8');
    expect(workflow).toContain('branches: [main]');
    expect(workflow).not.toContain('$default-branch');
  });

  it('proposes suites that pass on the profiled data', async () => {
    for (const suite of ['quality/seattle_weather.yml', 'quality/cars.yml']) {
      const report = await run(suite);
      expect(report.errors).toEqual([]);
      expect(report.checks.filter((c) => c.status !== 'pass').map((c) => `${c.id}: ${c.message}`)).toEqual([]);
      expect(report.status).toBe('pass');
    }
  });

  it('fails on a corrupted copy of the CSV (null, duplicate key, out-of-range, unknown category)', async () => {
    const lines = (await readFile(path.join(tmp, 'seattle-weather.csv'), 'utf8')).trimEnd().split('\n');
    // row 2: precipitation emptied (null); row 3: temp_max 99 (above the observed max); row 4: weather "hail"; last row duplicated (same date)
    const cells = (i: number) => lines[i]!.split(',');
    const r2 = cells(2);
    r2[1] = '';
    const r3 = cells(3);
    r3[2] = '99';
    const r4 = cells(4);
    r4[5] = 'hail';
    const corrupted = [lines[0], lines[1], r2.join(','), r3.join(','), r4.join(','), ...lines.slice(5), lines[lines.length - 1]].join('\n') + '\n';
    await writeFile(path.join(tmp, 'corrupted-weather.csv'), corrupted);
    const report = await run('quality/seattle_weather.yml', { seattle_weather: { path: path.join(tmp, 'corrupted-weather.csv') } });
    expect(report.status).toBe('fail');
    const failed = report.checks.filter((c) => c.status === 'fail').map((c) => c.type);
    expect(failed).toEqual(expect.arrayContaining(['not_null', 'unique', 'range', 'accepted_values']));
    expect(report.checks.find((c) => c.type === 'unique')!.failing_rows).toBeGreaterThan(0);
    expect(report.checks.find((c) => c.type === 'schema')!.status).toBe('pass');
  });

  it('fails on a corrupted copy of the JSON', async () => {
    const cars = JSON.parse(await readFile(path.join(tmp, 'cars.json'), 'utf8')) as Array<Record<string, unknown>>;
    cars[0]!.Name = null;
    cars[1]!.Horsepower = 999;
    cars[2]!.Origin = 'Atlantis';
    await writeFile(path.join(tmp, 'corrupted-cars.json'), JSON.stringify(cars));
    const report = await run('quality/cars.yml', { cars: { path: path.join(tmp, 'corrupted-cars.json') } });
    expect(report.status).toBe('fail');
    const failed = report.checks.filter((c) => c.status === 'fail').map((c) => `${c.type}:${c.columns.join(',')}`);
    expect(failed).toEqual(expect.arrayContaining(['range:Horsepower', 'accepted_values:Origin']));
    expect(failed.some((f) => f.startsWith('not_null:') && f.includes('Name'))).toBe(true);
  });

  it('never overwrites existing files and reports them as kept', async () => {
    const before = await readFile(path.join(proj, 'quality/cars.yml'), 'utf8');
    await writeFile(path.join(proj, 'Dockerfile'), 'FROM scratch\n');
    const result = await initProject(proj, { datasets: [path.join(tmp, 'cars.json')], pipeline: 'none', runner: localContext() });
    expect(result.created).toEqual([]);
    expect(result.kept.sort()).toEqual(['.github/workflows/dataops-cd.yml', '.github/workflows/dataops-ci.yml', '.gitignore', 'dataops.yml', 'quality/cars.yml']);
    expect(await readFile(path.join(proj, 'quality/cars.yml'), 'utf8')).toBe(before);
    expect(await readFile(path.join(proj, 'Dockerfile'), 'utf8')).toBe('FROM scratch\n');
  });

  it('scaffolds a project that dataops lint finds clean', async () => {
    const report = await lintPath(proj, { external: false });
    expect(report.findings).toEqual([]);
    expect(report.files.project).toEqual(['dataops.yml']);
    expect(report.files.suites).toEqual(['quality/cars.yml', 'quality/seattle_weather.yml']);
    expect(report.files.workflows).toEqual(['.github/workflows/dataops-cd.yml', '.github/workflows/dataops-ci.yml']);
  });

  it('refuses a missing dataset file and a run without datasets', async () => {
    await expect(initProject(path.join(tmp, 'x'), { datasets: [], runner: localContext() })).rejects.toThrow(/no dataset given/);
    await expect(initProject(path.join(tmp, 'x'), { datasets: [path.join(tmp, 'nope.csv')], runner: localContext() })).rejects.toThrow(/dataset file not found/);
  });

  it('pins the promotion policy to the GitHub repository of the origin remote by id (fake GitHub API), so production accepts it', async () => {
    const gh = await startFakeGitHub();
    try {
      const dir = path.join(tmp, 'pinned');
      await mkdir(dir, { recursive: true });
      execFileSync('git', ['init', '-q', dir]);
      execFileSync('git', ['-C', dir, 'remote', 'add', 'origin', 'git@github.com:octo-org/weather.git']);
      const result = await initProject(dir, { datasets: [path.join(tmp, 'seattle-weather.csv')], workflow: false, pipeline: 'none', runner: runnerContext({ GITHUB_API_URL: gh.url, GITHUB_TOKEN: gh.token }), api: gh.api() });
      const info = gh.repos.get('octo-org/weather')!;
      expect(result.pinned).toEqual({ repository: 'octo-org/weather', repository_id: String(info.id), repository_owner_id: String(info.owner.id) });
      const project = await loadProject(dir);
      const policy = projectPromotionConfig(project).policy;
      expect(policy).toMatchObject({ repository: 'octo-org/weather', repository_id: String(info.id), repository_owner_id: String(info.owner.id) });
      expect(() => requirePinnedPolicy(policy, project.file)).not.toThrow();
      // without a remote there is nothing to pin: a note says what to do, and the consumer would refuse the policy
      const bare = path.join(tmp, 'no-remote');
      const plain = await initProject(bare, { datasets: [path.join(tmp, 'seattle-weather.csv')], workflow: false, pipeline: 'none', runner: runnerContext({}) });
      expect(plain.pinned).toBeUndefined();
      expect(plain.notes.join('\n')).toMatch(/pin promotion\.policy\.repository_id and repository_owner_id/);
      const unpinned = projectPromotionConfig(await loadProject(bare)).policy;
      expect(() => requirePinnedPolicy(unpinned)).toThrow(/promotion\.policy\.repository_id is not set/);
    } finally {
      await gh.close();
    }
  });
});
