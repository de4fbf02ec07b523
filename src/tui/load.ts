import type * as RunTui from './run-tui.js';

/**
 * Loads the UI with React (and ink's reconciler) in their production builds, whatever NODE_ENV says.
 * The development builds time every render with `performance.measure`, and Node keeps those entries:
 * under thousands of events per second a long-running UI would grow by tens of MB per second (see
 * bench/tui.mjs). NODE_ENV is set only while the modules evaluate (they read it once), then put back,
 * so nothing the daemon starts sees it.
 */
export async function loadTui(): Promise<typeof RunTui> {
  const before = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    return await import('./run-tui.js');
  } finally {
    if (before === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = before;
  }
}
