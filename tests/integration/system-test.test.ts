/**
 * System test with real parts: the example pipeline image, built once with buildah (storage under
 * .cache/), run BY DIGEST from its OCI layout on the fixtures, outputs compared with expected/ in
 * DuckDB and checked by quality/outputs.yml.
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.ts';
import { systemTestStage } from '../../src/core/flow/stages/system-test.ts';
import type { FlowContext } from '../../src/core/flow/types.ts';
import { loadProject, type Project } from '../../src/core/project.ts';
import { resolveSystemTestOptions } from '../../src/core/system-test/options.ts';
import { runSystemTest } from '../../src/core/system-test/run.ts';
import { buildExampleImage, type ExampleImage } from '../helpers/system-test-image.ts';
import { localContext } from '../../src/core/runner-context.ts';
import { memoryCgroup } from '../helpers/tools.ts';

const root = path.resolve(import.meta.dirname, '../..');
const exampleDir = path.join(root, 'templates/example-pipeline');

/** A writable memory cgroup: required in CI (tools.ts), else the memory-limit test is skipped with a warning. */
const cgroup = memoryCgroup();

let image: ExampleImage;
let project: Project;
let tmp: string;

beforeAll(async () => {
  image = await buildExampleImage();
  project = await loadProject(exampleDir);
  tmp = await mkdtemp(path.join(os.tmpdir(), 'system-test-it-'));
}, 1_800_000);

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** Options for the example, with the image's layout and storage, writing into a fresh dir. */
async function exampleOptions(name: string, overrides: { expected?: string; fixtures?: string; timeoutMinutes?: number } = {}) {
  return resolveSystemTestOptions(project, { image: image.ref, layoutDir: image.layoutDir, outputDir: path.join(tmp, name), runner: 'buildah', storageRoot: image.storageRoot, ...overrides });
}

