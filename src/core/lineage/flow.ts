/**
 * Lineage of a flow run: {@link FlowLineage.wrap} wraps each stage so it emits an OpenLineage
 * START event before it runs and COMPLETE (passed, warned, skipped) or FAIL (failed, or an
 * error) after, with the datasets the stage recorded (state.data.manifests: quality inputs,
 * system-test fixtures and image outputs, verify inputs), the quality checks as
 * `dataQualityAssertions`, the profiles as `dataQualityMetrics`, and column lineage for the
 * suites' SQL datasets. The flow itself is the parent job: START before the first stage,
 * COMPLETE or FAIL from {@link FlowLineage.finish}. Events go through a {@link LineageSender}
 * (never failing a stage) and are kept in {@link FlowLineage.events} for the Mermaid picture.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { DataManifest } from '../data/manifest.ts';
import { readManifest } from '../data/manifest.ts';
import type { RecordedManifest } from '../data/record.ts';
import { openEngine, type EngineOptions } from '../engine/duckdb.ts';
import type { FlowState, Stage, StageResult } from '../flow/types.ts';
import { parseSql, tableNames } from '../quality/sql.ts';
import type { CheckResult, Report } from '../report/report.ts';
import { columnLineage } from './columns.ts';
import { datasetOf, FILE_NAMESPACE, newFlowRun, runEvent, withColumnLineage, type FlowRun, type LineageDataset, type RunEvent } from './openlineage.ts';
import type { LineageSender } from './transport.ts';

/** Options of {@link FlowLineage}. */
export interface FlowLineageOptions {
  /** Job namespace (OPENLINEAGE_NAMESPACE; default `dataops`). */
  namespace: string;
  /** Project name: the flow's job name, prefix of the stages'. */
  project: string;
  sender: LineageSender;
  /** Engine for parsing SQL datasets (column lineage): no file is opened. */
  engine?: EngineOptions | undefined;
  /** Flow run id (default a fresh UUID). */
  runId?: string | undefined;
  now?: () => Date;
}

/** The OpenLineage dataset name of a recorded manifest: its file path, `sql/<name>`, or `<stage>/out/<file>` for image outputs. */
export function lineageName(r: RecordedManifest, m: DataManifest): string {
  if (r.role === 'output') return `${r.stage}/out/${m.dataset.files?.[0]?.path ?? m.dataset.name}`;
  if (m.dataset.kind === 'sql') return `sql/${m.dataset.name}`;
  return m.dataset.files?.length === 1 ? m.dataset.files[0]!.path : [m.dataset.location].flat().join(',');
}

export class FlowLineage {
  readonly flow: FlowRun;
  /** Every event emitted, in order. */
  readonly events: RunEvent[] = [];
  private started = false;
  private failed = false;
  private readonly now: () => Date;
  private readonly o: FlowLineageOptions;

  constructor(o: FlowLineageOptions) {
    this.o = o;
    this.flow = newFlowRun(o.namespace, o.project, o.runId);
    this.now = o.now ?? (() => new Date());
  }

  private async emit(e: RunEvent): Promise<void> {
    this.events.push(e);
    await this.o.sender.send(e);
  }

  /** Stages that emit their events around the real ones. */
  wrap(stages: readonly Stage[]): Stage[] {
    return stages.map((stage) => ({
      ...stage,
      run: async (ctx) => {
        if (!this.started) {
          this.started = true;
          await this.emit(runEvent({ eventType: 'START', flow: this.flow, runId: this.flow.runId, time: this.now() }));
        }
        const runId = randomUUID();
        await this.emit(runEvent({ eventType: 'START', flow: this.flow, stage: stage.name, runId, time: this.now() }));
        let result: StageResult;
        try {
          result = await stage.run(ctx);
        } catch (err) {
          this.failed = true;
          const io = await this.datasets(stage.name, ctx.state).catch(() => ({ inputs: [], outputs: [] }));
          await this.emit(runEvent({ eventType: 'FAIL', flow: this.flow, stage: stage.name, runId, time: this.now(), ...io, status: { status: 'error', summary: err instanceof Error ? err.message.split('\n')[0]! : String(err) }, error: err instanceof Error ? err : new Error(String(err)) }));
          throw err;
        }
        if (result.status === 'failed') this.failed = true;
        const io = await this.datasets(stage.name, ctx.state);
        const status = { status: result.status, summary: result.summary, ...(stage.name === 'system-test' || stage.name === 'build-image' ? imageOf(ctx.state) : {}) };
        await this.emit(runEvent({ eventType: result.status === 'failed' ? 'FAIL' : 'COMPLETE', flow: this.flow, stage: stage.name, runId, time: this.now(), ...io, status }));
        return result;
      },
    }));
  }

