/**
 * `deploy:` in dataops.yml: the environments a digest is deployed to (staging, production, …),
 * each with one target (`gitops` by default, `kubernetes`, `cloud-run` or `command`), and
 * `deploy.verify`: the staging smoke checks and performance budget.
 */
import { z } from 'zod';
import { repositorySchema } from '../fields.ts';

const seconds = (def: number, max = 86_400) => z.number().int().min(1).max(max).default(def);

/** Target `gitops`: the digest is written into an environment overlay of a Git repository. */
export const gitopsTargetSchema = z
  .strictObject({
    repository: z
      .string()
      .min(1)
      .describe('GitOps repository: a clone URL (https://…, ssh://…, git@…) or a local path, relative to dataops.yml. A local path that does not exist yet is created by `dataops flow` (demo).'),
    branch: z.string().min(1).default('main').describe('Branch the environment is deployed from.'),
    overlay: z.string().min(1).describe('Directory of the environment overlay inside the repository, e.g. overlays/staging.'),
    image_name: z
      .string()
      .min(1)
      .optional()
      .describe('Kustomize: `name` of the `images:` entry to set (the image name used in the base manifests). Default: the project name.'),
    helm: z
      .strictObject({
        values_file: z.string().min(1).describe('Values file inside the overlay directory, e.g. values-staging.yaml.'),
        digest_key: z.string().min(1).default('image.digest').describe('Dotted key path of the digest in the values file.'),
        repository_key: z.string().min(1).optional().describe('Dotted key path of the image repository (registry/repository), set alongside the digest.'),
      })
      .optional()
      .describe('Write the digest into a Helm values file instead of a kustomize `images:` entry.'),
    mode: z
      .enum(['push', 'pull-request'])
      .default('push')
      .describe('push: commit to `branch` directly; pull-request: push a branch and open a pull request for review.'),
    pull_request: z
      .strictObject({
        repository: repositorySchema.describe('owner/repo of the GitOps repository on GitHub (where the pull request is opened).'),
        draft: z.boolean().default(false),
      })
      .optional()
      .describe('Pull request settings (mode pull-request).'),
    author: z
      .strictObject({ name: z.string().min(1), email: z.string().min(1) })
      .default({ name: 'dataops-actions', email: 'dataops-actions@users.noreply.github.com' })
      .describe('Git author of the deploy commits.'),
    render: z.boolean().default(true).describe('Validate the overlay by rendering it with `kubectl kustomize` (skipped with a note when kubectl is missing).'),
  }, { error: (issue) => (issue.input === undefined ? 'target "gitops" needs a "gitops:" block with its settings' : undefined) })
  .describe('GitOps target: set the digest in an overlay, commit with trailers, push or open a pull request.');
export type GitOpsTarget = z.output<typeof gitopsTargetSchema>;

/** Target `kubernetes`: server-side apply of a kustomize overlay, then rollout status. */
export const kubernetesTargetSchema = z
  .strictObject({
    kubeconfig: z.string().optional().describe('Path of the kubeconfig file, relative to dataops.yml and inside the project. Default: KUBECONFIG / ~/.kube/config.'),
    context: z.string().optional().describe('kubeconfig context.'),
    namespace: z.string().optional().describe('Namespace to apply into.'),
    manifests: z.string().min(1).describe('Kustomize directory (overlay) applied with `kubectl apply -k`, relative to dataops.yml, inside the project.'),
    image_name: z.string().min(1).optional().describe('Image name in the manifests replaced by the digest reference (`kustomize edit set image`). Default: the project name.'),
    rollout: z
      .array(z.string().regex(/^[a-z]+(\.[a-z0-9.]+)?\/[a-z0-9.-]+$/, 'write kind/name, e.g. deployment/api'))
      .default([])
      .describe('Resources whose rollout is awaited (`kubectl rollout status`), e.g. deployment/api.'),
    timeout_seconds: seconds(300, 3600).describe('Rollout timeout per resource.'),
    selector: z.string().optional().describe('Label selector of the pods inspected for a failure reason, e.g. app=api.'),
  }, { error: (issue) => (issue.input === undefined ? 'target "kubernetes" needs a "kubernetes:" block with its settings' : undefined) })
  .describe('Kubernetes target (kubectl).');
export type KubernetesTarget = z.output<typeof kubernetesTargetSchema>;

/** Target `cloud-run`: a new revision of a Cloud Run service through the Cloud Run Admin API v2. */
export const cloudRunTargetSchema = z
  .strictObject({
    project: z.string().min(1).describe('Google Cloud project id.'),
    region: z.string().min(1).describe('Region, e.g. europe-west1.'),
    service: z.string().min(1).describe('Cloud Run service name.'),
    container: z.string().optional().describe('Container name to update (default: the first container).'),
    tag: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,45}$/)
      .optional()
      .describe('Deploy the revision with no traffic under this tag first (https://TAG---SERVICE-…run.app), then shift traffic.'),
    traffic_percent: z.number().int().min(0).max(100).default(100).describe('Traffic sent to the new revision after deploy (0: tag only).'),
  }, { error: (issue) => (issue.input === undefined ? 'target "cloud-run" needs a "cloud_run:" block with its settings' : undefined) })
  .describe('Cloud Run target (@google-cloud/run, Admin API v2).');
export type CloudRunTarget = z.output<typeof cloudRunTargetSchema>;

/** Target `command`: a user script. */
export const commandTargetSchema = z
  .strictObject({
    run: z
      .string()
      .min(1)
      .describe('Command run with `sh -c` in the project directory; env DATAOPS_IMAGE, DATAOPS_DIGEST, DATAOPS_ENVIRONMENT, DATAOPS_SOURCE_SHA, DATAOPS_PREVIOUS_DIGEST.'),
    timeout_seconds: seconds(900).describe('Kill the command after this many seconds.'),
  }, { error: (issue) => (issue.input === undefined ? 'target "command" needs a "command:" block with its settings' : undefined) })
  .describe('Command target: your own deploy script.');
