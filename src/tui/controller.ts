import { errorMessage } from '../errors.js';
import type { DaemonApi } from '../protocol/api.js';
import type { Action } from './keymap.js';
import type { TuiStore } from './store.js';
import { selectedKey } from './ui-state.js';

/** What the UI needs of the daemon: part of the protocol's `DaemonApi` (DaemonClient fits); never the runtime. */
export type TuiClient = Pick<DaemonApi, 'status' | 'journal' | 'rebuild' | 'scaleToZero'>;

export interface ControllerOptions {
  mode: 'foreground' | 'attach';
  /** Called once when the user quits (or the client never came). */
  onQuit: () => void;
  /** How often the status (URLs, scale bounds) is read again (default 2 s). */
  statusIntervalMs?: number;
  /** Wait before following the journal again after the stream broke (default 1 s). */
  retryMs?: number;
  /** For `i`: how requests reach the gateway (default: global fetch). */
  fetch?: typeof fetch;
  now?: () => number;
}

/** Longest part of an answer body kept for the answer pane. */
const MAX_ANSWER = 8000;

/**
 * The UI's lifecycle and side effects, outside React: follows the journal into the store, reads the
 * status now and then, and carries out the keys that act on the daemon (invoke, rebuild, scale to zero).
 */
export class TuiController {
  readonly #store: TuiStore;
  readonly #client: Promise<TuiClient>;
  readonly #o: ControllerOptions;
  readonly #abort = new AbortController();
  #statusTimer: NodeJS.Timeout | undefined;
  #quit = false;

  constructor(store: TuiStore, client: TuiClient | Promise<TuiClient>, o: ControllerOptions) {
    this.#store = store;
    this.#client = Promise.resolve(client);
    this.#o = o;
    // The client may never come (the daemon failed to start): the UI then closes.
    this.#client.catch(() => this.#quitOnce());
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  start(): void {
    void this.#client.then(
      (client) => {
        if (this.#abort.signal.aborted) return;
        void this.#follow(client);
        void this.#readStatus(client);
        this.#statusTimer = setInterval(() => void this.#readStatus(client), this.#o.statusIntervalMs ?? 2000);
      },
      () => undefined,
    );
  }

  stop(): void {
    this.#abort.abort();
    if (this.#statusTimer) clearInterval(this.#statusTimer);
  }

  /** Carries out a key's action. */
  perform(action: Action): void {
    const store = this.#store;
    const snap = store.getSnapshot();
    const order = snap.project.order;
    const fnKey = selectedKey(snap.ui, order);
    switch (action.type) {
      case 'select':
        return store.ui({ type: 'select', delta: action.delta, order });
      case 'pane':
        return store.ui({ type: 'pane', pane: action.pane });
      case 'help':
        return store.ui({ type: 'help' });
      case 'dismiss':
        if (snap.ui.help) return store.ui({ type: 'help' });
        store.dismissError();
        return store.ui({ type: 'dismiss-answer' });
      case 'quit':
        return this.#quitOnce();
      case 'invoke':
        if (!fnKey) return this.#toast('no function to invoke', 'warn');
        return store.ui({ type: 'prompt-open', fn: fnKey });
      case 'prompt-input':
        return store.ui({ type: 'prompt-input', text: action.text });
      case 'prompt-backspace':
        return store.ui({ type: 'prompt-backspace' });
      case 'prompt-cancel':
        return store.ui({ type: 'prompt-close' });
      case 'prompt-submit': {
        const prompt = snap.ui.prompt;
        store.ui({ type: 'prompt-close' });
        if (prompt) void this.#invoke(prompt.fn, prompt.text);
        return;
      }
      case 'rebuild':
        if (!fnKey) return this.#toast('no function to rebuild', 'warn');
        return void this.#call(fnKey, 'rebuild', (c, ns, name) => c.rebuild(ns, name), `rebuild of ${fnKey} requested`);
      case 'scale-to-zero':
        if (!fnKey) return this.#toast('no function to scale', 'warn');
        return void this.#call(fnKey, 'scale to zero', (c, ns, name) => c.scaleToZero(ns, name, 'requested in the terminal UI'), `${fnKey} scaled to zero`);
    }
  }

  #quitOnce(): void {
    if (this.#quit) return;
    this.#quit = true;
    this.#o.onQuit();
  }

  #toast(text: string, tone?: 'ok' | 'warn' | 'error'): void {
    this.#store.ui({ type: 'toast', text, tone, at: (this.#o.now ?? Date.now)() });
  }

  async #call(fnKey: string, what: string, call: (c: TuiClient, ns: string, name: string) => Promise<unknown>, done: string): Promise<void> {
    const [ns, name] = splitKey(fnKey);
    this.#toast(`${what} ${fnKey}…`);
    try {
      await call(await this.#client, ns, name);
      this.#toast(done, 'ok');
    } catch (err) {
      this.#toast(`${what} ${fnKey} failed: ${errorMessage(err)}`, 'error');
    }
  }

  async #invoke(fnKey: string, body: string): Promise<void> {
    const fn = this.#store.getSnapshot().project.functions[fnKey];
    const url = fn?.url;
    const method = body ? 'POST' : 'GET';
    if (!url) return this.#toast(`no URL for ${fnKey} yet`, 'warn');
    const now = this.#o.now ?? Date.now;
    const base = { fn: fnKey, method, url };
    this.#store.ui({ type: 'answer', answer: { ...base, pending: true } });
    const started = now();
    try {
      const headers: Record<string, string> = {};
      if (body) headers['content-type'] = isJson(body) ? 'application/json' : 'text/plain';
      const res = await (this.#o.fetch ?? fetch)(url, { method, headers, body: body || undefined, signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(120_000)]) });
      const text = await res.text();
      this.#store.ui({ type: 'answer', answer: { ...base, pending: false, status: res.status, durationMs: now() - started, body: text.slice(0, MAX_ANSWER) } });
    } catch (err) {
      if (this.#abort.signal.aborted) return;
      this.#store.ui({ type: 'answer', answer: { ...base, pending: false, durationMs: now() - started, error: errorMessage(err) } });
    }
  }

  /** Follows the journal from the last entry seen, again after a break, until stopped. */
  async #follow(client: TuiClient): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      try {
        const stream = client.journal.read({ after: this.#store.lastSeq, follow: true }, signal);
        this.#store.connection('live');
        for await (const entry of stream) this.#store.push(entry);
        if (signal.aborted) return;
        // The stream ended: the daemon closed it (it stops).
        this.#store.connection('closed');
      } catch {
        if (signal.aborted) return;
        this.#store.connection('lost');
      }
      await sleep(this.#o.retryMs ?? 1000, signal);
    }
  }

  async #readStatus(client: TuiClient): Promise<void> {
    try {
      const status = await client.status();
      if (!this.#abort.signal.aborted) this.#store.status(status);
    } catch {
      // The journal follow reports the connection; a missed status is read again next time.
    }
  }
}

function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return [key.slice(0, i), key.slice(i + 1)];
}

function isJson(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
