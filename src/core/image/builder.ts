/**
 * Image builders: docker buildx (where a daemon answers) and buildah (daemonless). Pure argument
 * builders {@link buildahArgs} / {@link buildxArgs} (after docker/build-push-action's getArgs), a
 * Dockerfile error mapper ({@link dockerfileError}) and {@link runBuild}, which builds and writes
 * an OCI image layout directory whose index.json names the manifest digest every later stage uses.
 */
import { readFile, rm, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.ts';
import { execTool, hasTool } from '../exec.ts';
import { buildah } from './buildah.ts';
import { childEnv, type Env } from '../runner-context.ts';

/** A build secret resolved to a file (env secrets are written to a 0600 temp file by the caller). */
export interface ResolvedSecret {
  id: string;
  /** Absolute path of the file holding the value. */
  src: string;
}

/** Everything one build needs, resolved to absolute paths. */
export interface BuildSpec {
  contextDir: string;
  dockerfile: string;
  /** Full references `name:tag`. */
  tags: string[];
  labels: Record<string, string>;
  buildArgs: Record<string, string>;
  target?: string;
  platforms: string[];
  secrets: ResolvedSecret[];
  /** Use the layer cache (buildah --layers / buildx cache). */
  cache: boolean;
  /** Image created time and history timestamps (seconds since the epoch); undefined = now. */
  timestamp?: number;
  /** OCI image layout directory written by the build (replaced). */
  layoutDir: string;
  /** File the image ID is written to. */
  iidFile: string;
  /** buildx: cache scope for `type=gha` (only used when `ghaCache`). */
  ghaScope?: string;
  /** buildx: use the GitHub Actions cache backend (needs ACTIONS_RUNTIME_TOKEN/ACTIONS_CACHE_URL). */
  ghaCache?: boolean;
}

/** `buildah bud` arguments, without the global storage flags (pure). @throws ConfigError for several platforms. */
export function buildahArgs(spec: BuildSpec): string[] {
  if (spec.platforms.length > 1) {
    throw new ConfigError(`buildah builds one platform at a time; got ${spec.platforms.join(', ')}`, {
      location: { field: 'image.platforms' },
      fix: 'Use builder: docker (buildx) for multi-platform images, or list one platform.',
    });
  }
  // always --layers (one layer per step, as with a cache), so cached and fresh builds have the same layers
  // --force-rm: a failed step's working container is removed too (vfs keeps a full copy per container)
  const a = ['bud', '--isolation', 'chroot', '--layers', '--force-rm', '--identity-label=false', '-f', spec.dockerfile, '--iidfile', spec.iidFile];
  if (!spec.cache) a.push('--no-cache');
  if (spec.platforms[0]) a.push('--platform', spec.platforms[0]);
  if (spec.target) a.push('--target', spec.target);
  for (const [k, v] of Object.entries(spec.buildArgs)) a.push('--build-arg', `${k}=${v}`);
  for (const s of spec.secrets) a.push('--secret', `id=${s.id},src=${s.src}`);
  for (const [k, v] of Object.entries(spec.labels)) a.push('--label', `${k}=${v}`);
  if (spec.timestamp !== undefined) a.push('--timestamp', String(spec.timestamp));
  for (const t of spec.tags) a.push('--tag', t);
  a.push(spec.contextDir);
  return a;
}

/** `buildah push` arguments writing `imageId` into the OCI layout under ref name `refName` (pure). */
export function buildahPushArgs(imageId: string, layoutDir: string, refName: string, digestFile: string): string[] {
  return ['push', '--format', 'oci', '--digestfile', digestFile, imageId, `oci:${layoutDir}:${refName}`];
}

/** `docker buildx build` arguments writing an OCI layout (`type=oci,tar=false`) (pure). */
export function buildxArgs(spec: BuildSpec): string[] {
  const a = ['buildx', 'build', '--file', spec.dockerfile, '--iidfile', spec.iidFile, '--provenance=false'];
  if (spec.platforms.length > 0) a.push('--platform', spec.platforms.join(','));
  if (spec.target) a.push('--target', spec.target);
  for (const [k, v] of Object.entries(spec.buildArgs)) a.push('--build-arg', `${k}=${v}`);
  for (const s of spec.secrets) a.push('--secret', `id=${s.id},src=${s.src}`);
  for (const [k, v] of Object.entries(spec.labels)) a.push('--label', `${k}=${v}`);
  for (const t of spec.tags) a.push('--tag', t);
  if (!spec.cache) a.push('--no-cache');
  else if (spec.ghaCache) {
    const scope = spec.ghaScope ? `,scope=${spec.ghaScope}` : '';
    a.push('--cache-from', `type=gha${scope}`, '--cache-to', `type=gha,mode=max${scope}`);
  }
  a.push('--output', `type=oci,dest=${spec.layoutDir},tar=false${spec.timestamp !== undefined ? ',rewrite-timestamp=true' : ''}`);
  a.push(spec.contextDir);
  return a;
}

/** Picks the builder for `auto`: docker buildx when `docker info` answers, else buildah. */
export async function detectBuilder(): Promise<'docker' | 'buildah'> {
  if (await hasTool('docker', ['info', '--format', '{{.ServerVersion}}'])) return 'docker';
  return 'buildah';
}

/** One instruction of a Dockerfile with its 1-based first line. */
export interface DockerfileInstruction {
  line: number;
  keyword: string;
  /** Instruction text with continuation lines joined and whitespace collapsed. */
  text: string;
}

/** Splits a Dockerfile into instructions (comments dropped, `\` continuations joined) (pure). */
export function parseDockerfile(source: string): DockerfileInstruction[] {
  const out: DockerfileInstruction[] = [];
  const lines = source.split(/\r?\n/);
  let current: { line: number; parts: string[] } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    if (!current && (/^\s*#/.test(raw) || raw.trim() === '')) continue;
    if (current && /^\s*#/.test(raw)) continue;
    const cont = /\\\s*$/.test(raw);
    const part = cont ? raw.replace(/\\\s*$/, '') : raw;
    if (!current) current = { line: i + 1, parts: [] };
    current.parts.push(part);
    if (!cont) {
      const text = current.parts.join(' ').replace(/\s+/g, ' ').trim();
      out.push({ line: current.line, keyword: (text.split(' ')[0] ?? '').toUpperCase(), text });
      current = undefined;
    }
  }
  if (current) {
    const text = current.parts.join(' ').replace(/\s+/g, ' ').trim();
    out.push({ line: current.line, keyword: (text.split(' ')[0] ?? '').toUpperCase(), text });
  }
  return out;
}

const norm = (s: string) => s.replace(/\s+/g, ' ').trim();

/**
 * Maps builder stderr to the Dockerfile line it is about (pure): buildkit's `Dockerfile:12`,
 * buildah's `building at STEP "RUN …"` (matched against the instructions), `creating build
 * container` (the FROM line) and parse errors naming a line.
 * @returns `{ line, message }` or undefined when the error is not about a Dockerfile line.
 */
export function locateDockerfileError(stderr: string, dockerfileSource: string, dockerfileName = 'Dockerfile'): { line: number; message: string } | undefined {
  const instructions = parseDockerfile(dockerfileSource);
  const lastError = stderr.trim().split('\n').filter((l) => /error/i.test(l)).pop() ?? stderr.trim().split('\n').pop() ?? '';
  const message = lastError.replace(/^(?:Error|ERROR):\s*/, '').replace(/&imagebuilder\.Step\{.*$/, '').trim();
  const base = path.basename(dockerfileName).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const buildkit = new RegExp(`(?:^|[\\s/])(?:${base}|Dockerfile|Containerfile):(\\d+)`, 'm').exec(stderr);
  if (buildkit) return { line: Number(buildkit[1]), message };
  const parseLine = /(?:parse error|error parsing)[^\n]*?line (\d+)/i.exec(stderr);
  if (parseLine) return { line: Number(parseLine[1]), message };
  const step = /building at STEP "([\s\S]*?)":\s/.exec(stderr);
  if (step) {
    const text = norm(step[1]!);
    const exact = instructions.find((ins) => norm(ins.text) === text);
    if (exact) return { line: exact.line, message };
    const original = /Original:"((?:[^"\\]|\\.)*)"/.exec(stderr)?.[1];
    if (original) {
      const hit = instructions.find((ins) => norm(ins.text) === norm(original.replace(/\\"/g, '"')));
      if (hit) return { line: hit.line, message };
    }
    const prefix = instructions.find((ins) => text.length > 0 && norm(ins.text).startsWith(text));
    if (prefix) return { line: prefix.line, message };
    const keyword = text.split(' ')[0]?.toUpperCase();
    const byKeyword = instructions.filter((ins) => ins.keyword === keyword);
    if (byKeyword.length === 1) return { line: byKeyword[0]!.line, message };
  }
  if (/creating build container|FROM/.test(message)) {
    const from = /docker:\/\/([^\s:]+(?::[^\s:@]+)?)/.exec(stderr)?.[1];
    const froms = instructions.filter((ins) => ins.keyword === 'FROM');
    const hit = froms.find((f) => from && f.text.includes(from.replace(/^docker\.io\/(library\/)?/, ''))) ?? froms[0];
    if (hit) return { line: hit.line, message };
  }
  return undefined;
}

/**
 * A ConfigError naming the Dockerfile line a failed build points at (file relative to `displayBase`),
 * or undefined when the failure is not about a Dockerfile line.
 */
export async function dockerfileError(stderr: string, dockerfile: string, displayBase: string): Promise<ConfigError | undefined> {
  const source = await readFile(dockerfile, 'utf8').catch(() => '');
  const hit = locateDockerfileError(stderr, source, dockerfile);
  if (!hit) return undefined;
  const file = path.relative(displayBase, dockerfile) || dockerfile;
  return new ConfigError(`build failed: ${hit.message}`, { location: { file, line: hit.line }, fix: 'Fix this Dockerfile instruction (the build log above has the details).' });
}

/** Outcome of {@link runBuild}. */
export interface BuildOutcome {
  builder: 'docker' | 'buildah';
  /** Image ID (config digest) in the builder's store. */
  imageId: string;
  /** Manifest (or index, multi-platform) digest in the OCI layout: THE digest. */
  digest: string;
  layoutDir: string;
  durationMs: number;
  /** Number of build steps served from the layer cache (buildah: "Using cache" lines). */
  cachedSteps: number;
  log: string;
}

/**
 * Builds `spec` with `builder` and writes the OCI layout.
 * @throws ConfigError on a Dockerfile error (file + line) or a bad spec; Error for other failures.
 */
export async function runBuild(builder: 'docker' | 'buildah', spec: BuildSpec, opts: { storageRoot: string; displayBase: string; onLog?: (chunk: string) => void; env?: Env }): Promise<BuildOutcome> {
  await rm(spec.layoutDir, { recursive: true, force: true });
  await mkdir(path.dirname(spec.layoutDir), { recursive: true });
  await rm(spec.iidFile, { force: true });
  const env = childEnv({ ...opts.env, ...(spec.timestamp !== undefined ? { SOURCE_DATE_EPOCH: String(spec.timestamp) } : {}) });
  const started = performance.now();
  const r =
    builder === 'buildah'
      ? await buildah(opts.storageRoot, buildahArgs(spec), { env, timeoutMs: 3_600_000, ...(opts.onLog ? { onStderr: opts.onLog } : {}) })
      : await execTool('docker', buildxArgs(spec), { env, timeoutMs: 3_600_000, ...(opts.onLog ? { onStderr: opts.onLog } : {}) });
  const log = r.stdout + r.stderr;
  if (r.code !== 0) {
    const located = await dockerfileError(r.stderr, spec.dockerfile, opts.displayBase);
    if (located) throw located;
    throw new Error(`${builder} build failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-8).join('\n')}`);
  }
  const imageId = (await readFile(spec.iidFile, 'utf8')).trim();
  if (builder === 'buildah') {
    const refName = (spec.tags[0] ?? 'latest').split(':').pop()!;
    const digestFile = `${spec.iidFile}.digest`;
    const p = await buildah(opts.storageRoot, buildahPushArgs(imageId, spec.layoutDir, refName, digestFile), { timeoutMs: 600_000 });
    if (p.code !== 0) throw new Error(`buildah push to the OCI layout failed (exit ${p.code}): ${p.stderr.trim()}`);
  }
  const digest = await layoutDigest(spec.layoutDir);
  return { builder, imageId, digest, layoutDir: spec.layoutDir, durationMs: performance.now() - started, cachedSteps: (log.match(/Using cache/g) ?? []).length, log };
}

/**
 * The manifest digest of an OCI image layout: its index.json's only entry (or the first one).
 * @throws Error when the layout has no manifest.
 */
export async function layoutDigest(layoutDir: string): Promise<string> {
  const index = JSON.parse(await readFile(path.join(layoutDir, 'index.json'), 'utf8')) as { manifests?: Array<{ digest: string }> };
  const first = index.manifests?.[0]?.digest;
  if (!first) throw new Error(`${layoutDir}/index.json lists no manifest`);
  return first;
}
