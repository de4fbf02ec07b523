import { gatewayFetch } from '../../shared/gateway-fetch.js';
import { readDataOption } from '../data-option.js';
import { OfnError } from '../../errors.js';
import type { CliIo } from '../io.js';
import { requireDaemon } from '../find-daemon.js';

export interface InvokeOptions {
  namespace: string;
  data?: string;
  path?: string;
  method?: string;
  project?: string;
  /** Async functions: which input binding (needed when there are several). */
  input?: string;
}

/** Calls a function through the daemon's gateway and prints the answer (non-zero exit on HTTP >= 400). */
export async function invokeCommand(name: string, opts: InvokeOptions, io: CliIo): Promise<number> {
  const client = await requireDaemon(io.cwd, opts.project);
  const status = await client.status();
  const fn = status.functions.find((f) => f.name === name && f.namespace === opts.namespace);
  if (!fn) {
    const known = status.functions.map((f) => `${f.namespace}/${f.name}`).join(', ') || '(none)';
    throw new OfnError('ERR_NO_FUNCTION', `no function ${opts.namespace}/${name} in this project (functions: ${known})`);
  }
  const data = opts.data === undefined ? undefined : await readDataOption(opts.data, io.cwd);
  const body = data?.body;
  const headers: Record<string, string> = {};
  if (data) headers['content-type'] = data.contentType;
  if (fn.runtime === 'async') {
    // No HTTP route (as on a cluster): the event goes in through one of its input bindings.
    const answer = await client.invokeInput(opts.namespace, name, opts.input, body ?? Buffer.from('{}'), headers['content-type'] ?? 'application/json');
    io.stdout.write(`delivered to input binding ${answer.input} of ${opts.namespace}/${name} (${answer.via}): ${answer.status}${answer.body ? ` ${answer.body}` : ''}\n`);
    return answer.status >= 400 ? 1 : 0;
  }
  const suffix = opts.path ? '/' + opts.path.replace(/^\/+/, '') : '';
  const res = await gatewayFetch(fn.url + suffix, { method: opts.method ?? (body ? 'POST' : 'GET'), headers, body });
  const text = await res.text();
  io.stdout.write(text.endsWith('\n') || text === '' ? text : text + '\n');
  if (res.status >= 400) {
    io.stderr.write(`HTTP ${res.status}\n`);
    return 1;
  }
  return 0;
}

