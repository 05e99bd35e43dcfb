/** `dataops system-test`: placeholder until the command is implemented. */
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('system-test')
    .description('(not implemented yet)')
    .action(() => {
      process.stderr.write('dataops system-test: not implemented yet\n');
      process.exitCode = 2;
    });
}
