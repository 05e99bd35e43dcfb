/**
 * Kubernetes target: the kubectl commands built (no cluster is reachable here), the wrapper
 * kustomization rendered with the real `kubectl kustomize`, and the failing pod's reason parsed
 * from recorded `kubectl get pods -o json` output.
 */
import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { kubernetesTargetSchema } from '../../src/core/deploy/config.ts';
import { applyArgs, deployKubernetes, describePodFailures, getPodsArgs, KubernetesDeployError, parsePodFailures, rolloutArgs, wrapperKustomization } from '../../src/core/deploy/kubernetes.ts';
import type { ExecResult } from '../../src/core/exec.ts';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const t = (extra: Record<string, unknown> = {}) => kubernetesTargetSchema.parse({ manifests: 'deploy/overlays/staging', ...extra });

describe('kubectl commands', () => {
  it.each([
    [{}, ['apply', '--server-side', '--field-manager=dataops', '-k', '/w']],
    [{ namespace: 'flights' }, ['--namespace', 'flights', 'apply', '--server-side', '--field-manager=dataops', '-k', '/w']],
    [{ kubeconfig: '/k/config', context: 'stg' }, ['--kubeconfig', '/k/config', '--context', 'stg', 'apply', '--server-side', '--field-manager=dataops', '-k', '/w']],
  ])('apply with %j', (extra, expected) => {
    expect(applyArgs(t(extra), '/w')).toEqual(expected);
  });

  it.each([
    [{ rollout: ['deployment/api'] }, 'deployment/api', ['rollout', 'status', 'deployment/api', '--timeout=300s']],
    [{ timeout_seconds: 45, namespace: 'n' }, 'statefulset/db', ['--namespace', 'n', 'rollout', 'status', 'statefulset/db', '--timeout=45s']],
  ])('rollout status with %j', (extra, res, expected) => {
    expect(rolloutArgs(t(extra), res)).toEqual(expected);
  });

  it.each([
    [{}, ['get', 'pods', '-o', 'json']],
    [{ selector: 'app=api', namespace: 'n' }, ['--namespace', 'n', 'get', 'pods', '--selector', 'app=api', '-o', 'json']],
  ])('get pods with %j', (extra, expected) => {
    expect(getPodsArgs(t(extra))).toEqual(expected);
  });

  it('refuses rollout resources that are not kind/name', () => {
    expect(() => t({ rollout: ['api'] })).toThrow(/kind\/name/);
  });
});

describe('wrapper kustomization', () => {
  let tmp: string;
  beforeEach(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'k8s-'));
  });
  afterEach(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('pins the digest over the project overlay when rendered by kubectl kustomize', async () => {
    await cp(path.resolve(import.meta.dirname, '../../templates/example-pipeline/deploy'), path.join(tmp, 'deploy'), { recursive: true });
    await mkdir(path.join(tmp, 'wrap'));
    await writeFile(path.join(tmp, 'wrap/kustomization.yaml'), wrapperKustomization('../deploy/overlays/staging', 'flights-routes', 'ghcr.io/octo/flights-routes', DIGEST));
    const out = execFileSync('kubectl', ['kustomize', path.join(tmp, 'wrap')], { encoding: 'utf8' });
    expect(out).toContain(`image: ghcr.io/octo/flights-routes@${DIGEST}`);
    expect(out).toContain('namespace: flights-staging');
  });

  it('deployKubernetes applies the wrapper, waits for rollouts and reports the failing pod', async () => {
    await cp(path.resolve(import.meta.dirname, '../../templates/example-pipeline/deploy'), path.join(tmp, 'deploy'), { recursive: true });
    const calls: string[][] = [];
    const ok = (stdout = ''): ExecResult => ({ code: 0, stdout, stderr: '', timedOut: false, durationMs: 1 });
    const kubectl = (args: string[]): Promise<ExecResult> => {
      calls.push(args);
      if (args.includes('apply')) {
        // the applied directory renders to the pinned image
        const dir = args[args.indexOf('-k') + 1]!;
        expect(execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' })).toContain(`@${DIGEST}`);
        return Promise.resolve(ok('cronjob.batch/flights-routes serverside-applied'));
      }
      if (args.includes('rollout')) return Promise.resolve({ code: 1, stdout: '', stderr: 'error: timed out waiting for the condition', timedOut: false, durationMs: 1 });
      return Promise.resolve(ok(JSON.stringify(PODS_CRASHING)));
    };
    const target = t({ manifests: 'deploy/overlays/staging', namespace: 'flights-staging', rollout: ['deployment/api'], timeout_seconds: 60 });
    const err = await deployKubernetes({ target, baseDir: tmp, imageName: 'flights-routes', repository: 'ghcr.io/octo/flights-routes', digest: DIGEST, kubectl }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubernetesDeployError);
    expect((err as Error).message).toBe(
      'rollout of deployment/api did not complete within 60s (error: timed out waiting for the condition): pod/api-7d9f-x2 container api: CrashLoopBackOff (exit 1, 4 restarts): back-off 1m20s restarting failed container=api pod=api-7d9f-x2_flights(1234)',
    );
    expect(calls.map((c) => c.filter((a) => !a.startsWith('/')).join(' '))).toEqual([
      '--namespace flights-staging apply --server-side --field-manager=dataops -k',
      '--namespace flights-staging rollout status deployment/api --timeout=60s',
      '--namespace flights-staging get pods -o json',
    ]);
  });
});

