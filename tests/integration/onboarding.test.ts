/**
 * docs/onboarding.md, run as written: every `sh` block of the page, in order, in one bash shell on
 * an empty temporary directory — a new git repository holding only birdstrikes.csv (not one of the
 * example's datasets), the CLI installed from the tarball `npm pack` makes of this checkout, `dataops
 * init`, `dataops init --check`, `dataops flow --approve` — with the real buildah, docker-registry and
 * Pub/Sub emulator. The flow must end with its nine stages PASSED without a file being edited.
 * The wall times (install, and empty repository with the CLI → green) are printed, not asserted.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FLOW_STAGES } from '../../src/core/flow/stages/index.ts';
import { freshStorage, haveBuildah, removeStorage, repoRoot } from '../helpers/buildah.ts';
import { required, tool } from '../helpers/tools.ts';

const run = promisify(execFile);
// npm and the scripts it runs use the Node.js running the tests (24), whatever `node` is first on PATH
const PATH = `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`;
const DOC = path.join(repoRoot, 'docs/onboarding.md');

/** The `sh` blocks of a Markdown page, in order. */
function shellBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!.trimEnd());
}

const emulator = inject('pubsubEmulatorHost');
const ready =
  required('buildah', haveBuildah, 'apt-get install buildah') &&
  (await tool('docker-registry', 'apt-get install docker-registry')) &&
  (await tool('git', 'apt-get install git')) &&
  required('the Pub/Sub emulator', Boolean(emulator), 'install the Google Cloud CLI with the pubsub-emulator component');

describe.skipIf(!ready)('docs/onboarding.md, run as written', () => {
  let tmp: string;
  let storage: string;
  let tarball: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'dataops-onboarding-'));
    storage = await freshStorage('onboarding-');
    // what a user does in a checkout to install it elsewhere without a registry: npm pack (prepack compiles build/)
    const packed = await run('npm', ['pack', '--loglevel=error', '--pack-destination', tmp], { cwd: repoRoot, env: { ...process.env, PATH }, maxBuffer: 64 * 1024 * 1024 }).catch((err: { message: string; stdout?: string; stderr?: string }) => {
      throw new Error(`npm pack failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
    });
    tarball = path.join(tmp, packed.stdout.trim().split('\n').pop()!);
  }, 600_000);
  afterAll(async () => {
    if (storage) await removeStorage(storage);
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('goes from an empty repository with a CSV to nine PASSED stages, every command of the page included', async () => {
    const blocks = shellBlocks(await readFile(DOC, 'utf8'));
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    // a marker with a millisecond clock before each block and at the end
    const script = ['set -euo pipefail', ...blocks.flatMap((b, i) => [`echo "@@block ${i} $(date +%s%3N)"`, b]), `echo "@@block end $(date +%s%3N)"`].join('\n');
    await writeFile(path.join(tmp, 'onboarding.sh'), script);
    const work = path.join(tmp, 'home');
    await mkdir(work);
    const env: NodeJS.ProcessEnv = { ...process.env, PATH, DATAOPS_PACKAGE: tarball, PUBSUB_EMULATOR_HOST: emulator, DATAOPS_BUILDAH_ROOT: storage, npm_config_prefer_offline: 'true', NO_COLOR: '1', FORCE_COLOR: '0' };
    for (const k of Object.keys(env)) if (/^(GITHUB_|RUNNER_|ACTIONS_)/.test(k) || k === 'GH_TOKEN' || k === 'INIT_CWD' || k.startsWith('npm_lifecycle') || k === 'npm_command') delete env[k];
    // output to a file (the flow's progress, npm's notices): read back whole, kept on failure
    const logFile = path.join(tmp, 'onboarding.log');
    const fd = await open(logFile, 'w');
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn('bash', [path.join(tmp, 'onboarding.sh')], { cwd: work, env, stdio: ['ignore', fd.fd, fd.fd], timeout: 1_500_000 });
      child.on('error', reject).on('close', resolve);
    }).finally(() => fd.close());
    const out = await readFile(logFile, 'utf8');
    expect(code, `docs/onboarding.md failed (exit ${code}):\n${out.slice(-8000)}`).toBe(0);

    // init --check: every stage ready
    for (const s of FLOW_STAGES) expect(out).toMatch(new RegExp(`^ready\\s+${s.name}$`, 'm'));
    // the flow's summary: nine PASSED lines, one per stage
    const summary = out.slice(out.lastIndexOf('Summary'));
    const passed = summary.split('\n').filter((l) => /^\s+PASSED\s+\S/.test(l)).map((l) => l.trim().split(/\s+/)[1]);
    expect(passed, summary).toEqual(FLOW_STAGES.map((s) => s.name));
    expect(summary).not.toMatch(/FAILED|SKIPPED|WARNED/);

    // nothing the user keeps in git was edited, nor a file left outside the project
    const repo = path.join(work, 'birdstrikes');
    const { stdout: status } = await run('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: repo, maxBuffer: 64 * 1024 * 1024 });
    expect(status).not.toContain('node_modules/'); // the scaffolded .gitignore keeps the installed CLI out
    expect(status.split('\n').filter((l) => l && !l.startsWith('??'))).toEqual([]);
    expect(status).not.toContain('.dataops/');
    expect((await readdir(work)).sort()).toEqual(['birdstrikes']);

    const marks = Object.fromEntries([...out.matchAll(/^@@block (\S+) (\d+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
    const initBlock = blocks.findIndex((b) => /dataops init/.test(b));
    const installBlock = blocks.findIndex((b) => /npm install/.test(b));
    const seconds = (a: string, b: string) => ((marks[b]! - marks[a]!) / 1000).toFixed(1);
    process.stderr.write(`\nonboarding: install ${seconds(String(installBlock), String(installBlock + 1))} s; empty repository with the CLI → 9/9 PASSED in ${seconds(String(initBlock), 'end')} s (init, check, flow); whole page ${seconds('0', 'end')} s\n`);
  }, 1_800_000);
});
