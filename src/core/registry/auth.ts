/**
 * Registry credentials, first match wins:
 * 1. explicit `username`/`password`;
 * 2. a registry token (`registry-token`): GHCR takes it with the actor as username, Artifact
 *    Registry / GCR with `oauth2accesstoken` (the access token of google-github-actions/auth);
 * 3. GHCR with `GITHUB_TOKEN` from the environment (username `GITHUB_ACTOR`);
 * 4. the docker config (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`): `auths.<host>.auth`
 *    (base64 `user:password`) or `identitytoken`. Credential helpers (`credsStore`, `credHelpers`)
 *    are not run; they are reported in `notes`.
 * Every secret returned is listed in `secrets` so the action entry can mask it (`core.setSecret`) before use.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../errors.ts';
import type { Env } from '../runner-context.ts';
import type { RegistryCredentials } from './client.ts';

/** Where credentials came from, for logs (never the secret itself). */
export type CredentialSource = 'input' | 'registry-token' | 'GITHUB_TOKEN' | 'docker-config' | 'none';

/** Result of {@link resolveCredentials}. */
export interface ResolvedCredentials {
  credentials: RegistryCredentials | undefined;
  source: CredentialSource;
  /** Secret values to mask in logs. */
  secrets: string[];
  /** Things worth telling the user (a credential helper that was not run…). */
  notes: string[];
}

/** Inputs of {@link resolveCredentials}. */
export interface CredentialInputs {
  username?: string | undefined;
  password?: string | undefined;
  /** GITHUB_TOKEN for ghcr.io, an OAuth access token for *-docker.pkg.dev / gcr.io, or a password for `username`. */
  registryToken?: string | undefined;
  /** The runner context's environment: GITHUB_TOKEN, GITHUB_ACTOR, DOCKER_CONFIG, HOME. */
  env: Env;
}

/** Registry families with known token conventions. */
export function registryKind(registry: string): 'ghcr' | 'google' | 'dockerhub' | 'other' {
  const host = registry.replace(/:\d+$/, '');
  if (host === 'ghcr.io') return 'ghcr';
  if (/(^|\.)gcr\.io$/.test(host) || /-docker\.pkg\.dev$/.test(host)) return 'google';
  if (host === 'docker.io' || host === 'index.docker.io' || host === 'registry-1.docker.io') return 'dockerhub';
  return 'other';
}

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** Keys a docker config may use for `registry` (Docker Hub's legacy URL, scheme prefixes). */
function configKeys(registry: string): string[] {
  const keys = [registry, `https://${registry}`, `http://${registry}`, `https://${registry}/v1/`, `https://${registry}/v2/`];
  if (registryKind(registry) === 'dockerhub') keys.push('https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io');
  return keys;
}

/**
 * Reads the docker config's entry for `registry`.
 * @throws ConfigError when the file exists but is not valid JSON or its `auth` is not base64 `user:password`.
 */
export function dockerConfigCredentials(registry: string, env: Env): ResolvedCredentials {
  const file = path.join(env.DOCKER_CONFIG ?? path.join(env.HOME ?? os.homedir(), '.docker'), 'config.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { credentials: undefined, source: 'none', secrets: [], notes: [] };
  }
  let config: DockerConfig;
  try {
    config = JSON.parse(text) as DockerConfig;
  } catch (err) {
    throw new ConfigError('the docker config is not valid JSON', { location: { file }, fix: 'Fix or remove it, or pass username/password.', cause: err });
  }
  const notes: string[] = [];
  const helper = config.credHelpers?.[registry] ?? config.credsStore;
  for (const key of configKeys(registry)) {
    const entry = config.auths?.[key];
    if (!entry) continue;
    if (entry.identitytoken) return { credentials: { identityToken: entry.identitytoken }, source: 'docker-config', secrets: [entry.identitytoken], notes };
    if (entry.username && entry.password) return { credentials: { username: entry.username, password: entry.password }, source: 'docker-config', secrets: [entry.password, entry.auth ?? ''].filter(Boolean), notes };
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon <= 0) throw new ConfigError(`auths["${key}"].auth is not base64 of "username:password"`, { location: { file, field: `auths.${key}.auth` }, fix: 'Log in again (docker login) or pass username/password.' });
      const password = decoded.slice(colon + 1);
      return { credentials: { username: decoded.slice(0, colon), password }, source: 'docker-config', secrets: [password, entry.auth], notes };
    }
  }
  if (helper) notes.push(`${file} names the credential helper "docker-credential-${helper}" for ${registry}; helpers are not run: pass username/password or registry-token instead`);
  return { credentials: undefined, source: 'none', secrets: [], notes };
}

/**
 * Credentials for `registry` (see the module doc for the order).
 * A registry token for a registry without a known username convention (and no `username`) is not
 * used; `notes` says so.
 * @throws ConfigError for a password without username, or a broken docker config.
 */
export function resolveCredentials(registry: string, inputs: CredentialInputs): ResolvedCredentials {
  const env = inputs.env;
  const kind = registryKind(registry);
  if (inputs.password !== undefined && inputs.password !== '') {
    if (!inputs.username) throw new ConfigError('a password was given without a username', { location: { field: 'username' }, fix: 'Set "username" too (for GHCR your GitHub user or ${{ github.actor }}).' });
    return { credentials: { username: inputs.username, password: inputs.password }, source: 'input', secrets: [inputs.password], notes: [] };
  }
  const notes: string[] = [];
  if (inputs.registryToken) {
    let username = inputs.username;
    if (!username && kind === 'ghcr') username = env.GITHUB_ACTOR || 'x-access-token';
    if (!username && kind === 'google') username = 'oauth2accesstoken';
    if (username) return { credentials: { username, password: inputs.registryToken }, source: 'registry-token', secrets: [inputs.registryToken], notes: [] };
    // a workflow may pass github.token for every destination: only GHCR and Google know what to do with it
    notes.push(`registry-token is not used for ${registry} (no username convention for it): set "username" to use it there`);
  }
  if (kind === 'ghcr' && env.GITHUB_TOKEN) {
    return { credentials: { username: env.GITHUB_ACTOR || 'x-access-token', password: env.GITHUB_TOKEN }, source: 'GITHUB_TOKEN', secrets: [env.GITHUB_TOKEN], notes: [] };
  }
  const fromConfig = dockerConfigCredentials(registry, env);
  return { ...fromConfig, notes: [...notes, ...fromConfig.notes] };
}
