/**
 * actions/data-quality as GitHub runs it: the committed bundle (copied away from the repository, so
 * no node_modules is reachable) started as a child process with the runner's protocol — `INPUT_*`
 * env (hyphens kept), GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_EVENT_PATH — against the local
 * fake of GitHub's REST API. The DuckDB engine is installed once into a tool cache shared by the file.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Report } from '../../src/core/report/report.ts';
import { startFakeGitHub, type FakeGitHub } from '../helpers/github-server.ts';
import { copyBundle } from '../helpers/run-bundle.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'dq-action-'));
const bundle = copyBundle('data-quality', path.join(tmp, 'action', 'dist'));
const toolCache = path.join(tmp, 'tool-cache');
const ws = path.join(tmp, 'workspace');
const SHA = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
let gh: FakeGitHub;

beforeAll(async () => {
  mkdirSync(ws, { recursive: true });
  writeFileSync(path.join(ws, 'people.csv'), 'id,name,email,age\n1,Ann,ann@example.com,34\n2,Bob,,41\n3,Cy,cy@example,200\n3,Dee,dee@example.com,29\n');
  gh = await startFakeGitHub();
});
afterAll(async () => {
  await gh?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const PEOPLE = `version: 1
suite: people
datasets:
  people:
    path: people.csv
    columns:
      email: { pii: true }
checks:
  - type: not_null
    dataset: people
    columns: email
  - type: unique
    dataset: people
    columns: id
  - type: range
    dataset: people
    column: age
    min: 0
    max: 120
    severity: warn
  - type: row_count
    dataset: people
    min: 1
`;
// line of each check's first key in PEOPLE
const LINES = { not_null: 9, unique: 12, range: 15 };

const WARN_ONLY = `version: 1
suite: warn_only
datasets:
  people: { path: people.csv }
checks:
  - type: range
    dataset: people
    column: age
    max: 120
    severity: warn
`;

const PASSING = `version: 1
suite: passing
datasets:
  people: { path: people.csv }
checks:
  - type: row_count
    dataset: people
    min: 1
`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

/** GITHUB_OUTPUT's `name<<delimiter` … `delimiter` blocks. */
function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /^([^<\n]+)<<(\S+)\n([\s\S]*?)\n\2$/gm;
  for (const m of text.matchAll(re)) out[m[1]!] = m[3]!;
  return out;
}

let runNo = 0;
async function runAction(inputs: Record<string, string>, options: { event?: object; sha?: string; bundle?: string; toolCache?: string; env?: Record<string, string> } = {}): Promise<Run> {
  const dir = path.join(tmp, `run-${++runNo}`);
  mkdirSync(dir, { recursive: true });
  const files = { out: path.join(dir, 'output'), summary: path.join(dir, 'summary.md'), event: path.join(dir, 'event.json') };
  writeFileSync(files.out, '');
  writeFileSync(files.summary, '');
  writeFileSync(files.event, JSON.stringify(options.event ?? { ref: 'refs/heads/main' }));
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(INPUT_|GITHUB_|RUNNER_)/.test(k)));
  // the runner's input protocol: INPUT_ + name upper-cased, spaces to "_", hyphens kept
  for (const [k, v] of Object.entries({ token: gh.token, ...inputs })) env[`INPUT_${k.replace(/ /g, '_').toUpperCase()}`] = v;
  Object.assign(env, {
    GITHUB_ACTIONS: 'true',
    GITHUB_OUTPUT: files.out,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_EVENT_PATH: files.event,
    GITHUB_SHA: options.sha ?? SHA,
    GITHUB_REPOSITORY: 'octo/pipeline',
    GITHUB_API_URL: gh.url,
    GITHUB_WORKSPACE: ws,
    GITHUB_RUN_ID: '42',
    RUNNER_TEMP: path.join(dir, 'runner-temp'),
    RUNNER_TOOL_CACHE: options.toolCache ?? toolCache,
    ...options.env,
  });
  mkdirSync(env.RUNNER_TEMP!, { recursive: true });
  const child = spawn(process.execPath, [options.bundle ?? bundle], { cwd: ws, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout, stderr, outputs: parseOutputs(readFileSync(files.out, 'utf8')), summary: readFileSync(files.summary, 'utf8') };
}

