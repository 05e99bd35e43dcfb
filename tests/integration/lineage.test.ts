/**
 * OpenLineage from the flow: the nine stages run (those not configured end skipped) on a project
 * with datasets, a quality suite and an SQL dataset; every event goes to a real local HTTP
 * receiver that validates it against the RunEvent schema (tests/fixtures/openlineage) and to the
 * NDJSON file; START and COMPLETE per stage, one parent run, quality results as facets, column
 * lineage from DuckDB's parser, a Mermaid picture. An endpoint that is down never fails a stage.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFlow } from '../../src/core/flow/runner.ts';
import { FLOW_STAGES } from '../../src/core/flow/stages/index.ts';
import { FlowLineage } from '../../src/core/lineage/flow.ts';
import { lineageMermaid } from '../../src/core/lineage/mermaid.ts';
import type { RunEvent } from '../../src/core/lineage/openlineage.ts';
import { fileTransport, httpTransport, LineageSender } from '../../src/core/lineage/transport.ts';
import { loadProject } from '../../src/core/project.ts';
import { localContext } from '../../src/core/runner-context.ts';

const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
const validate = ajv.compile(JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../fixtures/openlineage/run-event.schema.json'), 'utf8')) as object);

const isValid = (e: unknown): boolean => validate(e) === true;
const DATA = path.resolve(import.meta.dirname, '../../node_modules/vega-datasets/data');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'lineage-'));

/** A local OpenLineage receiver: validates each POSTed event, answers 201 (or `fail` for the first `failFirst` requests). */
function receiver(opts: { failFirst?: number } = {}): Promise<{ server: Server; url: string; events: RunEvent[]; invalid: string[]; auth: string[]; requests: number }> {
  const state = { events: [] as RunEvent[], invalid: [] as string[], auth: [] as string[], requests: 0 };
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.requests++;
      if (state.requests <= (opts.failFirst ?? 0)) {
        res.writeHead(503).end();
        return;
      }
      if (req.method !== 'POST' || req.url !== '/api/v1/lineage') {
        res.writeHead(404).end();
        return;
      }
      state.auth.push(req.headers.authorization ?? '');
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as RunEvent;
      const ok: boolean = isValid(event);
      if (!ok) state.invalid.push(`${event.eventType} ${event.job?.name}: ${ajv.errorsText(validate.errors)}`);
      state.events.push(event);
      res.writeHead(201).end();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(Object.assign(state, { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }))));
}

