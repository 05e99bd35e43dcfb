/**
 * `buildImage`: the build stage's core, shared by `dataops build`, actions/build-image and the flow.
 * Resolves the `image:` settings, derives tags and OCI labels from the git/GitHub context, prepares
 * the context (npm ci --omit=dev on the host, so the build needs no network), stages it with
 * normalised file times (reproducible digests), builds the offline base image when the Dockerfile
 * uses it, builds with docker buildx or buildah and returns the manifest digest of the OCI layout.
 */
import { existsSync } from 'node:fs';
import { chmod, copyFile, lstat, lutimes, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../errors.ts';
import { sha256, sha256File } from '../hash.ts';
import { imageConfigSchema, type ImageConfig } from './config.ts';
import { BASE_IMAGE, ensureBaseImage } from './base.ts';
import { defaultStorageRoot } from './buildah.ts';
import { detectBuilder, parseDockerfile, runBuild, type ResolvedSecret } from './builder.ts';
import { execTool } from '../exec.ts';
import { withDirLock } from '../dir-lock.ts';
import { localContext, type RunnerContext } from '../runner-context.ts';
import { gitContextFromGitHub, gitContextFromRepo, imageMetadata, type GitContext, type ImageMetadata } from './metadata.ts';

/** Options of {@link buildImage}. */
export interface BuildImageOptions {
  /** Directory relative paths of the config resolve from (the one holding dataops.yml). */
  projectDir: string;
  /** Project name: default image name `localhost/<name>` and title label. */
  projectName: string;
  /** The `image:` section (defaults applied by the schema when omitted). */
  config?: ImageConfig;
  /** Scratch directory: staged context, OCI layout (`<workDir>/image/oci`), iid file. */
  workDir: string;
  /** buildah storage root (default {@link defaultStorageRoot}). */
  storageRoot?: string;
  /** Where the base image's downloads are cached (default `<storageRoot>/../base-image`). */
  baseCacheDir?: string;
  /** Overrides `config.builder`. */
  builder?: 'auto' | 'docker' | 'buildah';
  /** The machine: its GitHub facts (on a runner), SOURCE_DATE_EPOCH, build secrets named by `env`, the Actions cache. Default: {@link localContext}. */
  runner?: RunnerContext;
  /** Git context (default: the runner's GitHub facts on a runner, else the local repository). */
  git?: GitContext;
  /** Quality suites the image was tested with (labels); see {@link suiteHashes}. */
  qualitySuites?: Array<{ name: string; sha256: string }>;
  /** Disable the layer cache for this build. */
  noCache?: boolean;
  /** buildx: use the GitHub Actions cache (`type=gha`). Default: when the runner's cache service answers. */
  ghaCache?: boolean;
  now?: Date;
  log?: (line: string) => void;
  /** Raw build output chunks. */
  onBuildLog?: (chunk: string) => void;
}

/** What a build produced (the flow's `state.image` plus details). */
export interface BuildImageResult {
  /** Repository name without tag, e.g. `localhost/flights-routes`. */
  name: string;
  /** Manifest digest `sha256:…` of the OCI layout: the digest every later stage uses. */
  digest: string;
  /** `name@digest`. */
  ref: string;
  /** Full tag references `name:tag`. */
  tags: string[];
  layoutDir: string;
  labels: Record<string, string>;
  metadata: ImageMetadata;
  builder: 'docker' | 'buildah';
  imageId: string;
  durationMs: number;
  cachedSteps: number;
  /** SOURCE_DATE_EPOCH used (reproducible builds), if any. */
  sourceDateEpoch?: number;
  /** The offline base image, when the Dockerfile uses it. */
  baseImage?: { name: string; built: boolean };
}

/** The `metadata` output of build-image (and `dataops build --metadata-file`): what was built, as JSON. */
export function buildMetadata(result: BuildImageResult): Record<string, unknown> {
  return {
    image: result.ref,
    name: result.name,
    digest: result.digest,
    tags: result.tags,
    labels: result.labels,
    version: result.metadata.version,
    layoutDir: result.layoutDir,
    builder: result.builder,
    imageId: result.imageId,
  };
}

/** `{ name: file stem, sha256 }` of each quality suite file (relative to `dir`). @throws ConfigError for a missing file. */
export async function suiteHashes(dir: string, files: readonly string[]): Promise<Array<{ name: string; sha256: string }>> {
  const out: Array<{ name: string; sha256: string }> = [];
  for (const f of files) {
    const abs = path.resolve(dir, f);
    if (!existsSync(abs)) throw new ConfigError(`quality suite file ${f} does not exist`, { location: { field: 'quality.suites' } });
    out.push({ name: path.basename(f).replace(/\.(ya?ml|json)$/, ''), sha256: await sha256File(abs) });
  }
  return out;
}

/** The image names each FROM resolves to, with ARG defaults and build args substituted (pure). */
export function fromImages(dockerfileSource: string, buildArgs: Record<string, string>): string[] {
  const args: Record<string, string> = {};
  const stages = new Set<string>();
  const images: string[] = [];
  for (const ins of parseDockerfile(dockerfileSource)) {
    if (ins.keyword === 'ARG' && images.length === 0) {
      const m = /^ARG\s+([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/i.exec(ins.text);
      if (m) args[m[1]!] = buildArgs[m[1]!] ?? (m[2] ?? '').replace(/^"(.*)"$/, '$1');
    }
    if (ins.keyword === 'FROM') {
      const parts = ins.text.split(' ').slice(1).filter((p) => !p.startsWith('--'));
      const image = (parts[0] ?? '').replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, n: string) => buildArgs[n] ?? args[n] ?? '');
      if (!stages.has(image)) images.push(image);
      if (parts[1]?.toUpperCase() === 'AS' && parts[2]) stages.add(parts[2]);
    }
  }
  return images;
}

/**
 * Builds the image described by `opts.config`.
 * @throws ConfigError for missing files/secrets, a Dockerfile error (file + line) or bad settings;
 *   Error when a tool fails otherwise.
 */
export async function buildImage(opts: BuildImageOptions): Promise<BuildImageResult> {
  const config = opts.config ?? imageConfigSchema.parse({});
  const log = opts.log ?? (() => {});
  const name = config.name ?? `localhost/${opts.projectName}`;
  const contextDir = path.resolve(opts.projectDir, config.context);
  const dockerfile = path.resolve(opts.projectDir, config.dockerfile);
  if (!existsSync(contextDir)) throw new ConfigError(`build context ${config.context} does not exist`, { location: { field: 'image.context' }, fix: 'Point image.context at the directory to build (relative to dataops.yml).' });
  if (!existsSync(dockerfile)) throw new ConfigError(`Dockerfile ${config.dockerfile} does not exist`, { location: { field: 'image.dockerfile' }, fix: 'Add a Dockerfile or set image.dockerfile.' });
  const builder = (opts.builder ?? config.builder) === 'auto' ? await detectBuilder() : ((opts.builder ?? config.builder) as 'docker' | 'buildah');
  const storageRoot = opts.storageRoot ?? defaultStorageRoot();
  const runner = opts.runner ?? localContext();
  const git = opts.git ?? (runner.actions ? await gitContextFromGitHub(runner) : await gitContextFromRepo(opts.projectDir));
  const now = opts.now ?? new Date();
  const metadata = imageMetadata(git, {
    name,
    rules: config.tags,
    title: opts.projectName,
    now,
    labels: config.labels,
    ...(opts.qualitySuites ? { qualitySuites: opts.qualitySuites } : {}),
  });
  // image timestamps: SOURCE_DATE_EPOCH when set, else 0 — a constant, so a build served from the
  // layer cache and a fresh one give the same digest (the created label keeps the commit time)
  const fixedEpoch = runner.env.SOURCE_DATE_EPOCH;
  const epoch = config.reproducible ? (fixedEpoch && /^\d+$/.test(fixedEpoch) ? Number(fixedEpoch) : 0) : undefined;
  const dockerfileSource = await readFile(dockerfile, 'utf8');

  await prepareContext(contextDir, dockerfileSource, config.prepare, log);

  let baseImage: BuildImageResult['baseImage'];
  if (builder === 'buildah' && fromImages(dockerfileSource, config.build_args).includes(BASE_IMAGE)) {
    const base = await ensureBaseImage({ storageRoot, cacheDir: opts.baseCacheDir ?? path.join(path.dirname(storageRoot), 'base-image'), log });
    baseImage = { name: base.name, built: base.built };
    if (base.built) log(`built base image ${base.name}`);
  }

  const workDir = path.resolve(opts.workDir, 'image');
  await mkdir(workDir, { recursive: true });
  let buildContext = contextDir;
  let buildDockerfile = dockerfile;
  if (epoch !== undefined) {
    buildContext = path.join(workDir, 'context');
    // file times are a constant (0), not the commit time, so cached and fresh layers are identical
    await stageContext(contextDir, buildContext, 0, [path.resolve(opts.workDir)]);
    const rel = path.relative(contextDir, dockerfile);
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) buildDockerfile = path.join(buildContext, rel);
  }

  const secretDir = config.secrets.length > 0 ? await mkdtemp(path.join(os.tmpdir(), 'dataops-secrets-')) : undefined;
  try {
    const secrets: ResolvedSecret[] = [];
    for (const [i, s] of config.secrets.entries()) {
      if (s.env !== undefined) {
        const value = runner.env[s.env];
        if (value === undefined) throw new ConfigError(`secret "${s.id}" reads environment variable ${s.env}, which is not set`, { location: { field: `image.secrets[${i}].env` }, fix: `Set ${s.env} in the step's env (from a GitHub secret).` });
        const file = path.join(secretDir!, s.id);
        await writeFile(file, value, { mode: 0o600 });
        secrets.push({ id: s.id, src: file });
      } else {
        const file = path.resolve(opts.projectDir, s.file!);
        if (!existsSync(file)) throw new ConfigError(`secret "${s.id}" file ${s.file} does not exist`, { location: { field: `image.secrets[${i}].file` } });
        secrets.push({ id: s.id, src: file });
      }
    }
    log(`building ${name} with ${builder}${epoch !== undefined ? ` (SOURCE_DATE_EPOCH=${epoch})` : ''}`);
    const outcome = await runBuild(
      builder,
      {
        contextDir: buildContext,
        dockerfile: buildDockerfile,
        tags: metadata.refs,
        labels: metadata.labels,
        buildArgs: config.build_args,
        ...(config.target ? { target: config.target } : {}),
        platforms: config.platforms,
        secrets,
        cache: config.cache.enabled && !opts.noCache,
        ...(epoch !== undefined ? { timestamp: epoch } : {}),
        layoutDir: path.join(workDir, 'oci'),
        iidFile: path.join(workDir, 'iid'),
        ghaScope: config.cache.gha_scope ?? name.split('/').pop()!,
        ghaCache: opts.ghaCache ?? runner.actionsCache,
      },
      { storageRoot, displayBase: process.cwd(), ...(opts.onBuildLog ? { onLog: opts.onBuildLog } : {}) },
    );
    // errors inside the staged copy are reported against the user's Dockerfile
    return {
      name,
      digest: outcome.digest,
      ref: `${name}@${outcome.digest}`,
      tags: metadata.refs,
      layoutDir: outcome.layoutDir,
      labels: metadata.labels,
      metadata,
      builder,
      imageId: outcome.imageId,
      durationMs: outcome.durationMs,
      cachedSteps: outcome.cachedSteps,
      ...(epoch !== undefined ? { sourceDateEpoch: epoch } : {}),
      ...(baseImage ? { baseImage } : {}),
    };
  } catch (err) {
    if (err instanceof ConfigError && err.location.file && buildDockerfile !== dockerfile && path.resolve(err.location.file) === buildDockerfile) {
      throw new ConfigError(err.message.replace(err.location.file, path.relative(process.cwd(), dockerfile)), {
        location: { ...err.location, file: path.relative(process.cwd(), dockerfile) },
        preformatted: true,
        ...(err.fix ? { fix: err.fix } : {}),
      });
    }
    throw err;
  } finally {
    if (secretDir) await rm(secretDir, { recursive: true, force: true });
  }
}

