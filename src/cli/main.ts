#!/usr/bin/env node
/**
 * `dataops`: the CLI face of dataops-actions. Every command calls the same core as the actions.
 * Commands load lazily (commands.ts): only the module of the command named on the command line is
 * imported; without one (`dataops`, `dataops --help`) every command is listed from its summary.
 */
import { Command, CommanderError } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { COMMANDS } from './commands.ts';
import { EXIT } from './errors.ts';

// `npm run dataops -- <args>` runs in the directory of the package.json that defines the script
// (the toolkit's checkout, or a repository that mirrors the script): paths the user typed are
// relative to where they ran npm, which npm passes as INIT_CWD. Other npm scripts keep npm's rule
// (paths relative to the package root); `npx dataops` already runs where it was called.
if (process.env.npm_lifecycle_event === 'dataops' && process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);

// google-auth-library warns (MetadataLookupWarning) while it probes for a GCE metadata server that a
// laptop does not have; the missing credentials are reported as one configuration error instead
const warningListeners = process.listeners('warning');
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name !== 'MetadataLookupWarning') for (const l of warningListeners) l(w);
});

const program = new Command('dataops')
  .description('DataOps CI/CD on your laptop: the same steps as the dataops-actions GitHub Actions.')
  .version(pkg.version)
  .showHelpAfterError()
  // an option belongs to the command whose name precedes it: `promote listen --approve` is listen's --approve, not promote's
  .enablePositionalOptions()
  // usage errors are configuration errors (exit 2), not failed checks (1); commands inherit this
  .exitOverride();

// the command being run: the first argument that is not an option (`help <cmd>` names it too)
const args = process.argv.slice(2);
const first = args.find((a) => !a.startsWith('-'));
const wanted = COMMANDS.find((c) => c.name === (first === 'help' ? args[args.indexOf('help') + 1] : first));
for (const entry of COMMANDS) {
  const command = program.command(entry.name).description(entry.summary);
  if (entry === wanted) (await entry.load()).register(command);
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (!(err instanceof CommanderError)) throw err;
  // commander has printed the problem (and the help); --help and --version exit 0
  process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.config;
}
