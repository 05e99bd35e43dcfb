/**
 * `dataops init` on real vega-datasets files: the suites it proposes from profiling pass on the
 * data they were proposed from and fail on a corrupted copy (nulls injected, a duplicate key, an
 * out-of-range value, an unknown category). Existing files are never overwritten.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requirePinnedPolicy } from '../../src/core/promotion/config.ts';
import { projectPromotionConfig } from '../../src/core/promotion/consumer.ts';
import { startFakeGitHub } from '../helpers/github-server.ts';
import { initProject } from '../../src/core/init/index.ts';
import { checkProject, type CheckProbes } from '../../src/core/init/check.ts';
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
    // the CI starter checks pull requests (the CD starter runs CI on the default branch), and no placeholder is left outside comments
    expect(workflow).toMatch(/^on:\n {2}pull_request:/m);
    expect(workflow.split('\n').filter((l) => !l.trimStart().startsWith('#') && l.includes('$default-branch'))).toEqual([]);
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

describe('dataops init: a pipeline the whole flow passes unchanged', () => {
  let repo: string;
  const probes = (ok: boolean): CheckProbes => ({ hasTool: () => Promise.resolve(ok), onPath: () => ok, builder: () => Promise.resolve('buildah'), env: {} });
  beforeAll(async () => {
    repo = await mkdtemp(path.join(os.tmpdir(), 'dataops-init-birds-'));
    execFileSync('git', ['init', '-q', repo]);
    await copyFile(path.join(data, 'birdstrikes.csv'), path.join(repo, 'birdstrikes.csv'));
    await writeFile(path.join(repo, '.gitignore'), 'node_modules/');
  });
  afterAll(async () => {
    await rm(repo, { recursive: true, force: true });
  });

  it('finds the data file, cuts fixtures, computes expected outputs and writes every file a stage needs', async () => {
    const result = await initProject(repo, { datasets: [], runner: localContext() });
    expect(result.datasets.map((d) => [d.name, d.rows])).toEqual([['birdstrikes', 10000]]);
    expect(result.created.sort()).toEqual([
      '.dockerignore',
      '.github/workflows/dataops-cd.yml',
      '.github/workflows/dataops-ci.yml',
      'Dockerfile',
      'dataops.yml',
      'deploy/base/cronjob.yaml',
      'deploy/base/data.yaml',
      'deploy/base/kustomization.yaml',
      'deploy/overlays/production/kustomization.yaml',
      'deploy/overlays/staging/kustomization.yaml',
      'expected/birdstrikes.csv',
      'expected/pipeline_summary.csv',
      'fixtures/birdstrikes.csv',
      'pipeline/main.mjs',
      'quality/birdstrikes.yml',
    ]);
    // an existing .gitignore gets the flow's scratch directory appended
    expect(result.updated).toEqual(['.gitignore']);
    expect(await readFile(path.join(repo, '.gitignore'), 'utf8')).toMatch(/^node_modules\/\n.*\n\.dataops\/\n$/s);
    const dockerfile = await readFile(path.join(repo, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^USER 1000:1000$/m);
    expect(dockerfile).toMatch(/^COPY pipeline\/ \.\/pipeline\/$/m);
    expect(dockerfile).toContain('ENTRYPOINT ["node", "/app/pipeline/main.mjs"');
    const ignore = (await readFile(path.join(repo, '.dockerignore'), 'utf8')).split('\n');
    for (const line of ['*', '!pipeline/', '**/.dataops', '**/.env', '**/.npmrc', '**/gha-creds-*.json', '**/*.csv']) expect(ignore).toContain(line);
    // fixtures: the first 500 rows; expected: what the pipeline makes of them (one duplicate row dropped)
    expect((await readFile(path.join(repo, 'fixtures/birdstrikes.csv'), 'utf8')).trimEnd().split('\n')).toHaveLength(501);
    expect(await readFile(path.join(repo, 'expected/pipeline_summary.csv'), 'utf8')).toBe('dataset,columns,rows_in,rows_out,rejected,duplicates\nbirdstrikes,14,500,499,0,1\n');
    const project = await loadProject(repo);
    expect(project.config.name).toBe(path.basename(repo).toLowerCase());
    expect(project.config.image?.system_test?.compare.map((c) => c.output)).toEqual(['birdstrikes.csv', 'pipeline_summary.csv']);
    expect(Object.keys(project.config.deploy?.environments ?? {})).toEqual(['staging', 'production']);
    expect(project.config.deploy?.verify?.smoke.job?.expect_outputs).toEqual(['birdstrikes.csv', 'pipeline_summary.csv']);
    expect(project.config.promotion?.policy.allowed_refs).toEqual(['refs/heads/main', 'refs/tags/v*']);
    const cd = await readFile(path.join(repo, '.github/workflows/dataops-cd.yml'), 'utf8');
    // CD runs its jobs on the repository's default branch whatever it is called (no branch name to fill in)
    expect(cd).toContain("if: ${{ github.ref == format('refs/heads/{0}', github.event.repository.default_branch) }}");
    expect(cd).toContain('# copied workflow keeps no `$default-branch` placeholder');
    const report = await lintPath(repo, { external: false });
    expect(report.findings).toEqual([]);
  });

  it('init --check: every stage ready with the tools present; the missing tool named per stage otherwise', async () => {
    const ready = await checkProject(repo, { probes: probes(true) });
    expect(ready.filter((s) => !s.ready)).toEqual([]);
    const lacking = Object.fromEntries((await checkProject(repo, { probes: probes(false) })).map((s) => [s.stage, s.missing.join('; ')]));
    expect(lacking['build-image']).toMatch(/buildah/);
    expect(lacking['push-image']).toMatch(/docker-registry/);
    expect(lacking['publish-promotion']).toMatch(/gcloud .*PUBSUB_EMULATOR_HOST/);
    expect(lacking.quality).toBe('');
  });

  it('init --check on a project of suites only lists what each stage lacks', async () => {
    const stages = Object.fromEntries((await checkProject(proj, { probes: probes(true) })).map((s) => [s.stage, s.missing]));
    expect(stages['build-image']).toEqual([]); // the test above wrote a Dockerfile there
    expect(stages['system-test']).toEqual(['image.system_test in dataops.yml (fixtures, expected, compare)']);
    expect(stages['deploy-staging']).toEqual(['deploy.environments.staging in dataops.yml']);
    expect(stages['verify-staging']).toEqual(['deploy.verify in dataops.yml (smoke and performance)']);
    expect(stages['promote-production']).toEqual(['deploy.environments.production in dataops.yml']);
    expect(stages.quality).toEqual([]);
  });

  it('the CLI under `npm run dataops` works on the directory the user ran npm in (INIT_CWD), and a bad --pipeline is one line, exit 2', () => {
    const root = path.resolve(import.meta.dirname, '../..');
    const cli = (args: string[], env: NodeJS.ProcessEnv) => spawnSync(process.execPath, [path.join(root, 'src/cli/main.ts'), ...args], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' });
    const check = cli(['init', '--check'], { npm_lifecycle_event: 'dataops', INIT_CWD: repo, NO_COLOR: '1' });
    expect(check.stdout, check.stderr).toMatch(/^ready\s+system-test$/m);
    expect(check.stdout).toMatch(/^ready\s+verify-staging$/m);
    const bad = cli(['init', '--pipeline', 'cobol'], { npm_lifecycle_event: 'dataops', INIT_CWD: repo });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe('dataops init: configuration error: --pipeline: no pipeline template for "cobol". Use node or none.');
  });
});
