/**
 * Cloud Run target: the Admin API v2 requests built (no Google API is reachable here), and the
 * order of calls the deploy makes through the ServicesApi seam.
 */
import { describe, expect, it } from 'vitest';
import { cloudRunTargetSchema } from '../../src/core/deploy/config.ts';
import { buildRevisionUpdate, buildTrafficShift, deployCloudRun, LATEST, REVISION, serviceName, trafficSplit, type RunService, type ServicesApi } from '../../src/core/deploy/cloud-run.ts';
import { ConfigError } from '../../src/core/errors.ts';

const IMAGE = `europe-west1-docker.pkg.dev/p/r/flights@sha256:${'ab'.repeat(32)}`;
const t = (extra: Record<string, unknown> = {}) => cloudRunTargetSchema.parse({ project: 'p', region: 'europe-west1', service: 'flights', ...extra });
const NAME = 'projects/p/locations/europe-west1/services/flights';
const current = (): RunService => ({
  name: NAME,
  uri: 'https://flights-abc-ew.a.run.app',
  latestReadyRevision: `${NAME}/revisions/flights-00007-xyz`,
  template: { revision: 'flights-00007-xyz', containers: [{ name: 'app', image: 'old@sha256:00', env: [{ name: 'A', value: '1' }] }, { name: 'proxy', image: 'envoy' }], serviceAccount: 'sa@p.iam' },
  traffic: [{ type: LATEST, percent: 100 }],
});

describe('Cloud Run requests', () => {
  it('names the service resource', () => {
    expect(serviceName(t())).toBe(NAME);
  });

  it('sets the digest on the first (or named) container, keeps the rest of the template, lets Cloud Run name the revision', () => {
    const { service } = buildRevisionUpdate(current(), t(), IMAGE);
    expect(service.template).toEqual({ containers: [{ name: 'app', image: IMAGE, env: [{ name: 'A', value: '1' }] }, { name: 'proxy', image: 'envoy' }], serviceAccount: 'sa@p.iam' });
    expect(service.traffic).toEqual([{ type: LATEST, percent: 100 }]);
    const named = buildRevisionUpdate(current(), t({ container: 'proxy' }), IMAGE).service.template!.containers!;
    expect(named.map((c) => c.image)).toEqual(['old@sha256:00', IMAGE]);
    expect(() => buildRevisionUpdate(current(), t({ container: 'nope' }), IMAGE)).toThrow(ConfigError);
  });

  it.each([
    [100, undefined, [{ type: LATEST, percent: 100 }]],
    [25, undefined, [{ type: LATEST, percent: 25 }, { type: REVISION, revision: 'flights-00007-xyz', percent: 75 }]],
    [25, 'flights-00008-new', [{ type: REVISION, revision: 'flights-00008-new', percent: 25 }, { type: REVISION, revision: 'flights-00007-xyz', percent: 75 }]],
  ])('traffic %i%% to the new revision %s', (percent, rev, expected) => {
    expect(trafficSplit(t({ traffic_percent: percent }), rev, 'flights-00007-xyz')).toEqual(expected);
  });

  it('with a tag: the new revision first gets 0% under the tag, the serving one keeps its traffic; then traffic shifts', () => {
    const target = t({ tag: 'candidate', traffic_percent: 100 });
    const { service } = buildRevisionUpdate(current(), target, IMAGE);
    expect(service.traffic).toEqual([
      { type: REVISION, revision: 'flights-00007-xyz', percent: 100 },
      { type: LATEST, percent: 0, tag: 'candidate' },
    ]);
    const updated: RunService = { ...service, latestCreatedRevision: `${NAME}/revisions/flights-00008-new` };
    expect(buildTrafficShift(updated, target, 'flights-00007-xyz')).toEqual({ service: { name: NAME, traffic: [{ type: REVISION, revision: 'flights-00008-new', percent: 100, tag: 'candidate' }] } });
  });
});

describe('deployCloudRun', () => {
  it('gets the service, updates the revision, then shifts traffic (tag mode)', async () => {
    const calls: Array<[string, unknown]> = [];
    const api: ServicesApi = {
      getService: (name) => {
        calls.push(['get', name]);
        return Promise.resolve(current());
      },
      updateService: (req) => {
        calls.push(['update', req]);
        return Promise.resolve({ ...req.service, uri: 'https://flights-abc-ew.a.run.app', latestCreatedRevision: `${NAME}/revisions/flights-00008-new` });
      },
    };
    const r = await deployCloudRun({ target: t({ tag: 'candidate', traffic_percent: 50 }), image: IMAGE, api });
    expect(r).toEqual({ service: NAME, revision: 'flights-00008-new', previousRevision: 'flights-00007-xyz', url: 'https://flights-abc-ew.a.run.app', tagUrl: 'https://candidate---flights-abc-ew.a.run.app' });
    expect(calls.map((c) => c[0])).toEqual(['get', 'update', 'update']);
    expect(calls[2]![1]).toEqual({
      service: { name: NAME, traffic: [{ type: REVISION, revision: 'flights-00008-new', percent: 50, tag: 'candidate' }, { type: REVISION, revision: 'flights-00007-xyz', percent: 50 }] },
      updateMask: { paths: ['traffic'] },
    });
  });
});
