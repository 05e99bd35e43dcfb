import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { gitContextFromGitHub, gitContextFromRepo, imageMetadata, normalizeRemoteUrl, sanitizeTag, type GitContext, type TagRules } from '../../src/core/image/metadata.ts';
import { runnerContext } from '../../src/core/runner-context.ts';

const SHA = '860c1904a1ce19322e91ac35af1ab07466440c37';
const name = 'ghcr.io/acme/flights';

describe('imageMetadata tags (docker/metadata-action conventions)', () => {
  it.each<[string, GitContext, Partial<TagRules>, string[]]>([
    ['push to the default branch', { sha: SHA, ref: 'refs/heads/main', defaultBranch: 'main' }, {}, ['main', 'sha-860c190', 'latest']],
    ['push to another branch', { sha: SHA, ref: 'refs/heads/feature/New_Thing', defaultBranch: 'main' }, {}, ['feature-new_thing', 'sha-860c190']],
    ['stable semver tag', { sha: SHA, ref: 'refs/tags/v1.2.3' }, {}, ['1.2.3', '1.2', '1', 'sha-860c190', 'latest']],
    ['pre-release semver tag', { sha: SHA, ref: 'refs/tags/v2.0.0-rc.1' }, {}, ['2.0.0-rc.1', 'sha-860c190']],
    ['0.x semver: no bare major', { sha: SHA, ref: 'refs/tags/v0.4.1' }, {}, ['0.4.1', '0.4', 'sha-860c190', 'latest']],
    ['non-semver tag', { sha: SHA, ref: 'refs/tags/release-2024' }, {}, ['release-2024', 'sha-860c190']],
    ['pull request', { sha: SHA, ref: 'refs/pull/42/merge', eventName: 'pull_request' }, {}, ['pr-42', 'sha-860c190']],
    ['dirty local tree', { sha: SHA, ref: 'refs/heads/dev', defaultBranch: 'main', dirty: true }, {}, ['dev', 'sha-860c190-dirty']],
    ['latest forced off', { sha: SHA, ref: 'refs/heads/main' }, { latest: 'false' }, ['main', 'sha-860c190']],
    ['latest forced on, extra tags', { sha: SHA, ref: 'refs/heads/x' }, { latest: 'true', extra: ['nightly'] }, ['x', 'sha-860c190', 'latest', 'nightly']],
    ['sha and branch rules off', { sha: SHA, ref: 'refs/heads/x' }, { sha: false, branch: false }, ['dev']],
    ['no git at all', {}, {}, ['dev']],
  ])('%s', (_title, ctx, rules, tags) => {
    const m = imageMetadata(ctx, { name, rules, now: new Date('2024-05-01T00:00:00Z') });
    expect(m.tags).toEqual(tags);
    expect(m.refs).toEqual(tags.map((t) => `${name}:${t}`));
  });

  it.each([
    ['refs/tags/v1.2.3', '1.2.3'],
    ['refs/heads/main', 'main'],
    ['refs/pull/7/merge', 'pr-7'],
  ])('version label for %s is %s', (ref, version) => {
    expect(imageMetadata({ sha: SHA, ref }, { name }).labels['org.opencontainers.image.version']).toBe(version);
  });
});

describe('imageMetadata labels', () => {
  it('sets the OCI annotations and the quality suite hashes', () => {
    const m = imageMetadata(
      { sha: SHA, ref: 'refs/heads/main', repoUrl: 'https://github.com/acme/flights', commitTime: new Date('2024-04-30T12:00:00Z') },
      { name, qualitySuites: [{ name: 'Flights Suite', sha256: 'sha256:' + 'a'.repeat(64) }], labels: { 'org.opencontainers.image.vendor': 'acme' } },
    );
    expect(m.labels).toEqual({
      'io.dataops.quality.suite.flights-suite.sha256': 'sha256:' + 'a'.repeat(64),
      'org.opencontainers.image.created': '2024-04-30T12:00:00Z',
      'org.opencontainers.image.revision': SHA,
      'org.opencontainers.image.source': 'https://github.com/acme/flights',
      'org.opencontainers.image.title': 'flights',
      'org.opencontainers.image.url': 'https://github.com/acme/flights',
      'org.opencontainers.image.vendor': 'acme',
      'org.opencontainers.image.version': 'main',
    });
  });

  it('lets user labels override generated ones', () => {
    expect(imageMetadata({ sha: SHA }, { name, labels: { 'org.opencontainers.image.title': 'mine' } }).labels['org.opencontainers.image.title']).toBe('mine');
  });
});

