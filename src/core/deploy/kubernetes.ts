/**
 * Kubernetes target: the project's kustomize overlay is wrapped in a generated kustomization that
 * pins the digest (`images:`), applied server-side (`kubectl apply --server-side
 * --field-manager=dataops -k`), then each rollout is awaited (`kubectl rollout status --timeout`).
 * On failure the pods' waiting/terminated reasons (ImagePullBackOff, CrashLoopBackOff, OOMKilled…)
 * are collected from `kubectl get pods -o json`. The commands are built by pure functions; no
 * cluster is reachable in this repository's tests, so only the commands and the parser are tested.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import type { KubernetesTarget } from './config.ts';
import { execTool, type ExecResult } from '../exec.ts';

/** Flags selecting the cluster and namespace, shared by every kubectl call. */
export function kubectlGlobalArgs(t: Pick<KubernetesTarget, 'kubeconfig' | 'context' | 'namespace'>): string[] {
  return [...(t.kubeconfig ? ['--kubeconfig', t.kubeconfig] : []), ...(t.context ? ['--context', t.context] : []), ...(t.namespace ? ['--namespace', t.namespace] : [])];
}

/** `kubectl apply` arguments: server-side apply of a kustomize directory as field manager `dataops`. */
export function applyArgs(t: KubernetesTarget, kustomizeDir: string): string[] {
  return [...kubectlGlobalArgs(t), 'apply', '--server-side', '--field-manager=dataops', '-k', kustomizeDir];
}

/** `kubectl rollout status` arguments for one `kind/name` with the configured timeout. */
export function rolloutArgs(t: KubernetesTarget, resource: string): string[] {
  return [...kubectlGlobalArgs(t), 'rollout', 'status', resource, `--timeout=${t.timeout_seconds}s`];
}

/** `kubectl get pods -o json` arguments (with the label selector when configured). */
export function getPodsArgs(t: KubernetesTarget): string[] {
  return [...kubectlGlobalArgs(t), 'get', 'pods', ...(t.selector ? ['--selector', t.selector] : []), '-o', 'json'];
}

/**
 * Kustomization that wraps the overlay (as a relative resource, kustomize refuses absolute ones)
 * and pins `imageName` to `repository@digest`.
 */
export function wrapperKustomization(relativeOverlay: string, imageName: string, repository: string, digest: string): string {
  return stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: [relativeOverlay], images: [{ name: imageName, newName: repository, digest }] });
}

/** Why a pod is not healthy. */
export interface PodFailure {
  pod: string;
  container: string;
  /** ImagePullBackOff, ErrImagePull, CrashLoopBackOff, OOMKilled, Error… */
  reason: string;
  message?: string;
  exitCode?: number;
  restarts: number;
}

interface ContainerStatus {
  name?: string;
  restartCount?: number;
  state?: { waiting?: { reason?: string; message?: string }; terminated?: { reason?: string; message?: string; exitCode?: number } };
  lastState?: { terminated?: { reason?: string; message?: string; exitCode?: number } };
}
interface PodList {
  items?: Array<{ metadata?: { name?: string }; status?: { phase?: string; reason?: string; message?: string; containerStatuses?: ContainerStatus[]; initContainerStatuses?: ContainerStatus[] } }>;
}

const HEALTHY_WAITING = new Set(['ContainerCreating', 'PodInitializing']);

/** Failure reasons of the pods in `kubectl get pods -o json` output; healthy pods give none. */
export function parsePodFailures(json: string | PodList): PodFailure[] {
  const list: PodList = typeof json === 'string' ? (JSON.parse(json) as PodList) : json;
  const out: PodFailure[] = [];
  for (const pod of list.items ?? []) {
    const name = pod.metadata?.name ?? '?';
    const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
    for (const c of statuses) {
      const waiting = c.state?.waiting;
      const terminated = c.state?.terminated;
      const restarts = c.restartCount ?? 0;
      if (waiting?.reason && !HEALTHY_WAITING.has(waiting.reason)) {
        const last = c.lastState?.terminated;
        out.push({
          pod: name,
          container: c.name ?? '?',
          reason: waiting.reason,
          restarts,
          ...(waiting.message ? { message: waiting.message } : last?.reason ? { message: `last exit: ${last.reason}${last.exitCode !== undefined ? ` (code ${last.exitCode})` : ''}` } : {}),
          ...(last?.exitCode !== undefined ? { exitCode: last.exitCode } : {}),
        });
      } else if (terminated && terminated.exitCode !== 0) {
        out.push({ pod: name, container: c.name ?? '?', reason: terminated.reason ?? 'Error', restarts, ...(terminated.message ? { message: terminated.message } : {}), ...(terminated.exitCode !== undefined ? { exitCode: terminated.exitCode } : {}) });
      }
    }
    if (statuses.length === 0 && pod.status?.reason) out.push({ pod: name, container: '-', reason: pod.status.reason, restarts: 0, ...(pod.status.message ? { message: pod.status.message } : {}) });
  }
  return out;
}

