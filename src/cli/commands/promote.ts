/** `dataops promote`: placeholder until the command is implemented. */
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('promote')
    .description('(not implemented yet)')
    .action(() => {
      process.stderr.write('dataops promote: not implemented yet\n');
      process.exitCode = 2;
    });
}
