// Pieces every benchmark suite uses: the figure record run.mjs prints, percentiles, ports.
import net from 'node:net';

/** One printed row: a value beside its baseline from the same run. */
export function figure(name, metric, value, baseline, unit) {
  return { name, metric, value, unit, baseline, ratio: baseline ? value / baseline : undefined };
}

/** The p-th percentile of `xs` (nearest rank). */
export function pct(xs, p) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

export function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port) {
  for (let i = 0; i < 400; i++) {
    const ok = await new Promise((r) => {
      const c = net.connect(port, '127.0.0.1');
      c.once('connect', () => (c.destroy(), r(true)));
      c.once('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`nothing listens on ${port}`);
}
