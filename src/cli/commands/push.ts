/**
 * `dataops push`: pushes an image by digest, from an OCI image layout (`--layout` + `--digest`) or
 * from another registry (`--image registry/repo@sha256:…`, copied registry to registry), to one
 * or more `--to registry/repository` destinations, then applies `--tag`s. Without either, the
 * project's last `dataops build` (`.dataops/run/image/oci`) is pushed. Prints the pushed
 * references by digest on stdout, one per line (or JSON with `--json`).
 * Exit codes: 0 pushed and verified, 1 the registry failed after retries (or a timeout, or an
 * untrusted certificate), 2 configuration error.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../../core/errors.ts';
import { requireDigestRef } from '../../core/image/ref.ts';
import { resolveCredentials } from '../../core/registry/auth.ts';
import { RegistryError } from '../../core/registry/client.ts';
import { copyImage } from '../../core/registry/copy.ts';
import { formatBytes, pushImage } from '../../core/registry/push.ts';
import { action, EXIT } from '../errors.ts';
import { color, formatDuration, progress } from '../ui.ts';
import { cliRunner } from '../context.ts';
import { shortDigest } from '../../core/hash.ts';

interface Options {
  layout?: string;
  digest?: string;
  image?: string;
  to: string[];
  tag: string[];
  username?: string;
  passwordEnv: string;
  insecure: string[];
  retryBudget: string;
  timeout: string;
  requestTimeout: string;
  caFile?: string;
  json: boolean;
  project: string;
}

/** The layout `dataops build` leaves in `<project>/.dataops/run/image/oci`, if any, and its only manifest digest. */
async function lastBuild(project: string): Promise<{ layout: string; digest: string | undefined } | undefined> {
  const dir = /\.ya?ml$/.test(project) ? path.dirname(path.resolve(project)) : path.resolve(project);
  const layout = path.join(dir, '.dataops', 'run', 'image', 'oci');
  try {
    const index = JSON.parse(await readFile(path.join(layout, 'index.json'), 'utf8')) as { manifests?: Array<{ digest: string }> };
    const manifests = index.manifests ?? [];
    return { layout, digest: manifests.length === 1 ? manifests[0]!.digest : undefined };
  } catch {
    return undefined;
  }
}

const collect = (value: string, previous: string[]) => [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];

