/** `dataops lint`: placeholder until the command is implemented. */
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('lint')
    .description('(not implemented yet)')
    .action(() => {
      process.stderr.write('dataops lint: not implemented yet\n');
      process.exitCode = 2;
    });
}
