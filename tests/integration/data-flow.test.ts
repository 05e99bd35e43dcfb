/**
 * The example flow end to end, for data versions and lineage: all nine stages on a copy of the
 * example project (buildah, a loopback docker-registry, a GitOps repository, the Pub/Sub emulator)
 * write data manifests, attach them to the pushed digest (read back from the registry while it
 * runs), carry their digests in the signed promotion, and send a valid OpenLineage event stream
 * for every stage to a local HTTP receiver.
 */
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readAttachedManifests } from '../../src/core/data/attach.ts';
import { runFlow } from '../../src/core/flow/runner.ts';
import { FLOW_STAGES } from '../../src/core/flow/stages/index.ts';
import type { FlowState, Stage } from '../../src/core/flow/types.ts';
import { FlowLineage } from '../../src/core/lineage/flow.ts';
import type { RunEvent } from '../../src/core/lineage/openlineage.ts';
import { httpTransport, LineageSender } from '../../src/core/lineage/transport.ts';
import type { SignedPromotion } from '../../src/core/promotion/message.ts';
import { loadProject } from '../../src/core/project.ts';
import { RegistryClient } from '../../src/core/registry/client.ts';
import { localContext } from '../../src/core/runner-context.ts';
import { buildExampleImage } from '../helpers/system-test-image.ts';

const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
const validate = ajv.compile(JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../fixtures/openlineage/run-event.schema.json'), 'utf8')) as object);
const isValid = (e: unknown): boolean => validate(e) === true;
const EXAMPLE = path.resolve(import.meta.dirname, '../../templates/example-pipeline');

describe.skipIf(!inject('pubsubEmulatorHost'))('example flow: data versions bound to the digest, lineage of all nine stages', () => {
  let tmp: string;
  const savedRoot = process.env.DATAOPS_BUILDAH_ROOT;
  beforeAll(async () => {
    const image = await buildExampleImage('data-flow'); // the base image and the layer cache
    process.env.DATAOPS_BUILDAH_ROOT = image.storageRoot;
    tmp = await mkdtemp(path.join(os.tmpdir(), 'data-flow-'));
    for (const f of ['dataops.yml', 'deploy', 'fixtures', 'quality', 'expected', 'Dockerfile', 'pipeline', 'package.json', 'package-lock.json', 'node_modules']) {
      await cp(path.join(EXAMPLE, f), path.join(tmp, 'project', f), { recursive: true, dereference: true });
    }
  }, 900_000);
  afterAll(async () => {
    if (savedRoot === undefined) delete process.env.DATAOPS_BUILDAH_ROOT;
    else process.env.DATAOPS_BUILDAH_ROOT = savedRoot;
    await rm(tmp, { recursive: true, force: true });
  });

  it('manifests written, attached, promoted; every event valid over HTTP', async () => {
    const events: RunEvent[] = [];
    const invalid: string[] = [];
    const server: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const e = JSON.parse(Buffer.concat(chunks).toString('utf8')) as RunEvent;
        const ok: boolean = isValid(e);
        if (!ok) invalid.push(`${e.eventType} ${e.job.name}: ${ajv.errorsText(validate.errors)}`);
        events.push(e);
        res.writeHead(201).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const logs: string[] = [];
    const project = await loadProject(path.join(tmp, 'project'));
    const lineage = new FlowLineage({ namespace: 'dataops', project: project.config.name, sender: new LineageSender([httpTransport({ url })], (l) => logs.push(l)), engine: { tempDirectory: tmp } });
    const state: FlowState = {};
    let attached: Awaited<ReturnType<typeof readAttachedManifests>>;
    // read the artifact back while the flow's loopback registry still runs
    const readBack: Stage = {
      name: 'read-back',
      title: 'read the data manifests attached to the pushed digest',
      async run(ctx) {
        const r = ctx.state.registry!;
        attached = await readAttachedManifests(new RegistryClient({ registry: r.host, insecure: true }), r.repository, ctx.state.image!.digest);
        return { status: 'passed', summary: 'read' };
      },
    };
    try {
      const outcome = await runFlow(
        [...lineage.wrap(FLOW_STAGES), readBack],
        { project, runner: localContext({ pubsubEmulatorHost: inject('pubsubEmulatorHost') }), workDir: path.join(tmp, 'work'), now: new Date(), approve: true, interactive: false, confirm: () => Promise.resolve(true), state },
        { stageStart: () => undefined, stageLog: (s, m) => logs.push(`${s.name}: ${m}`), stageEnd: () => undefined },
      );
      await lineage.finish(outcome.ok);
      const statuses = Object.fromEntries(outcome.stages.map((s) => [s.stage, s.result.status]));
      expect(outcome.ok, `${JSON.stringify(statuses)}\n${logs.slice(-40).join('\n')}`).toBe(true);
      for (const s of FLOW_STAGES) expect(statuses[s.name], s.name).toMatch(/passed|warned/);
      // manifests of quality inputs, system-test fixtures and outputs, verify inputs
      const m = state.data!.manifests;
      expect(new Set(m.map((x) => `${x.stage}:${x.role}`))).toEqual(new Set(['quality:input', 'system-test:input', 'system-test:output', 'verify-staging:input']));
      expect(m.filter((x) => x.stage === 'system-test' && x.role === 'output').map((x) => x.dataset).sort()).toEqual(['daily_routes.csv', 'daily_routes.parquet']);
      // what the image was tested with (quality, system test) is attached to the pushed digest, read back from the registry
      expect(state.data!.artifact).toMatchObject({ via: 'tag-schema' });
      expect(attached!.artifact).toBe(state.data!.artifact!.digest);
      expect(attached!.manifests.map((x) => x.digest)).toEqual(m.filter((x) => x.stage === 'quality' || x.stage === 'system-test').map((x) => x.digest));
      // the signed promotion carries them all (verify-staging's too), and production got the same digest
      const message = JSON.parse(await readFile(state.promotion!.file!, 'utf8')) as SignedPromotion;
      expect(message.dataopssignature).toBeTruthy();
      expect(message.data.data_versions!.artifact).toBe(state.data!.artifact!.digest);
      expect(message.data.data_versions!.manifests.map((x) => x.manifest)).toEqual(m.map((x) => x.digest));
      expect(state.production!.digest).toBe(state.image!.digest);
      // lineage: every event valid; START and COMPLETE for each of the nine stages
      expect(invalid).toEqual([]);
      expect(logs.filter((l) => l.includes('OpenLineage'))).toEqual([]);
      expect(events.filter((e) => e.run.facets?.parent).map((e) => `${e.eventType} ${e.job.name.split('/')[1]}`)).toEqual(FLOW_STAGES.flatMap((s) => [`START ${s.name}`, 'COMPLETE ' + s.name]));
      const st = events.find((e) => e.job.name.endsWith('/system-test') && e.eventType === 'COMPLETE')!;
      expect(st.outputs.map((d) => d.name).sort()).toEqual(['system-test/out/daily_routes.csv', 'system-test/out/daily_routes.parquet']);
      expect(st.inputs.map((d) => d.name).sort()).toEqual(['fixtures/airports.csv', 'fixtures/flights.parquet']);
    } finally {
      server.close();
    }
  }, 1_800_000);
});
