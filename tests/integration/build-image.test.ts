/**
 * The build stage with real buildah (storage in a temp dir under .cache/): the example pipeline
 * builds into an OCI layout whose digest every later stage uses; a cached rebuild gives the same
 * digest; a Dockerfile error becomes a ConfigError naming the line; the built image runs by digest
 * on the fixtures and writes the expected outputs; timeouts and memory limits stop containers.
 */
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.ts';
import { buildImage, type BuildImageResult } from '../../src/core/image/build.ts';
import { imageConfigSchema } from '../../src/core/image/config.ts';
import { runImage } from '../../src/core/image/run.ts';
import { copyExample, freshStorage, haveBuildah, removeStorage, repoRoot } from '../helpers/buildah.ts';

const git = { sha: 'c0ffee0000000000000000000000000000000001', ref: 'refs/heads/main', defaultBranch: 'main', repoUrl: 'https://github.com/acme/flights', commitTime: new Date('2024-05-01T10:00:00Z') };

describe.skipIf(!haveBuildah)('build-image with buildah', () => {
  let storageRoot: string;
  let tmp: string;
  let project: string;
  let first: BuildImageResult;

  beforeAll(async () => {
    storageRoot = await freshStorage('build-');
    await mkdir(path.join(repoRoot, '.cache'), { recursive: true });
    tmp = await mkdtemp(path.join(repoRoot, '.cache', 'build-image-test-'));
    project = await copyExample(path.join(tmp, 'project'));
    first = await buildImage({
      projectDir: project,
      projectName: 'flights-routes',
      workDir: path.join(tmp, 'work1'),
      storageRoot,
      builder: 'buildah',
      git,
      qualitySuites: [{ name: 'flights', sha256: 'sha256:' + 'f'.repeat(64) }],
    });
  }, 600_000);

  afterAll(async () => {
    if (storageRoot) await removeStorage(storageRoot);
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('writes an OCI layout holding exactly the digest it reports', async () => {
    expect(first.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(first.ref).toBe(`localhost/flights-routes@${first.digest}`);
    expect(first.tags).toEqual(['localhost/flights-routes:main', 'localhost/flights-routes:sha-c0ffee0', 'localhost/flights-routes:latest']);
    const index = JSON.parse(await readFile(path.join(first.layoutDir, 'index.json'), 'utf8'));
    expect(index.manifests.map((m: { digest: string }) => m.digest)).toEqual([first.digest]);
    const manifest = JSON.parse(await readFile(path.join(first.layoutDir, 'blobs', 'sha256', first.digest.slice(7)), 'utf8'));
    const config = JSON.parse(await readFile(path.join(first.layoutDir, 'blobs', 'sha256', manifest.config.digest.slice(7)), 'utf8'));
    expect(config.config.Labels).toMatchObject({
      'org.opencontainers.image.revision': git.sha,
      'org.opencontainers.image.source': 'https://github.com/acme/flights',
      'org.opencontainers.image.created': '2024-05-01T10:00:00Z',
      'org.opencontainers.image.version': 'main',
      'io.dataops.quality.suite.flights.sha256': 'sha256:' + 'f'.repeat(64),
    });
    expect(config.config.Entrypoint).toEqual(['node', '/app/pipeline/main.mjs', '--in', '/data/in', '--out', '/data/out']);
  });

  it('rebuilds from the layer cache to the same digest (reproducible)', async () => {
    const again = await buildImage({ projectDir: project, projectName: 'flights-routes', workDir: path.join(tmp, 'work2'), storageRoot, builder: 'buildah', git, qualitySuites: [{ name: 'flights', sha256: 'sha256:' + 'f'.repeat(64) }] });
    expect(again.cachedSteps).toBeGreaterThan(0);
    expect(again.digest).toBe(first.digest);
  }, 600_000);

  it('runs the image by digest on the fixtures and writes the expected outputs', async () => {
    const out = path.join(tmp, 'out');
    const r = await runImage({ image: first.ref, layoutDir: first.layoutDir, inputDir: path.join(project, 'fixtures'), outputDir: out, storageRoot, runner: 'buildah', timeoutMs: 120_000, memoryLimit: '1g' });
    expect(r.stderr).toContain('validate outputs: ok');
    expect(r.exitCode).toBe(0);
    expect(r.timedOut).toBe(false);
    expect(await readFile(path.join(out, 'daily_routes.csv'), 'utf8')).toBe(await readFile(path.join(project, 'expected', 'daily_routes.csv'), 'utf8'));
  }, 300_000);

  it('fails the pipeline with its validation message on bad input', async () => {
    const bad = path.join(tmp, 'bad-in');
    await mkdir(bad, { recursive: true });
    await writeFile(path.join(bad, 'airports.csv'), 'iata,name,city,state,country,latitude,longitude\n');
    const r = await runImage({ image: first.ref, layoutDir: first.layoutDir, inputDir: bad, outputDir: path.join(tmp, 'bad-out'), storageRoot, runner: 'buildah', timeoutMs: 120_000 });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/no flights\*\.parquet/);
  }, 300_000);

  it('refuses to run a digest the layout does not hold', async () => {
    const other = `localhost/flights-routes@sha256:${'0'.repeat(64)}`;
    await expect(runImage({ image: other, layoutDir: first.layoutDir, storageRoot, runner: 'buildah' })).rejects.toThrow(ConfigError);
  });

  describe('a small image', () => {
    let small: BuildImageResult;
    beforeAll(async () => {
      const dir = path.join(tmp, 'small');
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, 'Dockerfile'), 'FROM localhost/dataops-base:node24\nENTRYPOINT ["node"]\nCMD ["-e", "console.log(42)"]\n');
      small = await buildImage({ projectDir: dir, projectName: 'small', workDir: path.join(tmp, 'work-small'), storageRoot, builder: 'buildah', git });
    }, 300_000);

    it('kills a container that runs past the timeout', async () => {
      const r = await runImage({ image: small.ref, layoutDir: small.layoutDir, storageRoot, runner: 'buildah', args: ['-e', 'setTimeout(() => {}, 120000)'], timeoutMs: 3000 });
      expect(r.timedOut).toBe(true);
      expect(r.exitCode).not.toBe(0);
    }, 120_000);

    it('passes args and env, and measures peak memory', async () => {
      const r = await runImage({ image: small.ref, layoutDir: small.layoutDir, storageRoot, runner: 'buildah', env: { GREETING: 'hi' }, args: ['-e', 'console.log(process.env.GREETING)'] });
      expect(r.exitCode).toBe(0);
      expect(r.stdout.trim()).toBe('hi');
      if (r.peakMemoryBytes !== undefined) expect(r.peakMemoryBytes).toBeGreaterThan(1024 * 1024);
    }, 120_000);

    it('stops a container that exceeds its memory limit (when a memory cgroup is writable)', async () => {
      const r = await runImage({ image: small.ref, layoutDir: small.layoutDir, storageRoot, runner: 'buildah', memoryLimit: '200m', args: ['-e', 'const a = []; for (let i = 0; i < 100; i++) a.push(Buffer.alloc(1e7, 1)); console.log("survived")'], timeoutMs: 60_000 });
      if (r.peakMemoryBytes === undefined) return; // no writable memory cgroup: the limit is not enforced (documented)
      expect(r.exitCode).not.toBe(0);
      expect(r.stdout).not.toContain('survived');
    }, 120_000);
  });

  it('reports a Dockerfile error as a ConfigError naming the line', async () => {
    const dir = path.join(tmp, 'broken');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'Dockerfile'), '# a comment\nFROM localhost/dataops-base:node24\nWORKDIR /app\n\nRUN node -e \\\n  "process.exit(3)"\nCOPY . .\n');
    const err = await buildImage({ projectDir: dir, projectName: 'broken', config: imageConfigSchema.parse({}), workDir: path.join(tmp, 'work-broken'), storageRoot, builder: 'buildah', git }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).location.line).toBe(5);
    expect((err as ConfigError).location.file).toMatch(/broken[/\\]Dockerfile$/);
    expect((err as ConfigError).message).toMatch(/Dockerfile:5: build failed: .*RUN node -e/);
  }, 300_000);
});
