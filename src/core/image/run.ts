/**
 * Container runner shared by system-test, deploy and verify: runs an image BY DIGEST with an input
 * directory mounted read-only at `/data/in`, an output directory at `/data/out`, env, a timeout and
 * a memory limit, and reports exit code, duration and (best effort) peak memory.
 *
 * Runners: `docker`/`podman` (`run --rm --read-only --network none --memory …`), or `buildah`
 * (daemonless: `buildah from` the image — from the local OCI layout, checking that the layout holds
 * exactly the requested manifest digest, or `docker://` from a registry — then `buildah run` with
 * isolation chroot and `buildah rm`). `auto` = docker when a daemon answers, else podman, else buildah.
 *
 * What is enforced under buildah: the memory limit and the peak measurement use a memory cgroup
 * (v2 `memory.max`/`memory.peak`, or v1 `memory.limit_in_bytes`/`memory.max_usage_in_bytes`) that
 * wraps the `buildah run` process tree; when no writable memory cgroup exists the limit is NOT
 * enforced and peak memory is the largest child's max RSS (getrusage). The peak includes buildah's
 * own process (~30–60 MB). The root file system is writable under buildah (no --read-only there).
 * The timeout, or an abort signal (SIGINT/SIGTERM in the CLI), kills the whole process group (and
 * every process of the cgroup), then the container is removed. The container's stdout/stderr go
 * straight to files (`logDir`), the result keeps a bounded tail. Whether the kernel OOM killer
 * struck is read from the cgroup's `oom_kill` counter, not guessed from exit code 137.
 * `DATAOPS_NO_CGROUP=1` turns the cgroup off (GNU time's max RSS is then the peak figure).
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, rmdir, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConfigError } from '../errors.ts';
import { execTool, hasTool } from '../exec.ts';
import { buildah, buildahEnv, defaultStorageRoot, storageArgs } from './buildah.ts';
import { requireDigestRef } from './ref.ts';
import { noCgroup } from '../runner-context.ts';

/** Options of {@link runImage}. */
export interface RunImageOptions {
  /** `name@sha256:…` — a digest is required. */
  image: string;
  /** OCI image layout to run from (local build); must hold the manifest of `image`'s digest. */
  layoutDir?: string;
  /** When pulling `docker://ref` from a loopback http registry: false. */
  registryTlsVerify?: boolean;
  /** Mounted read-only at /data/in. */
  inputDir?: string;
  /** Mounted read-write at /data/out (created when missing). */
  outputDir?: string;
  env?: Record<string, string>;
  /** Arguments appended to the image's ENTRYPOINT (replacing its CMD). */
  args?: string[];
  timeoutMs?: number;
  /** e.g. `512m`, `2g`, or bytes. */
  memoryLimit?: string;
  runner?: 'auto' | 'docker' | 'podman' | 'buildah';
  /** buildah storage root (see src/core/image/buildah.ts); default {@link defaultStorageRoot}. */
  storageRoot?: string;
  /**
   * Directory receiving the container's complete output as `stdout.log` and `stderr.log`, written
   * by the child itself (no copy through this process). Default: a temp directory removed after
   * the run. The result keeps only a bounded tail either way.
   */
  logDir?: string;
  /** Bytes of each stream kept in the result (the tail). Default 64 KiB. */
  tailBytes?: number;
  /**
   * Aborting stops the container (SIGTERM to the run, SIGKILL to everything in its cgroup after
   * 2 s) and removes it; the result then has `interrupted` set to the abort reason.
   */
  signal?: AbortSignal;
}

/** Result of {@link runImage}. `exitCode` 137 means killed by SIGKILL: see `oomKilled` and `timedOut` for why. */
export interface RunImageResult {
  exitCode: number;
  durationMs: number;
  peakMemoryBytes?: number;
  /** Tail of the container's stdout (at most `tailBytes`). */
  stdout: string;
  /** Tail of the container's stderr (at most `tailBytes`). */
  stderr: string;
  timedOut: boolean;
  /**
   * The kernel OOM killer killed a process of the run's memory cgroup (`oom_kill` of cgroup v2
   * `memory.events`, or of v1 `memory.oom_control`): true/false; undefined when no memory cgroup
   * could be used, so it is unknown.
   */
  oomKilled?: boolean | undefined;
  /** Why the run was stopped early (the abort reason, e.g. "SIGINT"). */
  interrupted?: string | undefined;
  /** Files holding the complete output, when `logDir` was given. */
  logs?: { stdout: string; stderr: string } | undefined;
}

