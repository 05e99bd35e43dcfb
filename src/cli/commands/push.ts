/** `dataops push`: placeholder until the command is implemented. */
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('push')
    .description('(not implemented yet)')
    .action(() => {
      process.stderr.write('dataops push: not implemented yet\n');
      process.exitCode = 2;
    });
}