beforeAll(() => {
  const project = path.join(tmp, 'project');
  mkdirSync(path.join(project, 'data'), { recursive: true });
  mkdirSync(path.join(project, '.git'));
  copyFileSync(path.join(DATA, 'airports.csv'), path.join(project, 'data', 'airports.csv'));
  copyFileSync(path.join(DATA, 'flights-20k.json'), path.join(project, 'data', 'flights.json'));
  writeFileSync(
    path.join(project, 'dataops.yml'),
    `version: 1
name: routes
datasets:
  flights: { path: data/flights.json }
  airports: { path: data/airports.csv }
quality:
  suites: [quality/routes.yml]
`,
  );
  mkdirSync(path.join(project, 'quality'));
  writeFileSync(
    path.join(project, 'quality', 'routes.yml'),
    `version: 1
suite: routes
datasets:
  routes:
    sql: SELECT f.origin, a.state, count(*) AS flights, avg(f.delay) AS avg_delay FROM flights f JOIN airports a ON a.iata = f.origin GROUP BY ALL
checks:
  - { id: flights_rows, type: row_count, dataset: flights, min: 1000 }
  - { id: origin_known, type: not_null, dataset: flights, columns: origin }
  - { id: routes_state, type: not_null, dataset: routes, columns: state }
  - { id: iata_unique, type: unique, dataset: airports, columns: iata }
`,
  );
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function flow(transports: ConstructorParameters<typeof LineageSender>[0], logs: string[]) {
  const project = await loadProject(path.join(tmp, 'project'));
  const lineage = new FlowLineage({ namespace: 'dataops-test', project: 'routes', sender: new LineageSender(transports, (l) => logs.push(l)), engine: { tempDirectory: tmp } });
  const workDir = path.join(tmp, 'work');
  rmSync(workDir, { recursive: true, force: true });
  const outcome = await runFlow(
    lineage.wrap(FLOW_STAGES),
    { project, runner: localContext({ env: { PATH: process.env.PATH } }), workDir, now: new Date(), approve: false, confirm: () => Promise.resolve(false), state: {} },
    { stageStart: () => undefined, stageLog: (_s, m) => logs.push(m), stageEnd: () => undefined },
  );
  await lineage.finish(outcome.ok);
  return { outcome, lineage };
}

describe('OpenLineage events of the flow', () => {
  it('START and COMPLETE for all nine stages under one parent run, every event valid, over HTTP and to the file', async () => {
    const rx = await receiver({ failFirst: 1 });
    const file = path.join(tmp, 'events.ndjson');
    const logs: string[] = [];
    try {
      const { outcome, lineage } = await flow([fileTransport(file), httpTransport({ url: rx.url, apiKey: 'k-123', retry: { baseMs: 1, maxDelayMs: 5 } })], logs);
      expect(outcome.stages).toHaveLength(9);
      expect(outcome.ok, logs.join('\n')).toBe(true);
      expect(logs.filter((l) => l.includes('OpenLineage'))).toEqual([]);
      // the receiver got every event (the first 503 was retried), each valid
      expect(rx.invalid).toEqual([]);
      expect(rx.events).toEqual(lineage.events);
      expect(rx.auth.every((a) => a === 'Bearer k-123')).toBe(true);
      const lines = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as RunEvent);
      expect(lines).toEqual(lineage.events);
      // 2 flow events + START/COMPLETE for each of the nine stages
      expect(rx.events).toHaveLength(20);
      expect(rx.events[0]).toMatchObject({ eventType: 'START', job: { namespace: 'dataops-test', name: 'routes' } });
      expect(rx.events.at(-1)).toMatchObject({ eventType: 'COMPLETE', job: { name: 'routes' }, run: { runId: lineage.flow.runId } });
      const stageEvents = rx.events.slice(1, -1);
      expect(stageEvents.map((e) => `${e.eventType} ${e.job.name}`)).toEqual(FLOW_STAGES.flatMap((s) => [`START routes/${s.name}`, `COMPLETE routes/${s.name}`]));
      for (const e of stageEvents) expect((e.run.facets!.parent as { run: { runId: string } }).run.runId).toBe(lineage.flow.runId);
      // each stage run has its own id, shared by its START and COMPLETE
      for (let i = 0; i < stageEvents.length; i += 2) expect(stageEvents[i]!.run.runId).toBe(stageEvents[i + 1]!.run.runId);
      expect(new Set(stageEvents.map((e) => e.run.runId)).size).toBe(9);
    } finally {
      rx.server.close();
    }
  });

  it('quality: inputs with schema, version, metrics and assertions; the SQL dataset with column lineage from the parser; the picture', async () => {
    const rx = await receiver();
    try {
      const { lineage } = await flow([httpTransport({ url: rx.url })], []);
      const q = rx.events.find((e) => e.job.name === 'routes/quality' && e.eventType === 'COMPLETE')!;
      expect(q.inputs.map((d) => d.name).sort()).toEqual(['data/airports.csv', 'data/flights.json']);
      const flights = q.inputs.find((d) => d.name === 'data/flights.json')!;
      expect((flights.facets!.schema as { fields: Array<{ name: string }> }).fields.map((f) => f.name)).toEqual(['date', 'delay', 'distance', 'origin', 'destination']);
      expect((flights.facets!.version as { datasetVersion: string }).datasetVersion).toMatch(/^sha256:/);
      expect((flights.facets!.dataQualityAssertions as { assertions: unknown[] }).assertions).toEqual([
        { assertion: 'flights_rows', success: true },
        { assertion: 'origin_known', success: true, column: 'origin' },
      ]);
      expect(flights.inputFacets!.dataQualityMetrics).toMatchObject({ rowCount: 20000, columnMetrics: { delay: { nullCount: 0 } } });
      const routes = q.outputs.find((d) => d.name === 'sql/routes')!;
      const fields = (routes.facets!.columnLineage as { fields: Record<string, { inputFields: Array<{ name: string; field: string }> }> }).fields;
      expect(fields.origin!.inputFields).toEqual([{ namespace: 'file', name: 'data/flights.json', field: 'origin' }]);
      expect(fields.state!.inputFields).toEqual([{ namespace: 'file', name: 'data/airports.csv', field: 'state' }]);
      expect(fields.avg_delay!.inputFields.map((f) => f.field)).toEqual(['delay']);
      expect(fields.flights!.inputFields).toEqual([]);
      const picture = lineageMermaid(lineage.events);
      expect(picture).toMatch(/^flowchart LR\n/);
      expect(picture).toContain('data/flights.json<br/>sha256:');
      expect(picture).toContain('quality: 2 checks passed');
      expect(picture).toMatch(/n\d+ --> n\d+/);
    } finally {
      rx.server.close();
    }
  });

  it('an endpoint that is down is said once and never fails a stage; the file keeps every event', async () => {
    const down = await receiver();
    const url = down.url;
    await new Promise((r) => down.server.close(r));
    const file = path.join(tmp, 'down.ndjson');
    const logs: string[] = [];
    const { outcome, lineage } = await flow([httpTransport({ url, retry: { baseMs: 1, maxDelayMs: 5, attempts: 2 } }), fileTransport(file)], logs);
    expect(outcome.ok).toBe(true);
    const problems = logs.filter((l) => l.includes('OpenLineage'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`OpenLineage http ${url.replaceAll('.', '\\.')}/api/v1/lineage failed \\(.*\\); no more events go there in this run, the stage goes on`));
    expect(readFileSync(file, 'utf8').trimEnd().split('\n')).toHaveLength(lineage.events.length);
  });
});
