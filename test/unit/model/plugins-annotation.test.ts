import { describe, expect, it } from 'vitest';
import { parsePluginsAnnotation, parseTracingAnnotation, pluginLists } from '../../../src/model/plugins-annotation.js';

describe('the plugins annotation (decoded like yaml.v3 into {order, pre, post})', () => {
  it('reads the lists, keeping scalars as written and ignoring unknown keys', () => {
    expect(parsePluginsAnnotation('order: [a, 1.0]\nextra: x\n')).toEqual({ ok: true, value: { order: ['a', '1.0'] } });
    expect(parsePluginsAnnotation('')).toEqual({ ok: true, value: {} });
  });

  it('rejects a type mismatch as a whole', () => {
    expect(parsePluginsAnnotation('pre: a')).toEqual({ ok: false, error: 'pre: expected a list of plugin names' });
    expect(parsePluginsAnnotation('- a\n- b\n').ok).toBe(false);
    expect(parsePluginsAnnotation('pre: [a').ok).toBe(false);
  });

  it('order gives pre = order and post = reversed; explicit lists win', () => {
    expect(pluginLists({ order: ['a', 'b', 'c'] })).toEqual({ pre: ['a', 'b', 'c'], post: ['c', 'b', 'a'] });
    expect(pluginLists({ order: ['a', 'b'], pre: ['x'] })).toEqual({ pre: ['x'], post: ['b', 'a'] });
    expect(pluginLists({})).toEqual({});
  });
});

describe('the plugins.tracing annotation', () => {
  it('reads the tracing config', () => {
    const parsed = parseTracingAnnotation(
      'enabled: yes\nprovider:\n  name: opentelemetry\n  exporter:\n    name: otlp\n    endpoint: c:4317\ntags: {a: 1}\n',
    );
    expect(parsed).toEqual({
      ok: true,
      value: {
        enabled: true,
        provider: { name: 'opentelemetry', exporter: { name: 'otlp', endpoint: 'c:4317' } },
        tags: { a: '1' },
      },
    });
  });

  it('rejects a quoted boolean, as yaml.v3 does', () => {
    expect(parseTracingAnnotation('enabled: "true"')).toEqual({ ok: false, error: 'enabled: expected true or false' });
  });
});