const PODS_CRASHING = {
  apiVersion: 'v1',
  kind: 'List',
  items: [
    {
      metadata: { name: 'api-7d9f-x2' },
      status: {
        phase: 'Running',
        containerStatuses: [
          {
            name: 'api',
            restartCount: 4,
            state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 1m20s restarting failed container=api pod=api-7d9f-x2_flights(1234)' } },
            lastState: { terminated: { exitCode: 1, reason: 'Error' } },
          },
        ],
      },
    },
  ],
};

describe('failing pod reasons', () => {
  it('parses ImagePullBackOff, OOMKilled, init containers and evictions; healthy pods give none', () => {
    const json = JSON.stringify({
      items: [
        { metadata: { name: 'a' }, status: { containerStatuses: [{ name: 'app', restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "ghcr.io/o/r@sha256:ab"' } } }] } },
        { metadata: { name: 'b' }, status: { containerStatuses: [{ name: 'app', restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } } }] } },
        { metadata: { name: 'c' }, status: { initContainerStatuses: [{ name: 'migrate', state: { terminated: { reason: 'Error', exitCode: 3 } } }], containerStatuses: [{ name: 'app', state: { waiting: { reason: 'PodInitializing' } } }] } },
        { metadata: { name: 'd' }, status: { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' } },
        { metadata: { name: 'e' }, status: { containerStatuses: [{ name: 'app', state: { running: {} } }, { name: 'side', state: { waiting: { reason: 'ContainerCreating' } } }] } },
        { metadata: { name: 'f' }, status: { containerStatuses: [{ name: 'job', state: { terminated: { reason: 'Completed', exitCode: 0 } } }] } },
      ],
    });
    const failures = parsePodFailures(json);
    expect(failures).toEqual([
      { pod: 'a', container: 'app', reason: 'ImagePullBackOff', restarts: 0, message: 'Back-off pulling image "ghcr.io/o/r@sha256:ab"' },
      { pod: 'b', container: 'app', reason: 'CrashLoopBackOff', restarts: 2, message: 'last exit: OOMKilled (code 137)', exitCode: 137 },
      { pod: 'c', container: 'migrate', reason: 'Error', restarts: 0, exitCode: 3 },
      { pod: 'd', container: '-', reason: 'Evicted', restarts: 0, message: 'The node was low on resource: memory.' },
    ]);
    expect(describePodFailures(failures.slice(0, 2))).toBe(
      'pod/a container app: ImagePullBackOff: Back-off pulling image "ghcr.io/o/r@sha256:ab"; pod/b container app: CrashLoopBackOff (exit 137, 2 restarts): last exit: OOMKilled (code 137)',
    );
    expect(parsePodFailures({ items: [] })).toEqual([]);
  });
});
