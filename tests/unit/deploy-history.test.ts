/**
 * Pure parts of the GitOps target: overlay edits that keep comments, commit trailers, and which
 * digest a rollback goes back to.
 */
import { describe, expect, it } from 'vitest';
import { entryFromCommit, formatDeployCommitMessage, parseTrailers, pickRollbackTarget, type HistoryEntry } from '../../src/core/deploy/history.ts';
import { readHelmValue, readKustomizeImage, setHelmValues, setKustomizeImage } from '../../src/core/deploy/overlay.ts';
import { expectedDigest, isRemoteUrl } from '../../src/core/deploy/gitops.ts';

const D = (c: string) => `sha256:${c.repeat(64)}`;

describe('kustomize overlay edits', () => {
  const text = `# staging overlay
resources:
  - ../../base # the CronJob
images:
  - name: other
    newTag: "1.2"
  # pinned by dataops
  - name: flights-routes
    newName: old.example/flights
    newTag: latest
`;
  it('sets newName and digest of the named entry, drops newTag, keeps comments and other entries', () => {
    const out = setKustomizeImage(text, 'flights-routes', 'ghcr.io/octo/flights', D('a'));
    expect(out).toBe(`# staging overlay
resources:
  - ../../base # the CronJob
images:
  - name: other
    newTag: "1.2"
  # pinned by dataops
  - name: flights-routes
    newName: ghcr.io/octo/flights
    digest: ${D('a')}
`);
    expect(readKustomizeImage(out, 'flights-routes')).toEqual({ digest: D('a'), repository: 'ghcr.io/octo/flights' });
    expect(readKustomizeImage(out, 'other')).toEqual({});
  });

  it('adds images: and the entry when missing', () => {
    const out = setKustomizeImage('resources: [../../base]\n', 'flights-routes', 'r/x', D('b'));
    expect(out).toBe(`resources: [ ../../base ]\nimages:\n  - name: flights-routes\n    newName: r/x\n    digest: ${D('b')}\n`);
  });

  it('reads and writes Helm values key paths', () => {
    const values = '# values\nimage:\n  repository: a # repo\nreplicas: 2\n';
    const out = setHelmValues(values, { 'image.digest': D('c'), 'image.repository': 'ghcr.io/o/r' });
    expect(out).toBe(`# values\nimage:\n  repository: ghcr.io/o/r # repo\n  digest: ${D('c')}\nreplicas: 2\n`);
    expect(readHelmValue(out, 'image.digest')).toBe(D('c'));
    expect(readHelmValue(out, 'image.tag')).toBeUndefined();
    expect(setHelmValues('', { 'a.b': 'c' })).toBe('a:\n  b: c\n');
  });

  it('names the file of an invalid overlay', () => {
    expect(() => readKustomizeImage('images: [\n', 'x', 'overlays/staging/kustomization.yaml')).toThrow(/overlays\/staging\/kustomization.yaml: invalid YAML/);
  });
});

describe('commit trailers', () => {
  it('round-trips through the message', () => {
    const msg = formatDeployCommitMessage({ environment: 'staging', image: `r/x@${D('b')}`, digest: D('b'), previousDigest: D('a'), sourceSha: 'f'.repeat(40), runUrl: 'https://ci/run/1', name: 'flights' });
    expect(msg.split('\n')[0]).toBe('deploy(staging): flights@sha256:bbbbbbbbbbbb');
    expect(parseTrailers(msg)).toEqual({
      'Dataops-Environment': 'staging',
      'Dataops-Image': `r/x@${D('b')}`,
      'Dataops-Digest': D('b'),
      'Dataops-Previous-Digest': D('a'),
      'Dataops-Source-Sha': 'f'.repeat(40),
      'Dataops-Run-Url': 'https://ci/run/1',
    });
    const first = formatDeployCommitMessage({ environment: 'prod', image: `r/x@${D('b')}`, digest: D('b'), sourceSha: 's', name: 'x' });
    expect(parseTrailers(first)['Dataops-Previous-Digest']).toBe('none');
    expect(entryFromCommit('c1', 'me', 't', first)).toMatchObject({ automated: true, digest: D('b') });
    expect(entryFromCommit('c1', 'me', 't', 'manual fix\n\nno trailers: here')).toMatchObject({ automated: false });
    expect(parseTrailers('one line: only')).toEqual({});
  });
});

describe('rollback target', () => {
  const e = (digest: string | undefined, extra: Partial<HistoryEntry> = {}): HistoryEntry => ({ automated: digest !== undefined, at: 't', ...(digest ? { digest } : {}), ...extra });
  it.each<[string, HistoryEntry[], string | undefined, string | undefined]>([
    ['previous deploy', [e(D('c')), e(D('b')), e(D('a'))], D('c'), D('b')],
    ['skips manual commits', [e(D('c')), e(undefined), e(D('b'))], D('c'), D('b')],
    ['skips the digest rolled back from', [e(D('b'), { rollbackFrom: D('c') }), e(D('c')), e(D('b')), e(D('a'))], D('b'), D('a')],
    ['a digest re-deployed after its rollback counts again', [e(D('d')), e(D('c')), e(D('b'), { rollbackFrom: D('c') }), e(D('c')), e(D('b'))], D('d'), D('c')],
    ['nothing earlier', [e(D('a'))], D('a'), undefined],
    ['empty history', [], undefined, undefined],
  ])('%s', (_name, history, current, expected) => {
    expect(pickRollbackTarget(history, current)?.digest).toBe(expected);
  });
});

describe('expectation and repository location', () => {
  it('defaults the expected digest to the last automated deploy', () => {
    expect(expectedDigest([{ automated: false, at: 't' }, { automated: true, digest: D('a'), at: 't' }], undefined)).toBe(D('a'));
    expect(expectedDigest([], undefined)).toBeUndefined();
    expect(expectedDigest([], 'none')).toBeUndefined();
    expect(expectedDigest([{ automated: true, digest: D('a'), at: 't' }], D('b'))).toBe(D('b'));
  });
  it.each([
    ['https://github.com/o/r.git', true],
    ['ssh://git@github.com/o/r.git', true],
    ['git@github.com:o/r.git', true],
    ['.dataops/gitops.git', false],
    ['/srv/gitops.git', false],
  ])('%s is remote: %s', (url, remote) => {
    expect(isRemoteUrl(url)).toBe(remote);
  });
});