/**
 * `npm ci --omit=dev` into the context when it needs node_modules (prepare `npm`, or `auto` with a
 * package-lock.json and a Dockerfile that copies node_modules). Skipped when node_modules matches
 * the lock (stamp file). Falls back to `npm install --omit=dev --no-save` when the lock lacks
 * other platforms' optional packages (npm ci refuses that).
 */
export async function prepareContext(contextDir: string, dockerfileSource: string, mode: 'auto' | 'npm' | 'none', log: (line: string) => void = () => {}): Promise<boolean> {
  const lockFile = path.join(contextDir, 'package-lock.json');
  const wants = mode === 'npm' || (mode === 'auto' && existsSync(lockFile) && /node_modules/.test(dockerfileSource));
  if (!wants) return false;
  if (!existsSync(lockFile)) throw new ConfigError('image.prepare is npm but the context has no package-lock.json', { location: { field: 'image.prepare' }, fix: 'Run npm install in the context and commit package-lock.json.' });
  const stamp = path.join(contextDir, 'node_modules', '.dataops-prepared');
  const want = sha256(await readFile(lockFile));
  if (existsSync(stamp) && (await readFile(stamp, 'utf8')).trim() === want) return false;
  // a lock left by a killed build is taken over after 10 minutes
  return withDirLock(path.join(contextDir, '.dataops-prepare.lock'), async () => {
    if (existsSync(stamp) && (await readFile(stamp, 'utf8')).trim() === want) return false;
    log('preparing the build context: npm ci --omit=dev');
    const flags = ['--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];
    let r = await execTool('npm', ['ci', ...flags], { cwd: contextDir, timeoutMs: 600_000 });
    if (r.code !== 0 && /EUSAGE|in sync/.test(r.stderr)) r = await execTool('npm', ['install', '--no-save', ...flags], { cwd: contextDir, timeoutMs: 600_000 });
    if (r.code !== 0) throw new ConfigError(`npm ci in the build context failed: ${r.stderr.trim().split('\n').slice(-3).join(' ')}`, { location: { file: path.relative(process.cwd(), lockFile) } });
    await writeFile(stamp, want + '\n');
    return true;
  }, { pollMs: 500, timeoutMs: 750_000 });
}

/** Copies `src` to `dest` (replacing it; `dest` may lie inside `src`) without .git/.dataops/`exclude`, all file times set to `epoch`. */
export async function stageContext(src: string, dest: string, epoch: number, exclude: string[] = []): Promise<void> {
  await rm(dest, { recursive: true, force: true });
  const skip = new Set([...exclude.map((e) => path.resolve(e)), path.resolve(dest)]);
  const dirs: string[] = [];
  const copy = async (from: string, to: string): Promise<void> => {
    const st = await lstat(from);
    if (st.isDirectory()) {
      await mkdir(to, { recursive: true, mode: 0o755 });
      for (const f of (await readdir(from)).sort()) {
        if (f === '.git' || f === '.dataops' || f === '.dataops-prepare.lock') continue;
        const child = path.join(from, f);
        if (skip.has(path.resolve(child))) continue;
        await copy(child, path.join(to, f));
      }
      dirs.push(to);
    } else if (st.isSymbolicLink()) {
      await symlink(await readlink(from), to);
      await lutimes(to, epoch, epoch);
    } else if (st.isFile()) {
      await copyFile(from, to);
      await chmod(to, st.mode & 0o111 ? 0o755 : 0o644);
      await utimes(to, epoch, epoch);
    }
  };
  await copy(src, dest);
  for (const d of dirs) await utimes(d, epoch, epoch); // children first, so later writes do not bump them
}
