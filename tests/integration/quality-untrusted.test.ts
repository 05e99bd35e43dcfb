/**
 * Must-refuse suites: a quality suite arrives in a pull request and is run by `dataops quality`
 * (and the data-quality action) on a machine holding the workspace, $GITHUB_ENV, tokens and caches.
 * Each suite below tries, as an attacker would, to read a canary outside the project (a file, a
 * file name, an environment variable, the checkout's credentials in .git) or to write a file.
 * Each must end in a configuration error (exit 2), the canary must appear in no output (stdout,
 * stderr, JSON report, JUnit, job summary, annotations) and no file may be written.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outputsContaining, runQualityCli, snapshot } from '../helpers/quality-cli.ts';

const CANARY = `CANARY-${randomBytes(8).toString('hex')}`;
const NAME_CANARY = `NAMECANARY-${randomBytes(8).toString('hex')}`;
const ENV_CANARY = `ENVCANARY-${randomBytes(8).toString('hex')}`;
const GIT_CANARY = `GITCANARY-${randomBytes(8).toString('hex')}`;

const tmp = mkdtempSync(path.join(os.tmpdir(), 'dq-untrusted-'));
const project = path.join(tmp, 'project');
const outside = path.join(tmp, 'outside');
const canaryTxt = path.join(outside, 'canary.txt');
const canaryCsv = path.join(outside, 'canary.csv');
const githubEnv = path.join(outside, 'github_env');

beforeAll(() => {
  mkdirSync(path.join(project, 'data'), { recursive: true });
  mkdirSync(path.join(project, '.git'), { recursive: true });
  mkdirSync(outside, { recursive: true });
  writeFileSync(canaryTxt, `${CANARY}\n`);
  writeFileSync(canaryCsv, `secret,n\n${CANARY},1\n`);
  writeFileSync(path.join(outside, `${NAME_CANARY}.csv`), 'a\n1\n');
  writeFileSync(githubEnv, 'EXISTING=1\n');
  // what actions/checkout leaves behind with persist-credentials
  writeFileSync(path.join(project, '.git', 'config'), `[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic ${GIT_CANARY}\n`);
  writeFileSync(path.join(project, 'data', 'people.csv'), 'id,email\n1,ann@example.com\n2,bob@example.com\n');
  symlinkSync(canaryCsv, path.join(project, 'data', 'link.csv'));
  symlinkSync(outside, path.join(project, 'data', 'linkdir'));
  mkdirSync(path.join(project, 'node_modules', 'fakepkg'), { recursive: true });
  writeFileSync(path.join(project, 'node_modules', 'fakepkg', 'package.json'), '{"name":"fakepkg","version":"1.0.0"}');
  writeFileSync(path.join(project, 'node_modules', 'fakepkg', 'data.csv'), 'a\n1\n');
  // a node_modules entry linked to a directory outside that happens to hold a package.json
  mkdirSync(path.join(outside, 'pkg'));
  writeFileSync(path.join(outside, 'pkg', 'package.json'), '{"name":"pkg"}');
  writeFileSync(path.join(outside, 'pkg', 'canary.csv'), `secret\n${CANARY}\n`);
  symlinkSync(path.join(outside, 'pkg'), path.join(project, 'node_modules', 'linkedpkg'));
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const q = (s: string) => s.replaceAll("'", "''");
const base = (datasets: string, checks: string) => `version: 1\nsuite: attack\ndatasets:\n  people: { path: data/people.csv }\n${datasets}checks:\n${checks}`;
const block = (text: string) => text.split('\n').map((l) => `      ${l}`).join('\n');
/** A suite whose one sql check runs `query`. */
const sqlCheck = (query: string) => base('', `  - id: attack\n    type: sql\n    dataset: people\n    query: |\n${block(query)}\n`);
/** A suite whose dataset `x` is declared as `spec` (YAML flow mapping) and counted. */
const dataset = (spec: string) => base(`  x: ${spec}\n`, '  - { id: attack, type: row_count, dataset: x, min: 1 }\n');
/** A suite whose SQL dataset `x` runs `sql`. */
const sqlDataset = (sql: string) => base(`  x:\n    sql: |\n${block(sql)}\n`, '  - { id: attack, type: row_count, dataset: x, min: 1 }\n');
/** A suite whose check filters with `where`. */
const where = (expr: string) => base('', `  - id: attack\n    type: not_null\n    dataset: people\n    columns: id\n    where: |\n${block(expr)}\n`);

