/**
 * System-test fault paths (issue 11, points 10-12) with buildah: the CLI stopped by SIGINT/SIGTERM
 * (container stopped and removed, report written, exit 130/143, nothing left running), a
 * container flooding stdout/stderr (streamed to files, bounded tails in the reports), and exit 137
 * told apart by the memory cgroup's OOM kill counter. The image runs the JavaScript in $SCRIPT.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildah } from '../../src/core/image/buildah.ts';
import { renderJUnit } from '../../src/core/report/junit.ts';
import { runSystemTest, type SystemTestOptions } from '../../src/core/system-test/run.ts';
import { haveBuildah } from '../helpers/buildah.ts';
import { memoryCgroup } from '../helpers/tools.ts';
import { buildScriptImage, type ExampleImage } from '../helpers/system-test-image.ts';

const CLI = path.resolve(import.meta.dirname, '../../src/cli/main.ts');
let image: ExampleImage;
let tmp: string;

/** A writable memory cgroup: required in CI (tools.ts), else the OOM test is skipped with a warning. */
const cgroup = memoryCgroup();

beforeAll(async () => {
  if (!haveBuildah) return;
  image = await buildScriptImage();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'system-test-faults-'));
  await mkdir(path.join(tmp, 'fixtures'), { recursive: true });
  await mkdir(path.join(tmp, 'expected'), { recursive: true });
}, 1_800_000);

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

function options(name: string, script: string, extra: Partial<SystemTestOptions> = {}): SystemTestOptions {
  return { image: image.ref, layoutDir: image.layoutDir, fixturesDir: path.join(tmp, 'fixtures'), expectedDir: path.join(tmp, 'expected'), outputDir: path.join(tmp, name), comparisons: [], env: { SCRIPT: script }, runner: 'buildah', storageRoot: image.storageRoot, timeoutMs: 300_000, ...extra };
}

/** Processes whose command line contains `marker`. */
function processesWith(marker: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(marker) && Number(pid) !== process.pid) found.push(`${pid}: ${cmd.slice(0, 200)}`);
    } catch {
      /* gone */
    }
  }
  return found;
}

describe.skipIf(!haveBuildah)('system-test fault paths (buildah)', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('10: on %s the CLI stops and removes the container, writes an "interrupted" report and exits %i', async (signal, code) => {
    const marker = `dataops-sleeper-${signal}-${process.pid}`;
    const out = path.join(tmp, `signal-${signal}`);
    // the container says it started, then sleeps; the marker names its processes
    const script = `require('fs').writeFileSync('/data/out/started', '1'); setTimeout(() => {}, 600000); /* ${marker} */`;
    const child = spawn(process.execPath, [CLI, 'system-test', '--image', image.ref, '--layout-dir', image.layoutDir, '--fixtures', path.join(tmp, 'fixtures'), '--expected', path.join(tmp, 'expected'), '--output-dir', out, '--runner', 'buildah', '--storage-root', image.storageRoot, '--env', `SCRIPT=${script}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    for (let i = 0; i < 1200 && !existsSync(path.join(out, 'started')); i++) await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(path.join(out, 'started')), stderr).toBe(true);
    expect(processesWith(marker).length).toBeGreaterThan(0);
    const sentAt = performance.now();
    child.kill(signal);
    const exitCode = await exited;
    const seconds = (performance.now() - sentAt) / 1000;
    console.log(`system-test ${signal}: exited ${exitCode} ${seconds.toFixed(2)} s after the signal`);
    expect(exitCode, stderr).toBe(code);
    const report = JSON.parse(await readFile(`${out}-report.json`, 'utf8')) as { status: string; errors: string[]; checks: Array<{ id: string; message: string; samples: Array<Record<string, unknown>> }> };
    expect(report.errors).toEqual([`interrupted by ${signal}: the system test did not finish`]);
    expect(report.checks[0]!.message).toMatch(new RegExp(`^interrupted by ${signal}: the container was stopped and removed`));
    expect(report.checks[0]!.samples[0]).toMatchObject({ interrupted: signal });
    // nothing left: no process of the container, no buildah run, no container in the storage
    expect(processesWith(marker)).toEqual([]);
    const containers = await buildah(image.storageRoot, ['containers', '--all', '--noheading', '--format', '{{.ContainerName}}']);
    expect(containers.stdout.split('\n').filter((n) => n.startsWith('dataops-run-'))).toEqual([]);
  }, 300_000);

  it('11: a container flooding stdout and writing one huge stderr line: outputs go to files, reports keep a bounded tail', async () => {
    const script = [
      "const out = Buffer.alloc(1 << 20, 'o'); let i = 0;",
      'const done = () => { process.stderr.write(Buffer.alloc(64 << 20, 101)); process.stderr.write("\\nthe last line\\n", () => process.exit(3)); };',
      'const pump = () => { while (i < 256) { i++; if (!process.stdout.write(out)) return process.stdout.once("drain", pump); } done(); };',
      'pump();',
    ].join(' ');
    const report = await runSystemTest(options('flood', script));
    const run = report.checks[0]!;
    expect(run).toMatchObject({ id: 'container_run', status: 'fail' });
    const logs = `${path.join(tmp, 'flood')}-logs`;
    expect(statSync(path.join(logs, 'stdout.log')).size).toBe(256 << 20);
    // (buildah may add a line of its own to stderr)
    expect(statSync(path.join(logs, 'stderr.log')).size).toBeGreaterThanOrEqual((64 << 20) + '\nthe last line\n'.length);
    expect(run.message).toContain(`full output: ${path.join(logs, 'stdout.log')}, ${path.join(logs, 'stderr.log')}`);
    expect(run.message).toContain('the last line');
    const json = JSON.stringify(report);
    const junit = renderJUnit([report]);
    console.log(`flood: report ${json.length} bytes, JUnit ${junit.length} bytes`);
    expect(json.length).toBeLessThan(64 * 1024);
    expect(junit.length).toBeLessThan(64 * 1024);
  }, 600_000);

  it('12: a plain "exit 137" is not called out of memory: the cgroup counted no OOM kill', async () => {
    const report = await runSystemTest(options('exit137', 'process.exit(137)', { memoryLimit: '512m' }));
    const run = report.checks[0]!;
    expect(run.message).toMatch(/^exited with code 137/);
    expect(run.message).not.toMatch(/memory limit/);
    if (cgroup) {
      expect(run.message).toMatch(/^exited with code 137 \(killed by SIGKILL, not for memory: the memory cgroup counted no oom_kill\)/);
      expect(run.samples[0]).toMatchObject({ exit_code: 137, oom_killed: false });
    } else {
      expect(run.message).toMatch(/whether it ran out of memory is unknown/);
    }
  }, 300_000);

  it.skipIf(!cgroup)('12: a container over its memory limit is reported as killed by the OOM killer', async () => {
    const report = await runSystemTest(options('oom', 'const keep = []; for (;;) keep.push(Buffer.alloc(1 << 20, 1));', { memoryLimit: '64m' }));
    const run = report.checks[0]!;
    // buildah reports the killed child with its own exit code: the diagnosis comes from the cgroup, not from 137
    expect(run.message).toMatch(/^exited with code \d+ \(killed by the kernel OOM killer: over the memory limit of 64m; the memory cgroup counted an oom_kill\)/);
    expect(run.samples[0]).toMatchObject({ oom_killed: true });
  }, 300_000);
});
