import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkPath, confinePath, credentialPath, PathAccessError } from '../../src/core/paths.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'paths-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('credentialPath', () => {
  it.each([
    ['gha-creds-1a2b3c.json', 'gha-creds-*.json'],
    ['sub/GHA-CREDS-X.JSON', 'gha-creds-*.json'],
    ['.npmrc', '.npmrc'],
    ['pkg/.netrc', '.netrc'],
    ['.env', '.env'],
    ['app/.env.production', '.env.*'],
    ['.docker/config.json', '.docker/config.json'],
    ['.kube/config', '.kube/config'],
    ['.ssh/id_ed25519', '.ssh/'],
    ['home/.ssh', '.ssh/'],
    ['.aws/credentials', '.aws/'],
    ['x/.config/gcloud/application_default_credentials.json', '.config/gcloud/'],
    ['.git/config', '.git/'],
    ['.git', '.git/'],
  ])('%s is refused as %s', (p, pattern) => {
    expect(credentialPath(p)?.pattern).toBe(pattern);
  });

  it.each(['data/flights.csv', '.github/workflows/ci.yml', '.docker/Dockerfile', 'config/gcloud/x.json', '.gitignore', 'env/data.csv', 'creds.json', '.kube/manifests/app.yaml'])('%s is not refused', (p) => {
    expect(credentialPath(p)).toBeUndefined();
  });
});

describe('checkPath and confinePath', () => {
  const root = path.join(tmp, 'root');
  mkdirSync(path.join(root, 'data'), { recursive: true });
  mkdirSync(path.join(tmp, 'outside'));
  writeFileSync(path.join(tmp, 'outside', 'x.csv'), 'a\n');
  symlinkSync(path.join(tmp, 'outside'), path.join(root, 'out-link'));
  symlinkSync(path.join(tmp, 'nowhere'), path.join(root, 'dangling'));

  it('resolves a file not written yet through its nearest existing ancestor', () => {
    expect(checkPath(path.join(root, 'data', 'new', 'file.json'), [root])).toMatchObject({ real: path.join(root, 'data', 'new', 'file.json') });
  });
  it('refuses lexically outside, through a symbolic link (also one not written yet), and a dangling link', () => {
    expect(checkPath(path.join(root, '..', 'outside', 'x.csv'), [root]).refused).toBe('is outside the project');
    expect(checkPath(path.join(root, 'out-link', 'x.csv'), [root]).refused).toMatch(/through a symbolic link/);
    expect(checkPath(path.join(root, 'out-link', 'later.csv'), [root]).refused).toMatch(/through a symbolic link/);
    expect(checkPath(path.join(root, 'dangling'), [root]).refused).toMatch(/through a symbolic link/);
  });
  it('throws a PathAccessError naming the field, and checks a whole tree when asked', () => {
    writeFileSync(path.join(root, 'data', '.npmrc'), 'x');
    expect(() => confinePath('data', { base: root, roots: [root], location: { file: 'dataops.yml', line: 3, field: 'image.system_test.fixtures' }, tree: true })).toThrow(PathAccessError);
    expect(() => confinePath('data', { base: root, roots: [root], location: { field: 'f' }, tree: true })).toThrow(/f: "data" holds \.npmrc, which is a credential file \(\.npmrc\)/);
    expect(confinePath('data', { base: root, roots: [root], location: { field: 'f' } })).toBe(path.join(root, 'data'));
  });
});