const suite = (name: string, text: string) => {
  writeFileSync(path.join(ws, name), text);
  return name;
};
const readReport = (p: string) => JSON.parse(readFileSync(p, 'utf8')) as Report;

beforeEach(() => {
  gh.checkRuns.length = 0;
  gh.requests.length = 0;
});

describe('data-quality action', () => {
  it('reports a failing suite: outputs, summary, annotations, report, JUnit, check run — then fails the step', async () => {
    const r = await runAction({ suite: suite('people.yml', PEOPLE) });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.outputs).toMatchObject({ status: 'fail', failed: '2', warned: '1', errored: '0', passed: '1' });
    // annotations at the failing checks' suite lines
    expect(r.stdout).toMatch(new RegExp(`::error title=data-quality fail%3A people/not_null_people_email[^:]*,file=people.yml,line=${LINES.not_null}::`));
    expect(r.stdout).toMatch(new RegExp(`::error title=data-quality fail%3A people/unique_people_id[^:]*,file=people.yml,line=${LINES.unique}::`));
    expect(r.stdout).toMatch(new RegExp(`::warning title=data-quality warn%3A people/range_people_age[^:]*,file=people.yml,line=${LINES.range}::`));
    expect(r.stdout).toMatch(/::error::data-quality: suite people fail/);
    // summary: verdict, failures first, samples with PII masked
    expect(r.summary).toMatch(/^## ❌ Data quality: people — fail/);
    expect(r.summary.indexOf('`not_null_people_email`')).toBeLessThan(r.summary.indexOf('`range_people_age`'));
    expect(r.summary.indexOf('`range_people_age`')).toBeLessThan(r.summary.indexOf('`row_count_people`'));
    expect(r.summary).toContain('<details><summary>');
    expect(r.summary).toContain('| people | 4 | `people.csv` |');
    for (const secret of ['ann@example.com', 'cy@example', 'dee@example.com']) {
      expect(r.summary).not.toContain(secret);
      expect(r.stdout).not.toContain(secret);
    }
    // files
    const report = readReport(r.outputs['report-path']!);
    expect(report).toMatchObject({ report_version: 1, status: 'fail', failed_step: true, counts: { total: 4, fail: 2, warn: 1, pass: 1, error: 0 } });
    expect(readFileSync(r.outputs['junit-path']!, 'utf8')).toContain('<testsuite');
    // one check run on the commit, failure
    expect(gh.checkRuns).toHaveLength(1);
    expect(gh.checkRuns[0]).toMatchObject({ name: 'dataops quality: people', head_sha: SHA, status: 'completed', conclusion: 'failure' });
    expect(gh.checkRuns[0]!.output.annotations).toHaveLength(3);
  });

  it('updates the same check run in place on a re-run (never a duplicate)', async () => {
    const file = suite('people.yml', PEOPLE);
    await runAction({ suite: file });
    await runAction({ suite: file, 'fail-on': 'never' });
    expect(gh.checkRuns).toHaveLength(1);
    expect(gh.checkRuns[0]!.conclusion).toBe('neutral');
    expect(gh.requests.filter((q) => q.method === 'POST' && q.path.endsWith('/check-runs'))).toHaveLength(1);
  });

  it('puts the check run on the pull request head, not the merge commit', async () => {
    const head = 'feedfacecafebeef000000000000000000000000';
    const r = await runAction({ suite: suite('passing.yml', PASSING) }, { event: { pull_request: { number: 7, head: { sha: head } } }, sha: 'merge0000000000000000000000000000000000' });
    expect(r.code, r.stdout).toBe(0);
    expect(gh.checkRuns.map((c) => [c.head_sha, c.conclusion])).toEqual([[head, 'success']]);
  });

  it.each([
    ['people.yml', 'error', 1, 'failure'],
    ['people.yml', 'never', 0, 'neutral'],
    ['warn_only.yml', 'error', 0, 'neutral'],
    ['warn_only.yml', 'warn', 1, 'failure'],
    ['passing.yml', 'warn', 0, 'success'],
  ] as const)('fail-on matrix: %s with fail-on %s exits %i (check run %s)', async (file, failOn, code, conclusion) => {
    suite('people.yml', PEOPLE);
    suite('warn_only.yml', WARN_ONLY);
    suite('passing.yml', PASSING);
    const r = await runAction({ suite: file, 'fail-on': failOn });
    expect(r.code, r.stdout).toBe(code);
    expect(gh.checkRuns[0]!.conclusion).toBe(conclusion);
    expect(existsSync(r.outputs['report-path']!)).toBe(true);
  });

  it('sends 120 failing-check annotations in batches of ≤50 and shows 10 in the log plus a summary notice', async () => {
    const many = (min: number) => {
      const checks = Array.from({ length: 120 }, (_, i) => `  - { id: too_few_${i}, type: row_count, dataset: people, min: ${min} }`).join('\n');
      return suite('many.yml', `version: 1\nsuite: many\ndatasets:\n  people: { path: people.csv }\nchecks:\n${checks}\n`);
    };
    const file = many(0);
    expect((await runAction({ suite: file })).code).toBe(0); // creates the run: all pass
    gh.requests.length = 0;
    many(1000);
    const r = await runAction({ suite: file }); // re-run, now failing: updates it in place
    expect(r.code).toBe(1);
    const writes = gh.requests.filter((q) => q.method !== 'GET');
    expect(writes.map((q) => q.method)).toEqual(['PATCH', 'PATCH', 'PATCH']);
    expect(writes.map((q) => ((q.body as { output: { annotations?: unknown[] } }).output.annotations ?? []).length)).toEqual([50, 50, 20]);
    expect(gh.checkRuns).toHaveLength(1);
    expect(r.stdout.match(/^::error title=data-quality fail/gm)).toHaveLength(10);
    expect(r.stdout).toMatch(/^::notice title=data-quality%3A 110 more failing checks::…and 110 more failing checks: see the job summary$/m);
    // the same results again: GitHub appends annotations on update, so none are re-sent
    await runAction({ suite: file });
    expect(gh.checkRuns[0]!.output.annotations_count).toBe(120);
  });

  it('warns once and still passes when the token may not write checks', async () => {
    suite('people.yml', PEOPLE);
    gh.failNext('GET /repos/octo/pipeline/commits/', 403, 1, 'Resource not accessible by integration');
    const r = await runAction({ suite: 'passing.yml\npeople.yml', 'fail-on': 'never' });
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout.match(/^::warning title=data-quality%3A check runs skipped::.*checks: write/gm)).toHaveLength(1);
    expect(gh.checkRuns).toHaveLength(0);
    expect(r.outputs.status).toBe('fail');
  });

  it('skips check runs with check-run: false', async () => {
    const r = await runAction({ suite: suite('passing.yml', PASSING), 'check-run': 'false' });
    expect(r.code).toBe(0);
    expect(gh.requests).toHaveLength(0);
  });

  it('starts without an HTTP stack when nothing calls GitHub: no http, https, tls, http2 or zlib module is loaded', async () => {
    // the Node built-in modules the run loaded, written at exit by a preload (NODE_OPTIONS, as a user's would be)
    const list = path.join(tmp, 'module-list.txt');
    const preload = path.join(tmp, 'module-list.mjs');
    writeFileSync(preload, `import { writeFileSync } from 'node:fs'; process.on('exit', () => writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join('\\n')));`);
    const r = await runAction({ suite: suite('passing.yml', PASSING), 'check-run': 'false' }, { env: { NODE_OPTIONS: `--import=${pathToFileURL(preload).href}` } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const builtins = readFileSync(list, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('NativeModule '))
      .map((l) => l.slice('NativeModule '.length));
    expect(builtins).toContain('fs'); // the list is the real one
    // @actions/core's entry (its OIDC client → @actions/http-client → undici, tunnel) or Octokit would load these
    expect(builtins.filter((m) => ['http', 'https', 'tls', 'http2', 'zlib', 'worker_threads'].includes(m))).toEqual([]);
  });

  it('reports an internal error with its stack at src/ lines (the bundle source maps)', async () => {
    // a GITHUB_OUTPUT naming a missing file makes the first output fail: not a configuration error
    const r = await runAction({ suite: suite('passing.yml', PASSING), 'check-run': 'false' }, { env: { GITHUB_OUTPUT: path.join(tmp, 'no-such-dir', 'output') } });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('data-quality: internal error');
    expect(r.stdout).toMatch(/Missing file at path: .*no-such-dir/);
    expect(r.stdout).toMatch(/src\/actions\/data-quality\/main\.ts:\d+:\d+/);
  });

  it('fails on a malformed suite with an annotation at its line, and still reports what ran', async () => {
    suite('passing.yml', PASSING);
    const bad = suite('bad.yml', 'version: 1\nsuite: bad\ndatasets:\n  people: { path: people.csv }\nchecks:\n  - type: row_count\n    dataset: people\n  - type: uniq\n    dataset: people\n    columns: id\n');
    const r = await runAction({ suite: `passing.yml\n${bad}` });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^::error title=data-quality%3A configuration error,file=bad\.yml,line=8::.*uniq/m);
    expect(r.stdout).toMatch(/^::error::data-quality: configuration error: bad\.yml:8/m);
    const paths = r.outputs['report-path']!.split('\n');
    expect(paths).toHaveLength(2);
    const [good, broken] = paths.map(readReport);
    expect(good).toMatchObject({ status: 'pass', counts: { pass: 1 } });
    expect(broken).toMatchObject({ status: 'error', failed_step: true, checks: [] });
    expect(broken!.errors[0]).toContain('uniq');
    expect(r.outputs.status).toBe('error');
    expect(r.summary).toContain('The suite could not run completely');
    expect(gh.checkRuns.map((c) => [c.name, c.conclusion]).sort()).toEqual([
      ['dataops quality: bad', 'failure'],
      ['dataops quality: passing', 'success'],
    ]);
    expect(gh.checkRuns.find((c) => c.name === 'dataops quality: bad')!.output.annotations).toMatchObject([{ path: 'bad.yml', start_line: 8, annotation_level: 'failure', title: 'data-quality: configuration error' }]);
  });

  it('reports a check that could not run (missing column) as error, never as bad data', async () => {
    const file = suite('missing_col.yml', 'version: 1\nsuite: missing_col\ndatasets:\n  people: { path: people.csv }\nchecks:\n  - type: not_null\n    dataset: people\n    columns: salary\n');
    const r = await runAction({ suite: file, 'fail-on': 'error' });
    expect(r.code).toBe(1);
    expect(r.outputs).toMatchObject({ status: 'error', failed: '0', errored: '1' });
    expect(r.stdout).toMatch(/^::error title=data-quality error%3A missing_col\/[^,]+,file=missing_col\.yml,line=6::check could not run: .*salary/m);
    expect(readReport(r.outputs['report-path']!).checks[0]).toMatchObject({ status: 'error', failing_rows: null });
  });

  it('fails on an empty suite file with an annotation at line 1', async () => {
    const r = await runAction({ suite: suite('empty.yml', '') });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^::error title=data-quality%3A configuration error,file=empty\.yml,line=1::.*empty/m);
    expect(readReport(r.outputs['report-path']!)).toMatchObject({ status: 'error', checks: [] });
  });

  it('fails clearly when the engine does not match the pinned integrity, after writing the report', async () => {
    const stub = copyBundle('data-quality', path.join(tmp, 'tampered', 'dist'));
    const lockFile = path.join(tmp, 'tampered', 'dist', 'actions', 'duckdb-lock.json');
    const lock = JSON.parse(readFileSync(lockFile, 'utf8'));
    for (const key of Object.keys(lock.packages)) if (key.includes('node-bindings-')) lock.packages[key].integrity = `sha512-${Buffer.alloc(64, 9).toString('base64')}`;
    writeFileSync(lockFile, JSON.stringify(lock));
    const r = await runAction({ suite: suite('passing.yml', PASSING) }, { bundle: stub, toolCache: path.join(tmp, 'tampered', 'tool-cache') });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^::error::data-quality: the DuckDB engine could not be installed: the DuckDB engine: integrity check failed for @duckdb\/node-bindings-/m);
    expect(readReport(r.outputs['report-path']!)).toMatchObject({ status: 'error' });
  });

  it('runs the suites of a project (dataops.yml) with its shared datasets', async () => {
    mkdirSync(path.join(ws, 'proj', 'suites'), { recursive: true });
    writeFileSync(path.join(ws, 'proj', 'dataops.yml'), 'version: 1\nname: demo\ndatasets:\n  people: { path: ../people.csv }\nquality:\n  suites: [suites/uses_project.yml]\n');
    writeFileSync(path.join(ws, 'proj', 'suites', 'uses_project.yml'), 'version: 1\nsuite: uses_project\nchecks:\n  - type: row_count\n    dataset: people\n    min: 4\n    max: 4\n');
    const r = await runAction({ project: 'proj' });
    expect(r.code, r.stdout).toBe(0);
    expect(r.outputs).toMatchObject({ status: 'pass', passed: '1' });
    expect(readReport(r.outputs['report-path']!).suite.file).toBe(path.join('proj', 'suites', 'uses_project.yml'));
  });

  it("takes fail-on from the project's quality settings unless the input sets it", async () => {
    mkdirSync(path.join(ws, 'proj2'), { recursive: true });
    writeFileSync(path.join(ws, 'proj2', 'dataops.yml'), 'version: 1\nname: demo\nquality:\n  suites: [../people.yml]\n  fail_on: never\n  samples: 1\n');
    suite('people.yml', PEOPLE);
    const lenient = await runAction({ project: 'proj2' });
    expect(lenient.code, lenient.stdout).toBe(0);
    expect(readReport(lenient.outputs['report-path']!)).toMatchObject({ status: 'fail', fail_on: 'never', failed_step: false });
    const strict = await runAction({ project: 'proj2', 'fail-on': 'error' });
    expect(strict.code).toBe(1);
  });

  it('rejects a bad input value as a configuration error', async () => {
    const r = await runAction({ suite: 'passing.yml', 'fail-on': 'sometimes' });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/::error::data-quality: configuration error: input "fail-on"/);
  });

  it('refuses a memory limit DuckDB would refuse (2GIB) at input validation, before any suite runs', async () => {
    const r = await runAction({ suite: suite('passing.yml', PASSING), 'memory-limit': '2GIB' });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/::error::data-quality: configuration error: input "memory-limit": write a size like "256MB", "1GB" or "1.5GiB" \(got "2GIB"\)/);
    expect(r.outputs['report-path']).toBeUndefined();
    const ok = await runAction({ suite: suite('passing.yml', PASSING), 'memory-limit': '1GiB' });
    expect(ok.code, ok.stdout).toBe(0);
  });

  it('keeps one report per suite when two suites share a name', async () => {
    mkdirSync(path.join(ws, 'same', 'a'), { recursive: true });
    mkdirSync(path.join(ws, 'same', 'b'), { recursive: true });
    suite('same/a/passing.yml', PASSING.replace('path: people.csv', 'path: ../../people.csv'));
    suite('same/b/passing.yml', PASSING.replace('path: people.csv', 'path: ../../people.csv'));
    const r = await runAction({ suite: 'same/*/passing.yml', 'report-dir': path.join(tmp, 'same-reports'), 'check-run': 'false' });
    expect(r.code, r.stdout).toBe(0);
    const paths = r.outputs['report-path']!.split('\n');
    expect(paths.map((p) => path.basename(p))).toEqual(['passing.json', 'passing-2.json']);
    expect(paths.map((p) => readReport(p).suite.file)).toEqual([path.join('same', 'a', 'passing.yml'), path.join('same', 'b', 'passing.yml')]);
  });

  it('upload: true outside a workflow run is a configuration error naming the artifact service, after the reports are written', async () => {
    const r = await runAction({ suite: suite('passing.yml', PASSING), upload: 'true', 'check-run': 'false' });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/::error::data-quality: configuration error: input "upload": upload: true needs the artifact service of a workflow run/);
    expect(existsSync(r.outputs['report-path']!)).toBe(true);
  });

  it('expands globs and writes one report per suite', async () => {
    mkdirSync(path.join(ws, 'globbed'), { recursive: true });
    suite('globbed/passing.yml', PASSING.replace('path: people.csv', 'path: ../people.csv'));
    suite('globbed/warn_only.yml', WARN_ONLY.replace('path: people.csv', 'path: ../people.csv'));
    const r = await runAction({ suite: 'globbed/{passing,warn_only}.yml', 'report-dir': path.join(tmp, 'reports') });
    expect(r.code, r.stdout).toBe(0);
    expect(r.outputs['report-path']!.split('\n').map((p) => path.basename(p))).toEqual(['passing.json', 'warn_only.json']);
    expect(r.summary).toMatch(/^## ⚠️ Data quality: 2 suites — warn/);
  });
});

