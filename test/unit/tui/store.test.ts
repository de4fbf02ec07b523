import { describe, expect, it } from 'vitest';
import { TuiStore } from '../../../src/tui/store.js';
import { journal } from './helpers.js';

describe('the store', () => {
  it('applies queued entries in batches and publishes one frame per tick', () => {
    const j = journal();
    let now = j.now;
    const store = new TuiStore({ now: () => now });
    let frames = 0;
    store.subscribe(() => frames++);
    for (let i = 0; i < 3000; i++) store.push(j.entry({ type: 'request.completed', fn: 'default/hello', method: 'GET', path: '/', status: 200, durationMs: 1, cold: false }));
    expect(frames).toBe(0);
    expect(store.lastSeq).toBe(3000);
    store.flush();
    expect(frames).toBe(1);
    expect(store.getSnapshot().project.totals.requests).toBe(3000);
    store.flush();
    expect(frames).toBe(1);
    // A new second redraws (requests/s decays) even without entries.
    now += 1000;
    store.flush();
    expect(frames).toBe(2);
  });

  it('ignores entries it already has (a follow resuming after a replay)', () => {
    const j = journal();
    const store = new TuiStore();
    const e = j.entry({ type: 'daemon.stopping' });
    store.push(e);
    store.push(e);
    store.flush();
    expect(store.getSnapshot().project.lastSeq).toBe(1);
    expect(store.getSnapshot().project.daemon).toBe('stopping');
  });

  it('publishes UI changes at once', () => {
    const store = new TuiStore();
    let frames = 0;
    store.subscribe(() => frames++);
    store.ui({ type: 'help' });
    expect(frames).toBe(1);
    expect(store.getSnapshot().ui.help).toBe(true);
  });
});
