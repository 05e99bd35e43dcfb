export const id = 109;
export const ids = [109];
export const modules = {

/***/ 6109:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  run: () => (/* binding */ run)
});

// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(1455);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js + 14 modules
var core = __webpack_require__(6421);
// EXTERNAL MODULE: ./node_modules/tinyglobby/dist/index.mjs + 1 modules
var dist = __webpack_require__(3382);
// EXTERNAL MODULE: ./node_modules/zod/v4/classic/schemas.js + 17 modules
var schemas = __webpack_require__(8816);
// EXTERNAL MODULE: ./build/core/engine/install.js + 1 modules
var install = __webpack_require__(5715);
// EXTERNAL MODULE: ./build/core/errors.js
var core_errors = __webpack_require__(2807);
;// CONCATENATED MODULE: ./build/core/quality/summary.js
/** GitHub's limit for one step's job summary: 1 MiB. */
const STEP_SUMMARY_LIMIT = 1024 * 1024;
/** GitHub's limit for a check run's `output.summary`: 65535 characters. */
const CHECK_RUN_SUMMARY_LIMIT = 65_535;
/** Status order for "failures first": lower sorts first. */
const STATUS_RANK = { error: 0, fail: 1, warn: 2, pass: 3 };
/** Emoji and word for a status, e.g. `❌ fail`. */
function statusLabel(status) {
    return `${STATUS_EMOJI[status]} ${status}`;
}
const STATUS_EMOJI = { error: '💥', fail: '❌', warn: '⚠️', pass: '✅' };
/** Checks sorted failures first (error, fail, warn, pass), suite order kept within a status. */
function sortChecks(checks) {
    return checks.map((c, i) => [c, i]).sort(([a, i], [b, j]) => STATUS_RANK[a.status] - STATUS_RANK[b.status] || i - j).map(([c]) => c);
}
function toText(value) {
    if (value === null || value === undefined)
        return '';
    if (typeof value === 'string')
        return value;
    if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
        return String(value);
    return JSON.stringify(value) ?? '';
}
/** Escapes text for a Markdown table cell (pipes, newlines, HTML). */
function cell(value, maxChars = 200) {
    let text = toText(value);
    if (text.length > maxChars)
        text = `${text.slice(0, maxChars - 1)}…`;
    return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}
/**
 * `1234567` → `"1,234,567"` (en-US grouping). Integers are grouped by hand: the first
 * `toLocaleString` of a process initialises ICU number formatting (~10 ms of a cold start).
 */
