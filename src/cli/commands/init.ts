/** `dataops init`: placeholder until the command is implemented. */
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('init')
    .description('(not implemented yet)')
    .action(() => {
      process.stderr.write('dataops init: not implemented yet\n');
      process.exitCode = 2;
    });
}
