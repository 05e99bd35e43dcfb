/**
 * Stack traces of internal errors in src/ terms. The bundle's chunks (dist/actions/*.js) each
 * carry a source map of our code (`<chunk>.js.map`, written by scripts/bundle.ts). Rather than
 * `process.setSourceMapsEnabled(true)` at start, which makes Node read and index the map of every
 * chunk as it loads (~50 ms of CPU on each start), a stack is mapped here only when an internal
 * error is reported, with Node's own source-map reader (`module.SourceMap`).
 */
import { readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * `stack` with every `file://…/x.js:line:column` position that `x.js.map` maps to a source file
 * replaced by that file's path, line and column (1-based, as Node prints them). Positions without
 * a map, or in bundled libraries (left out of our maps), stay as they are. Never throws.
 */
export function sourceMappedStack(stack: string): string {
  const maps = new Map<string, SourceMap | null>();
  const mapOf = (url: string): SourceMap | null => {
    if (!maps.has(url)) {
      try {
        maps.set(url, new SourceMap(JSON.parse(readFileSync(`${fileURLToPath(url)}.map`, 'utf8')) as SourceMapPayload));
      } catch {
        maps.set(url, null);
      }
    }
    return maps.get(url)!;
  };
  return stack.replace(/(file:\/\/[^\s()]+?\.js):(\d+):(\d+)/g, (position, url: string, line: string, column: string) => {
    const entry = mapOf(url)?.findEntry(Number(line) - 1, Number(column) - 1);
    if (!entry || !('originalSource' in entry) || !entry.originalSource) return position;
    let source: string;
    try {
      source = fileURLToPath(new URL(entry.originalSource, url));
    } catch {
      return position;
    }
    return `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  });
}
