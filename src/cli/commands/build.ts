/** `dataops build`: placeholder until the command is implemented. */
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('build')
    .description('(not implemented yet)')
    .action(() => {
      process.stderr.write('dataops build: not implemented yet\n');
      process.exitCode = 2;
    });
}
