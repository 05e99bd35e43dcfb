import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.ts';
import { buildahArgs, buildahPushArgs, buildxArgs, locateDockerfileError, parseDockerfile, type BuildSpec } from '../../src/core/image/builder.ts';
import { fromImages } from '../../src/core/image/build.ts';

const base: BuildSpec = {
  contextDir: '/ctx',
  dockerfile: '/ctx/Dockerfile',
  tags: ['localhost/app:main'],
  labels: {},
  buildArgs: {},
  platforms: [],
  secrets: [],
  cache: true,
  layoutDir: '/w/oci',
  iidFile: '/w/iid',
};

describe('buildahArgs', () => {
  it.each<[string, Partial<BuildSpec>, string[]]>([
    ['defaults', {}, ['bud', '--isolation', 'chroot', '--layers', '--force-rm', '--identity-label=false', '-f', '/ctx/Dockerfile', '--iidfile', '/w/iid', '--tag', 'localhost/app:main', '/ctx']],
    [
      'args, target, secret, label, timestamp',
      { buildArgs: { BASE_IMAGE: 'node:24' }, target: 'run', secrets: [{ id: 'npm', src: '/tmp/s/npm' }], labels: { a: 'b c' }, timestamp: 0 },
      ['bud', '--isolation', 'chroot', '--layers', '--force-rm', '--identity-label=false', '-f', '/ctx/Dockerfile', '--iidfile', '/w/iid', '--target', 'run', '--build-arg', 'BASE_IMAGE=node:24', '--secret', 'id=npm,src=/tmp/s/npm', '--label', 'a=b c', '--timestamp', '0', '--tag', 'localhost/app:main', '/ctx'],
    ],
    ['no cache, one platform', { cache: false, platforms: ['linux/amd64'] }, ['bud', '--isolation', 'chroot', '--layers', '--force-rm', '--identity-label=false', '-f', '/ctx/Dockerfile', '--iidfile', '/w/iid', '--no-cache', '--platform', 'linux/amd64', '--tag', 'localhost/app:main', '/ctx']],
  ])('%s', (_t, spec, args) => {
    expect(buildahArgs({ ...base, ...spec })).toEqual(args);
  });

  it('never turns secrets into build args', () => {
    const args = buildahArgs({ ...base, secrets: [{ id: 'token', src: '/run/s/token' }] });
    expect(args.filter((a) => a.includes('token'))).toEqual(['id=token,src=/run/s/token']);
    expect(args[args.indexOf('id=token,src=/run/s/token') - 1]).toBe('--secret');
  });

  it('refuses several platforms', () => {
    expect(() => buildahArgs({ ...base, platforms: ['linux/amd64', 'linux/arm64'] })).toThrow(ConfigError);
  });

  it('pushes into an OCI layout under the tag name', () => {
    expect(buildahPushArgs('sha256:abc', '/w/oci', 'main', '/w/d')).toEqual(['push', '--format', 'oci', '--digestfile', '/w/d', 'sha256:abc', 'oci:/w/oci:main']);
  });
});

describe('buildxArgs', () => {
  it.each<[string, Partial<BuildSpec>, string[]]>([
    ['defaults', {}, ['buildx', 'build', '--file', '/ctx/Dockerfile', '--iidfile', '/w/iid', '--provenance=false', '--tag', 'localhost/app:main', '--output', 'type=oci,dest=/w/oci,tar=false', '/ctx']],
    [
      'platforms, gha cache, secret, reproducible',
      { platforms: ['linux/amd64', 'linux/arm64'], ghaCache: true, ghaScope: 'app', secrets: [{ id: 'npm', src: '/s' }], timestamp: 1700000000 },
      ['buildx', 'build', '--file', '/ctx/Dockerfile', '--iidfile', '/w/iid', '--provenance=false', '--platform', 'linux/amd64,linux/arm64', '--secret', 'id=npm,src=/s', '--tag', 'localhost/app:main', '--cache-from', 'type=gha,scope=app', '--cache-to', 'type=gha,mode=max,scope=app', '--output', 'type=oci,dest=/w/oci,tar=false,rewrite-timestamp=true', '/ctx'],
    ],
    ['no cache', { cache: false, ghaCache: true }, ['buildx', 'build', '--file', '/ctx/Dockerfile', '--iidfile', '/w/iid', '--provenance=false', '--tag', 'localhost/app:main', '--no-cache', '--output', 'type=oci,dest=/w/oci,tar=false', '/ctx']],
  ])('%s', (_t, spec, args) => {
    expect(buildxArgs({ ...base, ...spec })).toEqual(args);
  });
});

const DOCKERFILE = ['# syntax=docker/dockerfile:1', 'ARG BASE_IMAGE=localhost/dataops-base:node24', 'FROM ${BASE_IMAGE} AS run', '', 'WORKDIR /app', 'RUN node -e \\', '  "process.exit(3)"', 'COPY b.txt /b', 'FROBNICATE x', ''].join('\n');

describe('Dockerfile errors → line', () => {
  it('parses instructions with their first line', () => {
    expect(parseDockerfile(DOCKERFILE).map((i) => [i.line, i.keyword])).toEqual([
      [2, 'ARG'],
      [3, 'FROM'],
      [5, 'WORKDIR'],
      [6, 'RUN'],
      [8, 'COPY'],
      [9, 'FROBNICATE'],
    ]);
  });

  it.each([
    ['buildah RUN failure (continued line)', 'STEP 3/4: RUN node -e   "process.exit(3)"\nError: building at STEP "RUN node -e   "process.exit(3)"": exit status 3', 6],
    ['buildah COPY of a missing file', 'Error: building at STEP "COPY b.txt /b": checking on sources under "/ctx": copier: stat: "/b.txt": no such file or directory', 8],
    ['buildah unknown instruction', 'Error: building at STEP "FROBNICATE ": Build error: Unknown instruction: "FROBNICATE" &imagebuilder.Step{Original:"FROBNICATE x"}', 9],
    ['buildah missing base image', 'Error: creating build container: initializing source docker://localhost/dataops-base:node24: pinging container registry localhost', 3],
    ['buildkit', 'Dockerfile:8\n--------------------\n   8 | >>> COPY b.txt /b\nERROR: failed to solve: "/b.txt": not found', 8],
  ])('%s', (_t, stderr, line) => {
    expect(locateDockerfileError(stderr, DOCKERFILE)?.line).toBe(line);
  });

  it('returns undefined for errors that are not about a line', () => {
    expect(locateDockerfileError('Error: mounting storage: permission denied', DOCKERFILE)).toBeUndefined();
  });
});

describe('fromImages', () => {
  it.each([
    [{}, ['localhost/dataops-base:node24']],
    [{ BASE_IMAGE: 'node:24-bookworm-slim' }, ['node:24-bookworm-slim']],
  ])('resolves ARG defaults and build args (%o)', (args, images) => {
    expect(fromImages(DOCKERFILE, args)).toEqual(images);
  });

  it('skips references to earlier stages', () => {
    expect(fromImages('FROM node:24 AS deps\nFROM deps\nFROM scratch', {})).toEqual(['node:24', 'scratch']);
  });
});
