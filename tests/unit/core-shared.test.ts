/**
 * The shared pieces of the core (issue 14: one copy of each idea): field schemas, the glob
 * matcher, digest shortening, the runner context (GHES-aware URLs) and the deploy environment
 * union. Pure functions and small files only.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.ts';
import { DURATION, engineMemoryLimitSchema, parseDuration, parseRepository } from '../../src/core/fields.ts';
import { formatFromPath } from '../../src/core/formats.ts';
import { globToRegExp, matchesGlob } from '../../src/core/glob.ts';
import { shortDigest } from '../../src/core/hash.ts';
import { loadProject } from '../../src/core/project.ts';
import { childEnv, localContext, repositoryUrl, runnerContext, runUrl } from '../../src/core/runner-context.ts';
import { STATUS_RANK, worstStatus } from '../../src/core/report/report.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'core-shared-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('field schemas', () => {
  it('takes memory limits as DuckDB spells them and refuses 2GIB where it is written', () => {
    for (const ok of ['256MB', '1GB', '1.5GiB', '512kb', '100B', '2gib']) expect(engineMemoryLimitSchema.safeParse(ok).success, ok).toBe(true);
    for (const bad of ['2GIB', '2 G', 'lots', '1.5', '-1GB']) expect(engineMemoryLimitSchema.safeParse(bad).success, bad).toBe(false);
  });

  it('refuses 2GIB in dataops.yml quality settings, naming the field', async () => {
    const dir = path.join(tmp, 'mem');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'dataops.yml'), 'version: 1\nname: p\nquality:\n  suites: [q.yml]\n  memory_limit: 2GIB\n');
    const err = await loadProject(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).location.field).toBe('quality.memory_limit');
  });

  it('parses durations and owner/repo names once for every file and input', () => {
    expect(parseDuration('90m')).toBe(5_400_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(DURATION.test('7d')).toBe(true);
    expect(() => parseDuration('soon', 'freshness.max_age')).toThrow(expect.objectContaining({ location: expect.objectContaining({ field: 'freshness.max_age' }) }));
    expect(parseRepository('octo-org/flights.v2')).toEqual({ owner: 'octo-org', repo: 'flights.v2' });
    expect(() => parseRepository('octo-org')).toThrow(ConfigError);
  });
});

describe('formats', () => {
  it('types a file by its name the same way everywhere, compressed text included', () => {
    expect(['a.csv', 'a.CSV.gz', 'a.tsv', 'a.tab', 'a.parquet', 'a.pq', 'a.json', 'a.ndjson.zst', 'a.jsonl', 'a.xlsx', 'noext'].map(formatFromPath)).toEqual(['csv', 'csv', 'tsv', 'tsv', 'parquet', 'parquet', 'json', 'ndjson', 'ndjson', undefined, undefined]);
  });
});

describe('glob', () => {
  it('path globs: * and ? stay within a segment, ** crosses them (and may be empty before /)', () => {
    expect(matchesGlob('.github/workflows/ci.yml', '.github/workflows/*.yml')).toBe(true);
    expect(matchesGlob('.github/workflows/sub/ci.yml', '.github/workflows/*.yml')).toBe(false);
    expect(matchesGlob('a/b/c/d.sql', '**/*.sql')).toBe(true);
    expect(matchesGlob('d.sql', '**/*.sql')).toBe(true);
    expect(matchesGlob('data/part-1.csv', 'data/part-?.csv')).toBe(true);
    expect(matchesGlob('data/part-/.csv', 'data/part-?.csv')).toBe(false);
    expect(matchesGlob('x.y', 'x?y')).toBe(true);
    expect(matchesGlob('x+y', 'x+y')).toBe(true);
    expect(globToRegExp('a.(b)').test('a.(b)')).toBe(true);
  });

  it('name globs (segments: false): * crosses / for git refs and workflow refs', () => {
    expect(matchesGlob('refs/heads/feature/x', 'refs/heads/*', { segments: false })).toBe(true);
    expect(matchesGlob('refs/heads/feature/x', 'refs/heads/*')).toBe(false);
    expect(matchesGlob('o/r/.github/workflows/d.yml@refs/tags/v1.2', 'o/r/.github/workflows/d.yml@refs/tags/v1*', { segments: false })).toBe(true);
    expect(matchesGlob('refs/tags/v1', 'refs/tags/v?', { segments: false })).toBe(true);
  });
});