/** Parses `512m`, `2g`, `1.5G`, `100k`, `1048576` into bytes. @throws ConfigError when malformed. */
export function parseMemory(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(value.trim());
  if (!m) throw new ConfigError(`memory limit "${value}" is not a size`, { location: { field: 'memory-limit' }, fix: 'Write it like 512m or 2g.' });
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  return Math.floor(Number(m[1]) * unit);
}

/** `docker run`/`podman run` arguments (pure). `image` is what the engine should run (ref or ID). */
export function dockerRunArgs(opts: Pick<RunImageOptions, 'inputDir' | 'outputDir' | 'env' | 'args' | 'memoryLimit'>, image: string, name?: string): string[] {
  const a = ['run', '--rm', '--read-only', '--network', 'none', '--tmpfs', '/tmp'];
  if (name) a.push('--name', name);
  if (opts.inputDir) a.push('--volume', `${path.resolve(opts.inputDir)}:/data/in:ro`);
  if (opts.outputDir) a.push('--volume', `${path.resolve(opts.outputDir)}:/data/out`);
  if (opts.memoryLimit) a.push('--memory', String(parseMemory(opts.memoryLimit)), '--memory-swap', String(parseMemory(opts.memoryLimit)));
  for (const [k, v] of Object.entries(opts.env ?? {})) a.push('--env', `${k}=${v}`);
  a.push(image, ...(opts.args ?? []));
  return a;
}

/** Image config fields `buildah run` needs to emulate `docker run`. */
export interface ImageProcessConfig {
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
}

/** The command a container runs: ENTRYPOINT + (args, or CMD when no args), as docker does (pure). */
export function containerCommand(config: ImageProcessConfig, args: readonly string[] = []): string[] {
  const cmd = [...(config.Entrypoint ?? []), ...(args.length > 0 ? args : (config.Cmd ?? []))];
  if (cmd.length === 0) throw new ConfigError('the image has neither ENTRYPOINT nor CMD, and no args were given', { fix: 'Add an ENTRYPOINT to the Dockerfile or pass args.' });
  return cmd;
}

/** `buildah run` arguments (pure, without the storage flags). */
export function buildahRunArgs(opts: Pick<RunImageOptions, 'inputDir' | 'outputDir' | 'env'>, container: string, command: readonly string[]): string[] {
  // chroot isolation shares the host network (buildah refuses --network none with it)
  const a = ['run', '--isolation', 'chroot'];
  if (opts.inputDir) a.push('--volume', `${path.resolve(opts.inputDir)}:/data/in:ro`);
  if (opts.outputDir) a.push('--volume', `${path.resolve(opts.outputDir)}:/data/out:rw`);
  for (const [k, v] of Object.entries(opts.env ?? {})) a.push('--env', `${k}=${v}`);
  a.push(container, '--', ...command);
  return a;
}

/** `buildah from` source of an image: the OCI layout entry holding `digest`, or `docker://ref` (pure). */
export function buildahFromSource(ref: string, layout?: { dir: string; refName?: string }): string {
  if (layout) return `oci:${path.resolve(layout.dir)}${layout.refName ? `:${layout.refName}` : ''}`;
  return `docker://${ref}`;
}

interface OciIndex {
  manifests?: Array<{ digest: string; mediaType?: string; annotations?: Record<string, string> }>;
}

/**
 * Finds the manifest `digest` in an OCI image layout's index.json.
 * @returns its `org.opencontainers.image.ref.name` (undefined when it is the only, unnamed entry).
 * @throws ConfigError when the layout is missing or does not hold that digest.
 */
export async function findInLayout(layoutDir: string, digest: string): Promise<{ refName?: string }> {
  const indexFile = path.join(layoutDir, 'index.json');
  let index: OciIndex;
  try {
    index = JSON.parse(await readFile(indexFile, 'utf8')) as OciIndex;
  } catch (err) {
    throw new ConfigError(`cannot read the OCI image layout index`, { location: { file: indexFile }, fix: 'Pass the layout-dir output of build-image.', cause: err });
  }
  const entries = index.manifests ?? [];
  const hit = entries.filter((m) => m.digest === digest);
  if (hit.length === 0) {
    throw new ConfigError(`the OCI layout holds ${entries.map((m) => m.digest).join(', ') || 'no manifest'}, not ${digest}`, {
      location: { file: indexFile },
      fix: 'Run the digest the build produced (the "digest" output of build-image), or rebuild.',
    });
  }
  const named = hit.find((m) => m.annotations?.['org.opencontainers.image.ref.name']);
  if (named) return { refName: named.annotations!['org.opencontainers.image.ref.name']! };
  if (entries.length === 1) return {};
  throw new ConfigError(`manifest ${digest} has no ref.name in a layout with several manifests`, { location: { file: indexFile } });
}

