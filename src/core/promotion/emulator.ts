/**
 * The Google Cloud Pub/Sub emulator (`gcloud beta emulators pubsub start`) as a child process on a
 * loopback port: the local flow and the tests publish and pull against it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { ConfigError } from '../errors.ts';

/** A running emulator: `host` is the value for PUBSUB_EMULATOR_HOST. */
export interface PubSubEmulator {
  host: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** PIDs of emulator JVMs listening on `port` (their command line names the port). */
function emulatorPids(port: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmd.includes('pubsub-emulator') && cmd.includes(`--port=${port}\0`)) pids.push(Number(entry));
    } catch {
      /* exited meanwhile */
    }
  }
  return pids;
}

/**
 * Starts the emulator and resolves once it answers HTTP on its port (JVM start-up: seconds).
 * @throws ConfigError when gcloud or the emulator component is missing, or it does not come up within `timeoutMs`.
 */
export async function startPubSubEmulator(options: { project?: string; port?: number; timeoutMs?: number; log?: (line: string) => void } = {}): Promise<PubSubEmulator> {
  const port = options.port ?? (await freePort());
  const host = `127.0.0.1:${port}`;
  let output = '';
  const child: ChildProcess = spawn('gcloud', ['beta', 'emulators', 'pubsub', 'start', `--host-port=${host}`, `--project=${options.project ?? 'dataops-local'}`, '--quiet'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const onData = (b: Buffer) => {
    output = (output + b.toString()).slice(-4000);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let exited = false;
  let spawnError: Error | undefined;
  child.on('exit', () => (exited = true));
  child.on('error', (err) => (spawnError = err));
  const stop = async () => {
    // gcloud runs the emulator's JVM in a process group of its own: signal ours and that JVM (found by its unique port)
    const pids = [...(child.pid !== undefined && !exited ? [-child.pid] : []), ...emulatorPids(port)];
    const signal = (sig: NodeJS.Signals) => {
      for (const pid of pids) {
        try {
          process.kill(pid, sig);
        } catch {
          /* already gone */
        }
      }
    };
    signal('SIGTERM');
    for (let i = 0; i < 50 && emulatorPids(port).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    signal('SIGKILL');
  };
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (spawnError || exited) {
      throw new ConfigError(`the Pub/Sub emulator did not start: ${spawnError?.message ?? output.trim().split('\n').slice(-3).join(' ')}`, {
        fix: 'Install the Google Cloud CLI with the pubsub-emulator component (gcloud components install pubsub-emulator, or apt install google-cloud-cli-pubsub-emulator), or set PUBSUB_EMULATOR_HOST to a running emulator.',
      });
    }
    try {
      const res = await fetch(`http://${host}/`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) {
        options.log?.(`Pub/Sub emulator listening on ${host}`);
        return { host, stop };
      }
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new ConfigError(`the Pub/Sub emulator did not answer on ${host} within ${Math.round((options.timeoutMs ?? 60_000) / 1000)} s`, { fix: 'Check "gcloud beta emulators pubsub start" by hand; Java must be installed.' });
}
