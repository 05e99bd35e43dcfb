/**
 * What `dataops init` writes besides the quality suites: a pipeline that runs unchanged through the
 * whole local flow (`templates/init/<language>/`, copied), its Dockerfile, `.gitignore` and
 * `.dockerignore`, a kustomize base with staging/production overlays, and the `image`, `deploy`
 * and `promotion` sections of dataops.yml that tie them together. Texts only: index.ts writes them.
 */
import path from 'node:path';
import { BASE_IMAGE } from '../image/base.ts';
import type { PinnedRepository } from './github-ids.ts';

/** Languages `dataops init --pipeline` can scaffold. */
export const PIPELINE_LANGUAGES = ['node'] as const;
export type PipelineLanguage = (typeof PIPELINE_LANGUAGES)[number];

/** Where the pipeline templates live in this package (`templates/init/<language>/`). */
export const PIPELINE_TEMPLATES = path.resolve(import.meta.dirname, '../../../templates/init');

/** File the scaffolded pipeline writes next to its per-dataset outputs. */
export const SUMMARY_OUTPUT = 'pipeline_summary.csv';

/** Uid:gid the scaffolded image runs as (the `node` user of the base images, as in node:24-bookworm-slim). */
export const PIPELINE_USER = '1000:1000';

/** Rows of each dataset cut into fixtures/ for the system test and the staging smoke run. */
export const FIXTURE_ROWS = 500;

/** The Dockerfile of a pipeline in `language`. */
export function dockerfile(_language: PipelineLanguage): string {
  return `# Pipeline image (scaffolded by dataops init). BASE_IMAGE defaults to the Node.js 24 base that
# dataops builds offline on a machine without a Docker daemon (buildah); where a daemon answers, as
# on GitHub-hosted runners, pass a public one:  --build-arg BASE_IMAGE=node:24-bookworm-slim
# The system test runs this image BY DIGEST with fixtures/ read-only at /data/in and checks what it
# writes to /data/out against expected/. It runs as the non-root user ${PIPELINE_USER}; dataops makes
# the output directory it mounts writable for it (locally and on a runner).
ARG BASE_IMAGE=${BASE_IMAGE}
FROM \${BASE_IMAGE}
WORKDIR /app
ENV NODE_ENV=production
COPY pipeline/ ./pipeline/
USER ${PIPELINE_USER}
ENTRYPOINT ["node", "/app/pipeline/main.mjs", "--in", "/data/in", "--out", "/data/out"]
`;
}

/** `.gitignore` lines: installed packages (the CLI) and the flow's scratch space (reports, image layouts, registry storage, ~50 MB). */
export const GITIGNORE = `# dataops: reports, image layouts, the local registry and GitOps repositories of \`dataops flow\`
node_modules/
.dataops/
`;

/**
 * `.dockerignore`: the build context holds the pipeline code only. An allow-list, then the
 * credential files that must never reach an image even inside an allowed directory.
 */
export const DOCKERIGNORE = `# Build context of the pipeline image (scaffolded by dataops init): only what the Dockerfile copies.
# Data, fixtures, reports and credentials never enter an image.
*
!Dockerfile
!pipeline/
# never, even inside pipeline/
**/.dataops
**/.git
**/.env
**/.env.*
**/.npmrc
**/.netrc
**/gha-creds-*.json
**/*.pem
**/*.key
**/*.csv
**/*.parquet
**/*.json.gz
`;

