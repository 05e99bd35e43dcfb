/**
 * The workflow commands every action uses at start-up, without loading `@actions/core`: inputs,
 * outputs, log lines, groups, masks, annotations and the failed status, written in the runner's
 * protocol ("Workflow commands for GitHub Actions", docs.github.com: `::command k=v,…::message`
 * on stdout with `%`, CR, LF (and in properties `:` and `,`) percent-encoded; `GITHUB_OUTPUT`
 * `name<<ghadelimiter_<uuid>` blocks), byte for byte what @actions/core 3 writes for the same
 * call (tests/unit/actions-core.test.ts compares both).
 *
 * Why not `import * as core from '@actions/core'`: its entry imports its OIDC client, hence
 * @actions/http-client, tunnel and undici (~470 kB of bundle, about 200 ms of CPU to evaluate on
 * every start) even for an action that never makes a request, and the package exports nothing
 * but that entry. What needs the rest of the toolkit loads it when used: {@link jobSummary}
 * (the summary builder) and {@link getIDToken} import @actions/core on first call.
 *
 * From source (an action's `main.ts` run by @github/local-action, which replaces @actions/core
 * with its own module to capture outputs, annotations and the failed status), every call goes to
 * @actions/core itself once {@link useToolkitFromSource} ran (runAction calls it).
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync } from 'node:fs';
import { access, appendFile, constants } from 'node:fs/promises';
import { EOL } from 'node:os';
import type * as ActionsCore from '@actions/core';

/** Where an annotation points (as @actions/core's AnnotationProperties). */
export type AnnotationProperties = ActionsCore.AnnotationProperties;

/** @actions/core, when the action runs from source ({@link useToolkitFromSource}). */
let toolkit: typeof ActionsCore | undefined;

/**
 * From source (this module is a `.ts` file, not the bundle's chunk), routes every call of this
 * module to @actions/core, whichever module a local runner put in its place. A no-op in the bundle.
 */
export async function useToolkitFromSource(): Promise<void> {
  if (/\.ts([?#]|$)/.test(import.meta.url)) toolkit ??= await import('@actions/core');
}

/** A value as the runner reads it: strings as they are, null/undefined empty, anything else JSON. */
function commandValue(input: unknown): string {
  if (input === null || input === undefined) return '';
  if (typeof input === 'string' || input instanceof String) return String(input);
  return JSON.stringify(input);
}

const escapeData = (s: unknown) => commandValue(s).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (s: unknown) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

/** Writes `::command k=v,…::message` (properties with an empty value left out) on stdout. */
function issueCommand(command: string, properties: Record<string, unknown>, message: unknown): void {
  const props = Object.entries(properties)
    .filter(([, v]) => v)
    .map(([k, v]) => `${k}=${escapeProperty(v)}`)
    .join(',');
  process.stdout.write(`::${command}${props ? ` ${props}` : ''}::${escapeData(message)}${EOL}`);
}

/** Input `name` (`INPUT_<NAME>`, spaces as `_`), trimmed; '' when unset. */
export function getInput(name: string): string {
  if (toolkit) return toolkit.getInput(name);
  return (process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] || '').trim();
}

/**
 * Sets output `name` (non-strings as JSON): a delimited block appended to `$GITHUB_OUTPUT`, else
 * the deprecated `set-output` command. @throws Error when `$GITHUB_OUTPUT` names a missing file.
 */
export function setOutput(name: string, value: unknown): void {
  if (toolkit) return toolkit.setOutput(name, value);
  const file = process.env.GITHUB_OUTPUT || '';
  if (!file) {
    process.stdout.write(EOL);
    issueCommand('set-output', { name }, commandValue(value));
    return;
  }
  const delimiter = `ghadelimiter_${randomUUID()}`;
  const converted = commandValue(value);
  if (name.includes(delimiter)) throw new Error(`Unexpected input: name should not contain the delimiter "${delimiter}"`);
  if (converted.includes(delimiter)) throw new Error(`Unexpected input: value should not contain the delimiter "${delimiter}"`);
  if (!existsSync(file)) throw new Error(`Missing file at path: ${file}`);
  appendFileSync(file, `${name}<<${delimiter}${EOL}${converted}${EOL}${delimiter}${EOL}`, { encoding: 'utf8' });
}

/** Masks `secret` in the log from now on. */
export function setSecret(secret: string): void {
  if (toolkit) return toolkit.setSecret(secret);
  issueCommand('add-mask', {}, secret);
}

/** A log line. */
export function info(message: string): void {
  if (toolkit) return toolkit.info(message);
  process.stdout.write(message + EOL);
}

const annotate = (level: 'error' | 'warning' | 'notice') => (message: string | Error, properties: AnnotationProperties = {}) =>
  toolkit ? toolkit[level](message, properties) : issueCommand(
    level,
    Object.keys(properties).length ? { title: properties.title, file: properties.file, line: properties.startLine, endLine: properties.endLine, col: properties.startColumn, endColumn: properties.endColumn } : {},
    message instanceof Error ? message.toString() : message,
  );

/** An error annotation (at `properties`' file/line when given). */
export const error = annotate('error');
/** A warning annotation. */
export const warning = annotate('warning');
/** A notice annotation. */
export const notice = annotate('notice');

/** Marks the step failed (exit code 1) with an error annotation. */
export function setFailed(message: string | Error): void {
  if (toolkit) return toolkit.setFailed(message);
  process.exitCode = 1;
  error(message);
}

/** Starts a foldable group of log lines. */
export function startGroup(name: string): void {
  if (toolkit) return toolkit.startGroup(name);
  issueCommand('group', {}, name);
}

/** Ends the current group. */
export function endGroup(): void {
  if (toolkit) return toolkit.endGroup();
  issueCommand('endgroup', {}, '');
}

/** @actions/core itself, loaded on first use (with its HTTP client). */
const actionsCore = (): Promise<typeof ActionsCore> => import('@actions/core');

/** @actions/core's job summary builder (`addHeading`, `addTable`, … `write()`), loaded on first use. */
export async function jobSummary(): Promise<typeof ActionsCore.summary> {
  return (await actionsCore()).summary;
}

/**
 * Appends `markdown` to the job summary (`$GITHUB_STEP_SUMMARY`), as `core.summary.addRaw(markdown).write()`.
 * @throws Error when the variable is unset or its file is not readable and writable.
 */
export async function appendJobSummary(markdown: string): Promise<void> {
  if (toolkit) {
    await toolkit.summary.addRaw(markdown).write();
    return;
  }
  const file = process.env.GITHUB_STEP_SUMMARY;
  if (!file) throw new Error('Unable to find environment variable for $GITHUB_STEP_SUMMARY. Check if your runtime environment supports job summaries.');
  try {
    await access(file, constants.R_OK | constants.W_OK);
  } catch {
    throw new Error(`Unable to access summary file: '${file}'. Check if the file has correct read/write permissions.`);
  }
  await appendFile(file, markdown, { encoding: 'utf8' });
}

/** The job's OIDC token for `audience` (masked in the log), through @actions/core's OIDC client. */
export async function getIDToken(audience?: string): Promise<string> {
  return (await actionsCore()).getIDToken(audience);
}