describe('helpers', () => {
  it.each([
    ['Feature/ABC#12', 'feature-abc-12'],
    ['-leading', 'leading'],
    ['x'.repeat(200), 'x'.repeat(128)],
  ])('sanitizeTag(%s)', (input, out) => expect(sanitizeTag(input)).toBe(out));

  it.each([
    ['git@github.com:acme/flights.git', 'https://github.com/acme/flights'],
    ['https://token@github.com/acme/flights.git', 'https://github.com/acme/flights'],
    ['https://gitlab.example.com/g/p/', 'https://gitlab.example.com/g/p'],
    ['file:///srv/repo.git', undefined],
  ])('normalizeRemoteUrl(%s)', (input, out) => expect(normalizeRemoteUrl(input)).toBe(out));

  it('reads the GitHub context from env and the event payload', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'meta-'));
    const event = path.join(dir, 'event.json');
    writeFileSync(event, JSON.stringify({ pull_request: { number: 12 }, repository: { default_branch: 'trunk' } }));
    const ctx = await gitContextFromGitHub(runnerContext({ GITHUB_SHA: SHA, GITHUB_REF: 'refs/pull/12/merge', GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: event, GITHUB_REPOSITORY: 'acme/flights', GITHUB_SERVER_URL: 'https://github.com' }));
    rmSync(dir, { recursive: true, force: true });
    expect(ctx).toEqual({ sha: SHA, ref: 'refs/pull/12/merge', eventName: 'pull_request', prNumber: 12, defaultBranch: 'trunk', repoUrl: 'https://github.com/acme/flights' });
    expect(imageMetadata(ctx, { name }).tags).toEqual(['pr-12', 'sha-860c190']);
  });
});

describe('gitContextFromRepo (real git)', () => {
  it('reads sha, branch, tag, commit time, remote and dirtiness', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'meta-git-'));
    const git = (...args: string[]) => execFileSync('git', ['-C', dir, ...args], { env: { ...process.env, GIT_AUTHOR_DATE: '2024-03-01T12:00:00Z', GIT_COMMITTER_DATE: '2024-03-01T12:00:00Z' }, stdio: 'pipe' }).toString().trim();
    git('init', '-q', '-b', 'main');
    git('config', 'user.email', 't@example.com');
    git('config', 'user.name', 'T');
    git('remote', 'add', 'origin', 'git@github.com:acme/flights.git');
    writeFileSync(path.join(dir, 'a.txt'), 'a\n');
    git('add', 'a.txt');
    git('commit', '-q', '-m', 'one');
    const sha = git('rev-parse', 'HEAD');
    expect(await gitContextFromRepo(dir)).toEqual({ sha, ref: 'refs/heads/main', defaultBranch: 'main', repoUrl: 'https://github.com/acme/flights', commitTime: new Date('2024-03-01T12:00:00Z'), dirty: false });
    git('tag', 'v3.1.4');
    writeFileSync(path.join(dir, 'a.txt'), 'changed\n');
    const tagged = await gitContextFromRepo(dir);
    expect(tagged).toMatchObject({ ref: 'refs/tags/v3.1.4', dirty: true });
    expect(imageMetadata(tagged, { name: 'localhost/flights' }).tags).toEqual(['3.1.4', '3.1', '3', `sha-${sha.slice(0, 7)}-dirty`, 'latest']);
    rmSync(dir, { recursive: true, force: true });
    expect(await gitContextFromRepo(dir)).toEqual({});
  });
});
