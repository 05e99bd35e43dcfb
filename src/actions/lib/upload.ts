/**
 * Uploads what an action produced (reports, SARIF, an OCI layout) as a workflow artifact with
 * @actions/artifact (the artifact service of the run: ACTIONS_RUNTIME_TOKEN, ACTIONS_RESULTS_URL),
 * when the action's `upload` input is on. The bundle carries @actions/artifact as a chunk of
 * dist/actions/ that only an upload loads (~1.4 MB minified, shared by every uploading action):
 * installed with npm, its dependencies (code generators and TypeScript included) weigh ~190 MB in
 * 10,000 files, which cost 14 s cold and 3.3 s to restore from the Actions cache (issue 12). From
 * source it comes from node_modules.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type * as ActionsArtifact from '@actions/artifact';
import * as core from './core.ts';
import { z } from 'zod';
import { ConfigError, describeError, isConfigError } from '../../core/errors.ts';
import { once } from '../../core/runtime/modules.ts';
import { input, type ActionContext } from './action.ts';

/** @actions/artifact, loaded on the first upload (a chunk of the bundle; node_modules from source). */
const artifactModule = once<typeof ActionsArtifact>(() => import('@actions/artifact'));

/** Every file under `dir` (recursively), absolute paths, sorted. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)).sort();
}

/** The inputs of every action that uploads what it produced (spread into its input schema). */
export const UPLOAD_INPUTS = {
  upload: input.boolean(false),
  'artifact-name': z.string().optional(),
  'retention-days': input.count(),
};

/** The parsed {@link UPLOAD_INPUTS}. */
export interface UploadInputs {
  upload: boolean;
  'artifact-name'?: string | undefined;
  'retention-days'?: number | undefined;
}

/**
 * The artifact name: the given one, else `<base>-<run attempt>` (artifact names are unique within
 * a run, and a re-run attempt uploads again).
 */
export function artifactName(ctx: ActionContext, given: string | undefined, base: string): string {
  return given ?? `${base}-${ctx.runner.github.runAttempt}`;
}

/**
 * With `upload: true`, uploads `files` (relative to `rootDir` in the artifact) as artifact
 * `artifact-name` (default `<base>-<run attempt>`); nothing otherwise. A failed upload fails the
 * step (`core.setFailed`, prefixed with `action`) but does not stop it: the action still reports
 * its own verdict afterwards.
 */
export async function uploadIfAsked(ctx: ActionContext, action: string, inputs: UploadInputs, base: string, files: readonly string[] | (() => Promise<string[]>), rootDir: string): Promise<Uploaded | undefined> {
  if (!inputs.upload) return undefined;
  const name = artifactName(ctx, inputs['artifact-name'], base);
  try {
    const list = typeof files === 'function' ? await files() : files;
    return await uploadArtifact(ctx, name, list, rootDir, inputs['retention-days'] ? { retentionDays: inputs['retention-days'] } : {});
  } catch (err) {
    core.setFailed(isConfigError(err) ? describeError(action, err) : `${action}: uploading artifact "${name}" failed: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}

/** What an upload produced. */
export interface Uploaded {
  name: string;
  id: number | undefined;
  size: number | undefined;
}

/**
 * Uploads `files` (inside `rootDir`, which the artifact's paths are relative to) as artifact `name`
 * and sets the outputs `artifact-name` and `artifact-id`.
 * @throws ConfigError when the job cannot upload (not on a runner: no artifact service), the
 *   library's error otherwise.
 */
export async function uploadArtifact(ctx: ActionContext, name: string, files: readonly string[], rootDir: string, options: { retentionDays?: number } = {}): Promise<Uploaded> {
  if (!ctx.runner.env.ACTIONS_RUNTIME_TOKEN || !ctx.runner.env.ACTIONS_RESULTS_URL) {
    throw new ConfigError('upload: true needs the artifact service of a workflow run (ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL are not set)', { location: { field: 'input "upload"' }, fix: 'Run the action in a GitHub Actions job, or set upload: false.' });
  }
  const { DefaultArtifactClient } = await artifactModule();
  const client = new DefaultArtifactClient();
  const r = await client.uploadArtifact(name, [...files], rootDir, { ...(options.retentionDays ? { retentionDays: options.retentionDays } : {}) });
  core.setOutput('artifact-name', name);
  core.setOutput('artifact-id', r.id !== undefined ? String(r.id) : '');
  core.info(`uploaded artifact "${name}" (${files.length} file(s)${r.size !== undefined ? `, ${r.size} bytes` : ''}${r.id !== undefined ? `, id ${r.id}` : ''})`);
  return { name, id: r.id, size: r.size };
}
