import { describe, expect, it } from 'vitest';
import { Activator } from '../../../src/serving/activator.js';
import { ManualClock } from '../../helpers/manual-clock.js';

describe('the activator', () => {
  it('holds requests until an instance has room, oldest first, as many as it has room for', async () => {
    const clock = new ManualClock();
    const activator = new Activator<string>(clock);
    const first = activator.hold(1000, () => new Error('late'));
    const second = activator.hold(1000, () => new Error('late'));
    expect(activator.length).toBe(2);
    activator.dispatch(() => undefined);
    expect(activator.length).toBe(2);
    let room = 1;
    activator.dispatch(() => (room-- > 0 ? 'instance-a' : undefined));
    await expect(first).resolves.toBe('instance-a');
    expect(activator.length).toBe(1);
    activator.dispatch(() => 'instance-b');
    await expect(second).resolves.toBe('instance-b');
    // A request handed on keeps no deadline behind it.
    clock.advance(5000);
    expect(activator.length).toBe(0);
  });

  it('fails a request held past its deadline with the error of that moment, and only that one', async () => {
    const clock = new ManualClock();
    const activator = new Activator<string>(clock);
    let why = 'starting';
    const early = activator.hold(1000, () => new Error(`not ready: ${why}`));
    clock.advance(500);
    const late = activator.hold(1000, () => new Error(`not ready: ${why}`));
    why = 'crashed';
    clock.advance(500);
    await expect(early).rejects.toThrow('not ready: crashed');
    expect(activator.length).toBe(1);
    activator.dispatch(() => 'instance');
    await expect(late).resolves.toBe('instance');
  });

  it('fails every held request at once (a failed build, a removed function)', async () => {
    const clock = new ManualClock();
    const activator = new Activator<string>(clock);
    const held = [activator.hold(1000, () => new Error('late')), activator.hold(1000, () => new Error('late'))];
    activator.rejectAll(new Error('build failed'));
    for (const h of held) await expect(h).rejects.toThrow('build failed');
    expect(activator.length).toBe(0);
    clock.advance(2000); // no deadline fires afterwards
  });
});
