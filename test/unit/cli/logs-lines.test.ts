import { describe, expect, it } from 'vitest';
import { printedLine } from '../../../src/cli/commands/logs.js';
import type { JournalEntry, OfnEvent } from '../../../src/protocol/journal.js';
import { logLine } from '../../../src/protocol/project-state.js';

const FN = 'default/hello';
let seq = 0;
const entry = (e: OfnEvent): JournalEntry => ({ ...e, seq: ++seq, ts: '2025-01-02T10:00:00.000Z' }) as JournalEntry;

describe('ofn-local logs', () => {
  it("prints each kind of a function's log as the protocol's log line says it", () => {
    const lines = [
      entry({ type: 'build.log', fn: FN, line: 'preparing default/hello' }),
      entry({ type: 'build.failed', fn: FN, message: 'npm ERR! missing script' }),
      entry({ type: 'instance.log', fn: FN, instance: 'default-hello-1', stream: 'stdout', line: 'listening on 8080' }),
      entry({ type: 'instance.failed', fn: FN, instance: 'default-hello-1', message: 'exited with 1' }),
      entry({ type: 'reload.finished', fn: FN, path: 'fast', timings: { detectMs: 1, syncMs: 2, restartMs: 3, totalMs: 180 } }),
      entry({ type: 'reload.failed', fn: FN, path: 'fast', message: 'SyntaxError: Unexpected token', file: 'index.js', line: 1 }),
      entry({ type: 'reload.failed', fn: FN, path: 'slow', message: 'npm install failed' }),
    ].map((e) => printedLine(logLine(e)!));
    expect(lines).toEqual([
      '[build] preparing default/hello',
      '[build] FAILED: npm ERR! missing script',
      '[default-hello-1] listening on 8080',
      '[default-hello-1] FAILED: exited with 1',
      '[reload] fast path, 180 ms',
      '[reload] FAILED (fast path): index.js:1: SyntaxError: Unexpected token',
      '[reload] FAILED (slow path): npm install failed',
    ]);
  });
});