  /** The flow's own COMPLETE (or FAIL when a stage failed or `ok` is false). */
  async finish(ok: boolean): Promise<void> {
    if (!this.started) return;
    await this.emit(runEvent({ eventType: ok && !this.failed ? 'COMPLETE' : 'FAIL', flow: this.flow, runId: this.flow.runId, time: this.now() }));
  }

  /** Inputs and outputs of `stage` from the manifests it recorded. */
  private async datasets(stage: string, state: FlowState): Promise<{ inputs: LineageDataset[]; outputs: LineageDataset[] }> {
    const recorded = (state.data?.manifests ?? []).filter((m) => m.stage === stage);
    if (!recorded.length) return { inputs: [], outputs: [] };
    const checks = stage === 'quality' ? await qualityChecks(state) : new Map<string, CheckResult[]>();
    const loaded = await Promise.all(recorded.map(async (r) => ({ r, m: await readManifest(r.file) })));
    const inputs: LineageDataset[] = [];
    const outputs: LineageDataset[] = [];
    const sql = loaded.filter(({ m }) => m.dataset.kind === 'sql');
    const byName = new Map(loaded.map(({ r, m }) => [m.dataset.name, { name: lineageName(r, m), columns: m.schema.map((c) => c.name) }]));
    for (const { r, m } of loaded) {
      if (m.dataset.kind === 'sql') continue;
      const ds = datasetOf(m, lineageName(r, m), r.role, checks.get(m.dataset.name));
      (r.role === 'output' ? outputs : inputs).push(ds);
    }
    if (sql.length) {
      // derived datasets of the suites: outputs of the stage, with column lineage from DuckDB's parser
      const engine = await openEngine(this.o.engine);
      try {
        for (const { r, m } of sql) {
          let ds = datasetOf(m, lineageName(r, m), 'output', checks.get(m.dataset.name));
          const parsed = await parseSql(engine, [m.dataset.location].flat().join('\n'));
          if (parsed.ok) {
            const reads = new Map(tableNames(parsed.statement).flatMap((t) => [...byName.entries()].filter(([n]) => n.toLowerCase() === t).map(([n, v]) => [n, v.columns] as const)));
            const lineage = columnLineage(parsed.statement, reads, m.schema.map((c) => c.name));
            ds = withColumnLineage(ds, Object.fromEntries(Object.entries(lineage).map(([col, fields]) => [col, fields.map((f) => ({ namespace: FILE_NAMESPACE, name: byName.get(f.dataset)!.name, field: f.column }))])));
          }
          outputs.push(ds);
        }
      } finally {
        engine.close();
      }
    }
    return { inputs, outputs };
  }
}

/** The image a stage ran, for the picture: `{ image: name@digest }`. */
function imageOf(state: FlowState): { image?: string } {
  return state.image ? { image: `${state.image.name}@${state.image.digest}` } : {};
}

/** Checks of the quality reports by dataset name. */
async function qualityChecks(state: FlowState): Promise<Map<string, CheckResult[]>> {
  const out = new Map<string, CheckResult[]>();
  for (const r of state.quality?.reports ?? []) {
    let report: Report;
    try {
      report = JSON.parse(await readFile(r.reportPath, 'utf8')) as Report;
    } catch {
      continue;
    }
    for (const c of report.checks) out.set(c.dataset, [...(out.get(c.dataset) ?? []), c]);
  }
  return out;
}