describe('data-quality action on untrusted suites', () => {
  const outside = path.join(tmp, 'outside');
  const CANARY = `CANARY-${Date.now().toString(36)}-${process.pid}`;
  const githubEnv = path.join(outside, 'github_env');
  beforeAll(() => {
    mkdirSync(outside, { recursive: true });
    writeFileSync(path.join(outside, 'canary.txt'), `${CANARY}\n`);
    writeFileSync(githubEnv, 'EXISTING=1\n');
    symlinkSync(path.join(outside, 'canary.txt'), path.join(ws, 'link.csv'));
  });

  it('refuses suites that read or write outside the workspace: configuration errors, no canary in any output, nothing written', async () => {
    const attacks = {
      'a_read.yml': `version: 1\nsuite: a_read\ndatasets:\n  people: { path: people.csv }\nchecks:\n  - { id: x, type: sql, dataset: people, query: "SELECT content FROM read_text('${path.join(outside, 'canary.txt')}')" }\n`,
      'a_env.yml': `version: 1\nsuite: a_env\ndatasets:\n  people: { path: people.csv }\nchecks:\n  - { id: x, type: sql, dataset: people, query: "COPY (SELECT 'NODE_OPTIONS=--require=/tmp/x.js' AS l) TO '${githubEnv}' (HEADER false)" }\n`,
      'a_link.yml': 'version: 1\nsuite: a_link\ndatasets:\n  x: { path: link.csv }\nchecks:\n  - { id: x, type: row_count, dataset: x }\n',
      'a_where.yml': `version: 1\nsuite: a_where\ndatasets:\n  people: { path: people.csv }\nchecks:\n  - { id: x, type: not_null, dataset: people, columns: id, where: "CAST((SELECT content FROM read_text('${path.join(outside, 'canary.txt')}')) AS INT) > 0" }\n`,
    };
    for (const [name, text] of Object.entries(attacks)) suite(name, text);
    const reportDir = path.join(tmp, 'attack-reports');
    const r = await runAction({ suite: Object.keys(attacks).join('\n'), 'report-dir': reportDir }, { env: { GITHUB_ENV: githubEnv } });
    expect(r.code, r.stdout).toBe(1);
    expect(r.outputs.status).toBe('error');
    expect(r.stdout).toMatch(/::error::data-quality: .*configuration error/);
    for (const name of ['a_read', 'a_env', 'a_link', 'a_where']) expect(readReport(path.join(reportDir, `${name}.json`)).errors.length, name).toBeGreaterThan(0);
    const everything = [r.stdout, r.stderr, r.summary, JSON.stringify(r.outputs), ...readdirSync(reportDir).map((f) => readFileSync(path.join(reportDir, f), 'utf8')), JSON.stringify(gh.checkRuns)].join('\n');
    expect(everything).toContain('a_read'); // the outputs were searched
    expect(everything).not.toContain(CANARY);
    expect(readFileSync(githubEnv, 'utf8')).toBe('EXISTING=1\n');
    expect(readdirSync(outside).sort()).toEqual(['canary.txt', 'github_env']);
  });

  it('masks PII derived through SQL in the summary, annotations, reports and check runs', async () => {
    const file = suite(
      'pii_lineage.yml',
      'version: 1\nsuite: pii_lineage\ndatasets:\n  people:\n    path: people.csv\n    columns: { EMAIL: { pii: true } }\n  contacts:\n    sql: SELECT id, email AS contact FROM people\nchecks:\n  - { id: re, type: regex, dataset: contacts, column: contact, pattern: "x" }\n  - { id: agg, type: sql, dataset: people, query: "SELECT max(email) AS m FROM people" }\n',
    );
    const reportDir = path.join(tmp, 'pii-reports');
    const r = await runAction({ suite: file, 'report-dir': reportDir });
    expect(r.code).toBe(1);
    const report = readReport(path.join(reportDir, 'pii_lineage.json'));
    expect(report.checks.find((c) => c.id === 'agg')!.samples).toEqual([{ m: '••••' }]);
    const everything = [r.stdout, r.stderr, r.summary, readFileSync(path.join(reportDir, 'pii_lineage.json'), 'utf8'), readFileSync(path.join(reportDir, 'junit.xml'), 'utf8'), JSON.stringify(gh.checkRuns)].join('\n');
    for (const email of ['ann@example.com', 'cy@example', 'dee@example.com']) expect(everything).not.toContain(email);
  });
});
