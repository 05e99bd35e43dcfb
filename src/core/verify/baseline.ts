/**
 * Where the last successful performance measurement of an environment is kept: a JSON file
 * (`.dataops/baselines/<environment>.json`, laptops and self-hosted runners with a persistent
 * workspace) or GitHub deployment records (Actions: a workflow artifact belongs to one run and
 * expires, while deployment records are listed from any later run, so the baseline travels in the payload of a deployment of the
 * environment `<environment>-perf-baseline`, task `dataops:baseline`, whose statuses never touch the real environment).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DeploymentRecorder } from '../deploy/deployments.ts';
import type { Baseline } from './performance.ts';

/** Loads and saves baselines. */
export interface BaselineStore {
  readonly kind: string;
  load(environment: string): Promise<Baseline | undefined>;
  save(baseline: Baseline, sourceSha: string): Promise<void>;
}

/** Baselines as `<dir>/<environment>.json`. */
export class FileBaselineStore implements BaselineStore {
  readonly kind = 'file';
  readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }
  file(environment: string): string {
    return path.join(this.dir, `${environment}.json`);
  }
  async load(environment: string): Promise<Baseline | undefined> {
    try {
      return JSON.parse(await readFile(this.file(environment), 'utf8')) as Baseline;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }
  async save(baseline: Baseline): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const f = this.file(baseline.environment);
    await writeFile(`${f}.tmp`, JSON.stringify(baseline, null, 2) + '\n');
    await rename(`${f}.tmp`, f);
  }
}

/** Task of the baseline records. */
export const BASELINE_TASK = 'dataops:baseline';

/** Baselines in deployment records (GitHub Deployments API or the local log). */
export class DeploymentBaselineStore implements BaselineStore {
  readonly kind = 'deployments';
  private readonly recorder: DeploymentRecorder;
  constructor(recorder: DeploymentRecorder) {
    this.recorder = recorder;
  }
  static environmentOf(environment: string): string {
    return `${environment}-perf-baseline`;
  }
  async load(environment: string): Promise<Baseline | undefined> {
    const list = await this.recorder.list(DeploymentBaselineStore.environmentOf(environment), { task: BASELINE_TASK, limit: 10 });
    const found = list.find((d) => (d.state === 'success' || d.state === 'inactive') && (d.payload as { baseline?: unknown }).baseline);
    return found ? (found.payload as unknown as { baseline: Baseline }).baseline : undefined;
  }
  async save(baseline: Baseline, sourceSha: string): Promise<void> {
    const id = await this.recorder.create({
      environment: DeploymentBaselineStore.environmentOf(baseline.environment),
      sha: sourceSha,
      task: BASELINE_TASK,
      description: `performance baseline of ${baseline.environment}: ${baseline.metrics.duration_seconds} s, ${baseline.metrics.rows_per_second} rows/s`,
      production: false,
      payload: { baseline },
    });
    await this.recorder.setStatus(id, 'success', { description: `baseline sha256:${baseline.digest.slice(7, 19)}` });
  }
}
