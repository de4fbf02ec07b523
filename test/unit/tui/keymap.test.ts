import { describe, expect, it } from 'vitest';
import { BINDINGS, footerHints, keyName, resolveKey } from '../../../src/tui/keymap.js';

describe('the keymap', () => {
  it('binds each key once', () => {
    const keys = BINDINGS.flatMap((b) => b.keys);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('maps the keys of the issue', () => {
    const act = (name: string) => resolveKey(name, name, {})?.type;
    expect([act('up'), act('k'), act('down'), act('j')]).toEqual(['select', 'select', 'select', 'select']);
    expect(resolveKey('j', 'j', {})).toEqual({ type: 'select', delta: 1 });
    expect(resolveKey('up', '', {})).toEqual({ type: 'select', delta: -1 });
    expect(resolveKey('return', '', {})).toEqual({ type: 'pane', pane: 'logs' });
    expect(resolveKey('l', 'l', {})).toEqual({ type: 'pane', pane: 'logs' });
    expect(resolveKey('e', 'e', {})).toEqual({ type: 'pane', pane: 'events' });
    expect([act('i'), act('r'), act('s'), act('?'), act('q'), act('ctrl+c'), act('z')]).toEqual(['invoke', 'rebuild', 'scale-to-zero', 'help', 'quit', 'quit', undefined]);
  });

  it('gives keys to the invoke prompt as text, except enter, esc, backspace and Ctrl-C', () => {
    const prompt = { prompt: { fn: 'default/hello', text: '' } };
    expect(resolveKey('q', 'q', prompt)).toEqual({ type: 'prompt-input', text: 'q' });
    expect(resolveKey('{"a":\n1}', '{"a":\n1}', prompt)).toEqual({ type: 'prompt-input', text: '{"a": 1}' });
    expect(resolveKey('return', '', prompt)).toEqual({ type: 'prompt-submit' });
    expect(resolveKey('escape', '', prompt)).toEqual({ type: 'prompt-cancel' });
    expect(resolveKey('backspace', '', prompt)).toEqual({ type: 'prompt-backspace' });
    expect(resolveKey('ctrl+c', 'c', prompt)).toEqual({ type: 'quit' });
  });

  it('names keys from ink flags', () => {
    expect(keyName('', { upArrow: true })).toBe('up');
    expect(keyName('c', { ctrl: true })).toBe('ctrl+c');
    expect(keyName('', { return: true })).toBe('return');
    expect(keyName('x', {})).toBe('x');
  });

  it('says in the footer what q does in each mode', () => {
    expect(footerHints('foreground')).toContain('q quit');
    expect(footerHints('attach')).toContain('q close');
  });
});
