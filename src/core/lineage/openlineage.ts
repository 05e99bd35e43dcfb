/**
 * OpenLineage run events (spec 2-0-2, https://openlineage.io/spec/2-0-2/OpenLineage.json) for the
 * stages of the flow: one job per stage (`<project>/<stage>`) under a stable namespace, a run id
 * per stage run whose `parent` run facet names the flow run (job `<project>`, one run id for the
 * whole flow), and datasets built from the data manifests the stages recorded: `schema` and
 * `version` dataset facets, `dataQualityMetrics` input facets (row count, per-column nulls,
 * distinct counts, min/max), `dataQualityAssertions` (the quality checks run on the dataset),
 * `outputStatistics` for what the image wrote, and `columnLineage` for SQL datasets (lineage.ts).
 *
 * Facets carry `_producer` and `_schemaURL` (the spec's BaseFacet); stage status and summary go
 * in the custom run facet `dataops_stage`.
 */
import { randomUUID } from 'node:crypto';
import type { DataManifest } from '../data/manifest.ts';
import type { CheckResult } from '../report/report.ts';
import { TOOL } from '../report/report.ts';

/** `schemaURL` of the events: the RunEvent of OpenLineage 2-0-2. */
export const RUN_EVENT_SCHEMA_URL = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';
/** `producer` of every event and facet. */
export const PRODUCER = `https://github.com/dataops-actions/dataops-actions/tree/v${TOOL.version}`;

const FACETS = {
  parent: 'https://openlineage.io/spec/facets/1-1-0/ParentRunFacet.json#/$defs/ParentRunFacet',
  errorMessage: 'https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet',
  jobType: 'https://openlineage.io/spec/facets/2-0-3/JobTypeJobFacet.json#/$defs/JobTypeJobFacet',
  schema: 'https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet',
  version: 'https://openlineage.io/spec/facets/1-0-1/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet',
  metrics: 'https://openlineage.io/spec/facets/1-0-2/DataQualityMetricsInputDatasetFacet.json#/$defs/DataQualityMetricsInputDatasetFacet',
  assertions: 'https://openlineage.io/spec/facets/1-0-1/DataQualityAssertionsDatasetFacet.json#/$defs/DataQualityAssertionsDatasetFacet',
  outputStatistics: 'https://openlineage.io/spec/facets/1-0-2/OutputStatisticsOutputDatasetFacet.json#/$defs/OutputStatisticsOutputDatasetFacet',
  columnLineage: 'https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet',
  custom: 'https://github.com/dataops-actions/dataops-actions/blob/main/docs/lineage.md#dataops_stage',
} as const;

/** A facet: its fields plus `_producer` and `_schemaURL`. */
function facet(schemaURL: string, fields: Record<string, unknown>): Record<string, unknown> {
  return { _producer: PRODUCER, _schemaURL: schemaURL, ...fields };
}

/** `START`, `COMPLETE`, `FAIL` (and the spec's `ABORT`, `OTHER`). */
export type EventType = 'START' | 'COMPLETE' | 'FAIL' | 'ABORT' | 'OTHER';

/** An OpenLineage dataset (input or output) of an event. */
export interface LineageDataset {
  namespace: string;
  name: string;
  facets?: Record<string, unknown>;
  inputFacets?: Record<string, unknown>;
  outputFacets?: Record<string, unknown>;
}

/** An OpenLineage RunEvent. */
export interface RunEvent {
  eventType: EventType;
  eventTime: string;
  producer: string;
  schemaURL: string;
  run: { runId: string; facets?: Record<string, unknown> };
  job: { namespace: string; name: string; facets?: Record<string, unknown> };
  inputs: LineageDataset[];
  outputs: LineageDataset[];
}

/** The job and run every stage event points at as its parent. */
export interface FlowRun {
  namespace: string;
  /** The flow's job name (the project name). */
  job: string;
  /** One run id for the whole flow run. */
  runId: string;
}

/** A new flow run: a fresh UUID run id. */
export function newFlowRun(namespace: string, project: string, runId: string = randomUUID()): FlowRun {
  return { namespace, job: project, runId };
}

