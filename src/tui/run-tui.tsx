import { render } from 'ink';
import { App } from './app.js';
import { TuiController, type TuiClient } from './controller.js';
import { TuiStore } from './store.js';
import { colorEnabled } from './theme.js';

export interface RunTuiOptions {
  /** The daemon's control API; a promise while the daemon starts (foreground `up`). */
  client: TuiClient | Promise<TuiClient>;
  /** foreground: `q` ends `up` (the caller stops the daemon once this resolves); attach: `q` closes only the UI. */
  mode: 'foreground' | 'attach';
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  /** Default: colour on a terminal unless NO_COLOR is set. */
  color?: boolean;
  /** A store already fed (foreground `up` feeds it the daemon's first entries while its control API is not up yet). */
  store?: TuiStore;
  /** Closes the UI from outside (a signal, the daemon stopping): the UI observes shutdown, it does not own it. */
  signal?: AbortSignal;
  /** Draw on the terminal's alternate screen, leaving the shell's screen as it was (default: when stdout is a TTY). */
  alternateScreen?: boolean;
  /** For `i` (tests). */
  fetch?: typeof fetch;
}

const ENTER_ALT = '\x1b[?1049h\x1b[H';
const LEAVE_ALT = '\x1b[?1049l';

/**
 * The live terminal UI over the daemon's journal. Resolves with 'quit' once the user quits (q,
 * Ctrl-C), `signal` aborts, or the client never comes (the daemon failed to start).
 */
export async function runTui(o: RunTuiOptions): Promise<'quit'> {
  const stdout = o.stdout ?? process.stdout;
  const stdin = o.stdin ?? process.stdin;
  const store = o.store ?? new TuiStore();
  const alt = o.alternateScreen ?? Boolean(stdout.isTTY);
  let resolveQuit!: () => void;
  const quit = new Promise<void>((resolve) => (resolveQuit = resolve));
  const controller = new TuiController(store, o.client, { mode: o.mode, onQuit: resolveQuit, fetch: o.fetch });
  const onAbort = () => resolveQuit();
  if (o.signal?.aborted) return 'quit';
  o.signal?.addEventListener('abort', onAbort, { once: true });
  if (alt) stdout.write(ENTER_ALT);
  const ink = render(<App store={store} controller={controller} mode={o.mode} theme={{ color: o.color ?? colorEnabled(process.env, stdout.isTTY) }} />, {
    stdout,
    stdin,
    // Ctrl-C is a key like q (raw mode): the controller quits, the caller stops what it owns.
    exitOnCtrlC: false,
    // On a terminal, stray console output from a dependency goes above the frame instead of through it.
    patchConsole: Boolean(stdout.isTTY),
    maxFps: 10,
  });
  store.start();
  controller.start();
  try {
    await quit;
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    controller.stop();
    store.stop();
    ink.unmount();
    await ink.waitUntilExit().catch(() => undefined);
    if (alt) stdout.write(LEAVE_ALT);
  }
  return 'quit';
}
