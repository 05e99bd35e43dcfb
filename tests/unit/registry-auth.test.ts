/** Registry credentials: inputs, registry tokens (GHCR, Artifact Registry), GITHUB_TOKEN, docker config. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dockerConfigCredentials, registryKind, resolveCredentials } from '../../src/core/registry/auth.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'dataops-dockercfg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('resolveCredentials', () => {
  it('prefers username/password inputs and lists the password as a secret', () => {
    const r = resolveCredentials('registry.example.com', { username: 'u', password: 'p', env: {} });
    expect(r).toMatchObject({ credentials: { username: 'u', password: 'p' }, source: 'input', secrets: ['p'] });
  });

  it('refuses a password without username', () => {
    expect(() => resolveCredentials('r.example.com', { password: 'p', env: {} })).toThrow(/without a username/);
  });

  it('uses the actor for a GHCR token and oauth2accesstoken for Artifact Registry', () => {
    expect(resolveCredentials('ghcr.io', { registryToken: 'ghs_x', env: { GITHUB_ACTOR: 'octocat' } }).credentials).toEqual({ username: 'octocat', password: 'ghs_x' });
    expect(resolveCredentials('europe-west1-docker.pkg.dev', { registryToken: 'ya29.x', env: {} }).credentials).toEqual({ username: 'oauth2accesstoken', password: 'ya29.x' });
    const other = resolveCredentials('quay.io', { registryToken: 't', env: { DOCKER_CONFIG: path.join(dir, 'none') } });
    expect(other.credentials).toBeUndefined();
    expect(other.notes[0]).toMatch(/registry-token is not used for quay.io/);
    expect(resolveCredentials('quay.io', { registryToken: 't', username: 'robot', env: {} }).credentials).toEqual({ username: 'robot', password: 't' });
  });

  it('falls back to GITHUB_TOKEN for ghcr.io only', () => {
    expect(resolveCredentials('ghcr.io', { env: { GITHUB_TOKEN: 'tok', GITHUB_ACTOR: 'me' } })).toMatchObject({ source: 'GITHUB_TOKEN', credentials: { username: 'me', password: 'tok' }, secrets: ['tok'] });
    expect(resolveCredentials('quay.io', { env: { GITHUB_TOKEN: 'tok', DOCKER_CONFIG: path.join(dir, 'none') } }).source).toBe('none');
  });

  it('reads base64 auths from the docker config in DOCKER_CONFIG and reports credential helpers', () => {
    const auth = Buffer.from('alice:s3cret').toString('base64');
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ auths: { 'registry.example.com': { auth }, 'https://index.docker.io/v1/': { auth }, 'acr.example.io': { auth: Buffer.from('00000000-0000-0000-0000-000000000000:').toString('base64'), identitytoken: 'refresh' } }, credHelpers: { 'gcr.io': 'gcloud' } }));
    expect(dockerConfigCredentials('registry.example.com', { DOCKER_CONFIG: dir })).toMatchObject({ credentials: { username: 'alice', password: 's3cret' }, source: 'docker-config', secrets: ['s3cret', auth] });
    expect(dockerConfigCredentials('docker.io', { DOCKER_CONFIG: dir }).credentials).toEqual({ username: 'alice', password: 's3cret' });
    expect(dockerConfigCredentials('acr.example.io', { DOCKER_CONFIG: dir })).toMatchObject({ credentials: { identityToken: 'refresh' }, secrets: ['refresh'] });
    const helper = dockerConfigCredentials('gcr.io', { DOCKER_CONFIG: dir });
    expect(helper.credentials).toBeUndefined();
    expect(helper.notes[0]).toMatch(/docker-credential-gcloud/);
  });

  it('names the docker config file when it is broken', () => {
    writeFileSync(path.join(dir, 'config.json'), '{nope');
    expect(() => dockerConfigCredentials('x.io', { DOCKER_CONFIG: dir })).toThrow(/config\.json.*not valid JSON/);
  });

  it('classifies registries', () => {
    expect(registryKind('ghcr.io')).toBe('ghcr');
    expect(registryKind('us-docker.pkg.dev')).toBe('google');
    expect(registryKind('eu.gcr.io')).toBe('google');
    expect(registryKind('127.0.0.1:5000')).toBe('other');
  });
});
