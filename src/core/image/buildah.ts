/**
 * buildah invocation shared by the build, the base image and the container runner: daemonless,
 * storage driver `vfs` and isolation `chroot` (what works as root without a daemon or fuse), the
 * image store under one directory (`<storageRoot>/storage`, run state in `<storageRoot>/run`).
 */
import path from 'node:path';
import { execTool, type ExecOptions, type ExecResult } from '../exec.ts';
import { buildahRoot, childEnv, type Env } from '../runner-context.ts';

/** Default storage root: `$DATAOPS_BUILDAH_ROOT`, else `$XDG_CACHE_HOME/dataops/buildah` (`~/.cache/...`); see runner-context.ts. */
export function defaultStorageRoot(): string {
  return buildahRoot();
}

/** Global buildah flags selecting the storage under `storageRoot` (vfs driver). */
export function storageArgs(storageRoot: string): string[] {
  return ['--root', path.join(storageRoot, 'storage'), '--runroot', path.join(storageRoot, 'run'), '--storage-driver', 'vfs'];
}

/** Environment for buildah: the inherited one with chroot isolation, plus `extra`. */
export function buildahEnv(extra: Env = {}): Record<string, string> {
  return childEnv({ BUILDAH_ISOLATION: 'chroot', ...extra });
}

/** Runs `buildah <storage flags> <args>`; never throws for a non-zero exit. */
export function buildah(storageRoot: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  return execTool('buildah', [...storageArgs(storageRoot), ...args], { ...opts, env: buildahEnv(opts.env) });
}

/** Runs buildah and throws an Error with its stderr when it fails. */
export async function buildahOk(storageRoot: string, args: readonly string[], opts: ExecOptions = {}): Promise<string> {
  const r = await buildah(storageRoot, args, opts);
  if (r.code !== 0) throw new Error(`buildah ${args.join(' ')} failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-10).join('\n')}`);
  return r.stdout;
}

/** True when the storage holds an image named `name` (e.g. `localhost/dataops-base:node24`). */
export async function imageExists(storageRoot: string, name: string): Promise<boolean> {
  const r = await buildah(storageRoot, ['inspect', '--type', 'image', '--format', '{{.FromImageID}}', name]);
  return r.code === 0;
}