/** Picks the runner for `auto`: docker when `docker info` answers, podman when installed, else buildah. */
export async function detectRunner(): Promise<'docker' | 'podman' | 'buildah'> {
  if (await hasTool('docker', ['info', '--format', '{{.ServerVersion}}'])) return 'docker';
  if (await hasTool('podman', ['--version'])) return 'podman';
  return 'buildah';
}

/**
 * Runs an image by digest and waits for it to finish.
 * @throws ConfigError for a tag-only reference or a layout without that digest; Error when the
 *   image cannot be fetched or the container cannot be created (buildah's stderr included).
 */
export async function runImage(opts: RunImageOptions): Promise<RunImageResult> {
  const ref = requireDigestRef(opts.image);
  if (opts.inputDir && !existsSync(opts.inputDir)) throw new ConfigError(`input directory ${opts.inputDir} does not exist`, { location: { field: 'input-dir' } });
  if (opts.outputDir) {
    await mkdir(opts.outputDir, { recursive: true });
    // the image may run as a non-root user (USER 1000, 65532…) while the host user (root here, uid
    // 1001 on a hosted runner) owns the directory: let any uid write the outputs, as a volume would
    await chmod(opts.outputDir, 0o777);
  }
  const runner = !opts.runner || opts.runner === 'auto' ? await detectRunner() : opts.runner;
  if (runner === 'buildah') return runWithBuildah(opts, ref.digest);
  return runWithEngine(runner, opts, ref.digest);
}

async function runWithEngine(tool: 'docker' | 'podman', opts: RunImageOptions, digest: string): Promise<RunImageResult> {
  let image = opts.image;
  if (opts.layoutDir) {
    await findInLayout(opts.layoutDir, digest);
    if (tool === 'podman') {
      const pulled = await execTool('podman', ['pull', '-q', `oci:${path.resolve(opts.layoutDir)}`]);
      if (pulled.code !== 0) throw new Error(`podman pull oci:${opts.layoutDir} failed: ${pulled.stderr.trim()}`);
      image = pulled.stdout.trim().split('\n').pop() ?? image;
    } else {
      // docker (Engine 25+) loads an OCI layout as a tar archive
      const archive = `${path.resolve(opts.layoutDir)}.tar`;
      const made = await execTool('tar', ['-C', path.resolve(opts.layoutDir), '-cf', archive, '.']);
      if (made.code !== 0) throw new Error(`tar of ${opts.layoutDir} failed: ${made.stderr}`);
      const loaded = await execTool('docker', ['load', '-i', archive]);
      if (loaded.code !== 0) throw new Error(`docker load failed: ${loaded.stderr.trim()}`);
      const id = /Loaded image(?: ID)?: (\S+)/.exec(loaded.stdout)?.[1];
      if (id) image = id;
    }
  }
  const name = `dataops-run-${randomBytes(4).toString('hex')}`;
  return withLogs(opts, async (outputFiles) => {
    const r = await execTool(tool, dockerRunArgs(opts, image, name), { outputFiles, maxOutput: opts.tailBytes ?? TAIL_BYTES, killGraceMs: 2000, ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}) });
    const interrupted = opts.signal?.aborted ? String(opts.signal.reason ?? 'aborted') : undefined;
    if (r.timedOut || interrupted) await execTool(tool, ['rm', '-f', name]).catch(() => undefined);
    return { exitCode: r.code, durationMs: r.durationMs, stdout: r.stdout, stderr: r.stderr, timedOut: r.timedOut, ...(interrupted ? { interrupted } : {}) };
  });
}

/** Bytes of each output stream kept in a result by default. */
export const TAIL_BYTES = 64 * 1024;