/** One line per failure: `pod/api-7d9 container api: CrashLoopBackOff (exit 1, 4 restarts): …`. */
export function describePodFailures(failures: readonly PodFailure[]): string {
  return failures
    .map((f) => `pod/${f.pod} container ${f.container}: ${f.reason}${f.exitCode !== undefined ? ` (exit ${f.exitCode}${f.restarts ? `, ${f.restarts} restarts` : ''})` : f.restarts ? ` (${f.restarts} restarts)` : ''}${f.message ? `: ${f.message}` : ''}`)
    .join('; ');
}

/** Error of a failed Kubernetes deploy; `failures` holds the pods' reasons when found. */
export class KubernetesDeployError extends Error {
  override readonly name = 'KubernetesDeployError';
  readonly failures: PodFailure[];
  constructor(message: string, failures: PodFailure[] = []) {
    super(failures.length ? `${message}: ${describePodFailures(failures)}` : message);
    this.failures = failures;
  }
}

/** Runs kubectl; injectable for tests. */
export type KubectlRunner = (args: string[]) => Promise<ExecResult>;

/**
 * Applies the overlay pinned to the digest and waits for the rollouts.
 * @throws KubernetesDeployError when apply or a rollout fails (with pod reasons).
 */
export async function deployKubernetes(opts: {
  target: KubernetesTarget;
  baseDir: string;
  imageName: string;
  repository: string;
  digest: string;
  kubectl?: KubectlRunner;
  log?: (m: string) => void;
}): Promise<{ applied: string; rollouts: string[] }> {
  // a kubeconfig named in dataops.yml is relative to it (and confined to the project when it loads)
  const target = opts.target.kubeconfig ? { ...opts.target, kubeconfig: path.resolve(opts.baseDir, opts.target.kubeconfig) } : opts.target;
  const kubectl: KubectlRunner = opts.kubectl ?? ((args) => execTool('kubectl', args, { timeoutMs: (target.timeout_seconds + 60) * 1000 }));
  const overlay = path.resolve(opts.baseDir, target.manifests);
  const wrapper = await mkdtemp(path.join(os.tmpdir(), 'dataops-apply-'));
  try {
    await writeFile(path.join(wrapper, 'kustomization.yaml'), wrapperKustomization(path.relative(wrapper, overlay), opts.imageName, opts.repository, opts.digest));
    const applied = await kubectl(applyArgs(target, wrapper));
    if (applied.code !== 0) throw new KubernetesDeployError(`kubectl apply failed: ${applied.stderr.trim().split('\n').slice(-3).join(' ')}`);
    opts.log?.(applied.stdout.trim());
    for (const res of target.rollout) {
      const r = await kubectl(rolloutArgs(target, res));
      if (r.code !== 0) {
        const pods = await kubectl(getPodsArgs(target));
        let failures: PodFailure[] = [];
        try {
          if (pods.code === 0) failures = parsePodFailures(pods.stdout);
        } catch {
          // unreadable pod list: report the rollout error alone
        }
        throw new KubernetesDeployError(`rollout of ${res} did not complete within ${target.timeout_seconds}s (${(r.stderr || r.stdout).trim().split('\n').pop() ?? ''})`, failures);
      }
      opts.log?.(`${res}: rolled out`);
    }
    return { applied: applied.stdout, rollouts: target.rollout };
  } finally {
    await rm(wrapper, { recursive: true, force: true });
  }
}