/** The kustomize base and the staging/production overlays of `name` (paths relative to the project). */
export function deployFiles(name: string): Record<string, string> {
  const user = PIPELINE_USER.split(':')[0]!;
  const overlay = (env: string, schedule: string, comment: string) => `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: ${name}-${env}
resources:
  - ../../base
labels:
  - pairs:
      dataops.dev/environment: ${env}
patches:
  - target: { kind: CronJob, name: ${name} }
    patch: |-
      - op: replace
        path: /spec/schedule
        value: "${schedule}"
# ${comment}
images:
  - name: ${name}
`;
  return {
    'deploy/base/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
labels:
  - pairs:
      app.kubernetes.io/name: ${name}
      app.kubernetes.io/managed-by: dataops-actions
    includeSelectors: false
resources:
  - data.yaml
  - cronjob.yaml
`,
    'deploy/base/cronjob.yaml': `# The pipeline runs once a day. Each overlay pins the image by digest (kustomize images: newName +
# digest), never by tag.
apiVersion: batch/v1
kind: CronJob
metadata:
  name: ${name}
spec:
  schedule: "0 5 * * *"
  concurrencyPolicy: Forbid
  jobTemplate:
    spec:
      backoffLimit: 1
      activeDeadlineSeconds: 1800
      template:
        spec:
          restartPolicy: Never
          securityContext:
            runAsNonRoot: true
            runAsUser: ${user}
            fsGroup: ${user}
          containers:
            - name: pipeline
              image: ${name}
              resources:
                requests: { cpu: 250m, memory: 256Mi }
                limits: { memory: 1Gi }
              securityContext:
                readOnlyRootFilesystem: true
                allowPrivilegeEscalation: false
              volumeMounts:
                - { name: in, mountPath: /data/in, readOnly: true }
                - { name: out, mountPath: /data/out }
          volumes:
            - name: in
              persistentVolumeClaim: { claimName: ${name}-in, readOnly: true }
            - name: out
              persistentVolumeClaim: { claimName: ${name}-out }
`,
    'deploy/base/data.yaml': `# Volumes of the pipeline: inputs (read-only in the job) and outputs.
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: ${name}-in
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 1Gi
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: ${name}-out
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 1Gi
`,
    'deploy/overlays/staging/kustomization.yaml': overlay('staging', '0 4 * * *', 'Pinned by `dataops deploy --environment staging` (and the flow): the digest that passed the system test.'),
    'deploy/overlays/production/kustomization.yaml': overlay('production', '0 5 * * *', 'Pinned by the promotion gate (`dataops promote`): the SAME digest that passed staging.'),
  };
}

/** The outputs the scaffolded pipeline writes for datasets `names` (fixtures/<name>.csv each). */
export function pipelineOutputs(names: readonly string[]): string[] {
  return [...names.map((n) => `${n}.csv`), SUMMARY_OUTPUT];
}

/**
 * The `image`, `deploy` and `promotion` sections of dataops.yml for a pipeline `name` whose
 * datasets are `names`, promoted from `branch`. The GitOps repository is a local bare repository under `.dataops/` that
 * the flow creates from deploy/ (point it at a real one before deploying for real).
 */
export function projectSections(name: string, names: readonly string[], branch: string, pinned?: PinnedRepository): Record<string, unknown> {
  const gitops = (env: string) => ({ target: 'gitops', gitops: { repository: `.dataops/gitops/${name}.git`, branch: 'main', overlay: `overlays/${env}`, image_name: name } });
  return {
    image: {
      system_test: {
        fixtures: 'fixtures',
        expected: 'expected',
        compare: [...names.map((n) => ({ output: `${n}.csv` })), { output: SUMMARY_OUTPUT, key: 'dataset' }],
        timeout_minutes: 5,
        memory_limit: '1g',
      },
    },
    deploy: {
      environments: { staging: gitops('staging'), production: gitops('production') },
      verify: {
        environment: 'staging',
        smoke: { job: { input: 'fixtures', expect_outputs: pipelineOutputs(names), timeout_seconds: 300 } },
        performance: {
          input: 'fixtures',
          scale_factor: 20,
          scale_files: ['*.csv'],
          max_duration_seconds: 300,
          min_rows_per_second: 100,
          max_peak_memory_mb: 1024,
          regression_threshold_percent: 100,
          memory_limit: '1g',
        },
      },
    },
    promotion: {
      signing: { mode: 'key' },
      transport: { type: 'gcp-pubsub', pubsub: { project: 'dataops-local', topic: `${name}-promotions`, subscription: `${name}-production`, dead_letter_topic: `${name}-promotions-dead-letter` } },
      policy: { ...(pinned ?? {}), allowed_refs: [`refs/heads/${branch}`, 'refs/tags/v*'] },
      environment: 'production',
      staging_environment: 'staging',
    },
  };
}