/** Runs `fn` with files for the container's stdout/stderr: in `opts.logDir`, or in a temp directory removed afterwards. */
async function withLogs(opts: RunImageOptions, fn: (files: { stdout: string; stderr: string }) => Promise<RunImageResult>): Promise<RunImageResult> {
  const dir = opts.logDir ? path.resolve(opts.logDir) : await mkdtemp(path.join(os.tmpdir(), 'dataops-run-logs-'));
  await mkdir(dir, { recursive: true });
  const files = { stdout: path.join(dir, 'stdout.log'), stderr: path.join(dir, 'stderr.log') };
  try {
    const r = await fn(files);
    return opts.logDir ? { ...r, logs: files } : r;
  } finally {
    if (!opts.logDir) await rm(dir, { recursive: true, force: true });
  }
}

async function runWithBuildah(opts: RunImageOptions, digest: string): Promise<RunImageResult> {
  const storageRoot = opts.storageRoot ?? defaultStorageRoot();
  const found = opts.layoutDir ? await findInLayout(opts.layoutDir, digest) : undefined;
  // buildah names a pulled layout after its path, which must be a valid reference (no ".cache"
  // components): go through a symlink with a plain name
  const link = opts.layoutDir ? path.join(os.tmpdir(), `dataops-oci-${randomBytes(6).toString('hex')}`) : undefined;
  if (link) await symlink(path.resolve(opts.layoutDir!), link);
  try {
    return await runFromSource(opts, digest, storageRoot, link ? buildahFromSource(opts.image, { dir: link, ...found }) : buildahFromSource(opts.image), Boolean(link));
  } finally {
    if (link) await rm(link, { force: true });
  }
}

async function runFromSource(opts: RunImageOptions, digest: string, storageRoot: string, source: string, layout: boolean): Promise<RunImageResult> {
  const fromArgs = ['from', '--quiet', '--pull-always', '--name', `dataops-run-${randomBytes(4).toString('hex')}`];
  if (!layout && opts.registryTlsVerify === false) fromArgs.push('--tls-verify=false');
  const name = fromArgs[4]!;
  const from = await buildah(storageRoot, [...fromArgs, source], { timeoutMs: 600_000, killGraceMs: 2000, ...(opts.signal ? { signal: opts.signal } : {}) });
  if (opts.signal?.aborted) {
    // stopped while the image was being fetched: the container may exist already
    await buildah(storageRoot, ['rm', name]).catch(() => undefined);
    return { exitCode: 130, durationMs: from.durationMs, stdout: '', stderr: '', timedOut: false, interrupted: String(opts.signal.reason ?? 'aborted') };
  }
  if (from.code !== 0) throw new Error(`buildah from ${source} failed (exit ${from.code}): ${from.stderr.trim()}`);
  const container = from.stdout.trim().split('\n').pop()!;
  const cgroup = opts.memoryLimit || process.platform === 'linux' ? await createMemoryCgroup(opts.memoryLimit ? parseMemory(opts.memoryLimit) : undefined) : undefined;
  try {
    const inspected = JSON.parse((await buildah(storageRoot, ['inspect', '--type', 'container', container])).stdout || '{}') as { FromImageDigest?: string; OCIv1?: { config?: ImageProcessConfig } };
    if (inspected.FromImageDigest && inspected.FromImageDigest !== digest) {
      throw new ConfigError(`${source} resolved to ${inspected.FromImageDigest}, not the requested ${digest}`, { fix: 'Pass the digest the build or push produced.' });
    }
    const config = inspected.OCIv1?.config ?? {};
    const runArgs = [...storageArgs(storageRoot), ...buildahRunArgs(opts, container, containerCommand(config, opts.args))];
    // buildah itself under a memory cgroup when possible, else under GNU time for a max-RSS figure
    const script = 'if [ -n "$DATAOPS_CGROUP" ]; then echo $$ > "$DATAOPS_CGROUP/cgroup.procs" || exit 125; fi; exec "$@"';
    const rssFile = !cgroup && existsSync('/usr/bin/time') ? path.join(os.tmpdir(), `dataops-rss-${randomBytes(6).toString('hex')}`) : undefined;
    const command = rssFile ? ['/usr/bin/time', '-f', '%M', '-o', rssFile, 'buildah', ...runArgs] : ['buildah', ...runArgs];
    // everything the run started is in the cgroup: on abort, what SIGTERM did not stop is killed there
    const killAll = () => setTimeout(() => void cgroup?.killAll(), 2000);
    opts.signal?.addEventListener('abort', killAll, { once: true });
    const r = await withLogs(opts, async (outputFiles) => {
      const x = await execTool('sh', ['-c', script, 'sh', ...command], {
        env: buildahEnv({ DATAOPS_CGROUP: cgroup?.dir ?? '' }),
        outputFiles,
        maxOutput: opts.tailBytes ?? TAIL_BYTES,
        killGraceMs: 2000,
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
      });
      return { exitCode: x.code, durationMs: x.durationMs, stdout: x.stdout, stderr: x.stderr, timedOut: x.timedOut };
    });
    opts.signal?.removeEventListener('abort', killAll);
    const interrupted = opts.signal?.aborted ? String(opts.signal.reason ?? 'aborted') : undefined;
    if ((r.timedOut || interrupted) && cgroup) await cgroup.killAll();
    let peak = cgroup ? await cgroup.peak() : undefined;
    if (rssFile) {
      // GNU time: max RSS (KiB) of the largest process of the tree, written as the last line
      const kib = Number((await readFile(rssFile, 'utf8').catch(() => '')).trim().split('\n').pop());
      if (Number.isFinite(kib) && kib > 0) peak = kib * 1024;
      await rm(rssFile, { force: true });
    }
    const oom = cgroup ? await cgroup.oomKilled() : undefined;
    return {
      ...r,
      exitCode: r.timedOut && r.exitCode === 0 ? 137 : r.exitCode,
      ...(peak !== undefined ? { peakMemoryBytes: peak } : {}),
      stderr: r.stderr + (oom ? `\n[dataops] the container was killed: out of memory (limit ${opts.memoryLimit ?? 'none'})\n` : ''),
      oomKilled: oom,
      ...(interrupted ? { interrupted } : {}),
    };
  } finally {
    await buildah(storageRoot, ['rm', container]).catch(() => undefined);
    await cgroup?.remove();
  }
}

