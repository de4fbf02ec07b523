import { assembleOfflineBuilder } from '../../builders/buildpacks/offline/assemble-builder.js';
import type { CliIo } from '../io.js';

export interface BuilderCommandOptions {
  force?: boolean;
  tag?: string;
  lifecycle?: string;
}

/** `ofn-local builder build`: assembles the offline buildpacks builder on this engine and prints its name. */
export async function builderBuildCommand(opts: BuilderCommandOptions, io: CliIo): Promise<number> {
  const result = await assembleOfflineBuilder({
    log: (line) => io.stderr.write(`${line}\n`),
    ...(opts.force ? { force: true } : {}),
    ...(opts.tag ? { tag: opts.tag } : {}),
    ...(opts.lifecycle ? { lifecycleDir: opts.lifecycle } : {}),
  });
  io.stdout.write(`${result.image}\n`);
  return 0;
}
