/**
 * Types of the `dataops flow` runner: the stages of the DataOps flow run in order over one
 * project, each reading what earlier stages left in {@link FlowState}.
 */
import type { GitHubRepo } from '../github/api.ts';
import type { Project } from '../project.ts';
import type { RunnerContext } from '../runner-context.ts';
import type { RuntimeModules } from '../runtime/modules.ts';
import type { RecordedManifest } from '../data/record.ts';

/** How a stage ended. `skipped` stages are not configured or lack a tool; they never count as passed. */
export type StageStatus = 'passed' | 'warned' | 'failed' | 'skipped';

/** Result of one stage. */
export interface StageResult {
  status: StageStatus;
  /** One line shown in the final summary. */
  summary: string;
  /** Key facts (digest, report path, deployment id…) shown under the line. */
  details?: Record<string, string | number>;
}

/** What stages hand on to later ones. Each stage owns its field. */
export interface FlowState {
  /** Lint stage: finding counts, the SARIF file and the external linters that did not run. */
  lint?: { findings: number; errors: number; warnings: number; sarifPath: string; skipped: string[] };
  quality?: { reports: Array<{ suite: string; status: string; reportPath: string; sha256: string }> };
  /** Built image: `layoutDir` is the OCI image layout directory holding exactly the manifest `digest`. */
  image?: { name: string; digest: string; ref: string; tags: string[]; layoutDir: string; labels?: Record<string, string> };
  systemTest?: { status: string; reportPath: string; sha256: string };
  registry?: { host: string; repository: string };
  pushed?: { refs: string[] };
  staging?: { deploymentId?: number; environmentUrl?: string; gitopsRepo?: string; overlay?: string; digest: string; image?: string; commitSha?: string };
  verify?: { status: string; reportPath: string; sha256: string };
  promotion?: { eventId: string; messageId?: string; file?: string; publicKeysFile?: string; keyId?: string; emulatorHost?: string };
  production?: { deploymentId?: number; digest: string; ref: string };
  /** Data manifests written by the stages that read data (quality, system-test, verify-staging), in order; `artifact` once push attached them to the image. */
  data?: { manifests: RecordedManifest[]; artifact?: { digest: string; ref: string; via: 'referrers' | 'tag-schema' } };
  [extra: string]: unknown;
}

/** Everything a stage gets. */
export interface FlowContext {
  project: Project;
  /** The machine the flow runs on (read once by the CLI). */
  runner: RunnerContext;
  /** Where runtime packages (DuckDB, Pub/Sub, Cloud Run…) come from; default node_modules. */
  runtime?: RuntimeModules | undefined;
  /** The run's repository on GitHub with a client (a token and GITHUB_REPOSITORY known): deployments are recorded there, else in the local log. */
  github?: GitHubRepo | undefined;
  /** Scratch directory of this flow run (reports, archives, logs): `<project>/.dataops/run` by default. */
  workDir: string;
  /** Injected clock for deterministic runs (freshness, expiry). */
  now: Date;
  /** Answer yes to approval prompts (the production gate). */
  approve: boolean;
  /** False when nobody can answer `confirm` (no terminal): a gate that needs an answer is not opened. Default: unknown (ask). */
  interactive?: boolean;
  /** Ask the user a yes/no question; resolves false when there is no terminal. */
  confirm(question: string): Promise<boolean>;
  /** Progress line under the current stage. */
  log(message: string): void;
  /** Registers cleanup (stop a loopback registry or emulator) run when the flow ends, in reverse order. */
  onCleanup(fn: () => Promise<void> | void): void;
  state: FlowState;
}

/** A stage of the flow. */
export interface Stage {
  name: string;
  /** One-line description for the progress display. */
  title: string;
  run(ctx: FlowContext): Promise<StageResult>;
}
