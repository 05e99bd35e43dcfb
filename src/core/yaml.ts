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

/**
 * Parses YAML text.
 * @throws ConfigError naming `file:line:column` for a syntax error.
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
  return { file, data: doc.toJS({ maxAliasCount: 100 }) as unknown, lineOf };
}

/**
 * Reads and parses a YAML file.
 * @throws ConfigError when the file is missing or unreadable, or on a syntax error.
 */
export async function readYamlFile(file: string): Promise<YamlSource> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read file (${(err as NodeJS.ErrnoException).code ?? String(err)})`, {
      location: { file },
      fix: 'Check the path: relative paths resolve from the current directory.',
      cause: err,
    });
  }
  return parseYaml(text, file);
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
  const errors = result.error.issues.slice(0, 20).map((issue) => {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    return new ConfigError(issue.message, {
      location: { file: source.file, line: source.lineOf(path), field: formatPath(path) },
      ...(fix ? { fix } : {}),
    });
  });
  throw new ConfigErrors(errors);
}
