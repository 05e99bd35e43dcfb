/** `dataops verify`: placeholder until the command is implemented. */
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('verify')
    .description('(not implemented yet)')
    .action(() => {
      process.stderr.write('dataops verify: not implemented yet\n');
      process.exitCode = 2;
    });
}