const ATTACKS: Array<[string, string]> = [
  ['read_text of a file outside', sqlCheck(`SELECT content FROM read_text('${canaryTxt}')`)],
  ['read_csv of a file outside', sqlCheck(`SELECT * FROM read_csv('${canaryCsv}')`)],
  ['read_blob of a file outside', sqlCheck(`SELECT content FROM read_blob('${canaryTxt}')`)],
  ['glob listing a directory outside', sqlCheck(`SELECT file FROM glob('${outside}/*')`)],
  ['the environment through /proc', sqlCheck(`SELECT content FROM read_text('/proc/self/environ')`)],
  ['query() running SQL given as text', sqlCheck(`SELECT * FROM query('SELECT content FROM read_text(''${q(canaryTxt)}'')')`)],
  ['error text exfiltration through CAST', sqlCheck(`SELECT CAST((SELECT content FROM read_text('${canaryTxt}')) AS INTEGER) AS x`)],
  ['COPY TO a file', sqlCheck(`COPY (SELECT 'pwned' AS x) TO '${path.join(outside, 'written.csv')}'`)],
  ['a $GITHUB_ENV line written with COPY', sqlCheck(`COPY (SELECT 'NODE_OPTIONS=--require=/tmp/pwn.js' AS line) TO '${githubEnv}' (HEADER false, QUOTE '')`)],
  ['ATTACH of a new database', sqlDataset(`ATTACH '${path.join(outside, 'new.db')}' AS pwn`)],
  ['SET of an engine setting', sqlCheck('SET autoinstall_known_extensions = true')],
  ['INSTALL of an extension', sqlDataset('INSTALL httpfs')],
  ['several statements in a SQL dataset', sqlDataset(`SELECT 1 AS a; COPY (SELECT 'pwned' AS x) TO '${path.join(outside, 'written2.csv')}'`)],
  ['several statements in a sql check', sqlCheck(`SELECT 1 AS a; SELECT content FROM read_text('${canaryTxt}')`)],
  ['a SQL dataset reading a file outside', sqlDataset(`SELECT * FROM read_csv('${canaryCsv}')`)],
  ['a where that breaks out of its expression', where(`1 = 1) UNION SELECT content FROM read_text('${canaryTxt}') --`)],
  ['a where with a subquery reading outside', where(`(SELECT count(*) FROM read_text('${canaryTxt}')) > 0 OR CAST((SELECT content FROM read_text('${canaryTxt}')) AS INT) > 0`)],
  ['an absolute dataset path outside', dataset(`{ path: '${canaryCsv}' }`)],
  ['a dataset path with ../ traversal', dataset('{ path: ../outside/canary.csv }')],
  ['npm:pkg/../.. out of the package', dataset('{ path: "npm:fakepkg/../../../outside/canary.csv" }')],
  ['a node_modules entry linked out of the project', dataset('{ path: "npm:linkedpkg/canary.csv" }')],
  ['a symlink out of the project', dataset('{ path: data/link.csv }')],
  ['a glob through a symlinked directory', dataset(`{ path: "data/linkdir/*.csv" }`)],
  ['the checkout credentials in .git', dataset('{ path: .git/config, format: csv }')],
  ['an options key injecting SQL', dataset(`{ path: data/people.csv, options: { "header = true) UNION SELECT * FROM read_csv('${q(canaryCsv)}') --": true } }`)],
  ['an options value injecting SQL', dataset(`{ path: data/people.csv, options: { delim: "', columns = {'x': 'VARCHAR'}) UNION SELECT * FROM read_csv('${q(canaryCsv)}') --" } }`)],
];

describe('suites that try to read or write outside the project are refused', () => {
  it('has at least 15 attack classes', () => {
    expect(ATTACKS.length).toBeGreaterThanOrEqual(15);
  });

  it.each(ATTACKS)('%s', async (name, text) => {
    const suiteFile = path.join(project, 'attack.yml');
    writeFileSync(suiteFile, text);
    const outDir = mkdtempSync(path.join(tmp, 'out-'));
    const before = { project: snapshot(project), outside: snapshot(outside) };
    const run = await runQualityCli(['--suite', 'attack.yml'], { cwd: project, outDir, env: { DATAOPS_TEST_SECRET: ENV_CANARY } });
    // a configuration error: exit 2, recorded in the report
    expect(run.code, `${name}\n${run.stdout}\n${run.stderr}`).toBe(2);
    expect(run.reports[0]!.status).toBe('error');
    expect(run.reports[0]!.errors.length, run.outputs.report).toBeGreaterThan(0);
    // nothing read reaches any output
    for (const canary of [CANARY, NAME_CANARY, ENV_CANARY, GIT_CANARY]) expect(outputsContaining(run, canary), `${name}: ${canary}`).toEqual([]);
    // nothing written
    expect(snapshot(outside)).toEqual(before.outside);
    const after = snapshot(project);
    delete before.project['attack.yml'];
    delete after['attack.yml'];
    expect(after).toEqual(before.project);
    expect(readFileSync(githubEnv, 'utf8')).toBe('EXISTING=1\n');
  });
});

describe('the same suites stay usable when they read only what they declare', () => {
  it('a sql check, a SQL dataset, a where and reader options inside the project run', async () => {
    writeFileSync(
      path.join(project, 'fine.yml'),
      base(
        '  fine:\n    sql: SELECT id, lower(email) AS email FROM people\n  typed: { path: data/people.csv, options: { header: true, delim: "," } }\n  pkg: { path: "npm:fakepkg/data.csv" }\n',
        "  - { id: q, type: sql, dataset: people, query: \"SELECT * FROM people WHERE email NOT LIKE '%@%'\" }\n  - { id: w, type: not_null, dataset: fine, columns: email, where: 'id > 0 -- a comment' }\n  - { id: t, type: row_count, dataset: typed, min: 2 }\n  - { id: p, type: row_count, dataset: pkg, min: 1 }\n",
      ),
    );
    const run = await runQualityCli(['--suite', 'fine.yml'], { cwd: project, outDir: mkdtempSync(path.join(tmp, 'out-')) });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.reports[0]!.checks.map((c) => [c.id, c.status])).toEqual([
      ['q', 'pass'],
      ['w', 'pass'],
      ['t', 'pass'],
      ['p', 'pass'],
    ]);
  });
});
