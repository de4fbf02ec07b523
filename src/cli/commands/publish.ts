import { readDataOption } from '../data-option.js';
import type { CliIo } from '../io.js';
import { requireDaemon } from '../find-daemon.js';

/** `ofn-local publish <pubsub> <topic> --data ...`: into the running project's pubsub, as a Dapr client would. */
export async function publishCommand(pubsub: string, topic: string, opts: { namespace: string; data: string; project?: string }, io: CliIo): Promise<number> {
  const client = await requireDaemon(io.cwd, opts.project);
  const { body, contentType } = await readDataOption(opts.data, io.cwd);
  const out = await client.publish(opts.namespace, pubsub, topic, body, contentType);
  if (out.status >= 300) {
    io.stderr.write(`error: the sidecar of ${out.via} answered ${out.status}: ${out.body}\n`);
    return 1;
  }
  io.stdout.write(`published to ${pubsub}/${topic} through ${out.via}\n`);
  return 0;
}

