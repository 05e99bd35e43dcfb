/**
 * What `dataops` loads before it does anything (issue 14, fast start): the CLI resolves only the
 * module of the command it runs, and a command loads GitHub's client (Octokit, @actions/http-client,
 * undici) or the DuckDB engine only when it calls them; `quality` loads the quality history's
 * stores only when a history is named. Each case runs bin/dataops.js in a child
 * process with a preload that records every module Node loads (module.registerHooks).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.ts';

const root = path.resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'cli-start-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const preload = path.join(tmp, 'record-modules.mjs');
writeFileSync(
  preload,
  `import module from 'node:module';
import { writeFileSync } from 'node:fs';
const urls = [];
module.registerHooks({ load(url, context, next) { urls.push(url); return next(url, context); } });
process.on('exit', () => writeFileSync(process.env.DATAOPS_TEST_MODULES, urls.join('\\n')));
`,
);

let n = 0;
/** Runs `dataops args…`; its stdout and the files it loaded (repository-relative; node_modules as `node_modules/<package>/…`). */
async function started(args: string[]): Promise<{ stdout: string; files: string[] }> {
  const list = path.join(tmp, `modules-${++n}.txt`);
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', pathToFileURL(preload).href, path.join(root, 'bin', 'dataops.js'), ...args], {
    cwd: tmp,
    env: { ...process.env, DATAOPS_TEST_MODULES: list },
  });
  const files = readFileSync(list, 'utf8')
    .split('\n')
    .filter((u) => u.startsWith('file:'))
    .map((u) => path.relative(root, new URL(u).pathname).replace(/^.*node_modules\//, 'node_modules/'));
  return { stdout, files };
}

const packages = (files: string[]) => [...new Set(files.filter((f) => f.startsWith('node_modules/')).map((f) => f.split('/').slice(1, f.split('/')[1]!.startsWith('@') ? 3 : 2).join('/')))].sort();
const HEAVY = ['@duckdb/node-api', '@actions/github', '@actions/http-client', '@octokit/core', 'undici', 'tunnel'];

describe('dataops start-up', () => {
  it('--help lists every command from the command table, loading no command module and no package but commander', async () => {
    const { stdout, files } = await started(['--help']);
    for (const c of COMMANDS) expect(stdout).toContain(c.name);
    expect(packages(files)).toEqual(['commander']);
    expect(files.filter((f) => f.startsWith('src/')).sort()).toEqual(['src/cli/commands.ts', 'src/cli/errors.ts', 'src/cli/main.ts', 'src/cli/ui.ts', 'src/core/errors.ts']);
  });

  it.each([['flow'], ['promote'], ['deploy'], ['verify'], ['quality']])('%s loads neither the DuckDB engine nor GitHub’s client (Octokit, http-client, undici) before it calls them', async (name) => {
    const { stdout, files } = await started([name, '--help']);
    expect(stdout).toContain(`Usage: dataops ${name}`);
    expect(files).toContain(`src/cli/commands/${name}.ts`); // the command's module graph was loaded
    expect(packages(files).filter((p) => HEAVY.includes(p))).toEqual([]);
  });

  it('quality loads the quality history stores (history/open.ts, local, git) only when a history is named', async () => {
    writeFileSync(path.join(tmp, 'empty.yml'), 'version: 1\nsuite: empty\ndatasets:\n  d: { sql: "SELECT 1 AS x" }\nchecks:\n  - { type: row_count, dataset: d, min: 1 }\n');
    const history = (files: string[]) => files.filter((f) => ['src/core/history/open.ts', 'src/core/history/local.ts', 'src/core/history/git.ts'].includes(f)).sort();
    const without = await started(['quality', '--suite', 'empty.yml']);
    expect(without.stdout).toContain('suite empty');
    expect(history(without.files)).toEqual([]);
    const named = await started(['quality', '--suite', 'empty.yml', '--history', path.join(tmp, 'history'), '--branch', 'main', '--commit', '0'.repeat(40)]);
    expect(named.stdout).toContain('suite empty');
    expect(history(named.files)).toEqual(['src/core/history/git.ts', 'src/core/history/local.ts', 'src/core/history/open.ts']);
  }, 60_000);
});