function groupDigits(n) {
    return Number.isSafeInteger(n) ? String(n).replace(/\B(?=(\d{3})+$)/g, ',') : n.toLocaleString('en-US');
}
const num = (n) => (n === null || n === undefined ? '—' : groupDigits(n));
function threshold(t) {
    const parts = Object.entries(t ?? {})
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
    return parts.length ? cell(parts.join(', '), 80) : '—';
}
function duration(ms) {
    return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
/** Overall status of several reports: the worst one. */
function overallStatus(reports) {
    return reports.map((r) => r.status).sort((a, b) => STATUS_RANK[a] - STATUS_RANK[b])[0] ?? 'pass';
}
function countsLine(c) {
    return `**${c.error} error${c.error === 1 ? '' : 's'} · ${c.fail} failed · ${c.warn} warned · ${c.pass} passed** of ${c.total} check${c.total === 1 ? '' : 's'}`;
}
/** The blocks of one report, most important first; each block is kept whole or dropped. */
function reportBlocks(report, level, opts) {
    const blocks = [];
    const verdict = report.failed_step ? 'the step fails' : 'the step passes';
    blocks.push([
        `${level} ${STATUS_EMOJI[report.status]} Data quality: ${cell(report.suite.name)} — ${report.status}`,
        '',
        `${countsLine(report.counts)} · fail-on: \`${report.fail_on}\` → ${verdict} · ${duration(report.duration_ms)}`,
        '',
        `Suite \`${cell(report.suite.file)}\`${report.suite.description ? ` — ${cell(report.suite.description, 300)}` : ''}`,
        '',
        '',
    ].join('\n'));
    if (report.errors.length) {
        blocks.push(['> [!CAUTION]', `> The suite could not run completely:`, ...report.errors.map((e) => `> - ${cell(e, 1000)}`), ''].join('\n'));
    }
    const checks = sortChecks(report.checks);
    if (checks.length) {
        blocks.push('| Status | Check | Dataset | Columns | Failing / total rows | Threshold | Result · description |\n|---|---|---|---|---:|---|---|\n');
        for (const c of checks) {
            const observed = c.status === 'error' ? `**could not run:** ${cell(c.error ?? c.message, 300)}` : cell(c.message, 300);
            const what = c.description ? `${observed}<br><i>${cell(c.description, 300)}</i>` : observed;
            blocks.push(`| ${statusLabel(c.status)} | \`${cell(c.id)}\` (${cell(c.type)}) | ${cell(c.dataset)} | ${cell(c.columns.join(', ')) || '—'} | ${num(c.failing_rows)} / ${num(c.total_rows)} | ${threshold(c.threshold)} | ${what} |\n`);
        }
        blocks.push('\n');
    }
    if (report.datasets.length) {
        blocks.push('**Datasets**\n\n| Dataset | Rows | Source | Content hash |\n|---|---:|---|---|\n');
        for (const d of report.datasets) {
            const source = Array.isArray(d.source) ? d.source.join(', ') : d.source;
            const hash = d.content_hash ? `\`${d.content_hash.replace(/^sha256:/, '').slice(0, 12)}\`` : '—';
            blocks.push(`| ${cell(d.name)} | ${d.error ? `💥 ${cell(d.error, 200)}` : num(d.row_count)} | ${d.kind === 'sql' ? `SQL: \`${cell(source, 120)}\`` : `\`${cell(source, 160)}\``} | ${hash} |\n`);
        }
        blocks.push('\n');
    }
    for (const c of checks) {
        if (c.status === 'pass' || c.samples.length === 0)
            continue;
        const samples = c.samples.slice(0, opts.maxSamples ?? c.samples.length);
        const cols = [...new Set(samples.flatMap((s) => Object.keys(s)))];
        const lines = [
            `<details><summary>${statusLabel(c.status)} <code>${cell(c.id)}</code>: ${samples.length} sample${samples.length === 1 ? '' : 's'} of ${num(c.failing_rows)} failing row${c.failing_rows === 1 ? '' : 's'}</summary>`,
            '',
            `| ${cols.map((k) => cell(k)).join(' | ')} |`,
            `|${cols.map(() => '---').join('|')}|`,
            ...samples.map((s) => `| ${cols.map((k) => cell(s[k], 120)).join(' | ')} |`),
            '',
            '</details>',
            '',
        ];
        blocks.push(lines.join('\n') + '\n');
    }
    return blocks;
}
/**
 * Renders the summary of `reports` (one suite each) within `maxBytes` UTF-8 bytes.
 * With several reports an overall header comes first, then the suites worst first.
 */
function renderSummary(reports, options = {}) {
    const maxBytes = options.maxBytes ?? STEP_SUMMARY_LIMIT;
    const blocks = [];
    const ordered = reports.map((r, i) => [r, i]).sort(([a, i], [b, j]) => STATUS_RANK[a.status] - STATUS_RANK[b.status] || i - j).map(([r]) => r);
    if (reports.length > 1) {
        const total = { total: 0, pass: 0, warn: 0, fail: 0, error: 0 };
        for (const r of reports)
            for (const k of Object.keys(total))
                total[k] += r.counts[k];
        const failing = reports.filter((r) => r.failed_step).length;
        blocks.push(`## ${STATUS_EMOJI[overallStatus(reports)]} Data quality: ${reports.length} suites — ${overallStatus(reports)}\n\n${countsLine(total)} · ${failing ? `${failing} suite${failing === 1 ? '' : 's'} fail${failing === 1 ? 's' : ''} the step` : 'the step passes'}\n\n`);
    }
    for (const r of ordered)
        blocks.push(...reportBlocks(r, reports.length > 1 ? '###' : '##', options));
    const total = blocks.reduce((n, b) => n + Buffer.byteLength(b), 0);
    if (total <= maxBytes)
        return blocks.join('');
    const note = (shown) => `\n\n> [!NOTE]\n> Summary truncated to ${Math.floor(shown / 1024)} KiB of ${Math.ceil(total / 1024)} KiB (GitHub's limit); the full results are in the JSON report${options.reportPath ? ` (\`${cell(options.reportPath)}\`)` : ''} and the JUnit file.\n`;
    const budget = maxBytes - Buffer.byteLength(note(maxBytes)) - 16;
    let used = 0;
    let out = '';
    for (const b of blocks) {
        const size = Buffer.byteLength(b);
        if (used + size > budget)
            break;
        out += b;
        used += size;
    }
    return out + note(used);
}

;// CONCATENATED MODULE: ./build/core/retry.js
/**
 * Retries with exponential backoff and full jitter (AWS Architecture Blog, "Exponential Backoff
 * And Jitter"), bounded per attempt count and by a total time budget.
 */
/** Thrown by an attempt to say "do not retry this". */
class PermanentError extends Error {
    name = 'PermanentError';
}
/** Error raised when every attempt failed; `attempts` counts them, `cause` is the last error. */
class RetryExhaustedError extends Error {
    name = 'RetryExhaustedError';
    attempts;
    constructor(message, attempts, options) {
        super(message, options);
        this.attempts = attempts;
    }
}
const defaultSleep = (ms) => new Promise((r) => setTimeout(r, ms));
/**
 * Runs `fn` until it resolves, `isRetryable(err)` is false, attempts run out or the budget would be exceeded.
 * `fn` receives the 1-based attempt number.
 * @throws the last error unchanged when it is not retryable; RetryExhaustedError when retries ran out.
 */
async function retry(fn, isRetryable, policy = {}) {
    const attempts = policy.attempts ?? 8;
    const base = policy.baseMs ?? 200;
    const cap = policy.maxDelayMs ?? 5000;
    const budget = policy.budgetMs ?? 60_000;
    const random = policy.random ?? Math.random;
    const sleep = policy.sleep ?? defaultSleep;
    const started = Date.now();
    for (let attempt = 1;; attempt++) {
        try {
            return await fn(attempt);
        }
        catch (err) {
            if (err instanceof PermanentError || !isRetryable(err))
                throw err;
            const delay = Math.floor(random() * Math.min(cap, base * 2 ** (attempt - 1)));
            if (attempt >= attempts || Date.now() - started + delay > budget) {
                throw new RetryExhaustedError(`gave up after ${attempt} attempts in ${Date.now() - started} ms: ${err instanceof Error ? err.message : String(err)}`, attempt, { cause: err });
            }
            await sleep(delay);
        }
    }
}
/** True for HTTP statuses worth retrying: 408, 429 and 5xx. */
function isRetryableStatus(status) {
    return status === 408 || status === 429 || status >= 500;
}
/** True for network errors worth retrying (connection reset/refused, timeouts, socket hang-ups). */
function isRetryableNetworkError(err) {
    const codes = ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'EAI_AGAIN'];
    let e = err;
    for (let depth = 0; e && depth < 4; depth++) {
        const code = e.code;
        if (code && codes.includes(code))
            return true;
        if (e instanceof TypeError && e.message === 'fetch failed')
            return true;
        e = e.cause;
    }
    return false;
}

;// CONCATENATED MODULE: ./build/core/github/client.js
/**
 * Minimal GitHub REST client for the core (no @actions/* import): fetch with the documented
 * headers (`Accept: application/vnd.github+json`, `X-GitHub-Api-Version: 2022-11-28`), retries on
 * 5xx/429/connection errors, and errors that say which endpoint failed and why.
 * Base URL from `GITHUB_API_URL` (GitHub Enterprise and the tests' fake server use it).
 */


/** Error response of the GitHub REST API. */
class GitHubApiError extends Error {
    name = 'GitHubApiError';
    method;
    path;
    status;
    body;
    constructor(method, path, status, body) {
        const msg = body?.message ?? '';
        super(`GitHub API ${method} ${path} answered ${status}${msg ? `: ${msg}` : ''}`);
        this.method = method;
        this.path = path;
        this.status = status;
        this.body = body;
    }
}
/** A small, typed-at-the-call-site GitHub REST client. */
class GitHubClient {
    baseUrl;
    token;
    retryPolicy;
    userAgent;
    constructor(options) {
        if (!options.token)
            throw new core_errors/* ConfigError */.xL('no GitHub token', { location: { field: 'token' }, fix: 'Pass the "token" input (usually ${{ github.token }}) or set GITHUB_TOKEN.' });
        this.token = options.token;
        this.baseUrl = (options.baseUrl ?? process.env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/$/, '');
        this.retryPolicy = options.retry ?? { attempts: 5, baseMs: 300, budgetMs: 30_000 };
        this.userAgent = options.userAgent ?? 'dataops-actions';
    }
    /**
     * Sends a request; resolves the parsed JSON body (undefined for 204).
     * @throws GitHubApiError for a non-2xx answer after retries (4xx other than 408/429 are not retried).
     */
    async request(method, path, body) {
        return retry(async () => {
            const res = await fetch(`${this.baseUrl}${path}`, {
                method,
                headers: {
                    accept: 'application/vnd.github+json',
                    authorization: `Bearer ${this.token}`,
                    'x-github-api-version': '2022-11-28',
                    'user-agent': this.userAgent,
                    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
                },
                ...(body === undefined ? {} : { body: JSON.stringify(body) }),
            });
            const text = await res.text();
            let parsed = undefined;
            try {
                parsed = text ? JSON.parse(text) : undefined;
            }
            catch {
                parsed = { message: text.slice(0, 200) };
            }
            if (!res.ok)
                throw new GitHubApiError(method, path, res.status, parsed);
            return parsed;
        }, (err) => (err instanceof GitHubApiError ? isRetryableStatus(err.status) : isRetryableNetworkError(err)), this.retryPolicy);
    }
}
/** `owner/repo` split and checked. @throws ConfigError for anything else. */
function parseRepository(value, field = 'repository') {
    const m = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(value);
    if (!m)
        throw new core_errors/* ConfigError */.xL(`"${value}" is not an owner/repo name`, { location: { field }, fix: 'Write it as owner/repo, e.g. octo-org/pipeline.' });
    return { owner: m[1], repo: m[2] };
}

;// CONCATENATED MODULE: ./build/core/github/checks.js
/**
 * PR status checks for quality reports through the Checks API
 * (https://docs.github.com/rest/checks/runs): one check run per suite, named
 * `dataops quality: <suite>`, on the commit under test. Re-runs update that run in place (found with
 * `GET /repos/{o}/{r}/commits/{sha}/check-runs?check_name=`), so a PR never collects duplicates or
 * comments. Annotations go out in batches of 50 (the API's per-request limit): the first batch with
 * the create/update, the rest in further PATCH requests. GitHub appends annotations on every
 * update, so a re-run sends only the annotations the run does not show yet; annotations of an
 * earlier run whose check now passes stay on the run (the API cannot remove them).
 */



/** Annotations the Checks API accepts per request. */
const ANNOTATION_BATCH = 50;
/** Maps a report (and its fail-on, already applied in `failed_step`) to a check-run conclusion. */
function conclusionFor(report) {
    if (report.failed_step)
        return 'failure';
    return report.status === 'pass' ? 'success' : 'neutral';
}
/** Name of the check run of a suite. */
function checkRunName(suite) {
    return `dataops quality: ${suite}`;
}
/** Converts workflow annotations (all of them, not the 10-per-level view) to the API shape. */
function toCheckRunAnnotations(annotations, fallbackPath) {
    return annotations.map((a) => ({
        path: a.file ?? fallbackPath,
        start_line: a.line ?? 1,
        end_line: a.line ?? 1,
        annotation_level: a.level === 'error' ? 'failure' : a.level,
        message: a.message.slice(0, 64 * 1024),
        title: a.title.slice(0, 255),
    }));
}
/**
 * The commit under test: `pull_request.head.sha` from the event payload (`GITHUB_EVENT_PATH`) for
 * pull_request events (GITHUB_SHA is then the merge commit, which the PR page does not show),
 * else `GITHUB_SHA`. Undefined when neither is known.
 */
async function resolveHeadSha(env = process.env) {
    if (env.GITHUB_EVENT_PATH) {
        try {
            const event = JSON.parse(await (0,promises_.readFile)(env.GITHUB_EVENT_PATH, 'utf8'));
            const sha = event.pull_request?.head?.sha;
            if (sha)
                return sha;
        }
        catch {
            // no readable event: fall back to GITHUB_SHA
        }
    }
    return env.GITHUB_SHA || undefined;
}
/** The token cannot write checks (missing `checks: write`, or a fork's read-only token). */
class ChecksPermissionError extends Error {
    name = 'ChecksPermissionError';
}
function isPermissionError(err) {
    // "Resource not accessible by integration": the token lacks checks: write (or is a fork's read-only token)
    return err instanceof GitHubApiError && err.status === 403 && !/rate limit/i.test(err.message);
}
/**
 * Creates or updates (in place) the check run of `report` on `target`.
 * @throws ChecksPermissionError when the API answers 403 (e.g. "Resource not accessible by integration").
 * @throws GitHubApiError for other API failures (after the client's retries).
 */
async function publishCheckRun(client, target, report, options) {
    const name = options.name ?? checkRunName(report.suite.name);
    const base = `/repos/${encodeURIComponent(target.owner)}/${encodeURIComponent(target.repo)}`;
    const conclusion = conclusionFor(report);
    const c = report.counts;
    const title = `${report.status}: ${c.fail} failed, ${c.error} errors, ${c.warn} warned, ${c.pass} passed of ${c.total}`;
    const summary = truncateChars(options.summary, CHECK_RUN_SUMMARY_LIMIT);
    let requests = 0;
    const output = (annotations) => ({ title, summary, ...(annotations?.length ? { annotations } : {}) });
    const call = async (method, path, body) => {
        requests++;
        try {
            return await client.request(method, path, body);
        }
        catch (err) {
            if (isPermissionError(err))
                throw new ChecksPermissionError(`cannot write check runs: ${err.message}. Grant the job "permissions: checks: write" (pull requests from forks get a read-only token).`, { cause: err });
            throw err;
        }
    };
    const listed = await call('GET', `${base}/commits/${encodeURIComponent(target.headSha)}/check-runs?check_name=${encodeURIComponent(name)}&filter=all&per_page=100`);
    const existing = listed.check_runs.filter((r) => r.name === name && r.head_sha === target.headSha).sort((a, b) => b.id - a.id)[0];
    // GitHub appends annotations on every update: on a re-run, send only those the run does not show yet
    let annotations = [...options.annotations];
    let alreadyShown = 0;
    if (existing) {
        const shown = await existingAnnotationKeys(call, `${base}/check-runs/${existing.id}/annotations`);
        annotations = annotations.filter((a) => !shown.has(annotationKey(a)));
        alreadyShown = options.annotations.length - annotations.length;
    }
    const batches = [];
    for (let i = 0; i < annotations.length; i += ANNOTATION_BATCH)
        batches.push(annotations.slice(i, i + ANNOTATION_BATCH));
    const completedAt = new Date().toISOString();
    const fields = { status: 'completed', conclusion, completed_at: completedAt, external_id: report.suite.name, ...(options.detailsUrl ? { details_url: options.detailsUrl } : {}) };
    let run;
    if (existing) {
        run = await call('PATCH', `${base}/check-runs/${existing.id}`, { ...fields, output: output(batches[0]) });
    }
    else {
        run = await call('POST', `${base}/check-runs`, { name, head_sha: target.headSha, started_at: report.started_at, ...fields, output: output(batches[0]) });
    }
    for (const batch of batches.slice(1))
        await call('PATCH', `${base}/check-runs/${run.id}`, { output: output(batch) });
    return { id: run.id, created: !existing, conclusion, requests, annotations: annotations.length, alreadyShown, ...(run.html_url ? { html_url: run.html_url } : {}) };
}
function annotationKey(a) {
    return JSON.stringify([a.path, a.start_line, a.annotation_level, a.title ?? '', a.message]);
}
/** Keys of the annotations a check run already has (up to 1,000; best effort: none on an API error). */
async function existingAnnotationKeys(call, path) {
    const keys = new Set();
    try {
        for (let page = 1; page <= 10; page++) {
            const list = await call('GET', `${path}?per_page=100&page=${page}`);
            for (const a of list)
                keys.add(annotationKey(a));
            if (list.length < 100)
                break;
        }
    }
    catch (err) {
        if (err instanceof ChecksPermissionError)
            throw err;
    }
    return keys;
}
/** Cuts `text` to at most `max` characters, ending with a note when cut. */
function truncateChars(text, max) {
    if (text.length <= max)
        return text;
    const note = '\n\n… (truncated: the full summary is in the job summary and the JSON report)';
    return text.slice(0, max - note.length) + note;
}

;// CONCATENATED MODULE: ./build/core/quality/annotations.js

/** GitHub's per-level, per-step limit of annotations shown. */
const ANNOTATIONS_PER_LEVEL = 10;
/** The one-line message of a failing check: what was observed, and its description. */
function checkMessage(c) {
    const rows = c.failing_rows !== null && c.total_rows !== null && !['row_count', 'freshness', 'schema'].includes(c.type) ? ` (${groupDigits(c.failing_rows)} of ${groupDigits(c.total_rows)} rows)` : '';
    const what = c.status === 'error' ? `check could not run: ${c.error ?? c.message}` : `${c.message}${rows && !c.message.includes(String(c.failing_rows)) ? rows : ''}`;
    return c.description ? `${what}\n${c.description}` : what;
}
/** One annotation per non-passing check of each report, failures first (error, fail, warn). */
function checkAnnotations(reports, options = {}) {
    const out = [];
    for (const report of reports) {
        const file = options.file ? options.file(report.suite.file) : report.suite.file;
        for (const c of sortChecks(report.checks)) {
            if (c.status === 'pass')
                continue;
            out.push({
                level: c.status === 'warn' ? 'warning' : 'error',
                title: `data-quality ${c.status}: ${report.suite.name}/${c.id} (${c.type} on ${c.dataset}${c.columns.length ? `.${c.columns.join(',')}` : ''})`,
                message: checkMessage(c),
                file,
                ...(c.line ? { line: c.line } : {}),
                checkId: c.id,
            });
        }
    }
    return out;
}
/**
 * The annotations GitHub will show: the first `perLevel` of each level, plus one `notice` per
 * level that overflowed ("…and 7 more failing checks: see the job summary").
 */
function limitAnnotations(annotations, perLevel = ANNOTATIONS_PER_LEVEL) {
    const kept = [];
    const dropped = { error: 0, warning: 0, notice: 0 };
    const seen = { error: 0, warning: 0, notice: 0 };
    for (const a of annotations) {
        if (seen[a.level]++ < perLevel)
            kept.push(a);
        else
            dropped[a.level]++;
    }
    const words = { error: 'failing checks', warning: 'checks with warnings', notice: 'notices' };
    for (const level of ['error', 'warning', 'notice']) {
        if (dropped[level] === 0)
            continue;
        kept.push({ level: 'notice', title: `data-quality: ${dropped[level]} more ${words[level]}`, message: `…and ${dropped[level]} more ${words[level]}: see the job summary` });
    }
    return kept;
}

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: ./build/core/hash.js
var core_hash = __webpack_require__(7384);
// EXTERNAL MODULE: ./build/core/engine/duckdb.js
var duckdb = __webpack_require__(4594);
;// CONCATENATED MODULE: ./build/core/quality/compile.js
/**
 * Compiles checks to SQL. Every check that can be answered by an aggregate over its dataset
 * (row_count, not_null, unique, accepted_values, range, regex, relationships, freshness) becomes a
 * few aggregate expressions; {@link aggregateQuery} puts all of a dataset's expressions into ONE
 * query, so a dataset is scanned once however many checks it has. A check's `where` filter goes
 * into its own expressions (`count_if(where AND …)`), so filtered checks share the scan too.
 *
 * Techniques: `count(*) - count(col)` for a single-column not_null (answered from Parquet
 * statistics), `list_contains([...], col)` instead of long `NOT IN` lists, `regexp_full_match`,
 * `count(DISTINCT hash(a, b, c))` for composite unique keys (64-bit hash: a collision could hide
 * a duplicate only around 2^32 distinct keys), and relationships as an uncorrelated `NOT IN (SELECT …)`
 * (a hash mark join built once over the parent). Samples are fetched afterwards, only for checks
 * that did not pass, with targeted `LIMIT n` queries.
 */

/** A check that cannot be compiled because of the suite or the data's shape (reported as `error`). */
class CheckCompileError extends Error {
    name = 'CheckCompileError';
}
const TYPE_NAMES = {
    int: 'INTEGER', int4: 'INTEGER', integer: 'INTEGER', signed: 'INTEGER', int8: 'BIGINT', long: 'BIGINT', bigint: 'BIGINT', int64: 'BIGINT',
    int2: 'SMALLINT', short: 'SMALLINT', smallint: 'SMALLINT', int1: 'TINYINT', tinyint: 'TINYINT', hugeint: 'HUGEINT', int128: 'HUGEINT',
    float: 'FLOAT', float4: 'FLOAT', real: 'FLOAT', double: 'DOUBLE', float8: 'DOUBLE', numeric: 'DECIMAL', decimal: 'DECIMAL',
    varchar: 'VARCHAR', string: 'VARCHAR', text: 'VARCHAR', char: 'VARCHAR', bpchar: 'VARCHAR', bool: 'BOOLEAN', boolean: 'BOOLEAN', logical: 'BOOLEAN',
    date: 'DATE', timestamp: 'TIMESTAMP', datetime: 'TIMESTAMP', timestamptz: 'TIMESTAMP WITH TIME ZONE', 'timestamp with time zone': 'TIMESTAMP WITH TIME ZONE',
    time: 'TIME', blob: 'BLOB', bytea: 'BLOB', binary: 'BLOB', varbinary: 'BLOB', uuid: 'UUID', json: 'JSON', interval: 'INTERVAL',
    ubigint: 'UBIGINT', uinteger: 'UINTEGER', usmallint: 'USMALLINT', utinyint: 'UTINYINT',
};
/** Canonical DuckDB type name for comparison (`int` → INTEGER, `text` → VARCHAR; `DECIMAL(10,2)` kept with precision). */
function normalizeType(t) {
    const s = t.trim().replace(/\s+/g, ' ');
    const m = /^([A-Za-z0-9_ ]+?)\s*(\(.*\))?$/.exec(s);
    if (!m)
        return s.toUpperCase();
    const base = TYPE_NAMES[m[1].toLowerCase()] ?? m[1].toUpperCase();
    if (base === 'VARCHAR')
        return 'VARCHAR';
    return m[2] ? `${base}${m[2].replace(/\s/g, '')}` : base;
}
/** Milliseconds in a `max_age` duration (`90m`, `36h`, `7d`, `2w`, `30s`). */
function parseDuration(d) {
    const m = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)$/.exec(d.trim());
    if (!m)
        throw new CheckCompileError(`invalid duration "${d}"`);
    const unit = { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7, w: 6.048e8 }[m[2]];
    return Number(m[1]) * unit;
}
const asList = (c) => (Array.isArray(c) ? c : [c]);
/** Columns named by a check (before resolution). */
function checkColumns(check) {
    switch (check.type) {
        case 'not_null':
        case 'unique':
        case 'relationships':
            return asList(check.columns);
        case 'accepted_values':
        case 'range':
        case 'regex':
        case 'freshness':
            return [check.column];
        case 'schema':
            return Object.keys(check.columns);
        default:
            return [];
    }
}
/** Default id: `<type>_<dataset>_<columns>` made SQL/URL safe, suffixed `_2`, `_3`… when taken. */
function defaultCheckId(check, taken) {
    let base = check.id;
    if (!base) {
        const cols = check.type === 'schema' ? [] : checkColumns(check);
        base = [check.type, check.dataset, ...cols].join('_').replace(/[^A-Za-z0-9_]+/g, '_').replace(/_+/g, '_').replace(/_$/, '').toLowerCase();
    }
    let id = base;
    for (let n = 2; taken.has(id); n++)
        id = `${base}_${n}`;
    taken.add(id);
    return id;
}
/** Resolves a column name against a dataset (exact, then case-insensitive like DuckDB). */
function resolveColumn(ds, name) {
    if (ds.columns.has(name))
        return name;
    const lower = name.toLowerCase();
    for (const c of ds.columns.keys())
        if (c.toLowerCase() === lower)
            return c;
    throw new CheckCompileError(`column "${name}" not found in dataset "${ds.name}"; available columns: ${[...ds.columns.keys()].join(', ')}`);
}
function sqlScalar(v) {
    if (typeof v === 'number')
        return Number.isFinite(v) ? String(v) : (0,duckdb/* literal */.eu)(String(v));
    if (typeof v === 'boolean')
        return v ? 'TRUE' : 'FALSE';
    return (0,duckdb/* literal */.eu)(v);
}
const isTextType = (t) => !!t && /^(VARCHAR|JSON|UUID|ENUM)/i.test(t);
/**
 * Compiles one check against the datasets it reads.
 * @throws CheckCompileError for a missing column or dataset (the check ends in `error`).
 */
function compileCheck(check, ds, lookup) {
    const from = `${(0,duckdb/* ident */.bD)(ds.name)} AS t`;
    const w = check.where ? `(${check.where})` : undefined;
    const and = (pred) => (w ? `${w} AND (${pred})` : `(${pred})`);
    const total = w ? `count_if(${w})` : 'count(*)';
    const rowsWhere = (pred) => `SELECT * FROM ${from} WHERE ${and(pred)}`;
    const col = (name) => `t.${(0,duckdb/* ident */.bD)(resolveColumn(ds, name))}`;
    switch (check.type) {
        case 'row_count':
            return { kind: 'aggregate', columns: [], aggregate: { total } };
        case 'not_null': {
            const cols = asList(check.columns).map((c) => resolveColumn(ds, c));
            const refs = cols.map((c) => `t.${(0,duckdb/* ident */.bD)(c)}`);
            const pred = refs.map((r) => `${r} IS NULL`).join(' OR ');
            const failing = cols.length === 1 && !w ? `count(*) - count(${refs[0]})` : `count_if(${and(pred)})`;
            return { kind: 'aggregate', columns: cols, aggregate: { total, failing }, samples: (n) => `${rowsWhere(pred)} LIMIT ${n}` };
        }
        case 'unique': {
            const cols = asList(check.columns).map((c) => resolveColumn(ds, c));
            const refs = cols.map((c) => `t.${(0,duckdb/* ident */.bD)(c)}`);
            const filter = and(refs.map((r) => `${r} IS NOT NULL`).join(' AND '));
            const key = cols.length === 1 ? refs[0] : `hash(${refs.join(', ')})`;
            const hashKey = `hash(${refs.join(', ')})`;
            // Counting shares the dataset's single scan; only a failing check pays for a grouped scan
            // that finds the most repeated keys (by hash), whose rows are then fetched by a filter scan.
            const dupHashesQuery = (n) => `SELECT max_by(h, c, ${Math.max(1, n)}) AS dup_hashes FROM (SELECT ${hashKey} AS h, count(*) AS c FROM ${from} WHERE ${filter} GROUP BY h HAVING count(*) > 1) AS g`;
            const samplesByHash = (hashes, n) => `SELECT ${refs.map((r, i) => `${r} AS ${(0,duckdb/* ident */.bD)(cols[i])}`).join(', ')}, count(*) AS occurrences FROM ${from} WHERE ${filter} AND ${hashKey} IN (${hashes.map((h) => `${(0,duckdb/* literal */.eu)(h)}::UBIGINT`).join(', ')}) GROUP BY ALL ORDER BY occurrences DESC LIMIT ${n}`;
            return {
                kind: 'aggregate',
                columns: cols,
                aggregate: { total: `count_if(${filter})`, failing: `count(*) FILTER (WHERE ${filter}) - count(DISTINCT ${key}) FILTER (WHERE ${filter})` },
                dupHashesQuery,
                samplesByHash,
            };
        }
        case 'accepted_values': {
            const c = resolveColumn(ds, check.column);
            const allText = check.values.every((v) => typeof v === 'string');
            const ref = allText && !isTextType(ds.columns.get(c)) ? `CAST(t.${(0,duckdb/* ident */.bD)(c)} AS VARCHAR)` : `t.${(0,duckdb/* ident */.bD)(c)}`;
            const pred = `t.${(0,duckdb/* ident */.bD)(c)} IS NOT NULL AND NOT list_contains([${check.values.map(sqlScalar).join(', ')}], ${ref})`;
            return { kind: 'aggregate', columns: [c], aggregate: { total, failing: `count_if(${and(pred)})` }, samples: (n) => `${rowsWhere(pred)} LIMIT ${n}` };
        }
        case 'range': {
            const c = col(check.column);
            if (check.min === undefined && check.max === undefined)
                throw new CheckCompileError('a range check needs min, max or both');
            const inc = typeof check.inclusive === 'boolean' ? { min: check.inclusive, max: check.inclusive } : check.inclusive;
            const parts = [];
            if (check.min !== undefined)
                parts.push(`${c} ${inc.min ? '<' : '<='} ${sqlScalar(check.min)}`);
            if (check.max !== undefined)
                parts.push(`${c} ${inc.max ? '>' : '>='} ${sqlScalar(check.max)}`);
            const pred = parts.join(' OR ');
            return { kind: 'aggregate', columns: [resolveColumn(ds, check.column)], aggregate: { total, failing: `count_if(${and(pred)})` }, samples: (n) => `${rowsWhere(pred)} LIMIT ${n}` };
        }
        case 'regex': {
            const name = resolveColumn(ds, check.column);
            const c = `t.${(0,duckdb/* ident */.bD)(name)}`;
            const ref = isTextType(ds.columns.get(name)) ? c : `CAST(${c} AS VARCHAR)`;
            const pred = `${c} IS NOT NULL AND NOT regexp_full_match(${ref}, ${(0,duckdb/* literal */.eu)(check.pattern)})`;
            return { kind: 'aggregate', columns: [name], aggregate: { total, failing: `count_if(${and(pred)})` }, samples: (n) => `${rowsWhere(pred)} LIMIT ${n}` };
        }
        case 'relationships': {
            const cols = asList(check.columns).map((c) => resolveColumn(ds, c));
            const parent = lookup(check.to.dataset);
            if (!parent)
                throw new CheckCompileError(`relationships target dataset "${check.to.dataset}" is not declared or could not be read`);
            const pcols = asList(check.to.columns).map((c) => resolveColumn(parent, c));
            if (pcols.length !== cols.length)
                throw new CheckCompileError(`columns (${cols.length}) and to.columns (${pcols.length}) differ in number`);
            const refs = cols.map((c) => `t.${(0,duckdb/* ident */.bD)(c)}`);
            const prefs = pcols.map((c) => `p.${(0,duckdb/* ident */.bD)(c)}`);
            const tuple = (xs) => (xs.length === 1 ? xs[0] : `row(${xs.join(', ')})`);
            const notNull = refs.map((r) => `${r} IS NOT NULL`).join(' AND ');
            const pred = `${notNull} AND NOT (${tuple(refs)} IN (SELECT ${tuple(prefs)} FROM ${(0,duckdb/* ident */.bD)(parent.name)} AS p WHERE ${prefs.map((r) => `${r} IS NOT NULL`).join(' AND ')}))`;
            return { kind: 'aggregate', columns: cols, aggregate: { total, failing: `count_if(${and(pred)})` }, samples: (n) => `${rowsWhere(pred)} LIMIT ${n}` };
        }
        case 'freshness': {
            const name = resolveColumn(ds, check.column);
            const type = ds.columns.get(name) ?? '';
            const c = `t.${(0,duckdb/* ident */.bD)(name)}`;
            const ts = /^TIMESTAMP/i.test(type) ? c : /^DATE$/i.test(type) ? `CAST(${c} AS TIMESTAMP)` : `TRY_CAST(${c} AS TIMESTAMP)`;
            const value = w ? `epoch_ms(max(${ts}) FILTER (WHERE ${w}))` : `epoch_ms(max(${ts}))`;
            parseDuration(check.max_age);
            return { kind: 'aggregate', columns: [name], aggregate: { total, value } };
        }
        case 'schema':
            return { kind: 'schema', columns: Object.keys(check.columns) };
        case 'sql': {
            // `where` filters the query's rows (its columns are the query's output columns).
            const q = check.query.trim().replace(/;\s*$/, '');
            const filter = w ? ` WHERE ${w}` : '';
            return { kind: 'sql', columns: [], countQuery: `SELECT count(*) AS failing FROM (${q}) AS q${filter}`, samples: (n) => `SELECT * FROM (${q}) AS q${filter} LIMIT ${n}` };
        }
    }
}
/** Aliases of a check's aggregate expressions in {@link aggregateQuery}. */
const aggAlias = (i, part) => `c${i}_${part}`;
/**
 * One aggregate query over a dataset answering all `checks` (keyed by index): columns `__rows`
 * (all rows of the dataset) and `c<i>_total`, `c<i>_failing`, `c<i>_value`.
 */
function aggregateQuery(dataset, checks) {
    const exprs = ['count(*) AS __rows'];
    for (const { index, parts } of checks) {
        for (const k of ['total', 'failing', 'value']) {
            const e = parts[k];
            if (e)
                exprs.push(`${e} AS ${aggAlias(index, k)}`);
        }
    }
    return `SELECT ${exprs.join(', ')} FROM ${(0,duckdb/* ident */.bD)(dataset)} AS t`;
}
/** Engine reader expression for a file dataset (a view is created over it). */
function readerSql(files, format, options = {}) {
    const list = `[${files.map(duckdb/* literal */.eu).join(', ')}]`;
    const opts = Object.entries(options).map(([k, v]) => `${k} = ${sqlScalar(v)}`);
    switch (format) {
        case 'parquet':
            return `read_parquet(${[list, ...opts].join(', ')})`;
        case 'csv':
            return `read_csv(${[list, ...opts].join(', ')})`;
        case 'tsv':
            return `read_csv(${[list, ...(options.delim === undefined && options.sep === undefined ? ["delim = '\\t'"] : []), ...opts].join(', ')})`;
        case 'ndjson':
            return `read_json(${[list, ...(options.format === undefined ? ["format = 'newline_delimited'"] : []), ...opts].join(', ')})`;
        default:
            return `read_json(${[list, ...opts].join(', ')})`;
    }
}

// EXTERNAL MODULE: ./build/core/yaml.js
var yaml = __webpack_require__(9483);
// EXTERNAL MODULE: ./build/core/quality/suite.js
var suite = __webpack_require__(1132);
;// CONCATENATED MODULE: ./build/core/quality/load.js
/**
 * Loading a quality suite: YAML with line numbers → zod validation (with friendlier messages for the
 * usual mistakes) → dataset declarations merged with the project's and resolved to files.
 */








/** Check types a suite may use, in documentation order. */
const CHECK_TYPES = suite/* checkSchema */._U.options.map((o) => o.shape.type.value);
/**
 * Reads and validates a suite file.
 * @throws ConfigError (file, line, field and fix) when the file is missing, empty, not YAML, or invalid;
 *   an unknown check type lists the valid ones.
 */
async function loadSuite(file) {
    let text;
    try {
        text = await (0,promises_.readFile)(file, 'utf8');
    }
    catch (err) {
        throw new core_errors/* ConfigError */.xL(`cannot read suite file (${err.code ?? String(err)})`, {
            location: { file },
            fix: 'Check the path: relative paths resolve from the current directory.',
            cause: err,
        });
    }
    return parseSuite(text, file);
}
/**
 * Validates suite YAML text (`file` is used in messages and to resolve relative dataset paths).
 * @throws ConfigError like {@link loadSuite}.
 */
function parseSuite(text, file) {
    if (!text.trim())
        throw new core_errors/* ConfigError */.xL('suite file is empty', { location: { file, line: 1 }, fix: 'Write "version: 1", "suite: <name>", "datasets:" and "checks:" (see schemas/quality-suite.schema.json).' });
    const source = (0,yaml/* parseYaml */.hN)(text, file);
    const data = source.data;
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
        throw new core_errors/* ConfigError */.xL('a suite must be a YAML mapping', { location: { file, line: 1 }, fix: 'Write "version: 1", "suite: <name>", "datasets:" and "checks:".' });
    }
    // Friendlier than zod's discriminated-union message: name the bad type and list the valid ones.
    const checks = data.checks;
    if (Array.isArray(checks)) {
        const problems = [];
        checks.forEach((c, i) => {
            const type = c?.type;
            if (c && typeof c === 'object' && !CHECK_TYPES.includes(String(type))) {
                problems.push(new core_errors/* ConfigError */.xL(type === undefined ? 'missing check type' : `unknown check type ${JSON.stringify(type)}`, {
                    location: { file, line: source.lineOf(['checks', i, 'type']), field: `checks[${i}].type` },
                    fix: `Use one of: ${CHECK_TYPES.join(', ')}.`,
                }));
            }
        });
        if (problems.length)
            throw new core_errors/* ConfigErrors */.mS(problems);
    }
    const spec = (0,yaml/* validateYaml */.uW)(suite/* suiteSchema */.Y9, source, 'See schemas/quality-suite.schema.json for the suite format.');
    const seen = new Map();
    const dupes = [];
    spec.checks.forEach((c, i) => {
        if (!c.id)
            return;
        const first = seen.get(c.id);
        if (first === undefined)
            seen.set(c.id, i);
        else
            dupes.push(new core_errors/* ConfigError */.xL(`duplicate check id "${c.id}" (also checks[${first}])`, { location: { file, line: source.lineOf(['checks', i, 'id']), field: `checks[${i}].id` }, fix: 'Give every check its own id: reports and check runs key on it.' }));
    });
    if (dupes.length)
        throw new core_errors/* ConfigErrors */.mS(dupes);
    return { file, dir: external_node_path_.dirname(external_node_path_.resolve(file)), spec, sha256: (0,core_hash/* sha256 */.s)(text), lineOf: source.lineOf };
}
/**
 * Datasets visible to a suite: the project's (`datasets:` of dataops.yml) overridden by the suite's own.
 */
function mergeDatasets(suite, project) {
    const out = new Map();
    if (project) {
        for (const [name, spec] of Object.entries(project.datasets)) {
            out.set(name, { name, spec, baseDir: project.dir, origin: { file: project.file ?? external_node_path_.join(project.dir, 'dataops.yml') } });
        }
    }
    for (const [name, spec] of Object.entries(suite.spec.datasets)) {
        out.set(name, { name, spec, baseDir: suite.dir, origin: { file: suite.file, line: suite.lineOf(['datasets', name]) } });
    }
    return out;
}
/** Format implied by a file name (`.csv`, `.tsv`, `.parquet`, `.json`, `.ndjson`/`.jsonl`, optionally `.gz`). */
function formatFromPath(p) {
    const name = p.toLowerCase().replace(/\.(gz|zst)$/, '');
    if (name.endsWith('.csv'))
        return 'csv';
    if (name.endsWith('.tsv') || name.endsWith('.tab'))
        return 'tsv';
    if (name.endsWith('.parquet') || name.endsWith('.pq'))
        return 'parquet';
    if (name.endsWith('.ndjson') || name.endsWith('.jsonl'))
        return 'ndjson';
    if (name.endsWith('.json'))
        return 'json';
    return undefined;
}
/**
 * Resolves `npm:<package>/<file>` to a path inside the installed package, searching `node_modules`
 * upwards from `fromDir`, then from the current directory.
 * @returns the absolute path, or undefined when the package is not installed.
 */
function resolveNpmPath(spec, fromDir) {
    const rest = spec.slice('npm:'.length);
    const parts = rest.split('/');
    const pkgLen = rest.startsWith('@') ? 2 : 1;
    const pkg = parts.slice(0, pkgLen).join('/');
    const inner = parts.slice(pkgLen).join('/');
    for (const start of [fromDir, process.cwd()]) {
        let dir = external_node_path_.resolve(start);
        for (;;) {
            const candidate = external_node_path_.join(dir, 'node_modules', pkg);
            if ((0,external_node_fs_.existsSync)(external_node_path_.join(candidate, 'package.json')))
                return external_node_path_.join(candidate, inner);
            const parent = external_node_path_.dirname(dir);
            if (parent === dir)
                break;
            dir = parent;
        }
    }
    return undefined;
}
/**
 * Resolves a file dataset's paths/globs to existing, non-empty files.
 * @throws ConfigError naming the declaration (file, line, field) when a path matches nothing, a file
 *   is empty, a package is not installed, or the format cannot be told from the extension.
 */
async function resolveDatasetFiles(ds) {
    const spec = ds.spec;
    if (!('path' in spec))
        throw new Error(`resolveDatasetFiles called on SQL dataset ${ds.name}`);
    const where = { file: ds.origin.file, line: ds.origin.line, field: `datasets.${ds.name}.path` };
    const patterns = Array.isArray(spec.path) ? spec.path : [spec.path];
    const files = [];
    for (const pattern of patterns) {
        let p = pattern;
        if (p.startsWith('npm:')) {
            const resolved = resolveNpmPath(p, ds.baseDir);
            if (!resolved) {
                throw new core_errors/* ConfigError */.xL(`npm package of "${pattern}" is not installed`, { location: where, fix: `Install it (npm install ${pattern.slice(4).split('/').slice(0, pattern.startsWith('npm:@') ? 2 : 1).join('/')}) or use a file path.` });
            }
            p = resolved;
        }
        else {
            p = external_node_path_.resolve(ds.baseDir, p);
        }
        let matched;
        if ((0,dist/* isDynamicPattern */.ey)(p)) {
            matched = (await (0,dist/* glob */.TI)(external_node_path_.relative(ds.baseDir, p).split(external_node_path_.sep).join('/'), { cwd: ds.baseDir, absolute: true, onlyFiles: true })).sort();
        }
        else {
            matched = (0,external_node_fs_.existsSync)(p) ? [p] : [];
        }
        if (matched.length === 0) {
            throw new core_errors/* ConfigError */.xL(`"${pattern}" matches no file (looked for ${p})`, { location: where, fix: 'Check the path: it is relative to the file that declares the dataset.' });
        }
        for (const m of matched) {
            if ((0,external_node_fs_.statSync)(m).size === 0)
                throw new core_errors/* ConfigError */.xL(`data file ${external_node_path_.relative(process.cwd(), m) || m} is empty`, { location: where, fix: 'Produce the file before running the suite, or remove the dataset.' });
        }
        files.push(...matched);
    }
    const format = spec.format ?? formatFromPath(files[0] ?? '');
    if (!format)
        throw new core_errors/* ConfigError */.xL(`cannot tell the format of ${files[0] ?? '(no file)'} from its extension`, { location: { ...where, field: `datasets.${ds.name}.format` }, fix: 'Add format: csv|tsv|parquet|json|ndjson.' });
    return { files, format };
}

;// CONCATENATED MODULE: ./build/core/quality/mask.js
/**
 * PII masking: values of columns marked `pii: true` never reach samples, messages, summaries or logs.
 * A masked value is always the same string, so it reveals neither content nor length.
 */
/** The replacement for any PII value. */
const MASK = '••••';
/** Masks one value: every value (including numbers) becomes {@link MASK}. */
function maskValue(_v) {
    return MASK;
}
/** Copy of `row` with the `pii` columns masked (nulls stay null: a missing value reveals nothing). */
function maskRow(row, pii) {
    if (pii.size === 0)
        return row;
    const out = {};
    for (const [k, v] of Object.entries(row))
        out[k] = pii.has(k) && v !== null && v !== undefined ? maskValue(v) : v;
    return out;
}
/**
 * Removes PII from a text: each known raw value (taken from unmasked sample rows) is replaced by
 * {@link MASK}, and when `quotedToo` is set every single-quoted literal is masked too (engine error
 * messages quote the offending value: `Could not convert string 'x' to INT32`).
 */
function scrubText(text, rawValues, quotedToo = false) {
    let out = text;
    const values = [...new Set([...rawValues].filter((v) => v !== null && v !== undefined).map(String))].filter((v) => v.length > 0).sort((a, b) => b.length - a.length);
    for (const v of values)
        out = out.split(v).join(MASK);
    if (quotedToo)
        out = out.replace(/'(?:[^']|'')*'/g, `'${MASK}'`);
    return out;
}

;// CONCATENATED MODULE: ./build/core/quality/verdict.js
const RANK = { pass: 0, warn: 1, fail: 2, error: 3 };
/** Worst status of the checks (error > fail > warn > pass); `pass` for none. */
function suiteStatus(checks) {
    let worst = 'pass';
    for (const c of checks)
        if (RANK[c.status] > RANK[worst])
            worst = c.status;
    return worst;
}
/**
 * Verdict of a check that ran: pass while failing rows stay within the tolerance (`max_failing`
 * rows and/or `max_failing_ratio` of `total`; no tolerance means zero failing rows), otherwise
 * `fail` for severity error and `warn` for severity warn.
 */
function checkVerdict(failing, total, severity, tolerance) {
    let within;
    if (tolerance.max_failing === undefined && tolerance.max_failing_ratio === undefined)
        within = failing === 0;
    else {
        within = true;
        if (tolerance.max_failing !== undefined && failing > tolerance.max_failing)
            within = false;
        if (tolerance.max_failing_ratio !== undefined && (total > 0 ? failing / total : failing > 0 ? 1 : 0) > tolerance.max_failing_ratio)
            within = false;
    }
    if (within)
        return 'pass';
    return severity === 'warn' ? 'warn' : 'fail';
}
/** Whether a suite with this status fails the step under `failOn`. */
function statusFails(status, failOn) {
    if (failOn === 'never')
        return false;
    if (failOn === 'warn')
        return status !== 'pass';
    return status === 'fail' || status === 'error';
}
/**
 * Whether the step fails: `fail-on: error` on any `fail` or `error` check or a suite-level error;
 * `warn` also on warnings; `never` never.
 */
function stepFails(report) {
    if (report.fail_on === 'never')
        return false;
    if (report.errors.length > 0)
        return true;
    return statusFails(suiteStatus(report.checks), report.fail_on);
}

;// CONCATENATED MODULE: ./build/core/quality/engine.js
/**
 * Runs a quality suite on the engine and builds its report.
 *
 * Order of work: load and validate the suite (a malformed suite throws ConfigError before anything
 * runs) → register the datasets the checks need as views (file readers or SQL) and hash their
 * files → describe them → compile the checks → one aggregate query per dataset (see compile.ts;
 * if it fails, each check is re-run alone so one bad check cannot hide the others) → schema and
 * sql checks → samples for checks that did not pass → report. Problems with the data or a check
 * (missing file, bad SQL, missing column) end that check in `error` and are listed in `errors`;
 * they are never reported as bad data.
 */












/** Sizes the engine accepts for memory_limit: `256MB`, `1GB`, `1.5GiB`… */
const MEMORY_LIMIT = /^\d+(\.\d+)?\s*([KMGTkmgt]i?[Bb]|[Bb])$/;
/** Tool version written into reports. */
const TOOL_VERSION = '0.1.0';
const now = () => performance.now();
const ms = (t) => Math.round((now() - t) * 10) / 10;
/** Error text without the engine's echo of the generated SQL (`LINE 1: SELECT …` and its caret). */
function errorText(err) {
    const text = err instanceof Error ? err.message : String(err);
    return text.split(/\n\s*LINE \d+:/)[0].trim();
}
function emptyCounts() {
    return { total: 0, pass: 0, warn: 0, fail: 0, error: 0 };
}
function finish(report) {
    const counts = emptyCounts();
    for (const c of report.checks) {
        counts.total++;
        counts[c.status]++;
    }
    let status = suiteStatus(report.checks);
    if (report.errors.length > 0)
        status = 'error';
    const failed_step = stepFails({ checks: report.checks, errors: report.errors, fail_on: report.fail_on });
    const { report_version, tool, suite, fail_on, started_at, duration_ms, datasets, checks, errors } = report;
    // Verdict first, details after: the order a reader (or a truncated log) needs.
    return { report_version, tool, suite, status, failed_step, fail_on, counts, started_at, duration_ms, errors, datasets, checks };
}
/**
 * A report for a suite that could not run at all (missing or malformed suite file): status `error`,
 * no checks, `errors` holding the message.
 */
function errorReport(suiteFile, err, failOn = 'error') {
    const name = external_node_path_.basename(suiteFile).replace(/\.ya?ml$/i, '');
    return finish({
        report_version: 1,
        tool: { name: 'dataops-actions', version: TOOL_VERSION, engine: 'duckdb' },
        suite: { name, file: suiteFile, sha256: '' },
        fail_on: failOn,
        started_at: new Date().toISOString(),
        duration_ms: 0,
        datasets: [],
        checks: [],
        errors: [errorText(err)],
    });
}
/** Writes a report as two-space JSON (creating the directory). */
async function writeReport(report, file) {
    await (0,promises_.mkdir)(external_node_path_.dirname(external_node_path_.resolve(file)), { recursive: true });
    await (0,promises_.writeFile)(file, JSON.stringify(report, null, 2) + '\n');
}
/** Names of declared datasets mentioned in SQL text (as whole identifiers). */
function referencedNames(sql, names) {
    const out = [];
    for (const n of names)
        if (new RegExp(`(^|[^A-Za-z0-9_])"?${n}"?([^A-Za-z0-9_]|$)`, 'i').test(sql))
            out.push(n);
    return out;
}
/**
 * Runs a suite and returns its report.
 * Never throws for data problems or failing/erroring checks (they are in the report).
 * @throws ConfigError when the suite file is missing or malformed (nothing ran; see {@link errorReport}).
 */
async function runSuite(opts) {
    const startedAt = new Date();
    const t0 = now();
    const failOn = opts.failOn ?? 'error';
    const sampleN = opts.samples ?? 5;
    const clock = opts.now ?? new Date();
    const suite = await loadSuite(opts.suiteFile);
    const declared = mergeDatasets(suite, opts.projectDatasets ? { datasets: opts.projectDatasets, dir: external_node_path_.resolve(opts.projectDir ?? '.') } : undefined);
    const errors = [];
    if (opts.memoryLimit !== undefined && !MEMORY_LIMIT.test(opts.memoryLimit)) {
        throw new core_errors/* ConfigError */.xL(`invalid memory limit "${opts.memoryLimit}"`, { location: { field: 'memory-limit' }, fix: 'Use a size like "256MB", "1GB" or "1.5GiB".' });
    }
    const engine = await (0,duckdb/* openEngine */.F5)({ memoryLimit: opts.memoryLimit, tempDirectory: opts.tempDirectory, threads: opts.threads });
    try {
        const hashing = [];
        const states = await registerDatasets(engine, suite, declared, errors, hashing);
        const checks = await runChecks(engine, suite, states, declared, { sampleN, clock, errors });
        await Promise.all(hashing);
        const engineVersion = engine.version;
        return finish({
            report_version: 1,
            tool: { name: 'dataops-actions', version: TOOL_VERSION, engine: engineVersion },
            suite: { name: suite.spec.suite, file: opts.suiteFile, sha256: suite.sha256, ...(suite.spec.description ? { description: suite.spec.description } : {}) },
            fail_on: failOn,
            started_at: startedAt.toISOString(),
            duration_ms: ms(t0),
            datasets: [...states.values()].map((s) => s.report),
            checks,
            errors,
        });
    }
    finally {
        engine.close();
    }
}
/** `sha256:` over the files' bytes, concatenated in the given (path) order. */
async function contentHash(files) {
    if (files.length === 1)
        return (0,core_hash/* sha256File */.Q)(files[0]);
    const hash = (0,external_node_crypto_.createHash)('sha256');
    for (const f of files)
        for await (const chunk of (0,external_node_fs_.createReadStream)(f))
            hash.update(chunk);
    return `sha256:${hash.digest('hex')}`;
}
/**
 * Resolves a file dataset and creates it in the engine under its name. Parquet stays a view
 * (columnar reads, statistics); text formats are parsed once into a table (spilled to
 * temp_directory past memory_limit) instead of on every scan.
 * @throws ConfigError when its paths match nothing or a file is empty; the engine's error when unreadable.
 */
async function createFileDataset(engine, decl) {
    const spec = decl.spec;
    if (!('path' in spec))
        throw new Error(`createFileDataset called on SQL dataset ${decl.name}`);
    const { files, format } = await resolveDatasetFiles(decl);
    const kind = format === 'parquet' ? 'VIEW' : 'TABLE';
    await engine.run(`CREATE ${kind} ${(0,duckdb/* ident */.bD)(decl.name)} AS SELECT * FROM ${readerSql(files, format, spec.options)}`);
    return { files, format };
}
/**
 * Registers one dataset (file paths/globs or SQL over datasets already registered) in an engine
 * opened with {@link openEngine}, under `name`, and describes it: files relative to `baseDir`,
 * format, row count and content hash. For stages that query data with their own SQL (system test,
 * verification).
 * @throws ConfigError when paths match nothing, a file is empty or an npm package is missing;
 *   the engine's error when a file is unreadable or the SQL is invalid.
 */
async function registerDataset(engine, name, spec, baseDir) {
    const decl = { name, spec, baseDir: path.resolve(baseDir), origin: { file: `datasets.${name}` } };
    if ('sql' in spec) {
        await engine.run(`CREATE VIEW ${ident(name)} AS ${spec.sql.trim().replace(/;\s*$/, '')}`);
        const n = await engine.query(`SELECT count(*) AS n FROM ${ident(name)}`);
        return { name, kind: 'sql', source: spec.sql, row_count: Number(n[0]?.n ?? 0), content_hash: null };
    }
    const { files, format } = await createFileDataset(engine, decl);
    const hash = await contentHash(files);
    const n = await engine.query(`SELECT count(*) AS n FROM ${ident(name)}`);
    return {
        name,
        kind: 'file',
        source: spec.path,
        format,
        files: files.map((f) => path.relative(decl.baseDir, f).split(path.sep).join('/')),
        row_count: Number(n[0]?.n ?? 0),
        content_hash: hash,
    };
}
/** Datasets the suite needs: those its checks name, relationship targets, and (transitively) what SQL mentions. */
function neededDatasets(suite, declared) {
    const need = new Set();
    const add = (name) => {
        if (need.has(name) || !declared.has(name))
            return;
        need.add(name);
        const spec = declared.get(name).spec;
        if ('sql' in spec)
            for (const n of referencedNames(spec.sql, declared.keys()))
                if (n !== name)
                    add(n);
    };
    for (const c of suite.spec.checks) {
        add(c.dataset);
        if (c.type === 'relationships')
            add(c.to.dataset);
        if (c.type === 'sql')
            for (const n of referencedNames(c.query, declared.keys()))
                add(n);
        if (c.where)
            for (const n of referencedNames(c.where, declared.keys()))
                add(n);
    }
    return [...need];
}
async function registerDatasets(engine, suite, declared, errors, hashing) {
    const states = new Map();
    const names = neededDatasets(suite, declared);
    for (const name of names) {
        const decl = declared.get(name);
        const pii = new Set(Object.entries(decl.spec.columns ?? {}).filter(([, m]) => m.pii).map(([c]) => c));
        const report = 'sql' in decl.spec ? { name, kind: 'sql', source: decl.spec.sql, row_count: null, content_hash: null } : { name, kind: 'file', source: decl.spec.path, row_count: null, content_hash: null };
        states.set(name, { decl, report, pii });
    }
    const fail = (s, err, asConfig) => {
        const text = errorText(err);
        s.error = text;
        s.report.error = text;
        const where = `${s.decl.origin.file}${s.decl.origin.line ? `:${s.decl.origin.line}` : ''}`;
        errors.push(asConfig || err instanceof core_errors/* ConfigError */.xL ? text : `${where}: dataset "${s.decl.name}" could not be read: ${text}`);
    };
    // File datasets first.
    await Promise.all([...states.values()].map(async (s) => {
        const spec = s.decl.spec;
        if (!('path' in spec))
            return;
        try {
            const { files, format } = await createFileDataset(engine, s.decl);
            s.report.format = format;
            s.report.files = files.map((f) => external_node_path_.relative(suite.dir, f).split(external_node_path_.sep).join('/'));
            // Hashing runs while the checks query the engine; awaited before the report is built.
            hashing.push(contentHash(files).then((hash) => {
                s.report.content_hash = hash;
            }, (err) => {
                s.report.content_hash = null;
                s.report.error ??= `cannot hash: ${errorText(err)}`;
            }));
        }
        catch (err) {
            fail(s, err, false);
        }
    }));
    // SQL datasets: repeat while some view could be created (a view may build on another).
    let pending = [...states.values()].filter((s) => 'sql' in s.decl.spec);
    const lastError = new Map();
    while (pending.length) {
        const next = [];
        for (const s of pending) {
            try {
                await engine.run(`CREATE VIEW ${(0,duckdb/* ident */.bD)(s.decl.name)} AS ${s.decl.spec.sql.trim().replace(/;\s*$/, '')}`);
            }
            catch (err) {
                lastError.set(s.decl.name, err);
                next.push(s);
            }
        }
        if (next.length === pending.length) {
            for (const s of next) {
                const refs = referencedNames(s.decl.spec.sql, declared.keys()).filter((n) => states.get(n)?.error);
                const why = refs.length ? `it reads dataset(s) that could not be read: ${refs.join(', ')}` : errorText(lastError.get(s.decl.name));
                fail(s, new core_errors/* ConfigError */.xL(`SQL dataset "${s.decl.name}" is invalid: ${why}`, { location: { file: s.decl.origin.file, line: s.decl.origin.line, field: `datasets.${s.decl.name}.sql` }, fix: 'Reference declared datasets by name and check the SQL.' }), true);
            }
            break;
        }
        pending = next;
    }
    // Describe what was registered; SQL datasets inherit PII marks of the datasets they read.
    for (const s of states.values()) {
        if (s.error)
            continue;
        try {
            const rows = await engine.query(`DESCRIBE SELECT * FROM ${(0,duckdb/* ident */.bD)(s.decl.name)}`);
            s.info = { name: s.decl.name, columns: new Map(rows.map((r) => [r.column_name, r.column_type])) };
        }
        catch (err) {
            fail(s, err, false);
        }
    }
    for (const s of states.values()) {
        if ('sql' in s.decl.spec)
            for (const n of referencedNames(s.decl.spec.sql, states.keys()))
                for (const c of states.get(n)?.pii ?? [])
                    s.pii.add(c);
    }
    return states;
}
async function runChecks(engine, suite, states, declared, ctx) {
    const taken = new Set(suite.spec.checks.flatMap((c) => (c.id ? [c.id] : [])));
    const ids = suite.spec.checks.map((c) => (c.id ? c.id : defaultCheckId(c, taken)));
    const pending = suite.spec.checks.map((spec, index) => {
        const threshold = {};
        if (spec.max_failing !== undefined)
            threshold.max_failing = spec.max_failing;
        if (spec.max_failing_ratio !== undefined)
            threshold.max_failing_ratio = spec.max_failing_ratio;
        for (const k of ['min', 'max', 'inclusive', 'max_age', 'values', 'pattern', 'to', 'allow_extra']) {
            const v = spec[k];
            if (v !== undefined)
                threshold[k] = k === 'values' && Array.isArray(v) && v.length > 20 ? `${v.length} values` : v;
        }
        if (spec.where)
            threshold.where = spec.where;
        const result = {
            id: ids[index],
            type: spec.type,
            dataset: spec.dataset,
            columns: checkColumns(spec),
            severity: spec.severity,
            ...(spec.description ? { description: spec.description } : {}),
            status: 'error',
            failing_rows: null,
            total_rows: null,
            threshold,
            samples: [],
            message: '',
            line: suite.lineOf(['checks', index]),
            duration_ms: 0,
        };
        return { index, spec, result, started: now() };
    });
    const setError = (p, text, configProblem = false) => {
        const pii = states.get(p.spec.dataset)?.pii ?? new Set();
        const clean = pii.size ? scrubText(text, [], true) : text;
        p.result.status = 'error';
        p.result.error = clean;
        p.result.message = `check could not run: ${clean}`;
        if (configProblem)
            ctx.errors.push(`${suite.file}${p.result.line ? `:${p.result.line}` : ''}: checks[${p.index}] (${p.result.id}): ${clean}`);
    };
    // Compile.
    for (const p of pending) {
        const st = states.get(p.spec.dataset);
        if (!declared.has(p.spec.dataset)) {
            const known = [...declared.keys()];
            setError(p, `unknown dataset "${p.spec.dataset}"; declared datasets: ${known.length ? known.join(', ') : '(none)'}. Declare it under datasets: in the suite or dataops.yml`, true);
            continue;
        }
        if (!st?.info) {
            setError(p, `dataset "${p.spec.dataset}" could not be read: ${st?.error ?? 'unknown reason'}`);
            continue;
        }
        if (p.spec.type === 'relationships' && !declared.has(p.spec.to.dataset)) {
            setError(p, `unknown dataset "${p.spec.to.dataset}" in to.dataset; declared datasets: ${[...declared.keys()].join(', ')}`, true);
            continue;
        }
        try {
            p.compiled = compileCheck(p.spec, st.info, (n) => states.get(n)?.info);
            if (p.compiled.columns.length && p.spec.type !== 'schema')
                p.result.columns = p.compiled.columns;
        }
        catch (err) {
            if (err instanceof CheckCompileError)
                setError(p, err.message);
            else
                throw err;
        }
    }
    // One aggregate query per dataset.
    const byDataset = new Map();
    for (const p of pending) {
        if (p.compiled?.kind !== 'aggregate')
            continue;
        const list = byDataset.get(p.spec.dataset) ?? [];
        list.push(p);
        byDataset.set(p.spec.dataset, list);
    }
    for (const [name, st] of states) {
        if (st.error)
            continue;
        const list = byDataset.get(name) ?? [];
        const t = now();
        const parts = list.map((p) => ({ index: p.index, parts: p.compiled.aggregate }));
        try {
            const row = (await engine.query(aggregateQuery(name, parts)))[0] ?? {};
            st.report.row_count = Number(row.__rows ?? 0);
            const elapsed = ms(t);
            for (const p of list)
                evaluateAggregate(p, row, ctx, elapsed);
        }
        catch (err) {
            // Isolate: run each check alone so one bad expression does not hide the others.
            for (const p of list) {
                const t1 = now();
                try {
                    const row = (await engine.query(aggregateQuery(name, [{ index: p.index, parts: p.compiled.aggregate }])))[0] ?? {};
                    st.report.row_count = Number(row.__rows ?? 0);
                    evaluateAggregate(p, row, ctx, ms(t1));
                }
                catch (err1) {
                    setError(p, errorText(err1));
                    p.result.duration_ms = ms(t1);
                }
            }
            if (st.report.row_count === null) {
                try {
                    st.report.row_count = Number((await engine.query(`SELECT count(*) AS n FROM ${(0,duckdb/* ident */.bD)(name)}`))[0]?.n ?? 0);
                }
                catch {
                    st.report.error ??= errorText(err);
                }
            }
        }
    }
    // Schema and sql checks.
    for (const p of pending) {
        if (!p.compiled || p.compiled.kind === 'aggregate')
            continue;
        const t = now();
        const st = states.get(p.spec.dataset);
        try {
            if (p.spec.type === 'schema')
                evaluateSchema(p, st.info);
            else if (p.spec.type === 'sql') {
                const row = (await engine.query(p.compiled.countQuery))[0];
                const failing = Number(row?.failing ?? 0);
                const total = st.report.row_count ?? failing;
                p.result.failing_rows = failing;
                p.result.total_rows = total;
                p.result.status = checkVerdict(failing, total, p.spec.severity, p.spec);
                p.result.message = failing === 0 ? 'the query returned no rows' : `the query returned ${failing} failing row${failing === 1 ? '' : 's'}`;
            }
        }
        catch (err) {
            setError(p, errorText(err));
        }
        p.result.duration_ms = ms(t);
    }
    // Samples for what did not pass; masking of PII in samples and messages.
    for (const p of pending) {
        const st = states.get(p.spec.dataset);
        const pii = st?.pii ?? new Set();
        const failed = p.result.status === 'fail' || p.result.status === 'warn';
        if (failed && ctx.sampleN > 0 && (p.compiled?.samples || p.compiled?.dupHashesQuery)) {
            const t = now();
            try {
                let sampleSql = p.compiled.samples?.(ctx.sampleN);
                if (p.compiled.dupHashesQuery && p.compiled.samplesByHash) {
                    const found = (await engine.query(p.compiled.dupHashesQuery(ctx.sampleN)))[0]?.dup_hashes;
                    const hashes = Array.isArray(found) ? found.map(String) : [];
                    sampleSql = hashes.length ? p.compiled.samplesByHash(hashes, ctx.sampleN) : undefined;
                }
                const rows = sampleSql ? await engine.query(sampleSql) : [];
                const raw = [];
                for (const r of rows)
                    for (const c of pii)
                        if (c in r)
                            raw.push(r[c]);
                p.result.samples = rows.map((r) => maskRow(r, pii));
                if (rows.length && p.result.type !== 'unique' && p.result.type !== 'not_null' && p.result.columns.length === 1) {
                    const col = p.result.columns[0];
                    const shown = rows.map((r) => r[col]).filter((v, i, a) => a.indexOf(v) === i).slice(0, 3);
                    const vals = shown.map((v) => (pii.has(col) ? '••••' : JSON.stringify(v))).join(', ');
                    p.result.message += ` (e.g. ${vals})`;
                }
                if (raw.length)
                    p.result.message = scrubText(p.result.message, raw);
            }
            catch (err) {
                p.result.message += ` (samples unavailable: ${pii.size ? scrubText(errorText(err), [], true) : errorText(err)})`;
            }
            p.result.duration_ms = Math.round((p.result.duration_ms + ms(t)) * 10) / 10;
        }
    }
    return pending.map((p) => p.result);
}
function plural(n, word) {
    return `${n} ${word}${n === 1 ? '' : 's'}`;
}
function tolerance(spec) {
    const parts = [];
    if (spec.max_failing !== undefined)
        parts.push(`max ${spec.max_failing}`);
    if (spec.max_failing_ratio !== undefined)
        parts.push(`max ${(spec.max_failing_ratio * 100).toPrecision(3).replace(/\.?0+$/, '')}%`);
    return parts.length ? ` (tolerance ${parts.join(', ')})` : '';
}
function evaluateAggregate(p, row, ctx, elapsed) {
    const num = (k) => {
        const v = row[aggAlias(p.index, k)];
        return v === null || v === undefined ? null : Number(v);
    };
    const spec = p.spec;
    const total = num('total') ?? 0;
    const r = p.result;
    r.total_rows = total;
    r.duration_ms = elapsed;
    const verdict = (failing, tol = true) => checkVerdict(failing, total, spec.severity, tol ? spec : {});
    switch (spec.type) {
        case 'row_count': {
            const bad = (spec.min !== undefined && total < spec.min) || (spec.max !== undefined && total > spec.max);
            r.failing_rows = bad ? 1 : 0;
            r.total_rows = total;
            r.status = verdict(r.failing_rows, false);
            const bounds = [spec.min !== undefined ? `≥ ${spec.min}` : '', spec.max !== undefined ? `≤ ${spec.max}` : ''].filter(Boolean).join(' and ');
            r.message = `${plural(total, 'row')}${bounds ? `, expected ${bounds}` : ''}`;
            return;
        }
        case 'freshness': {
            const newest = num('value');
            const maxAge = parseDuration(spec.max_age);
            if (newest === null) {
                r.failing_rows = 1;
                r.status = verdict(1, false);
                r.message = `no ${spec.column} value to measure freshness (no rows or no parsable timestamps)`;
                return;
            }
            const age = ctx.clock.getTime() - newest;
            r.failing_rows = age > maxAge ? 1 : 0;
            r.status = verdict(r.failing_rows, false);
            const hours = (x) => (x >= 172_800_000 ? `${(x / 86_400_000).toFixed(1)} d` : `${(x / 3_600_000).toFixed(1)} h`);
            r.threshold.newest = new Date(newest).toISOString();
            r.threshold.now = ctx.clock.toISOString();
            r.message = `newest ${spec.column} is ${new Date(newest).toISOString()}, ${hours(age)} old; allowed ${spec.max_age}`;
            return;
        }
        default: {
            const failing = num('failing') ?? 0;
            r.failing_rows = failing;
            r.status = verdict(failing);
            r.message = failingMessage(spec, failing, total) + (failing > 0 ? tolerance(spec) : '');
        }
    }
}
function failingMessage(spec, failing, total) {
    const ratio = total > 0 ? ` (${((failing / total) * 100).toFixed(failing / total < 0.001 ? 4 : 2)}%)` : '';
    const of = `${failing} of ${plural(total, 'row')}${failing ? ratio : ''}`;
    switch (spec.type) {
        case 'not_null':
            return `${of} with NULL in ${[spec.columns].flat().join(', ')}`;
        case 'unique':
            return `${of} duplicate ${[spec.columns].flat().join(', ')} (rows beyond the first of each key)`;
        case 'accepted_values':
            return `${of} with ${spec.column} outside the ${plural(spec.values.length, 'accepted value')}`;
        case 'range': {
            const inc = typeof spec.inclusive === 'boolean' ? { min: spec.inclusive, max: spec.inclusive } : spec.inclusive;
            const lo = spec.min !== undefined ? `${inc.min ? '[' : '('}${spec.min}` : '(-∞';
            const hi = spec.max !== undefined ? `${spec.max}${inc.max ? ']' : ')'}` : '∞)';
            return `${of} with ${spec.column} outside ${lo}, ${hi}`;
        }
        case 'regex':
            return `${of} with ${spec.column} not fully matching /${spec.pattern}/`;
        case 'relationships':
            return `${of} whose ${[spec.columns].flat().join(', ')} has no match in ${spec.to.dataset}.${[spec.to.columns].flat().join(', ')}`;
        default:
            return of;
    }
}
function evaluateSchema(p, info) {
    if (p.spec.type !== 'schema')
        return;
    const spec = p.spec;
    const actualByLower = new Map([...info.columns].map(([k, v]) => [k.toLowerCase(), { name: k, type: v }]));
    const problems = [];
    for (const [col, type] of Object.entries(spec.columns)) {
        const actual = actualByLower.get(col.toLowerCase());
        if (!actual)
            problems.push({ column: col, problem: 'missing', expected: type, actual: null });
        else if (normalizeType(actual.type) !== normalizeType(type))
            problems.push({ column: col, problem: 'type changed', expected: type, actual: actual.type });
    }
    if (!spec.allow_extra) {
        const expected = new Set(Object.keys(spec.columns).map((c) => c.toLowerCase()));
        for (const [name, type] of info.columns)
            if (!expected.has(name.toLowerCase()))
                problems.push({ column: name, problem: 'extra', expected: null, actual: type });
    }
    const r = p.result;
    r.failing_rows = problems.length;
    r.total_rows = info.columns.size;
    r.status = checkVerdict(problems.length, info.columns.size, spec.severity, spec);
    r.samples = problems;
    const by = (k) => problems.filter((x) => x.problem === k).map((x) => (k === 'type changed' ? `${String(x.column)} (${String(x.expected)} → ${String(x.actual)})` : String(x.column)));
    const parts = [by('missing').length ? `missing: ${by('missing').join(', ')}` : '', by('extra').length ? `extra: ${by('extra').join(', ')}` : '', by('type changed').length ? `changed: ${by('type changed').join(', ')}` : ''].filter(Boolean);
    r.message = parts.length ? `schema differs — ${parts.join('; ')}` : `schema matches (${plural(Object.keys(spec.columns).length, 'column')})`;
}
/** Status order for displays: failures first. */
const STATUS_ORDER = { error: 0, fail: 1, warn: 2, pass: 3 };

;// CONCATENATED MODULE: ./build/core/quality/junit.js
function esc(s) {
    // XML 1.0 forbids most control characters even when escaped.
    // eslint-disable-next-line no-control-regex
    return s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}
const secs = (ms) => (ms / 1000).toFixed(3);
function detail(c) {
    const lines = [c.message];
    if (c.failing_rows !== null)
        lines.push(`failing rows: ${c.failing_rows} of ${c.total_rows ?? '?'}`);
    if (c.samples.length)
        lines.push('samples:', ...c.samples.map((s) => '  ' + JSON.stringify(s)));
    return lines.join('\n');
}
/** Renders reports as one JUnit XML document (UTF-8, with XML declaration). */
function renderJUnit(reports) {
    const all = reports.flatMap((r) => r.checks);
    const count = (s) => all.filter((c) => c.status === s).length;
    const suiteErrors = reports.reduce((n, r) => n + r.errors.length, 0);
    const totalTime = reports.reduce((n, r) => n + r.duration_ms, 0);
    const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
    out.push(`<testsuites name="dataops data quality" tests="${all.length + suiteErrors}" failures="${count('fail')}" errors="${count('error') + suiteErrors}" time="${secs(totalTime)}">`);
    for (const r of reports) {
        const n = (s) => r.checks.filter((c) => c.status === s).length;
        out.push(`  <testsuite name="${esc(r.suite.name)}" tests="${r.checks.length + r.errors.length}" failures="${n('fail')}" errors="${n('error') + r.errors.length}" skipped="0" time="${secs(r.duration_ms)}" timestamp="${esc(r.started_at)}" file="${esc(r.suite.file)}">`);
        for (const c of r.checks) {
            const attrs = `name="${esc(c.id)}" classname="${esc(`${r.suite.name}.${c.dataset}`)}" time="${secs(c.duration_ms)}"${c.line ? ` file="${esc(r.suite.file)}" line="${c.line}"` : ''}`;
            if (c.status === 'pass')
                out.push(`    <testcase ${attrs}/>`);
            else if (c.status === 'warn')
                out.push(`    <testcase ${attrs}>`, `      <system-out>${esc('WARN: ' + detail(c))}</system-out>`, '    </testcase>');
            else if (c.status === 'fail')
                out.push(`    <testcase ${attrs}>`, `      <failure message="${esc(c.message)}" type="${esc(c.type)}">${esc(detail(c))}</failure>`, '    </testcase>');
            else
                out.push(`    <testcase ${attrs}>`, `      <error message="${esc(c.error ?? c.message)}" type="check-error">${esc(c.error ?? c.message)}</error>`, '    </testcase>');
        }
        r.errors.forEach((e, i) => {
            out.push(`    <testcase name="suite-error-${i + 1}" classname="${esc(r.suite.name)}" time="0">`, `      <error message="${esc(e)}" type="configuration-error">${esc(e)}</error>`, '    </testcase>');
        });
        out.push('  </testsuite>');
    }
    out.push('</testsuites>', '');
    return out.join('\n');
}

;// CONCATENATED MODULE: ./build/actions/lib/action.js
/**
 * Runner glue shared by every action entry: inputs parsed by a zod schema from the runner's
 * `INPUT_*` protocol, failures prefixed with the action name and split into configuration
 * errors (annotated at the file/line they name) and bugs.
 */



/**
 * Reads every input named in `schema`'s shape from the environment (`core.getInput`), turning empty
 * strings into `undefined` so zod defaults apply, and validates them.
 * @throws ConfigError naming the input and the accepted values.
 */
function readInputs(schema) {
    const raw = {};
    for (const name of Object.keys(schema.shape)) {
        const value = core/* getInput */.V4(name);
        raw[name] = value === '' ? undefined : value;
    }
    const result = schema.safeParse(raw);
    if (result.success)
        return result.data;
    throw new core_errors/* ConfigErrors */.mS(result.error.issues.map((issue) => new core_errors/* ConfigError */.xL(raw[String(issue.path[0])] === undefined ? 'is required' : `${issue.message} (got "${raw[String(issue.path[0])]}")`, {
        location: { field: `input "${String(issue.path[0])}"` },
        fix: 'Fix the value under "with:" in your workflow step.',
    })));
}
/** zod helpers for action inputs, which always arrive as strings. */
const input = {
    boolean: (def) => schemas/* enum */.k5n(['true', 'false', 'True', 'False', 'TRUE', 'FALSE'])
        .optional()
        .transform((v) => (v === undefined ? def : v.toLowerCase() === 'true')),
    int: (def) => schemas/* string */.YjP()
        .regex(/^\d+$/, 'expected a whole number')
        .optional()
        .transform((v) => (v === undefined ? def : Number(v))),
    list: () => schemas/* string */.YjP()
        .optional()
        .transform((v) => (v ?? '')
        .split(/[\n,]/)
        .map((s) => s.trim())
        .filter(Boolean)),
};
/**
 * Runs an action body: on a thrown ConfigError the step fails with
 * `<action>: configuration error: …` and an error annotation at the named file/line;
 * any other error fails it as an internal error with its stack.
 */
async function runAction(action, body) {
    try {
        await body();
    }
    catch (err) {
        if ((0,core_errors/* isConfigError */.De)(err)) {
            const errors = err instanceof core_errors/* ConfigErrors */.mS ? err.errors : [err];
            for (const e of errors) {
                core/* error */.z3(e.message, {
                    title: `${action}: configuration error`,
                    ...(e.location.file ? { file: e.location.file } : {}),
                    ...(e.location.line ? { startLine: e.location.line } : {}),
                });
            }
            core/* setFailed */.C1((0,core_errors/* describeError */.Uc)(action, err));
        }
        else {
            core/* setFailed */.C1((0,core_errors/* describeError */.Uc)(action, err));
        }
    }
}

;// CONCATENATED MODULE: ./build/actions/data-quality/main.js
/**
 * Logic of actions/data-quality (entry: ../data-quality.ts): runs quality suites on DuckDB and reports them as the job
 * summary, annotations at the failing checks' suite lines, a JSON report and JUnit XML, outputs,
 * and (with a token allowed `checks: write`) one check run per suite, updated in place on re-runs.
 *
 * The DuckDB engine is not bundled: the entry registers a loader that installs it on first use
 * from the pinned `engine-lock.json` next to the bundle into the runner's tool cache
 * (src/core/engine/install.ts).
 * A failing suite still writes everything before the step fails; a malformed suite is a
 * configuration error and its report records it.
 */
















const ACTION = 'data-quality';
const inputsSchema = schemas/* object */.Ikc({
    // one per line only: commas belong to glob braces ({a,b}.yml)
    suite: schemas/* string */.YjP()
        .optional()
        .transform((v) => (v ?? '')
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)),
    project: schemas/* string */.YjP().optional(),
    // unset: the project's quality settings, else error / 5
    'fail-on': suite/* failOnSchema */.nI.optional(),
    samples: schemas/* string */.YjP().regex(/^\d+$/, 'expected a whole number').transform(Number).optional(),
    token: schemas/* string */.YjP().optional(),
    'check-run': input.boolean(true),
    'memory-limit': schemas/* string */.YjP()
        .regex(/^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, 'expected a size like "512MB" or "2GB"')
        .optional(),
    now: schemas/* string */.YjP()
        .refine((v) => !Number.isNaN(Date.parse(v)), 'expected an ISO 8601 timestamp like 2026-01-31T12:00:00Z')
        .optional(),
    'report-dir': schemas/* string */.YjP().optional(),
});
/** Path as GitHub wants it in annotations: relative to the workspace, forward slashes. */
function repoPath(file) {
    const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
    const rel = external_node_path_.relative(workspace, external_node_path_.resolve(file));
    return (rel.startsWith('..') || external_node_path_.isAbsolute(rel) ? file : rel).split(external_node_path_.sep).join('/');
}
/** Suite files named by the `suite` input (paths or globs, relative to the working directory). */
async function expandSuites(patterns) {
    const files = [];
    for (const p of patterns) {
        if (!(0,dist/* isDynamicPattern */.ey)(p)) {
            files.push(p); // a missing file is reported by the suite loader, naming it
            continue;
        }
        const found = (await (0,dist/* glob */.TI)(p, { onlyFiles: true, expandDirectories: false })).sort();
        if (found.length === 0)
            throw new core_errors/* ConfigError */.xL(`the pattern "${p}" matches no file`, { location: { field: 'input "suite"' }, fix: 'Check the glob (relative to the working directory, usually the repository root).' });
        files.push(...found);
    }
    return [...new Set(files)];
}
function logReport(r) {
    core/* startGroup */.Oh(`${statusLabel(r.status)} suite ${r.suite.name} (${r.suite.file}): ${r.counts.fail} failed, ${r.counts.error} errors, ${r.counts.warn} warned, ${r.counts.pass} passed`);
    for (const e of r.errors)
        core/* info */.pq(`  suite error: ${e}`);
    for (const c of sortChecks(r.checks)) {
        const rows = c.failing_rows === null ? '' : ` ${c.failing_rows}/${c.total_rows ?? '?'} rows`;
        core/* info */.pq(`  ${statusLabel(c.status).padEnd(8)} ${c.id} (${c.type} on ${c.dataset}${c.columns.length ? `.${c.columns.join(',')}` : ''})${rows}: ${c.status === 'error' ? (c.error ?? c.message) : c.message}`);
    }
    core/* endGroup */.N4();
}
/** Unique, file-system-safe report name per suite. */
function reportNames(reports) {
    const seen = new Map();
    return reports.map((r) => {
        const base = r.suite.name.replace(/[^A-Za-z0-9_.-]/g, '_') || 'suite';
        const n = (seen.get(base) ?? 0) + 1;
        seen.set(base, n);
        return n === 1 ? base : `${base}-${n}`;
    });
}
async function publishCheckRuns(reports, token, suiteErrors) {
    const repository = process.env.GITHUB_REPOSITORY;
    const headSha = await resolveHeadSha();
    if (!token || !repository || !headSha) {
        core/* info */.pq(`check runs skipped: ${!token ? 'no token' : !repository ? 'GITHUB_REPOSITORY is not set' : 'no commit SHA (GITHUB_SHA)'}`);
        return;
    }
    const { owner, repo } = parseRepository(repository, 'GITHUB_REPOSITORY');
    const client = new GitHubClient({ token, userAgent: 'dataops-actions/data-quality' });
    const runUrl = process.env.GITHUB_RUN_ID ? `${process.env.GITHUB_SERVER_URL ?? 'https://github.com'}/${repository}/actions/runs/${process.env.GITHUB_RUN_ID}` : undefined;
    for (const r of reports) {
        try {
            const published = await publishCheckRun(client, { owner, repo, headSha }, r, {
                summary: renderSummary([r], { maxBytes: CHECK_RUN_SUMMARY_LIMIT }),
                annotations: toCheckRunAnnotations([
                    ...(suiteErrors.get(r) ?? []).map((e) => ({ level: 'error', title: `${ACTION}: configuration error`, message: e.message, file: repoPath(e.location.file ?? r.suite.file), ...(e.location.line ? { line: e.location.line } : {}) })),
                    ...checkAnnotations([r], { file: repoPath }),
                ], repoPath(r.suite.file)),
                ...(runUrl ? { detailsUrl: runUrl } : {}),
            });
            core/* info */.pq(`check run "${r.suite.name}" ${published.created ? 'created' : 'updated'} (id ${published.id}, ${published.conclusion}, ${published.annotations} annotations sent${published.alreadyShown ? `, ${published.alreadyShown} already shown` : ''})`);
        }
        catch (err) {
            if (err instanceof ChecksPermissionError) {
                core/* warning */.$e(`${ACTION}: ${err.message} The results are in the job summary and the report; no check runs were published.`, { title: `${ACTION}: check runs skipped` });
                return; // once: the other suites would hit the same wall
            }
            core/* warning */.$e(`${ACTION}: could not publish the check run of suite "${r.suite.name}": ${err instanceof Error ? err.message : String(err)}`);
        }
    }
}
/** Runs the action (entry: ../data-quality.ts, after it enabled the compile cache). */
async function run() {
    await runAction(ACTION, async () => {
        const inputs = readInputs(inputsSchema);
        let failOn = inputs['fail-on'] ?? 'error';
        let samples = inputs.samples ?? 5;
        let memoryLimit = inputs['memory-limit'];
        let projectDatasets;
        let projectDir;
        let patterns = inputs.suite;
        if (inputs.project) {
            const { loadProject } = await __webpack_require__.e(/* import() */ 271).then(__webpack_require__.bind(__webpack_require__, 2271)); // only with a project: keeps every stage's settings schema out of the cold start
            const project = await loadProject(inputs.project);
            projectDatasets = project.config.datasets;
            projectDir = project.dir;
            const settings = project.config.quality;
            if (settings) {
                failOn = inputs['fail-on'] ?? settings.fail_on;
                samples = inputs.samples ?? settings.samples;
                memoryLimit = inputs['memory-limit'] ?? settings.memory_limit;
            }
            if (patterns.length === 0)
                patterns = (project.config.quality?.suites ?? []).map((s) => external_node_path_.relative(process.cwd(), external_node_path_.resolve(project.dir, s)) || s);
        }
        if (patterns.length === 0) {
            throw new core_errors/* ConfigError */.xL('no suite given', { location: { field: 'input "suite"' }, fix: 'Set "suite:" to suite file(s) or glob(s), one per line, or "project:" to a dataops.yml with quality.suites.' });
        }
        const suites = await expandSuites(patterns);
        const reports = [];
        const configErrors = [];
        /** Configuration errors of suites that could not run, annotated on their check runs too. */
        const suiteErrors = new Map();
        let bug;
        for (const suiteFile of suites) {
            try {
                reports.push(await runSuite({
                    suiteFile,
                    failOn,
                    samples,
                    ...(projectDatasets ? { projectDatasets, projectDir } : {}),
                    ...(inputs.now ? { now: new Date(inputs.now) } : {}),
                    ...(memoryLimit ? { memoryLimit } : {}),
                    ...(process.env.RUNNER_TEMP ? { tempDirectory: process.env.RUNNER_TEMP } : {}),
                }));
            }
            catch (err) {
                reports.push(errorReport(suiteFile, err, failOn));
                if (err instanceof install/* EngineInstallError */.Se) {
                    // the engine is shared: no later suite can run either
                    for (const rest of suites.slice(suites.indexOf(suiteFile) + 1))
                        reports.push(errorReport(rest, err, failOn));
                    bug = err;
                    break;
                }
                if ((0,core_errors/* isConfigError */.De)(err)) {
                    const list = err instanceof core_errors/* ConfigErrors */.mS ? err.errors : [err];
                    configErrors.push(...list);
                    suiteErrors.set(reports[reports.length - 1], list);
                }
                else
                    bug ??= err;
            }
        }
        // Reports first: everything below must exist even when the step then fails.
        const dir = external_node_path_.resolve(inputs['report-dir'] ?? external_node_path_.join(process.env.RUNNER_TEMP || external_node_os_.tmpdir(), 'dataops-quality'));
        await (0,promises_.mkdir)(dir, { recursive: true });
        const names = reportNames(reports);
        const reportPaths = reports.map((_, i) => external_node_path_.join(dir, `${names[i]}.json`));
        await Promise.all(reports.map((r, i) => writeReport(r, reportPaths[i])));
        const junitPath = external_node_path_.join(dir, 'junit.xml');
        await (0,promises_.writeFile)(junitPath, renderJUnit(reports));
        const sum = (k) => reports.reduce((n, r) => n + r.counts[k], 0);
        const status = overallStatus(reports);
        core/* setOutput */.uH('status', status);
        core/* setOutput */.uH('failed', sum('fail'));
        core/* setOutput */.uH('warned', sum('warn'));
        core/* setOutput */.uH('errored', sum('error') + reports.reduce((n, r) => n + r.errors.length, 0));
        core/* setOutput */.uH('passed', sum('pass'));
        core/* setOutput */.uH('report-path', reportPaths.join('\n'));
        core/* setOutput */.uH('junit-path', junitPath);
        for (const r of reports)
            logReport(r);
        for (const a of limitAnnotations(checkAnnotations(reports, { file: repoPath }))) {
            const props = { title: a.title, ...(a.file ? { file: a.file } : {}), ...(a.line ? { startLine: a.line } : {}) };
            if (a.level === 'error')
                core/* error */.z3(a.message, props);
            else if (a.level === 'warning')
                core/* warning */.$e(a.message, props);
            else
                core/* notice */.lm(a.message, props);
        }
        if (process.env.GITHUB_STEP_SUMMARY) {
            await core/* summary */.z.addRaw(renderSummary(reports, { reportPath: reportPaths.length === 1 ? reportPaths[0] : dir })).write();
        }
        core/* info */.pq(`reports: ${reportPaths.join(', ')}; JUnit: ${junitPath}`);
        if (inputs['check-run'])
            await publishCheckRuns(reports, inputs.token, suiteErrors);
        if (bug instanceof install/* EngineInstallError */.Se) {
            core/* setFailed */.C1(`${ACTION}: the DuckDB engine could not be installed: ${bug.message}`);
            return;
        }
        if (bug)
            throw bug instanceof Error ? bug : new Error(JSON.stringify(bug));
        if (configErrors.length)
            throw configErrors.length === 1 ? configErrors[0] : new core_errors/* ConfigErrors */.mS(configErrors);
        const failing = reports.filter((r) => r.failed_step);
        if (failing.length) {
            core/* setFailed */.C1(`${ACTION}: ${failing.map((r) => `suite ${r.suite.name} ${r.status} (${r.counts.fail} failed, ${r.counts.error} errors, ${r.counts.warn} warned of ${r.counts.total})`).join('; ')} — fail-on: ${failOn}. See the job summary.`);
        }
    });
}


/***/ }),

/***/ 2807:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   De: () => (/* binding */ isConfigError),
/* harmony export */   Uc: () => (/* binding */ describeError),
/* harmony export */   mS: () => (/* binding */ ConfigErrors),
/* harmony export */   xL: () => (/* binding */ ConfigError)
/* harmony export */ });
/* unused harmony export formatProblem */
/**
 * Error taxonomy shared by every action and the CLI (after github/codeql-action):
 * a {@link ConfigError} is the user's to fix and names where (file, line, field) and how;
 * anything else is a bug in dataops-actions and is reported as such.
 */
/**
 * A mistake in user input: a malformed suite, a missing file, a wrong digest, a forged message.
 * `message` states the problem; `fix` says what to do about it.
 */
class ConfigError extends Error {
    name = 'ConfigError';
    location;
    fix;
    constructor(problem, options = {}) {
        super(options.preformatted ? problem : formatProblem(problem, options.location ?? {}, options.fix), { cause: options.cause });
        this.location = options.location ?? {};
        this.fix = options.fix;
    }
}
/** Several configuration errors found in one pass (e.g. every invalid field of a suite). */
class ConfigErrors extends ConfigError {
    errors;
    constructor(errors) {
        const first = errors[0];
        const head = errors.length === 1 && first ? first.message : `${errors.length} problems:\n` + errors.map((e) => `  - ${e.message}`).join('\n');
        super(head, { location: first?.location ?? {}, preformatted: true });
        this.errors = errors;
    }
}
/** `file:line:column: field: problem. fix` with absent parts left out. */
function formatProblem(problem, location, fix) {
    let where = '';
    if (location.file) {
        where = location.file;
        if (location.line)
            where += `:${location.line}`;
        if (location.line && location.column)
            where += `:${location.column}`;
        where += ': ';
    }
    const field = location.field ? `${location.field}: ` : '';
    const tail = fix ? ` ${/[.!?]$/.test(problem) ? '' : '.'}${fix}`.replace(/^ \./, '. ') : '';
    return `${where}${field}${problem}${tail}`;
}
/** True for errors the user can fix (configuration), false for bugs. */
function isConfigError(err) {
    return err instanceof ConfigError;
}
/**
 * One line (plus stack for bugs) describing `err` for a log, prefixed with the action or command name,
 * e.g. `data-quality: configuration error: quality/movies.yml:12: checks[3].type: unknown check type "uniq". Use one of: …`.
 */
function describeError(prefix, err) {
    if (isConfigError(err))
        return `${prefix}: configuration error: ${err.message}`;
    const e = err instanceof Error ? err : new Error(String(err));
    return `${prefix}: internal error (a bug in dataops-actions, please report it with this log): ${e.stack ?? e.message}`;
}


/***/ }),

/***/ 1132:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   X5: () => (/* binding */ severitySchema),
/* harmony export */   Y9: () => (/* binding */ suiteSchema),
/* harmony export */   _U: () => (/* binding */ checkSchema),
/* harmony export */   eS: () => (/* binding */ datasetSchema),
/* harmony export */   jf: () => (/* binding */ formatSchema),
/* harmony export */   nI: () => (/* binding */ failOnSchema)
/* harmony export */ });
/* unused harmony exports columnMetaSchema, fileDatasetSchema, sqlDatasetSchema */
/* harmony import */ var zod__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(8816);
/**
 * Quality suite file format (version 1): datasets plus a list of checks, in YAML.
 * This zod schema is the single source of truth; `schemas/quality-suite.schema.json` is generated
 * from it (scripts/gen-schemas.ts) for editors and for ajv.
 */

/** How bad a failing check is: `error` fails the step under the default `fail-on: error`, `warn` reports only. */
const severitySchema = zod__WEBPACK_IMPORTED_MODULE_0__/* ["enum"] */ .k5n(['error', 'warn']).describe('error: a failure fails the step (with fail-on: error). warn: reported as a warning.');
/** Which outcome fails the step: any `error`-status or failing error-severity check; also warnings; or never. */
const failOnSchema = zod__WEBPACK_IMPORTED_MODULE_0__/* ["enum"] */ .k5n(['error', 'warn', 'never']);
const identifier = zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'use letters, digits and "_", not starting with a digit');
const columnName = zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().min(1);
/** Per-column metadata of a dataset. */
const columnMetaSchema = zod__WEBPACK_IMPORTED_MODULE_0__/* .strictObject */ .rej({
    pii: zod__WEBPACK_IMPORTED_MODULE_0__/* .boolean */ .zMY().default(false).describe('Mask this column in samples, summaries and logs.'),
    description: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().optional(),
});
/** File formats DuckDB reads for us. */
const formatSchema = zod__WEBPACK_IMPORTED_MODULE_0__/* ["enum"] */ .k5n(['csv', 'tsv', 'parquet', 'json', 'ndjson']);
/**
 * A file dataset: one path or glob (or a list), relative to the file declaring it. The prefix `npm:`
 * resolves through installed npm packages (`npm:vega-datasets/data/movies.json`).
 */
const fileDatasetSchema = zod__WEBPACK_IMPORTED_MODULE_0__/* .strictObject */ .rej({
    path: zod__WEBPACK_IMPORTED_MODULE_0__/* .union */ .KCZ([zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().min(1), zod__WEBPACK_IMPORTED_MODULE_0__/* .array */ .YOg(zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().min(1)).min(1)]).describe('File path or glob, or a list; relative to the declaring file. "npm:<package>/<file>" reads a file shipped in an npm package.'),
    format: formatSchema.optional().describe('Defaults from the file extension.'),
    options: zod__WEBPACK_IMPORTED_MODULE_0__/* .record */ .g1P(zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP(), zod__WEBPACK_IMPORTED_MODULE_0__/* .union */ .KCZ([zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP(), zod__WEBPACK_IMPORTED_MODULE_0__/* .number */ .aig(), zod__WEBPACK_IMPORTED_MODULE_0__/* .boolean */ .zMY()])).optional().describe('Extra DuckDB reader options, e.g. {delim: ";", header: true}.'),
    columns: zod__WEBPACK_IMPORTED_MODULE_0__/* .record */ .g1P(columnName, columnMetaSchema).optional(),
    description: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().optional(),
});
/** A dataset defined by a SQL query over other declared datasets (referenced by name). */
const sqlDatasetSchema = zod__WEBPACK_IMPORTED_MODULE_0__/* .strictObject */ .rej({
    sql: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().min(1).describe('SELECT over other datasets of this suite, referenced by name.'),
    columns: zod__WEBPACK_IMPORTED_MODULE_0__/* .record */ .g1P(columnName, columnMetaSchema).optional(),
    description: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().optional(),
});
const datasetSchema = zod__WEBPACK_IMPORTED_MODULE_0__/* .union */ .KCZ([fileDatasetSchema, sqlDatasetSchema]);
const base = {
    id: identifier.optional().describe('Stable id (defaults to <type>_<dataset>_<columns>); check runs and reports key on it.'),
    dataset: identifier.describe('Name of a dataset declared in this suite or in dataops.yml.'),
    description: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().optional(),
    severity: severitySchema.default('error'),
    where: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().min(1).optional().describe('SQL filter: only rows matching it are checked.'),
    max_failing: zod__WEBPACK_IMPORTED_MODULE_0__/* .number */ .aig().int().min(0).optional().describe('Tolerance: pass while at most this many rows fail.'),
    max_failing_ratio: zod__WEBPACK_IMPORTED_MODULE_0__/* .number */ .aig().min(0).max(1).optional().describe('Tolerance: pass while at most this fraction of rows fail (0..1).'),
};
const oneOrMoreColumns = zod__WEBPACK_IMPORTED_MODULE_0__/* .union */ .KCZ([columnName, zod__WEBPACK_IMPORTED_MODULE_0__/* .array */ .YOg(columnName).min(1)]);
const scalar = zod__WEBPACK_IMPORTED_MODULE_0__/* .union */ .KCZ([zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP(), zod__WEBPACK_IMPORTED_MODULE_0__/* .number */ .aig(), zod__WEBPACK_IMPORTED_MODULE_0__/* .boolean */ .zMY()]);
const checkSchema = zod__WEBPACK_IMPORTED_MODULE_0__/* .discriminatedUnion */ .gMt('type', [
    zod__WEBPACK_IMPORTED_MODULE_0__/* .strictObject */ .rej({ ...base, type: zod__WEBPACK_IMPORTED_MODULE_0__/* .literal */ .euz('row_count'), min: zod__WEBPACK_IMPORTED_MODULE_0__/* .number */ .aig().int().min(0).optional(), max: zod__WEBPACK_IMPORTED_MODULE_0__/* .number */ .aig().int().min(0).optional() }),
    zod__WEBPACK_IMPORTED_MODULE_0__/* .strictObject */ .rej({ ...base, type: zod__WEBPACK_IMPORTED_MODULE_0__/* .literal */ .euz('not_null'), columns: oneOrMoreColumns }),
    zod__WEBPACK_IMPORTED_MODULE_0__/* .strictObject */ .rej({ ...base, type: zod__WEBPACK_IMPORTED_MODULE_0__/* .literal */ .euz('unique'), columns: oneOrMoreColumns.describe('One column, or a composite key.') }),
    zod__WEBPACK_IMPORTED_MODULE_0__/* .strictObject */ .rej({ ...base, type: zod__WEBPACK_IMPORTED_MODULE_0__/* .literal */ .euz('accepted_values'), column: columnName, values: zod__WEBPACK_IMPORTED_MODULE_0__/* .array */ .YOg(scalar).min(1) }),
    zod__WEBPACK_IMPORTED_MODULE_0__/* .strictObject */ .rej({
        ...base,
        type: zod__WEBPACK_IMPORTED_MODULE_0__/* .literal */ .euz('range'),
        column: columnName,
        min: zod__WEBPACK_IMPORTED_MODULE_0__/* .union */ .KCZ([zod__WEBPACK_IMPORTED_MODULE_0__/* .number */ .aig(), zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP()]).optional(),
        max: zod__WEBPACK_IMPORTED_MODULE_0__/* .union */ .KCZ([zod__WEBPACK_IMPORTED_MODULE_0__/* .number */ .aig(), zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP()]).optional(),
        inclusive: zod__WEBPACK_IMPORTED_MODULE_0__/* .union */ .KCZ([zod__WEBPACK_IMPORTED_MODULE_0__/* .boolean */ .zMY(), zod__WEBPACK_IMPORTED_MODULE_0__/* .strictObject */ .rej({ min: zod__WEBPACK_IMPORTED_MODULE_0__/* .boolean */ .zMY().default(true), max: zod__WEBPACK_IMPORTED_MODULE_0__/* .boolean */ .zMY().default(true) })]).default(true),
    }),
    zod__WEBPACK_IMPORTED_MODULE_0__/* .strictObject */ .rej({ ...base, type: zod__WEBPACK_IMPORTED_MODULE_0__/* .literal */ .euz('regex'), column: columnName, pattern: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().min(1).describe('RE2 pattern that must match the whole value.') }),
    zod__WEBPACK_IMPORTED_MODULE_0__/* .strictObject */ .rej({
        ...base,
        type: zod__WEBPACK_IMPORTED_MODULE_0__/* .literal */ .euz('relationships'),
        columns: oneOrMoreColumns,
        to: zod__WEBPACK_IMPORTED_MODULE_0__/* .strictObject */ .rej({ dataset: identifier, columns: oneOrMoreColumns }),
    }),
    zod__WEBPACK_IMPORTED_MODULE_0__/* .strictObject */ .rej({
        ...base,
        type: zod__WEBPACK_IMPORTED_MODULE_0__/* .literal */ .euz('freshness'),
        column: columnName,
        max_age: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().regex(/^\d+(\.\d+)?\s*(s|m|h|d|w)$/, 'write a duration like "90m", "36h" or "7d"'),
    }),
    zod__WEBPACK_IMPORTED_MODULE_0__/* .strictObject */ .rej({
        ...base,
        type: zod__WEBPACK_IMPORTED_MODULE_0__/* .literal */ .euz('schema'),
        columns: zod__WEBPACK_IMPORTED_MODULE_0__/* .record */ .g1P(columnName, zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().min(1)).describe('Expected column → DuckDB type (e.g. BIGINT, VARCHAR, TIMESTAMP).'),
        allow_extra: zod__WEBPACK_IMPORTED_MODULE_0__/* .boolean */ .zMY().default(false),
    }),
    zod__WEBPACK_IMPORTED_MODULE_0__/* .strictObject */ .rej({ ...base, type: zod__WEBPACK_IMPORTED_MODULE_0__/* .literal */ .euz('sql'), query: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().min(1).describe('Query whose rows are the failures.') }),
]);
/** A quality suite file. */
const suiteSchema = zod__WEBPACK_IMPORTED_MODULE_0__/* .strictObject */ .rej({
    $schema: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().optional(),
    version: zod__WEBPACK_IMPORTED_MODULE_0__/* .literal */ .euz(1),
    suite: identifier.describe('Suite name: one check run per suite.'),
    description: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().optional(),
    datasets: zod__WEBPACK_IMPORTED_MODULE_0__/* .record */ .g1P(identifier, datasetSchema).default({}),
    checks: zod__WEBPACK_IMPORTED_MODULE_0__/* .array */ .YOg(checkSchema).min(1),
})
    .describe('dataops-actions data-quality suite.');


/***/ }),

/***/ 9483:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   hN: () => (/* binding */ parseYaml),
/* harmony export */   kv: () => (/* binding */ readYamlFile),
/* harmony export */   uW: () => (/* binding */ validateYaml)
/* harmony export */ });
/* unused harmony export formatPath */
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1455);
/* harmony import */ var yaml__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(8815);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(2807);
/**
 * YAML loading that keeps source positions, so validation errors and annotations can name the
 * line a field sits on. Built on the `yaml` package's Document/LineCounter API (YAML 1.2).
 */



/**
 * Parses YAML text.
 * @throws ConfigError naming `file:line:column` for a syntax error.
 */
function parseYaml(text, file) {
    const lineCounter = new yaml__WEBPACK_IMPORTED_MODULE_1__/* .LineCounter */ .HN();
    const doc = (0,yaml__WEBPACK_IMPORTED_MODULE_1__/* .parseDocument */ .Tp)(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
    const firstError = doc.errors[0];
    if (firstError) {
        const pos = lineCounter.linePos(firstError.pos[0]);
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .ConfigError */ .xL(`invalid YAML: ${firstError.message.split('\n')[0]}`, {
            location: { file, line: pos.line, column: pos.col },
            fix: 'Fix the YAML syntax at that line (indentation, quotes, a missing colon).',
        });
    }
    const lineOf = (path) => {
        for (let n = path.length; n >= 0; n--) {
            const node = doc.getIn(path.slice(0, n), true);
            if ((0,yaml__WEBPACK_IMPORTED_MODULE_1__/* .isNode */ .Ll)(node) && node.range)
                return lineCounter.linePos(node.range[0]).line;
            // for a key whose value is null the pair is still found through the parent map
        }
        return undefined;
    };
    return { file, data: doc.toJS({ maxAliasCount: 100 }), lineOf };
}
/**
 * Reads and parses a YAML file.
 * @throws ConfigError when the file is missing or unreadable, or on a syntax error.
 */
async function readYamlFile(file) {
    let text;
    try {
        text = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.readFile)(file, 'utf8');
    }
    catch (err) {
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .ConfigError */ .xL(`cannot read file (${err.code ?? String(err)})`, {
            location: { file },
            fix: 'Check the path: relative paths resolve from the current directory.',
            cause: err,
        });
    }
    return parseYaml(text, file);
}
/** Renders a zod issue path as `checks[2].columns`. */
function formatPath(path) {
    let out = '';
    for (const p of path) {
        if (typeof p === 'number')
            out += `[${p}]`;
        else
            out += out ? `.${String(p)}` : String(p);
    }
    return out || '(root)';
}
/**
 * Validates a parsed YAML document against a zod schema.
 * @returns the parsed value.
 * @throws ConfigErrors with one entry per issue (file, line, field, message).
 */
function validateYaml(schema, source, fix) {
    const result = schema.safeParse(source.data);
    if (result.success)
        return result.data;
    const errors = result.error.issues.slice(0, 20).map((issue) => {
        const path = issue.path.filter((p) => typeof p !== 'symbol');
        return new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .ConfigError */ .xL(issue.message, {
            location: { file: source.file, line: source.lineOf(path), field: formatPath(path) },
            ...(fix ? { fix } : {}),
        });
    });
    throw new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .ConfigErrors */ .mS(errors);
}


/***/ })

};