describe('digests', () => {
  it('shortens a digest to sha256: and 12 hex digits', () => {
    expect(shortDigest(`sha256:${'0123456789abcdef'.repeat(4)}`)).toBe('sha256:0123456789ab');
  });
});

describe('status rank', () => {
  it('orders pass < warn < fail < error, the worst of none being pass', () => {
    expect(Object.entries(STATUS_RANK).sort((a, b) => a[1] - b[1]).map(([s]) => s)).toEqual(['pass', 'warn', 'fail', 'error']);
    expect(worstStatus(['pass', 'fail', 'warn'])).toBe('fail');
    expect(worstStatus([])).toBe('pass');
  });
});

describe('runner context', () => {
  const env = {
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: '/home/runner/work/r/r',
    RUNNER_TEMP: '/home/runner/work/_temp',
    RUNNER_TOOL_CACHE: '/opt/hostedtoolcache',
    GITHUB_SERVER_URL: 'https://ghe.example.com/',
    GITHUB_API_URL: 'https://ghe.example.com/api/v3',
    GITHUB_REPOSITORY: 'octo-org/flights',
    GITHUB_RUN_ID: '42',
    GITHUB_RUN_ATTEMPT: '3',
    ACTIONS_ID_TOKEN_REQUEST_URL: 'https://t.example/x',
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'r',
  };

  it('reads the runner once from the environment, GitHub Enterprise Server URLs included', () => {
    const ctx = runnerContext(env);
    expect(ctx).toMatchObject({ actions: true, workspace: env.GITHUB_WORKSPACE, temp: env.RUNNER_TEMP, toolCache: env.RUNNER_TOOL_CACHE, oidc: true, actionsCache: false });
    expect(ctx.github).toMatchObject({ serverUrl: 'https://ghe.example.com', apiUrl: 'https://ghe.example.com/api/v3', repository: 'octo-org/flights', runAttempt: 3 });
    expect(repositoryUrl(ctx.github, 'octo-org/flights')).toBe('https://ghe.example.com/octo-org/flights');
    expect(runUrl(ctx.github)).toBe('https://ghe.example.com/octo-org/flights/actions/runs/42');
  });

  it('defaults to github.com and the OS temp directory off a runner; a local context ignores GitHub variables', () => {
    const ctx = runnerContext({});
    expect(ctx).toMatchObject({ actions: false, workspace: undefined, temp: os.tmpdir(), oidc: false });
    expect(ctx.github).toMatchObject({ serverUrl: 'https://github.com', apiUrl: 'https://api.github.com', runAttempt: 1 });
    expect(localContext().github.repository).toBeUndefined();
    expect(localContext().env).toBe(process.env);
  });

  it('builds a child environment: later keys win, undefined removes', () => {
    expect(childEnv({ B: '2', C: undefined }, { A: '1', B: '1', C: '1' })).toEqual({ A: '1', B: '2' });
  });
});

describe('deploy environments (a discriminated union on target)', () => {
  const project = async (name: string, environment: string) => {
    const dir = path.join(tmp, name);
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'dataops.yml'), `version: 1\nname: p\ndeploy:\n  environments:\n    staging: ${environment}\n`);
    return loadProject(dir).then(
      (p) => p,
      (e: unknown) => e as Error,
    );
  };

  it('needs the settings block of its target, and only that one', async () => {
    expect(String(await project('k8s-none', '{ target: kubernetes }'))).toContain('deploy.environments.staging.kubernetes: target "kubernetes" needs a "kubernetes:" block with its settings');
    expect(String(await project('gitops-none', "{ environment_url: 'https://x.example' }"))).toContain('deploy.environments.staging.gitops: target "gitops" needs a "gitops:" block with its settings');
    expect(String(await project('ftp', '{ target: ftp, gitops: { repository: x, overlay: y } }'))).toContain('deploy.environments.staging.target: target must be one of gitops, kubernetes, cloud-run, command (default gitops)');
    expect(String(await project('both', '{ target: command, command: { run: ./deploy.sh }, gitops: { repository: x, overlay: y } }'))).toContain('deploy.environments.staging: unknown key "gitops"');
  });

  it('defaults the target to gitops', async () => {
    const p = await project('gitops-default', '{ gitops: { repository: x, overlay: y } }');
    expect(p).not.toBeInstanceOf(Error);
    const env = (p as Awaited<ReturnType<typeof loadProject>>).config.deploy!.environments.staging!;
    expect(env.target).toBe('gitops');
    if (env.target === 'gitops') expect(env.gitops.overlay).toBe('y');
  });
});
