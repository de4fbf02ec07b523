import { OfnError } from '../errors.js';
import type { DaemonApi, InputAnswer, PublishAnswer } from '../protocol/api.js';
import type { JournalEntry, JournalQuery, JournalReader } from '../protocol/journal.js';
import type { DaemonStatus } from '../protocol/status.js';
import type { DaemonInfo } from './daemon-file.js';

export class ClientError extends OfnError<'ERR_DAEMON_UNREACHABLE' | 'ERR_CONTROL_API'> {}

/** The protocol's `DaemonApi` over the daemon's control API: how the CLI, the TUI and an attached test reach a daemon. */
export class DaemonClient implements DaemonApi {
  /** The journal as the control API streams it (NDJSON). */
  readonly journal: JournalReader = { read: (query, signal) => this.#readJournal(query, signal) };

  constructor(readonly info: DaemonInfo) {}

  status(): Promise<DaemonStatus> {
    return this.#json('GET', '/v1/status');
  }

  /** Asks the daemon to stop; resolves once it has taken the request (it then stops everything it started). */
  stop(): Promise<unknown> {
    return this.#json('POST', '/v1/shutdown');
  }

  /** Scales a function to its minimum now; without `reason` the daemon journals "requested through the control API". */
  scaleToZero(namespace: string, name: string, reason?: string): Promise<unknown> {
    const q = reason ? `?reason=${encodeURIComponent(reason)}` : '';
    return this.#json('POST', `/v1/functions/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/scale-to-zero${q}`);
  }

  /** Rebuilds a function (slow path); answers at once, the outcome (reload.finished / reload.failed) is journaled. */
  rebuild(namespace: string, name: string): Promise<unknown> {
    return this.#json('POST', `/v1/functions/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/rebuild`);
  }

  /** Publishes through the sidecar of a running function that has `pubsub`; resolves to the sidecar's answer. */
  publish(namespace: string, pubsub: string, topic: string, body: Buffer, contentType: string): Promise<PublishAnswer> {
    return this.#send(`/v1/publish/${[namespace, pubsub, topic].map(encodeURIComponent).join('/')}`, body, contentType);
  }

  /** Delivers an event to an async function's input binding; resolves to the app's answer. */
  invokeInput(namespace: string, name: string, binding: string | undefined, body: Buffer, contentType: string): Promise<InputAnswer> {
    const q = binding ? `?binding=${encodeURIComponent(binding)}` : '';
    return this.#send(`/v1/functions/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/input${q}`, body, contentType);
  }

  /** Injects an event as if its EventSource produced it; resolves to the event's id. */
  async emitEvent(namespace: string, eventSource: string, event: string, body: Buffer, contentType?: string): Promise<string> {
    const answer = await this.#send<{ id: string }>(`/v1/events/${[namespace, eventSource, event].map(encodeURIComponent).join('/')}`, body, contentType);
    return answer.id;
  }

  /** POSTs a body; the daemon answers JSON: an `{error, hint}` one with a non-2xx status is thrown, any other is the answer. */
  async #send<T>(path: string, body: Buffer, contentType: string | undefined): Promise<T> {
    let res: Response;
    try {
      const headers: Record<string, string> = { authorization: `Bearer ${this.info.token}`, ...(contentType ? { 'content-type': contentType } : {}) };
      res = await fetch(this.info.controlUrl + path, { method: 'POST', headers, body });
    } catch (err) {
      throw new ClientError('ERR_DAEMON_UNREACHABLE', `the daemon of ${this.info.root} does not answer at ${this.info.controlUrl}`, {}, 'run `ofn-local down` to clean up, then `ofn-local up` again', { cause: err });
    }
    const answer = (await res.json()) as T & { error?: string; hint?: string };
    if (!res.ok && answer.error !== undefined) throw new ClientError('ERR_CONTROL_API', answer.error, {}, answer.hint);
    return answer;
  }

  /** Journal entries (optionally following new ones until `signal` aborts). */
  async *#readJournal(query: JournalQuery, signal?: AbortSignal): AsyncGenerator<JournalEntry> {
    const q = new URLSearchParams();
    if (query.after) q.set('after', String(query.after));
    if (query.fn) q.set('fn', query.fn);
    if (query.types) q.set('types', query.types.join(','));
    if (query.follow) q.set('follow', '1');
    const res = await this.#fetch('GET', `/v1/journal?${q}`, signal);
    if (!res.body) return;
    const decoder = new TextDecoder();
    let rest = '';
    try {
      for await (const chunk of res.body) {
        const lines = (rest + decoder.decode(chunk as Uint8Array, { stream: true })).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) if (line) yield JSON.parse(line) as JournalEntry;
      }
    } catch (err) {
      if (!signal?.aborted) throw err;
    }
  }

  async #json<T>(method: string, path: string): Promise<T> {
    const res = await this.#fetch(method, path);
    return (await res.json()) as T;
  }

  async #fetch(method: string, path: string, signal?: AbortSignal): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(this.info.controlUrl + path, { method, headers: { authorization: `Bearer ${this.info.token}` }, signal });
    } catch (err) {
      throw new ClientError('ERR_DAEMON_UNREACHABLE', `the daemon of ${this.info.root} does not answer at ${this.info.controlUrl}`, {}, 'run `ofn-local down` to clean up, then `ofn-local up` again', { cause: err });
    }
    if (!res.ok) throw new ClientError('ERR_CONTROL_API', `${method} ${path}: ${res.status} ${await res.text()}`);
    return res;
  }
}
