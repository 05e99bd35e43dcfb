/** `dataops deploy`: placeholder until the command is implemented. */
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('deploy')
    .description('(not implemented yet)')
    .action(() => {
      process.stderr.write('dataops deploy: not implemented yet\n');
      process.exitCode = 2;
    });
}