export function register(command: Command): void {
  command
    .option('--layout <dir>', 'OCI image layout directory (as written by dataops build)')
    .option('--digest <sha256>', 'digest of the image in the layout (sha256:…)')
    .option('--image <ref>', 'registry/repository@sha256:… to copy from another registry (tag-only references are refused)')
    .option('--to <registry/repository>', 'destination, repeatable or comma-separated', collect, [])
    .option('--tag <tag>', 'tag applied after every destination serves the digest, repeatable', collect, [])
    .option('--username <name>', 'registry username (else docker config, or GITHUB_TOKEN for ghcr.io)')
    .option('--password-env <VAR>', 'environment variable holding the password or token', 'REGISTRY_PASSWORD')
    .option('--insecure <hosts>', 'registry hosts reached over plain HTTP (loopback hosts are probed: HTTPS when the registry speaks TLS, else HTTP)', collect, [])
    .option('--retry-budget <seconds>', 'total time budget for retries', '300')
    .option('--timeout <seconds>', 'total timeout of the push: the request in flight then is aborted and the push fails', '3600')
    .option('--request-timeout <seconds>', 'timeout of one HTTP request (a timed-out request is retried)', '300')
    .option('--ca-file <pem>', 'CA certificates to trust for HTTPS registries (a private CA); NODE_EXTRA_CA_CERTS works too')
    .option('--json', 'print the result as JSON', false)
    .option('-p, --project <dir|file>', 'project whose last build (.dataops/run/image/oci) is pushed when neither --layout nor --image is given', '.')
    .action(
      action('push', async (opts: Options) => {
        if (opts.to.length === 0) throw new ConfigError('no destination', { location: { field: '--to' }, fix: 'Pass --to registry/repository (e.g. --to 127.0.0.1:5000/flights-routes).' });
        for (const [flag, value] of [['--retry-budget', opts.retryBudget], ['--timeout', opts.timeout], ['--request-timeout', opts.requestTimeout]] as const) {
          if (!/^\d+$/.test(value) || Number(value) === 0) throw new ConfigError(`"${value}" is not a positive whole number of seconds`, { location: { field: flag } });
        }
        const env = cliRunner().env;
        const password = env[opts.passwordEnv];
        const auth = (registry: string) => {
          const r = resolveCredentials(registry, { username: opts.username, password: opts.username ? password : undefined, env });
          for (const n of r.notes) progress(color.yellow(n));
          return r.credentials;
        };
        const retry = { budgetMs: Number(opts.retryBudget) * 1000 };
        const insecure = opts.insecure.length ? opts.insecure : undefined;
        const limits = { timeoutMs: Number(opts.timeout) * 1000, requestTimeoutMs: Number(opts.requestTimeout) * 1000, ...(opts.caFile ? { caFile: opts.caFile } : {}) };
        const started = performance.now();
        const onProgress = (p: { kind: string; action: string; digest: string; destination: string; bytes?: number; tag?: string }) => {
          if (p.kind === 'blob') progress(color.dim(`  ${p.action.padEnd(8)} ${shortDigest(p.digest)}… ${p.bytes !== undefined ? formatBytes(p.bytes) : ''} → ${p.destination}`));
          else if (p.action === 'verified') progress(`  ${color.green('verified')} ${p.destination}@${p.digest}`);
          else if (p.kind === 'tag') progress(`  ${color.blue('tagged')}   ${p.destination}:${p.tag}`);
        };
        if (!opts.layout && !opts.image) {
          const last = await lastBuild(opts.project);
          if (last) {
            opts.layout = last.layout;
            opts.digest ??= last.digest;
            progress(color.dim(`pushing the last build: ${path.relative(process.cwd(), last.layout) || last.layout}`));
          }
        }
        try {
          let refs: string[];
          let uploaded: number;
          let digest: string;
          let tagged: string[] = [];
          if (opts.layout) {
            if (opts.image && !opts.digest) opts.digest = requireDigestRef(opts.image, '--image').digest;
            if (!opts.digest) throw new ConfigError('--layout needs --digest', { location: { field: '--digest' }, fix: 'Pass the digest of the built image (sha256:…).' });
            const r = await pushImage({ layoutDir: opts.layout, digest: opts.digest, destinations: opts.to, tags: opts.tag, auth, retry, ...limits, ...(insecure ? { insecure } : {}), onProgress });
            ({ refs, uploadedBytes: uploaded, digest, taggedRefs: tagged } = r);
          } else if (opts.image) {
            digest = requireDigestRef(opts.image, '--image').digest;
            refs = [];
            uploaded = 0;
            for (const to of opts.to) {
              const r = await copyImage({ source: opts.image, destination: to, tags: opts.tag, auth, retry, ...limits, ...(insecure ? { insecure } : {}), onProgress });
              refs.push(r.ref);
              tagged.push(...r.taggedRefs);
              uploaded += r.uploadedBytes;
            }
          } else {
            throw new ConfigError('nothing to push', { location: { field: '--layout' }, fix: 'Pass --layout <dir> --digest sha256:… (a built image) or --image registry/repo@sha256:… (copy).' });
          }
          progress(`pushed ${digest} to ${refs.length} destination(s), ${formatBytes(uploaded)} uploaded ${color.dim(`(${formatDuration(performance.now() - started)})`)}`);
          if (tagged.length) progress(`tags (each read back): ${tagged.join(', ')}`);
          process.stdout.write(opts.json ? JSON.stringify({ digest, refs, tags: tagged, uploadedBytes: uploaded }, null, 2) + '\n' : refs.join('\n') + '\n');
        } catch (err) {
          if (!(err instanceof RegistryError)) throw err;
          progress(`dataops push: ${color.red('failed')}: ${err.message}`);
          process.exitCode = EXIT.failed;
        }
      }),
    );
}
