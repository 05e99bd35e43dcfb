/**
 * Copies and runs committed action bundles. An action's `dist/<name>/index.js` is a stub that loads
 * the shared bundle `dist/actions/` (main.js, its chunks, source maps and runtime-package locks).
 * A bundle runs as the runner does: inputs as `INPUT_<NAME>`
 * env variables (upper-cased, hyphens kept), `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY` files, and the
 * test process's environment minus runner-protocol variables (as a runner passes its own).
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const repoRoot = path.resolve(import.meta.dirname, '../..');

/**
 * Copies the committed bundle of action `name` (its stub and the shared `dist/actions/`) to
 * `<distDir>/<name>/`, `<distDir>/actions/` and `<distDir>/package.json`, away from any node_modules, as a runner checks the
 * action out. @returns the path of the stub to run.
 */
export function copyBundle(name: string, distDir: string): string {
  cpSync(path.join(repoRoot, 'dist', 'package.json'), path.join(distDir, 'package.json'));
  cpSync(path.join(repoRoot, 'dist', 'actions'), path.join(distDir, 'actions'), { recursive: true });
  cpSync(path.join(repoRoot, 'dist', name), path.join(distDir, name), { recursive: true });
  return path.join(distDir, name, 'index.js');
}

/** What a bundle run left: exit code, stdout and stderr interleaved, step outputs, job summary. */
export interface BundleRun {
  code: number | null;
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
}

/** Parses a `GITHUB_OUTPUT` file (`name<<delimiter` blocks, as @actions/core writes them). */
export function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/^([^<\n]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) out[m[1]!] = m[3]!;
  return out;
}

/**
 * Runs `bundle` with `inputs`; `dir` (created) holds the output and summary files. `env` is added
 * last; `strip` removes further inherited variables (e.g. DOCKER_CONFIG).
 */
export async function runBundle(bundle: string, inputs: Record<string, string>, options: { dir: string; cwd?: string; env?: Record<string, string>; strip?: RegExp }): Promise<BundleRun> {
  mkdirSync(options.dir, { recursive: true });
  const files = { out: path.join(options.dir, 'output'), summary: path.join(options.dir, 'summary.md') };
  writeFileSync(files.out, '');
  writeFileSync(files.summary, '');
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(INPUT_|GITHUB_|RUNNER_)/.test(k) && !options.strip?.test(k)));
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  Object.assign(env, { GITHUB_ACTIONS: 'true', GITHUB_OUTPUT: files.out, GITHUB_STEP_SUMMARY: files.summary, RUNNER_TEMP: options.dir }, options.env);
  const child = spawn(process.execPath, [bundle], { cwd: options.cwd ?? options.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stdout += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout, outputs: parseOutputs(readFileSync(files.out, 'utf8')), summary: readFileSync(files.summary, 'utf8') };
}
