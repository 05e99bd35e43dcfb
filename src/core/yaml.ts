/**
 * YAML loading that keeps source positions, so validation errors and annotations can name the
 * line a field sits on. Built on the `yaml` package's Document/LineCounter API (YAML 1.2).
 */
import { readFile } from 'node:fs/promises';
import { isNode, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, ConfigErrors } from './errors.ts';

/** Path into a YAML document: object keys and array indices. */
export type YamlPath = ReadonlyArray<string | number>;

/** A parsed YAML file with a way back from a value's path to its 1-based line. */
export interface YamlSource {
  /** Path as given by the caller. */
  file: string;
  /** Plain JS value of the document. */
  data: unknown;
  /** 1-based line of the node at `path`, or of its nearest existing ancestor; undefined for an empty document. */
  lineOf: (path: YamlPath) => number | undefined;
}

/** Aliases a document may expand (the `yaml` library's `maxAliasCount`): enough for shared lists, far from a billion laughs. */
export const MAX_ALIASES = 100;

/**
 * Decodes the bytes of a configuration file as UTF-8 (a leading BOM is dropped).
 * @throws ConfigError naming `file:line` when the bytes are not UTF-8 (e.g. latin-1) or hold a
 *   NUL byte (a binary file): nothing is silently replaced.
 */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  const lineAt = (offset: number) => 1 + bytes.subarray(0, offset).reduce((n, b) => n + (b === 0x0a ? 1 : 0), 0);
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    throw new ConfigError(`the file holds a NUL byte (at byte ${nul}): it is binary, not YAML text`, { location: { file, line: lineAt(nul) }, fix: 'Save the file as UTF-8 text.' });
  }
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) {
    throw new ConfigError(`the file is not UTF-8 (invalid byte 0x${bytes[bad]!.toString(16).padStart(2, '0')} at byte ${bad}; latin-1 or another encoding?)`, {
      location: { file, line: lineAt(bad) },
      fix: 'Save the file as UTF-8.',
    });
  }
  return new TextDecoder('utf-8').decode(bytes);
}

/** Offset of the first byte that does not start or continue a well-formed UTF-8 sequence (RFC 3629), or -1. */
function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    const [len, min] = c < 0x80 ? [1, 0] : c >= 0xc2 && c <= 0xdf ? [2, 0x80] : c >= 0xe0 && c <= 0xef ? [3, 0x800] : c >= 0xf0 && c <= 0xf4 ? [4, 0x10000] : [0, 0];
    if (len === 0 || i + len > b.length) return i;
    let cp = len === 1 ? c : c & (0xff >> (len + 1));
    for (let k = 1; k < len; k++) {
      const x = b[i + k]!;
      if ((x & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (x & 0x3f);
    }
    // overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8
    if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return i;
    i += len;
  }
  return -1;
}

/**
 * Parses YAML text.
 * @throws ConfigError naming `file:line:column` for a syntax error, and for a document whose
 *   aliases expand beyond {@link MAX_ALIASES} (an alias bomb).
 */
export function parseYaml(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const firstError = doc.errors[0];
  if (firstError) {
    const pos = lineCounter.linePos(firstError.pos[0]);
    throw new ConfigError(`invalid YAML: ${firstError.message.split('\n')[0]}`, {
      location: { file, line: pos.line, column: pos.col },
      fix: 'Fix the YAML syntax at that line (indentation, quotes, a missing colon).',
    });
  }
  const lineOf = (path: YamlPath): number | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
      // for a key whose value is null the pair is still found through the parent map
    }
    return undefined;
  };
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIASES }) as unknown;
  } catch (err) {
    // the library refuses excessive alias expansion (resource exhaustion) with a ReferenceError
    throw new ConfigError(`invalid YAML: ${/alias/i.test(String(err)) ? `aliases expand too far (more than ${MAX_ALIASES} alias uses, or an alias to itself)` : (err instanceof Error ? err.message : String(err)).split('\n')[0]}`, {
      location: { file, line: 1 },
      fix: 'Write the values out instead of nesting aliases (&name / *name).',
    });
  }
  return { file, data, lineOf };
}

/**
 * Reads and parses a YAML file.
 * @throws ConfigError when the file is missing or unreadable, or on a syntax error.
 */
export async function readYamlFile(file: string): Promise<YamlSource> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new ConfigError(`cannot read file (${(err as NodeJS.ErrnoException).code ?? String(err)})`, {
      location: { file },
      fix: 'Check the path: relative paths resolve from the current directory.',
      cause: err,
    });
  }
  return parseYaml(decodeUtf8(bytes, file), file);
}

/** Renders a zod issue path as `checks[2].columns`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || '(root)';
}

/**
 * Validates a parsed YAML document against a zod schema.
 * @returns the parsed value.
 * @throws ConfigErrors with one entry per issue (file, line, field, message).
 */
export function validateYaml<S extends z.ZodType>(schema: S, source: YamlSource, fix?: string): z.output<S> {
  const result = schema.safeParse(source.data);
  if (result.success) return result.data;
  const errors = result.error.issues
    .flatMap((issue) => explainUnion(issue))
    .slice(0, 20)
    .map((issue) => {
      const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
      // an unknown key is named with its own line
      const at = keys.length === 1 ? [...path, keys[0]!] : path;
      return new ConfigError(keys.length ? `unknown key${keys.length === 1 ? '' : 's'} ${keys.map((k) => JSON.stringify(k)).join(', ')}` : issue.message, {
        location: { file: source.file, line: source.lineOf(at), field: formatPath(path) },
        ...(fix ? { fix } : {}),
      });
    });
  throw new ConfigErrors(errors);
}

type Issue = z.core.$ZodIssue;

/**
 * A union's "Invalid input" replaced by what the user can act on: keys no branch knows (named),
 * else the issues of the branch that came closest (fewest issues), else the union's own message.
 */
function explainUnion(issue: Issue): Issue[] {
  if (issue.code !== 'invalid_union' || !issue.errors?.length) return [issue];
  const branches = issue.errors.map((b) => b.map((i) => ({ ...i, path: [...issue.path, ...i.path] })));
  const unknownIn = (b: Issue[]) => new Set(b.flatMap((i) => (i.code === 'unrecognized_keys' && i.path.length === issue.path.length ? i.keys : [])));
  const sets = branches.map(unknownIn);
  const common = [...sets[0]!].filter((k) => sets.every((s) => s.has(k)));
  if (common.length) return [{ code: 'unrecognized_keys', keys: common, path: issue.path, message: '', input: undefined } as unknown as Issue];
  const sizes = branches.map((b) => b.length);
  const best = Math.min(...sizes);
  if (sizes.filter((n) => n === best).length === 1) return branches[sizes.indexOf(best)]!.flatMap(explainUnion);
  return [issue];
}