describe('system test of the example image (buildah, by digest)', () => {
  it('passes on the fixtures against expected/ through the flow stage, and records the report', async () => {
    const workDir = path.join(tmp, 'flow');
    const logs: string[] = [];
    const ctx: FlowContext = {
      project,
      runner: localContext(),
      workDir,
      now: new Date(),
      approve: false,
      confirm: () => Promise.resolve(false),
      log: (m) => logs.push(m),
      onCleanup: () => undefined,
      state: { image: { name: image.name, digest: image.digest, ref: image.ref, tags: [], layoutDir: image.layoutDir } },
    };
    const prev = process.env.DATAOPS_BUILDAH_ROOT;
    process.env.DATAOPS_BUILDAH_ROOT = image.storageRoot;
    let result;
    try {
      result = await systemTestStage.run(ctx);
    } finally {
      if (prev === undefined) delete process.env.DATAOPS_BUILDAH_ROOT;
      else process.env.DATAOPS_BUILDAH_ROOT = prev;
    }
    const report = JSON.parse(await readFile(path.join(workDir, 'system-test', 'report.json'), 'utf8'));
    const failing = report.checks.filter((c: { status: string }) => c.status !== 'pass');
    expect(failing, JSON.stringify(failing, null, 2)).toEqual([]);
    expect(result.status).toBe('passed');
    expect(result.details?.digest).toBe(image.digest);
    expect(report.suite.name).toBe('system_test');
    const types = report.checks.map((c: { type: string }) => c.type);
    expect(types[0]).toBe('container_run');
    for (const t of ['golden_row_count', 'golden_schema', 'golden_keys', 'golden_aggregates', 'golden_values']) expect(types).toContain(t);
    expect(report.checks.some((c: { id: string }) => c.id === 'outputs.unique_daily_routes_date_origin_destination')).toBe(true);
    expect(report.checks[0].message).toMatch(/^exited 0 in /);
    expect(ctx.state.systemTest).toMatchObject({ status: 'pass', reportPath: path.join(workDir, 'system-test', 'report.json') });
    expect(ctx.state.systemTest?.sha256).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await readFile(path.join(workDir, 'system-test', 'junit.xml'), 'utf8')).toContain('<testsuite');
    expect(await readFile(path.join(workDir, 'system-test', 'summary.md'), 'utf8')).toContain('container_run');
  });

  it('fails with a clear message against a deliberately broken expected file', async () => {
    const expected = path.join(tmp, 'expected-broken');
    await cp(path.join(exampleDir, 'expected'), expected, { recursive: true });
    // the CSV golden: one value changed beyond the tolerance, one row dropped
    const csv = (await readFile(path.join(expected, 'daily_routes.csv'), 'utf8')).trimEnd().split('\n');
    const [header, first, second, ...rest] = csv;
    const cols = header!.split(',');
    const cells = first!.split(',');
    const flightsAt = cols.indexOf('flights');
    cells[flightsAt] = String(Number(cells[flightsAt]) + 5);
    await writeFile(path.join(expected, 'daily_routes.csv'), [header, cells.join(','), ...rest].join('\n') + '\n');
    void second;
    const report = await runSystemTest(await exampleOptions('broken', { expected }));
    expect(report.status).toBe('fail');
    expect(report.failed_step).toBe(true);
    const by = (id: string) => report.checks.find((c) => c.id === id)!;
    expect(by('container_run').status).toBe('pass');
    // the parquet golden is intact
    expect(report.checks.filter((c) => c.dataset === 'daily_routes' && c.status !== 'pass')).toEqual([]);
    expect(by('golden_row_count_daily_routes_csv')).toMatchObject({ status: 'fail', message: `${csv.length - 1} rows, expected ${csv.length - 2} (+1)` });
    const keyOf = (line: string) => line.split(',').slice(0, 3);
    const [d, o, de] = keyOf(second!);
    expect(by('golden_keys_daily_routes_csv').message).toContain(`1 key(s) only in the output; e.g. output has ${d}/${o}/${de}`);
    const values = by('golden_values_daily_routes_csv');
    expect(values.status).toBe('fail');
    expect(values.message).toContain(`flights = ${Number(first!.split(',')[flightsAt]!)}, expected ${Number(first!.split(',')[flightsAt]!) + 5}`);
    const agg = by('golden_aggregates_daily_routes_csv');
    expect(agg.status).toBe('fail');
    expect(agg.message).toMatch(/sum\(flights\) = \d+, expected \d+/);
  });

  it('refuses a tag-only image reference before running anything', async () => {
    const opts = await exampleOptions('tag-only');
    await expect(runSystemTest({ ...opts, image: `${image.name}:latest` })).rejects.toThrow(ConfigError);
    await expect(runSystemTest({ ...opts, image: `${image.name}:latest` })).rejects.toThrow(/has no digest/);
    const cli = spawnSync(process.execPath, ['src/cli/main.ts', 'system-test', '--project', exampleDir, '--image', `${image.name}:latest`, '--output-dir', path.join(tmp, 'cli-tag')], { cwd: root, encoding: 'utf8' });
    expect(cli.status).toBe(2);
    expect(cli.stderr).toContain('has no digest');
  });

  it('reports a container that exits non-zero, with its stderr, and leaves the outputs unchecked', async () => {
    const fixtures = path.join(tmp, 'fixtures-without-flights');
    await mkdir(fixtures, { recursive: true });
    await cp(path.join(exampleDir, 'fixtures', 'airports.csv'), path.join(fixtures, 'airports.csv'));
    const report = await runSystemTest(await exampleOptions('nonzero', { fixtures }));
    expect(report.status).toBe('fail');
    expect(report.checks).toHaveLength(1);
    const run = report.checks[0]!;
    expect(run).toMatchObject({ id: 'container_run', status: 'fail', failing_rows: 1 });
    expect(run.message).toMatch(/^exited with code 2 in [\d.]+ m?s.*; outputs not checked \(full output: .*stdout\.log, .*stderr\.log\)\. stderr:\n/s);
    expect(run.message).toContain('input error');
    expect(run.samples[0]).toMatchObject({ exit_code: 2, timed_out: false });
  });

  it.skipIf(!cgroup)('reports a container killed at its memory limit', async () => {
    const opts = await exampleOptions('memory');
    const report = await runSystemTest({ ...opts, memoryLimit: '40m' });
    expect(report.checks).toHaveLength(1);
    const run = report.checks[0]!;
    expect(run).toMatchObject({ id: 'container_run', status: 'fail', threshold: { memory_limit: '40m' } });
    expect(run.message).toMatch(/^exited with code 137 \(killed by the kernel OOM killer: over the memory limit of 40m; the memory cgroup counted an oom_kill\)/);
  });

  it('reports a container that runs past its timeout as timed out', async () => {
    const opts = await exampleOptions('timeout');
    const report = await runSystemTest({ ...opts, timeoutMs: 50 });
    const run = report.checks[0]!;
    expect(report.checks).toHaveLength(1);
    expect(run).toMatchObject({ id: 'container_run', status: 'fail' });
    expect(run.message).toMatch(/^timed out after 50 ms and was stopped; outputs not checked/);
    expect(run.samples[0]).toMatchObject({ timed_out: true });
    expect(report.failed_step).toBe(true);
  });
});
