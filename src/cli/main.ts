import { CommanderError } from 'commander';
import { createProgram } from './program.js';
import { renderError } from './render-error.js';

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = createProgram({ stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() });
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    process.stderr.write(renderError(err));
    return 1;
  }
}