/** What {@link runEvent} needs. */
export interface RunEventInput {
  eventType: EventType;
  flow: FlowRun;
  /** Stage name (`quality`…); undefined for the flow's own events. */
  stage?: string | undefined;
  runId: string;
  time?: Date | undefined;
  inputs?: LineageDataset[] | undefined;
  outputs?: LineageDataset[] | undefined;
  /** Stage status and one-line summary (custom run facet `dataops_stage`). */
  status?: { status: string; summary: string } | undefined;
  /** The error of a failed stage (`errorMessage` run facet). */
  error?: Error | undefined;
}

/** One RunEvent of a stage (or, without `stage`, of the flow itself). */
export function runEvent(i: RunEventInput): RunEvent {
  const runFacets: Record<string, unknown> = {};
  if (i.stage) runFacets.parent = facet(FACETS.parent, { run: { runId: i.flow.runId }, job: { namespace: i.flow.namespace, name: i.flow.job } });
  if (i.status) runFacets.dataops_stage = facet(FACETS.custom, i.status);
  if (i.error) runFacets.errorMessage = facet(FACETS.errorMessage, { message: i.error.message.split('\n')[0] ?? '', programmingLanguage: 'javascript' });
  return {
    eventType: i.eventType,
    eventTime: (i.time ?? new Date()).toISOString(),
    producer: PRODUCER,
    schemaURL: RUN_EVENT_SCHEMA_URL,
    run: { runId: i.runId, ...(Object.keys(runFacets).length ? { facets: runFacets } : {}) },
    job: {
      namespace: i.flow.namespace,
      name: i.stage ? `${i.flow.job}/${i.stage}` : i.flow.job,
      facets: { jobType: facet(FACETS.jobType, { processingType: 'BATCH', integration: 'DATAOPS', jobType: i.stage ? 'STAGE' : 'FLOW' }) },
    },
    inputs: i.inputs ?? [],
    outputs: i.outputs ?? [],
  };
}

/** Dataset namespace of local files (OpenLineage naming: `file`). */
export const FILE_NAMESPACE = 'file';

/** The OpenLineage dataset of a manifest: schema and version facets; `name` as given (a project-relative path or a dataset name). */
export function datasetOf(m: DataManifest, name: string, role: 'input' | 'output', checks: readonly CheckResult[] = []): LineageDataset {
  const facets: Record<string, unknown> = {
    schema: facet(FACETS.schema, { fields: m.schema.map((c) => ({ name: c.name, type: c.type })) }),
    version: facet(FACETS.version, { datasetVersion: m.content_hash ?? m.dataset.name }),
  };
  if (checks.length) {
    facets.dataQualityAssertions = facet(FACETS.assertions, {
      assertions: checks.map((c) => ({ assertion: c.id, success: c.status === 'pass' || c.status === 'warn', ...(c.columns.length === 1 ? { column: c.columns[0] } : {}) })),
    });
  }
  const ds: LineageDataset = { namespace: FILE_NAMESPACE, name, facets };
  if (role === 'input') {
    const columnMetrics = Object.fromEntries(
      m.columns.map((c) => [
        c.name,
        {
          nullCount: c.nulls,
          ...(c.distinct !== null ? { distinctCount: c.distinct } : {}),
          ...(typeof c.min === 'number' ? { min: c.min } : {}),
          ...(typeof c.max === 'number' ? { max: c.max } : {}),
        },
      ]),
    );
    ds.inputFacets = { dataQualityMetrics: facet(FACETS.metrics, { rowCount: m.row_count, ...(m.dataset.files ? { bytes: m.dataset.files.reduce((n, f) => n + f.bytes, 0) } : {}), columnMetrics }) };
  } else {
    ds.outputFacets = { outputStatistics: facet(FACETS.outputStatistics, { rowCount: m.row_count, ...(m.dataset.files ? { size: m.dataset.files.reduce((n, f) => n + f.bytes, 0) } : {}) }) };
  }
  return ds;
}

/** Adds the `columnLineage` facet to `ds`: each output column with the input fields it reads. */
export function withColumnLineage(ds: LineageDataset, fields: Record<string, Array<{ namespace: string; name: string; field: string }>>): LineageDataset {
  return { ...ds, facets: { ...ds.facets, columnLineage: facet(FACETS.columnLineage, { fields: Object.fromEntries(Object.entries(fields).map(([col, inputFields]) => [col, { inputFields }])) }) } };
}