export type CommandTarget = z.output<typeof commandTargetSchema>;

/** The deploy targets. */
export const TARGETS = ['gitops', 'kubernetes', 'cloud-run', 'command'] as const;
export type TargetKind = (typeof TARGETS)[number];

/** What every environment takes besides its target. */
const environmentCommon = {
  environment_url: z.string().url().optional().describe('URL of the deployed environment, shown on the GitHub deployment.'),
  production: z.boolean().optional().describe('Mark GitHub deployments as production (default: true for an environment named production).'),
};
const targetDoc = 'Where the digest goes: gitops (default), kubernetes, cloud-run or command; the block named after it holds its settings.';

/** One environment: its `target` (default gitops) and exactly the settings block of that target. */
export const environmentSchema = z
  .discriminatedUnion(
    'target',
    [
      z.strictObject({ target: z.literal('gitops').default('gitops').describe(targetDoc), ...environmentCommon, gitops: gitopsTargetSchema }),
      z.strictObject({ target: z.literal('kubernetes').describe(targetDoc), ...environmentCommon, kubernetes: kubernetesTargetSchema }),
      z.strictObject({ target: z.literal('cloud-run').describe(targetDoc), ...environmentCommon, cloud_run: cloudRunTargetSchema }),
      z.strictObject({ target: z.literal('command').describe(targetDoc), ...environmentCommon, command: commandTargetSchema }),
    ],
    { error: (issue) => (issue.code === 'invalid_union' ? `target must be one of ${TARGETS.join(', ')} (default gitops)` : undefined) },
  )
  .describe('An environment.');
export type EnvironmentConfig = z.output<typeof environmentSchema>;

/** `deploy.verify.smoke`. */
export const smokeSchema = z
  .strictObject({
    http: z
      .strictObject({
        url: z.string().url().describe('URL probed with GET.'),
        expect_status: z.number().int().min(100).max(599).default(200).describe('Expected HTTP status.'),
        expect_body: z.string().optional().describe('Regular expression the response body must match.'),
        attempts: z.number().int().min(1).max(100).default(5).describe('Attempts before the probe fails (backoff with jitter between them).'),
        timeout_seconds: seconds(10, 300).describe('Timeout of one request.'),
      })
      .optional()
      .describe('HTTP probe of the deployed service.'),
    job: z
      .strictObject({
        input: z.string().min(1).default('fixtures').describe('Input directory mounted at /data/in, relative to dataops.yml, inside the project.'),
        timeout_seconds: seconds(600, 7200).describe('Kill the job after this many seconds.'),
        expect_outputs: z.array(z.string().min(1)).default([]).describe('Files (relative to /data/out) the job must write.'),
      })
      .optional()
      .describe('Run the deployed image once on the fixtures (a batch job).'),
  })
  .describe('Smoke checks of the deployed digest.');

/** `deploy.verify.performance`. */
export const performanceSchema = z
  .strictObject({
    input: z.string().min(1).default('fixtures').describe('Fixture directory scaled up for the run, relative to dataops.yml, inside the project.'),
    scale_factor: z.number().int().min(1).max(10_000).default(10).describe('The input is N× the fixtures (rows of CSV/Parquet/JSON files duplicated with DuckDB).'),
    scale_files: z
      .array(z.string().min(1))
      .default([])
      .describe('File name globs of the fixtures whose rows are duplicated (fact data); other files are copied unchanged (lookup tables with unique keys). Default: every CSV/Parquet/JSON file.'),
    max_duration_seconds: z.number().positive().optional().describe('Budget: wall-clock duration of the run.'),
    min_rows_per_second: z.number().positive().optional().describe('Budget: input rows processed per second.'),
    max_peak_memory_mb: z.number().positive().optional().describe('Budget: peak memory of the run in MiB.'),
    regression_threshold_percent: z
      .number()
      .min(0)
      .max(1000)
      .default(25)
      .describe('Fail when the duration is this much slower than the last successful baseline.'),
    timeout_seconds: seconds(1800, 7200).describe('Kill the run after this many seconds.'),
    memory_limit: z.string().optional().describe('Container memory limit, e.g. 1g.'),
  })
  .describe('Performance budget on scaled input.');

/** `deploy.verify`. */
export const verifyConfigSchema = z
  .strictObject({
    environment: z.string().min(1).default('staging').describe('Environment verified.'),
    smoke: smokeSchema.default({}),
    performance: performanceSchema.optional(),
    baseline_dir: z.string().min(1).default('.dataops/baselines').describe('Directory of the local performance baselines (<environment>.json), relative to dataops.yml, inside the project.'),
  })
  .describe('Staging verification: smoke checks and performance budget.');
export type VerifyConfig = z.output<typeof verifyConfigSchema>;

export const deployConfigSchema = z
  .strictObject({
    environments: z
      .record(z.string().regex(/^[a-z][a-z0-9_-]*$/, 'use lower-case letters, digits, "_" or "-"'), environmentSchema)
      .describe('Environments by name (staging, production…).'),
    verify: verifyConfigSchema.optional(),
    deployments_log: z
      .string()
      .default('.dataops/deployments.json')
      .describe('Local deployment records (used when no GitHub token is configured), relative to dataops.yml, inside the project.'),
  })
  .describe('Deploy settings: environments and their targets, staging verification.');
export type DeployConfig = z.output<typeof deployConfigSchema>;

