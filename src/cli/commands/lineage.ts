/**
 * `dataops lineage`: the lineage graph of the last `dataops flow` run (its OpenLineage events,
 * `<project>/.dataops/run/lineage.ndjson` by default) as Markdown with a Mermaid diagram: the
 * datasets → the pipeline image → its outputs, each with its version and quality verdict.
 * Exit codes: 0 printed, 2 no events file or a line that is not an event.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../../core/errors.ts';
import { lineageMarkdown, lineageMermaid } from '../../core/lineage/mermaid.ts';
import type { RunEvent } from '../../core/lineage/openlineage.ts';
import { action } from '../errors.ts';

export function register(command: Command): void {
  command
    .option('-p, --project <dir>', 'project whose last flow run is drawn', '.')
    .option('--events <file>', 'OpenLineage events (NDJSON); default <project>/.dataops/run/lineage.ndjson')
    .option('--mermaid', 'print only the Mermaid source, without the Markdown fence', false)
    .action(
      action('lineage', async (opts: { project: string; events?: string; mermaid: boolean }) => {
        const file = opts.events ?? path.join(/\.ya?ml$/.test(opts.project) ? path.dirname(path.resolve(opts.project)) : path.resolve(opts.project), '.dataops', 'run', 'lineage.ndjson');
        let text: string;
        try {
          text = await readFile(file, 'utf8');
        } catch (err) {
          throw new ConfigError(`no OpenLineage events (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { location: { file }, fix: 'Run `dataops flow` first, or pass --events <file>.' });
        }
        const events = text
          .split('\n')
          .filter((l) => l.trim())
          .map((l, i) => {
            try {
              const e = JSON.parse(l) as RunEvent;
              if (!e.job?.name || !e.eventType) throw new Error('not a run event');
              return e;
            } catch (err) {
              throw new ConfigError(`line ${i + 1} is not an OpenLineage run event (${err instanceof Error ? err.message : String(err)})`, { location: { file, line: i + 1 } });
            }
          });
        process.stdout.write(opts.mermaid ? lineageMermaid(events) : lineageMarkdown(events));
      }),
    );
}
