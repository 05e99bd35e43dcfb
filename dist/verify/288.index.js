export const id = 288;
export const ids = [288];
export const modules = {

/***/ 1288:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  runImage: () => (/* binding */ runImage)
});

// UNUSED EXPORTS: buildahFromSource, buildahRunArgs, containerCommand, detectRunner, dockerRunArgs, findInLayout, parseMemory

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(1455);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: ./build/core/errors.js
var errors = __webpack_require__(2807);
// EXTERNAL MODULE: external "node:child_process"
var external_node_child_process_ = __webpack_require__(1421);
;// CONCATENATED MODULE: ./build/core/image/exec.js
/**
 * Child-process helper of the container stages: runs a tool (buildah, docker, podman, skopeo, git)
 * without a shell, collects stdout/stderr, enforces a timeout (SIGTERM, then SIGKILL after 5 s)
 * and never throws for a non-zero exit: callers decide what an exit code means.
 */

const SIGNALS = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
/**
 * Runs `cmd args…` and resolves with its exit code and output.
 * @throws Error only when the executable cannot be started (ENOENT etc.).
 */
function execTool(cmd, args, opts = {}) {
    const max = opts.maxOutput ?? 4 * 1024 * 1024;
    const started = performance.now();
    return new Promise((resolve, reject) => {
        const child = (0,external_node_child_process_.spawn)(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
        let stdout = '';
        let stderr = '';
        let timedOut = false;
        let killTimer;
        const killGroup = (signal) => {
            try {
                if (child.pid)
                    process.kill(-child.pid, signal);
            }
            catch {
                child.kill(signal);
            }
        };
        const timer = opts.timeoutMs !== undefined
            ? setTimeout(() => {
                timedOut = true;
                killGroup('SIGTERM');
                killTimer = setTimeout(() => killGroup('SIGKILL'), 5000);
            }, opts.timeoutMs)
            : undefined;
        child.stdout.setEncoding('utf8').on('data', (c) => {
            stdout = (stdout + c).slice(-max);
        });
        child.stderr.setEncoding('utf8').on('data', (c) => {
            stderr = (stderr + c).slice(-max);
            opts.onStderr?.(c);
        });
        child.on('error', (err) => {
            if (timer)
                clearTimeout(timer);
            reject(err);
        });
        child.on('close', (code, signal) => {
            if (timer)
                clearTimeout(timer);
            if (killTimer)
                clearTimeout(killTimer);
            resolve({ code: code ?? 128 + (signal ? (SIGNALS[signal] ?? 1) : 1), stdout, stderr, timedOut, durationMs: performance.now() - started });
        });
        child.stdin.on('error', () => { });
        child.stdin.end(opts.input ?? '');
    });
}
/** True when `cmd` can be started (found on PATH). */
async function hasTool(cmd, versionArgs = ['--version']) {
    try {
        const r = await execTool(cmd, versionArgs, { timeoutMs: 15_000 });
        return r.code === 0;
    }
    catch {
        return false;
    }
}

;// CONCATENATED MODULE: ./build/core/image/buildah.js
/**
 * buildah invocation shared by the build, the base image and the container runner: daemonless,
 * storage driver `vfs` and isolation `chroot` (what works as root without a daemon or fuse), the
 * image store under one directory (`<storageRoot>/storage`, run state in `<storageRoot>/run`).
 */



/** Default storage root: `$DATAOPS_BUILDAH_ROOT`, else `$XDG_CACHE_HOME/dataops/buildah` (`~/.cache/...`). */
function defaultStorageRoot() {
    if (process.env.DATAOPS_BUILDAH_ROOT)
        return external_node_path_.resolve(process.env.DATAOPS_BUILDAH_ROOT);
    const cache = process.env.XDG_CACHE_HOME || external_node_path_.join(external_node_os_.homedir(), '.cache');
    return external_node_path_.join(cache, 'dataops', 'buildah');
}
/** Global buildah flags selecting the storage under `storageRoot` (vfs driver). */
function storageArgs(storageRoot) {
    return ['--root', external_node_path_.join(storageRoot, 'storage'), '--runroot', external_node_path_.join(storageRoot, 'run'), '--storage-driver', 'vfs'];
}
/** Environment for buildah: chroot isolation, and no registries.conf surprises from the user's HOME. */
function buildahEnv(extra = {}) {
    return { ...process.env, BUILDAH_ISOLATION: 'chroot', ...extra };
}
/** Runs `buildah <storage flags> <args>`; never throws for a non-zero exit. */
function buildah(storageRoot, args, opts = {}) {
    return execTool('buildah', [...storageArgs(storageRoot), ...args], { ...opts, env: buildahEnv(opts.env) });
}
/** Runs buildah and throws an Error with its stderr when it fails. */
async function buildahOk(storageRoot, args, opts = {}) {
    const r = await buildah(storageRoot, args, opts);
    if (r.code !== 0)
        throw new Error(`buildah ${args.join(' ')} failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-10).join('\n')}`);
    return r.stdout;
}
/** True when the storage holds an image named `name` (e.g. `localhost/dataops-base:node24`). */
async function imageExists(storageRoot, name) {
    const r = await buildah(storageRoot, ['inspect', '--type', 'image', '--format', '{{.FromImageID}}', name]);
    return r.code === 0;
}

// EXTERNAL MODULE: ./build/core/image/ref.js
var image_ref = __webpack_require__(9581);
;// CONCATENATED MODULE: ./build/core/image/run.js
/**
 * Container runner shared by system-test, deploy and verify: runs an image BY DIGEST with an input
 * directory mounted read-only at `/data/in`, an output directory at `/data/out`, env, a timeout and
 * a memory limit, and reports exit code, duration and (best effort) peak memory.
 *
 * Runners: `docker`/`podman` (`run --rm --read-only --network none --memory …`), or `buildah`
 * (daemonless: `buildah from` the image — from the local OCI layout, checking that the layout holds
 * exactly the requested manifest digest, or `docker://` from a registry — then `buildah run` with
 * isolation chroot and `buildah rm`). `auto` = docker when a daemon answers, else podman, else buildah.
 *
 * What is enforced under buildah: the memory limit and the peak measurement use a memory cgroup
 * (v2 `memory.max`/`memory.peak`, or v1 `memory.limit_in_bytes`/`memory.max_usage_in_bytes`) that
 * wraps the `buildah run` process tree; when no writable memory cgroup exists the limit is NOT
 * enforced and peak memory is the largest child's max RSS (getrusage). The peak includes buildah's
 * own process (~30–60 MB). The root file system is writable under buildah (no --read-only there).
 * The timeout kills the whole process group (and every process of the cgroup).
 * `DATAOPS_NO_CGROUP=1` turns the cgroup off (GNU time's max RSS is then the peak figure).
 */









/** Parses `512m`, `2g`, `1.5G`, `100k`, `1048576` into bytes. @throws ConfigError when malformed. */
function parseMemory(value) {
    const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(value.trim());
    if (!m)
        throw new errors/* ConfigError */.xL(`memory limit "${value}" is not a size`, { location: { field: 'memory-limit' }, fix: 'Write it like 512m or 2g.' });
    const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2].toLowerCase()];
    return Math.floor(Number(m[1]) * unit);
}
/** `docker run`/`podman run` arguments (pure). `image` is what the engine should run (ref or ID). */
function dockerRunArgs(opts, image, name) {
    const a = ['run', '--rm', '--read-only', '--network', 'none', '--tmpfs', '/tmp'];
    if (name)
        a.push('--name', name);
    if (opts.inputDir)
        a.push('--volume', `${external_node_path_.resolve(opts.inputDir)}:/data/in:ro`);
    if (opts.outputDir)
        a.push('--volume', `${external_node_path_.resolve(opts.outputDir)}:/data/out`);
    if (opts.memoryLimit)
        a.push('--memory', String(parseMemory(opts.memoryLimit)), '--memory-swap', String(parseMemory(opts.memoryLimit)));
    for (const [k, v] of Object.entries(opts.env ?? {}))
        a.push('--env', `${k}=${v}`);
    a.push(image, ...(opts.args ?? []));
    return a;
}
/** The command a container runs: ENTRYPOINT + (args, or CMD when no args), as docker does (pure). */
function containerCommand(config, args = []) {
    const cmd = [...(config.Entrypoint ?? []), ...(args.length > 0 ? args : (config.Cmd ?? []))];
    if (cmd.length === 0)
        throw new errors/* ConfigError */.xL('the image has neither ENTRYPOINT nor CMD, and no args were given', { fix: 'Add an ENTRYPOINT to the Dockerfile or pass args.' });
    return cmd;
}
/** `buildah run` arguments (pure, without the storage flags). */
function buildahRunArgs(opts, container, command) {
    // chroot isolation shares the host network (buildah refuses --network none with it)
    const a = ['run', '--isolation', 'chroot'];
    if (opts.inputDir)
        a.push('--volume', `${external_node_path_.resolve(opts.inputDir)}:/data/in:ro`);
    if (opts.outputDir)
        a.push('--volume', `${external_node_path_.resolve(opts.outputDir)}:/data/out:rw`);
    for (const [k, v] of Object.entries(opts.env ?? {}))
        a.push('--env', `${k}=${v}`);
    a.push(container, '--', ...command);
    return a;
}
/** `buildah from` source of an image: the OCI layout entry holding `digest`, or `docker://ref` (pure). */
function buildahFromSource(ref, layout) {
    if (layout)
        return `oci:${external_node_path_.resolve(layout.dir)}${layout.refName ? `:${layout.refName}` : ''}`;
    return `docker://${ref}`;
}
/**
 * Finds the manifest `digest` in an OCI image layout's index.json.
 * @returns its `org.opencontainers.image.ref.name` (undefined when it is the only, unnamed entry).
 * @throws ConfigError when the layout is missing or does not hold that digest.
 */
