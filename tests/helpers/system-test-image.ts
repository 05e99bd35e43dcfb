/**
 * The example pipeline image for system tests, built with buildah into storage under `.cache/`
 * (the offline base image is built once and kept there), written as an OCI layout. The build is
 * reproducible (timestamp 0, layer cache), so later calls reuse the layers and give the same digest.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execTool } from '../../src/core/exec.ts';
import { ensureBaseImage } from '../../src/core/image/base.ts';
import { runBuild } from '../../src/core/image/builder.ts';

const root = path.resolve(import.meta.dirname, '../..');
const exampleDir = path.join(root, 'templates/example-pipeline');

export interface ExampleImage {
  /** Repository name without tag or digest. */
  name: string;
  digest: string;
  /** `name@digest`. */
  ref: string;
  layoutDir: string;
  storageRoot: string;
}

/**
 * Builds (or rebuilds from cache) the example image.
 * @param tag distinguishes layouts of concurrent test files.
 */
export async function buildExampleImage(tag = 'system-test'): Promise<ExampleImage> {
  const cache = path.join(root, '.cache');
  const storageRoot = process.env.DATAOPS_TEST_BUILDAH_ROOT ?? path.join(cache, 'buildah');
  await ensureBaseImage({ storageRoot, cacheDir: path.join(cache, 'base-image') });
  if (!existsSync(path.join(exampleDir, 'node_modules', '@duckdb', 'node-api'))) {
    const r = await execTool('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], { cwd: exampleDir, timeoutMs: 600_000 });
    if (r.code !== 0) throw new Error(`npm ci in ${exampleDir} failed: ${r.stderr}`);
  }
  const work = path.join(cache, 'system-test', tag);
  await mkdir(work, { recursive: true });
  const name = 'localhost/flights-routes';
  const outcome = await runBuild(
    'buildah',
    {
      contextDir: exampleDir,
      dockerfile: path.join(exampleDir, 'Dockerfile'),
      tags: [`${name}:${tag}`],
      labels: { 'org.opencontainers.image.title': 'flights-routes' },
      buildArgs: {},
      platforms: [],
      secrets: [],
      cache: true,
      timestamp: 0,
      layoutDir: path.join(work, 'layout'),
      iidFile: path.join(work, 'iid'),
    },
    { storageRoot, displayBase: root },
  );
  return { name, digest: outcome.digest, ref: `${name}@${outcome.digest}`, layoutDir: outcome.layoutDir, storageRoot };
}

/**
 * A small image whose entrypoint runs the JavaScript in the container's `SCRIPT` variable
 * (`node -e`), built from the offline base like the example; for tests that need a container to
 * sleep, flood its output or exit with a chosen code.
 */
export async function buildScriptImage(): Promise<ExampleImage> {
  const cache = path.join(root, '.cache');
  const storageRoot = process.env.DATAOPS_TEST_BUILDAH_ROOT ?? path.join(cache, 'buildah');
  await ensureBaseImage({ storageRoot, cacheDir: path.join(cache, 'base-image') });
  const work = path.join(cache, 'system-test', 'script-image');
  const context = path.join(work, 'context');
  await mkdir(context, { recursive: true });
  await writeFile(path.join(context, 'Dockerfile'), 'FROM localhost/dataops-base:node24\nENTRYPOINT ["node", "-e", "eval(process.env.SCRIPT || \'\')"]\n');
  const name = 'localhost/dataops-script';
  const outcome = await runBuild(
    'buildah',
    { contextDir: context, dockerfile: path.join(context, 'Dockerfile'), tags: [`${name}:test`], labels: {}, buildArgs: {}, platforms: [], secrets: [], cache: true, timestamp: 0, layoutDir: path.join(work, 'layout'), iidFile: path.join(work, 'iid') },
    { storageRoot, displayBase: root },
  );
  return { name, digest: outcome.digest, ref: `${name}@${outcome.digest}`, layoutDir: outcome.layoutDir, storageRoot };
}
