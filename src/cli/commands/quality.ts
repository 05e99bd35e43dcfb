/** `dataops quality`: placeholder until the command is implemented. */
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('quality')
    .description('(not implemented yet)')
    .action(() => {
      process.stderr.write('dataops quality: not implemented yet\n');
      process.exitCode = 2;
    });
}
