#!/usr/bin/env node
/** `dataops`: the CLI face of dataops-actions. Every command calls the same core as the actions. */
import { Command, CommanderError } from 'commander';
import { EXIT } from './errors.ts';
import { register as flow } from './commands/flow.ts';
import { register as lint } from './commands/lint.ts';
import { register as quality } from './commands/quality.ts';
import { register as build } from './commands/build.ts';
import { register as systemTest } from './commands/system-test.ts';
import { register as push } from './commands/push.ts';
import { register as deploy } from './commands/deploy.ts';
import { register as verify } from './commands/verify.ts';
import { register as promote } from './commands/promote.ts';
import { register as init } from './commands/init.ts';

const program = new Command('dataops')
  .description('DataOps CI/CD on your laptop: the same steps as the dataops-actions GitHub Actions.')
  .version('0.1.0')
  .showHelpAfterError()
  // an option belongs to the command whose name precedes it: `promote listen --approve` is listen's --approve, not promote's
  .enablePositionalOptions()
  // usage errors are configuration errors (exit 2), not failed checks (1); commands inherit this
  .exitOverride();

for (const register of [flow, lint, quality, build, systemTest, push, deploy, verify, promote, init]) register(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (!(err instanceof CommanderError)) throw err;
  // commander has printed the problem (and the help); --help and --version exit 0
  process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.config;
}