interface MemoryCgroup {
  dir: string;
  peak(): Promise<number | undefined>;
  oomKilled(): Promise<boolean>;
  killAll(): Promise<void>;
  remove(): Promise<void>;
}

/** A child memory cgroup of our own (v2 or v1), with `limit` bytes when given; undefined when not writable. */
async function createMemoryCgroup(limit?: number): Promise<MemoryCgroup | undefined> {
  if (noCgroup()) return undefined;
  try {
    const self = await readFile('/proc/self/cgroup', 'utf8');
    const v1 = /^\d+:memory:(.*)$/m.exec(self)?.[1];
    const v2 = /^0::(.*)$/m.exec(self)?.[1];
    let base: string | undefined;
    let version: 1 | 2 = 1;
    if (v1 !== undefined && existsSync('/sys/fs/cgroup/memory')) base = path.join('/sys/fs/cgroup/memory', v1);
    else if (v2 !== undefined && existsSync('/sys/fs/cgroup/cgroup.controllers')) {
      base = path.join('/sys/fs/cgroup', v2);
      version = 2;
    }
    if (!base) return undefined;
    const dir = path.join(base, `dataops-run-${process.pid}-${randomBytes(4).toString('hex')}`);
    await mkdir(dir);
    const file = (v1name: string, v2name: string) => path.join(dir, version === 1 ? v1name : v2name);
    if (limit !== undefined) {
      await writeFile(file('memory.limit_in_bytes', 'memory.max'), String(limit));
      if (version === 1) await writeFile(path.join(dir, 'memory.memsw.limit_in_bytes'), String(limit)).catch(() => undefined);
      else await writeFile(path.join(dir, 'memory.swap.max'), '0').catch(() => undefined);
    }
    const readNum = async (f: string) => {
      const n = Number((await readFile(f, 'utf8').catch(() => '')).trim());
      return Number.isFinite(n) && n > 0 ? n : undefined;
    };
    return {
      dir,
      peak: () => readNum(file('memory.max_usage_in_bytes', 'memory.peak')),
      // the kernel counts OOM kills per cgroup: memory.events (v2) or memory.oom_control (v1), field oom_kill
      oomKilled: async () => /^oom_kill [1-9]/m.test(await readFile(file('memory.oom_control', 'memory.events'), 'utf8').catch(() => '')),
      killAll: async () => {
        const pids = (await readFile(path.join(dir, 'cgroup.procs'), 'utf8').catch(() => '')).split('\n').filter(Boolean);
        for (const pid of pids) {
          try {
            process.kill(Number(pid), 'SIGKILL');
          } catch {
            /* gone */
          }
        }
      },
      remove: async () => {
        for (let i = 0; i < 50; i++) {
          try {
            await rmdir(dir);
            return;
          } catch {
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      },
    };
  } catch {
    return undefined;
  }
}