async function findInLayout(layoutDir, digest) {
    const indexFile = external_node_path_.join(layoutDir, 'index.json');
    let index;
    try {
        index = JSON.parse(await (0,promises_.readFile)(indexFile, 'utf8'));
    }
    catch (err) {
        throw new errors/* ConfigError */.xL(`cannot read the OCI image layout index`, { location: { file: indexFile }, fix: 'Pass the layout-dir output of build-image.', cause: err });
    }
    const entries = index.manifests ?? [];
    const hit = entries.filter((m) => m.digest === digest);
    if (hit.length === 0) {
        throw new errors/* ConfigError */.xL(`the OCI layout holds ${entries.map((m) => m.digest).join(', ') || 'no manifest'}, not ${digest}`, {
            location: { file: indexFile },
            fix: 'Run the digest the build produced (the "digest" output of build-image), or rebuild.',
        });
    }
    const named = hit.find((m) => m.annotations?.['org.opencontainers.image.ref.name']);
    if (named)
        return { refName: named.annotations['org.opencontainers.image.ref.name'] };
    if (entries.length === 1)
        return {};
    throw new errors/* ConfigError */.xL(`manifest ${digest} has no ref.name in a layout with several manifests`, { location: { file: indexFile } });
}
/** Picks the runner for `auto`: docker when `docker info` answers, podman when installed, else buildah. */
async function detectRunner() {
    if (await hasTool('docker', ['info', '--format', '{{.ServerVersion}}']))
        return 'docker';
    if (await hasTool('podman', ['--version']))
        return 'podman';
    return 'buildah';
}
/**
 * Runs an image by digest and waits for it to finish.
 * @throws ConfigError for a tag-only reference or a layout without that digest; Error when the
 *   image cannot be fetched or the container cannot be created (buildah's stderr included).
 */
