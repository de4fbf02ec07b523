import { describe, expect, it } from 'vitest';
import { clean, count, duration, fit, layoutColumns, rate, shortInstance } from '../../../src/tui/format.js';
import { colorEnabled } from '../../../src/tui/theme.js';
import { isCi, wantsTui } from '../../../src/tui/terminal.js';

describe('format', () => {
  it('fits text to a width', () => {
    expect(fit('hello', 8)).toBe('hello   ');
    expect(fit('hello', 8, 'right')).toBe('   hello');
    expect(fit('hello world', 8)).toBe('hello w…');
  });

  it('strips escape sequences and control characters from output', () => {
    expect(clean('\x1b[31mred\x1b[0m\tx\r\n')).toBe('red  x ');
  });

  it('formats figures compactly', () => {
    expect([duration(0.42), duration(12.4), duration(2100), duration(125_000)]).toEqual(['0.4ms', '12ms', '2.1s', '2m05s']);
    expect([rate(0), rate(0.25), rate(42.4), rate(2500)]).toEqual(['0', '0.3', '42', '2.5k']);
    expect([count(999), count(123_456)]).toEqual(['999', '123k']);
    expect(shortInstance('ofn-local-demo-1a2b-default-hello-3', 'default/hello')).toBe('hello-3');
    expect(shortInstance('default-hello-1', 'default/hello')).toBe('hello-1');
  });

  it('drops optional columns, then shares the rest among flex ones', () => {
    const cols = [
      { id: 'a', width: 10 },
      { id: 'b', width: 30, flex: true, min: 5 },
      { id: 'c', width: 20, drop: 1 },
    ];
    expect(layoutColumns(cols, 80)).toEqual([
      { id: 'a', width: 10 },
      { id: 'b', width: 30 },
      { id: 'c', width: 20 },
    ]);
    expect(layoutColumns(cols, 30)).toEqual([
      { id: 'a', width: 10 },
      { id: 'b', width: 19 },
    ]);
  });
});

describe('terminal rules', () => {
  it('uses colour only on a terminal and never with NO_COLOR', () => {
    expect(colorEnabled({}, true)).toBe(true);
    expect(colorEnabled({}, false)).toBe(false);
    expect(colorEnabled({ NO_COLOR: '1' }, true)).toBe(false);
    expect(colorEnabled({ NO_COLOR: '' }, true)).toBe(true);
    expect(colorEnabled({ TERM: 'dumb' }, true)).toBe(false);
  });

  it('shows the UI only with a terminal on both ends, outside CI', () => {
    expect(wantsTui({ isTTY: true }, { isTTY: true }, {})).toBe(true);
    expect(wantsTui({ isTTY: true }, { isTTY: true }, { NO_COLOR: '1' })).toBe(true);
    expect(wantsTui({ isTTY: false }, { isTTY: true }, {})).toBe(false);
    expect(wantsTui({ isTTY: true }, { isTTY: false }, {})).toBe(false);
    expect(wantsTui({ isTTY: true }, { isTTY: true }, { CI: 'true' })).toBe(false);
    expect(isCi({ CI: 'false' })).toBe(false);
  });
});
