/**
 * The real tools and capabilities tests need (buildah, skopeo, docker-registry, kubectl, git,
 * shellcheck, a writable memory cgroup, gcloud's Pub/Sub emulator), and what happens when one is
 * missing. On a developer's machine the tests that need it are skipped, with a line on stderr
 * saying which and why. With DATAOPS_REQUIRE_TOOLS=1 (scripts/test sets it when CI=true) a
 * missing tool is an error that fails the test file: a broken bootstrap, emulator or buildah must
 * never go green.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hasTool } from '../../src/core/exec.ts';

/** Whether a missing tool fails the run (CI) instead of skipping its tests. */
export const TOOLS_REQUIRED = process.env.DATAOPS_REQUIRE_TOOLS === '1';

/**
 * `available` as is; when false, in CI an Error naming `what` (thrown where the test file calls
 * this, so the file fails), else a warning on stderr and false (its tests skip).
 */
export function required(what: string, available: boolean, install: string): boolean {
  if (available) return true;
  const message = `${what} is not available (${install}); the tests that need it ${TOOLS_REQUIRED ? 'cannot run' : 'are skipped'}`;
  if (TOOLS_REQUIRED) throw new Error(`DATAOPS_REQUIRE_TOOLS=1: ${message}`);
  process.stderr.write(`\nWARNING: ${message}\n`);
  return false;
}

/** Whether `cmd` runs (`cmd --version` exits 0); see {@link required}. */
export async function tool(cmd: string, install: string, versionArgs: readonly string[] = ['--version']): Promise<boolean> {
  return required(cmd, await hasTool(cmd, versionArgs), install);
}

/** True when this process may create a child memory cgroup (what enforces a limit and counts OOM kills under buildah). */
function memoryCgroupWritable(): boolean {
  try {
    const self = readFileSync('/proc/self/cgroup', 'utf8');
    const v1 = /^\d+:memory:(.*)$/m.exec(self)?.[1];
    const base = v1 !== undefined && existsSync('/sys/fs/cgroup/memory') ? path.join('/sys/fs/cgroup/memory', v1) : path.join('/sys/fs/cgroup', /^0::(.*)$/m.exec(self)?.[1] ?? '/');
    const dir = path.join(base, `dataops-probe-${process.pid}`);
    mkdirSync(dir);
    rmdirSync(dir);
    return true;
  } catch {
    return false;
  }
}

/** A writable memory cgroup (OOM and memory-limit tests of the container runner); see {@link required}. */
export function memoryCgroup(): boolean {
  return required('a writable memory cgroup', memoryCgroupWritable(), 'run as root with cgroup v1 memory or cgroup v2 delegated');
}

/**
 * A Node.js 20 executable: the `node` on PATH of GitHub-hosted runners, which a composite action's
 * `run: node …` step gets (the root action.yml's `stages` step). The first of `$DATAOPS_NODE20`,
 * `/usr/bin/node` and `$DATAOPS_TOOLS/node-v20.*` (scripts/bootstrap installs one there) whose
 * `--version` is v20; undefined when none is (see {@link required}: in CI that fails the test file).
 */
export function node20(): string | undefined {
  const tools = process.env.DATAOPS_TOOLS ?? path.join(os.homedir(), '.cache', 'dataops-tools');
  const installed = existsSync(tools) ? readdirSync(tools).filter((d) => d.startsWith('node-v20.')).map((d) => path.join(tools, d, 'bin', 'node')) : [];
  const found = [process.env.DATAOPS_NODE20, '/usr/bin/node', ...installed].find((bin) => bin && existsSync(bin) && /^v20\./.test(spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout ?? ''));
  return required('Node.js 20 (the `node` of GitHub-hosted runners)', found !== undefined, 'run scripts/bootstrap, or set DATAOPS_NODE20 to a Node 20 executable') ? found : undefined;
}