async function runImage(opts) {
    const ref = (0,image_ref/* requireDigestRef */.hQ)(opts.image);
    if (opts.inputDir && !(0,external_node_fs_.existsSync)(opts.inputDir))
        throw new errors/* ConfigError */.xL(`input directory ${opts.inputDir} does not exist`, { location: { field: 'input-dir' } });
    if (opts.outputDir)
        await (0,promises_.mkdir)(opts.outputDir, { recursive: true });
    const runner = !opts.runner || opts.runner === 'auto' ? await detectRunner() : opts.runner;
    if (runner === 'buildah')
        return runWithBuildah(opts, ref.digest);
    return runWithEngine(runner, opts, ref.digest);
}
async function runWithEngine(tool, opts, digest) {
    let image = opts.image;
    if (opts.layoutDir) {
        await findInLayout(opts.layoutDir, digest);
        if (tool === 'podman') {
            const pulled = await execTool('podman', ['pull', '-q', `oci:${external_node_path_.resolve(opts.layoutDir)}`]);
            if (pulled.code !== 0)
                throw new Error(`podman pull oci:${opts.layoutDir} failed: ${pulled.stderr.trim()}`);
            image = pulled.stdout.trim().split('\n').pop() ?? image;
        }
        else {
            // docker (Engine 25+) loads an OCI layout as a tar archive
            const archive = `${external_node_path_.resolve(opts.layoutDir)}.tar`;
            const made = await execTool('tar', ['-C', external_node_path_.resolve(opts.layoutDir), '-cf', archive, '.']);
            if (made.code !== 0)
                throw new Error(`tar of ${opts.layoutDir} failed: ${made.stderr}`);
            const loaded = await execTool('docker', ['load', '-i', archive]);
            if (loaded.code !== 0)
                throw new Error(`docker load failed: ${loaded.stderr.trim()}`);
            const id = /Loaded image(?: ID)?: (\S+)/.exec(loaded.stdout)?.[1];
            if (id)
                image = id;
        }
    }
    const name = `dataops-run-${(0,external_node_crypto_.randomBytes)(4).toString('hex')}`;
    const r = await execTool(tool, dockerRunArgs(opts, image, name), opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {});
    if (r.timedOut)
        await execTool(tool, ['rm', '-f', name]).catch(() => undefined);
    return { exitCode: r.code, durationMs: r.durationMs, stdout: r.stdout, stderr: r.stderr, timedOut: r.timedOut };
}
async function runWithBuildah(opts, digest) {
    const storageRoot = opts.storageRoot ?? defaultStorageRoot();
    const found = opts.layoutDir ? await findInLayout(opts.layoutDir, digest) : undefined;
    // buildah names a pulled layout after its path, which must be a valid reference (no ".cache"
    // components): go through a symlink with a plain name
    const link = opts.layoutDir ? external_node_path_.join(external_node_os_.tmpdir(), `dataops-oci-${(0,external_node_crypto_.randomBytes)(6).toString('hex')}`) : undefined;
    if (link)
        await (0,promises_.symlink)(external_node_path_.resolve(opts.layoutDir), link);
    try {
        return await runFromSource(opts, digest, storageRoot, link ? buildahFromSource(opts.image, { dir: link, ...found }) : buildahFromSource(opts.image), Boolean(link));
    }
    finally {
        if (link)
            await (0,promises_.rm)(link, { force: true });
    }
}
async function runFromSource(opts, digest, storageRoot, source, layout) {
    const fromArgs = ['from', '--quiet', '--pull-always', '--name', `dataops-run-${(0,external_node_crypto_.randomBytes)(4).toString('hex')}`];
    if (!layout && opts.registryTlsVerify === false)
        fromArgs.push('--tls-verify=false');
    const from = await buildah(storageRoot, [...fromArgs, source], { timeoutMs: 600_000 });
    if (from.code !== 0)
        throw new Error(`buildah from ${source} failed (exit ${from.code}): ${from.stderr.trim()}`);
    const container = from.stdout.trim().split('\n').pop();
    const cgroup = opts.memoryLimit || process.platform === 'linux' ? await createMemoryCgroup(opts.memoryLimit ? parseMemory(opts.memoryLimit) : undefined) : undefined;
    try {
        const inspected = JSON.parse((await buildah(storageRoot, ['inspect', '--type', 'container', container])).stdout || '{}');
        if (inspected.FromImageDigest && inspected.FromImageDigest !== digest) {
            throw new errors/* ConfigError */.xL(`${source} resolved to ${inspected.FromImageDigest}, not the requested ${digest}`, { fix: 'Pass the digest the build or push produced.' });
        }
        const config = inspected.OCIv1?.config ?? {};
        const runArgs = [...storageArgs(storageRoot), ...buildahRunArgs(opts, container, containerCommand(config, opts.args))];
        // buildah itself under a memory cgroup when possible, else under GNU time for a max-RSS figure
        const script = 'if [ -n "$DATAOPS_CGROUP" ]; then echo $$ > "$DATAOPS_CGROUP/cgroup.procs" || exit 125; fi; exec "$@"';
        const rssFile = !cgroup && (0,external_node_fs_.existsSync)('/usr/bin/time') ? external_node_path_.join(external_node_os_.tmpdir(), `dataops-rss-${(0,external_node_crypto_.randomBytes)(6).toString('hex')}`) : undefined;
        const command = rssFile ? ['/usr/bin/time', '-f', '%M', '-o', rssFile, 'buildah', ...runArgs] : ['buildah', ...runArgs];
        const r = await execTool('sh', ['-c', script, 'sh', ...command], {
            env: buildahEnv({ DATAOPS_CGROUP: cgroup?.dir ?? '' }),
            ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
        });
        if (r.timedOut && cgroup)
            await cgroup.killAll();
        let peak = cgroup ? await cgroup.peak() : undefined;
        if (rssFile) {
            // GNU time: max RSS (KiB) of the largest process of the tree, written as the last line
            const kib = Number((await (0,promises_.readFile)(rssFile, 'utf8').catch(() => '')).trim().split('\n').pop());
            if (Number.isFinite(kib) && kib > 0)
                peak = kib * 1024;
            await (0,promises_.rm)(rssFile, { force: true });
        }
        const oom = cgroup ? await cgroup.oomKilled() : false;
        return {
            exitCode: r.timedOut && r.code === 0 ? 137 : r.code,
            durationMs: r.durationMs,
            ...(peak !== undefined ? { peakMemoryBytes: peak } : {}),
            stdout: r.stdout,
            stderr: r.stderr + (oom ? '\n[dataops] the container was killed: out of memory (limit ' + opts.memoryLimit + ')\n' : ''),
            timedOut: r.timedOut,
        };
    }
    finally {
        await buildah(storageRoot, ['rm', container]).catch(() => undefined);
        await cgroup?.remove();
    }
}
/** A child memory cgroup of our own (v2 or v1), with `limit` bytes when given; undefined when not writable. */
async function createMemoryCgroup(limit) {
    if (process.env.DATAOPS_NO_CGROUP === '1')
        return undefined;
    try {
        const self = await (0,promises_.readFile)('/proc/self/cgroup', 'utf8');
        const v1 = /^\d+:memory:(.*)$/m.exec(self)?.[1];
        const v2 = /^0::(.*)$/m.exec(self)?.[1];
        let base;
        let version = 1;
        if (v1 !== undefined && (0,external_node_fs_.existsSync)('/sys/fs/cgroup/memory'))
            base = external_node_path_.join('/sys/fs/cgroup/memory', v1);
        else if (v2 !== undefined && (0,external_node_fs_.existsSync)('/sys/fs/cgroup/cgroup.controllers')) {
            base = external_node_path_.join('/sys/fs/cgroup', v2);
            version = 2;
        }
        if (!base)
            return undefined;
        const dir = external_node_path_.join(base, `dataops-run-${process.pid}-${(0,external_node_crypto_.randomBytes)(4).toString('hex')}`);
        await (0,promises_.mkdir)(dir);
        const file = (v1name, v2name) => external_node_path_.join(dir, version === 1 ? v1name : v2name);
        if (limit !== undefined) {
            await (0,promises_.writeFile)(file('memory.limit_in_bytes', 'memory.max'), String(limit));
            if (version === 1)
                await (0,promises_.writeFile)(external_node_path_.join(dir, 'memory.memsw.limit_in_bytes'), String(limit)).catch(() => undefined);
            else
                await (0,promises_.writeFile)(external_node_path_.join(dir, 'memory.swap.max'), '0').catch(() => undefined);
        }
        const readNum = async (f) => {
            const n = Number((await (0,promises_.readFile)(f, 'utf8').catch(() => '')).trim());
            return Number.isFinite(n) && n > 0 ? n : undefined;
        };
        return {
            dir,
            peak: () => readNum(file('memory.max_usage_in_bytes', 'memory.peak')),
            oomKilled: async () => {
                if (version === 1)
                    return ((await readNum(external_node_path_.join(dir, 'memory.failcnt'))) ?? 0) > 0 && limit !== undefined && /oom_kill [1-9]/.test(await (0,promises_.readFile)(external_node_path_.join(dir, 'memory.oom_control'), 'utf8').catch(() => ''));
                return /oom_kill [1-9]/.test(await (0,promises_.readFile)(external_node_path_.join(dir, 'memory.events'), 'utf8').catch(() => ''));
            },
            killAll: async () => {
                const pids = (await (0,promises_.readFile)(external_node_path_.join(dir, 'cgroup.procs'), 'utf8').catch(() => '')).split('\n').filter(Boolean);
                for (const pid of pids) {
                    try {
                        process.kill(Number(pid), 'SIGKILL');
                    }
                    catch {
                        /* gone */
                    }
                }
            },
            remove: async () => {
                for (let i = 0; i < 50; i++) {
                    try {
                        await (0,promises_.rmdir)(dir);
                        return;
                    }
                    catch {
                        await new Promise((r) => setTimeout(r, 100));
                    }
                }
            },
        };
    }
    catch {
        return undefined;
    }
}


/***/ })

};
