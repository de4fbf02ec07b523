import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it, vi } from 'vitest';

import { CronBinding, goUtcTimeText } from '../../../src/dapr-components/bindings/cron/binding.js';
import { parseCronSchedule } from '../../../src/shared/go-compat/cron.js';
import { decodeCreateData, LocalStorageBinding, resolveRootPath, secureJoin } from '../../../src/dapr-components/bindings/localstorage/binding.js';
import { silentLogger } from '../../../src/sidecar/logger.js';

describe('cron binding', () => {
  it('fires with an empty body and timeZone/readTimeUTC metadata, ignoring app failures', async () => {
    vi.useFakeTimers({ now: new Date('2024-05-01T10:00:00.500Z') });
    try {
      const events: { data: Buffer; metadata: Record<string, string> }[] = [];
      const binding = new CronBinding('tick', parseCronSchedule('@every 1s'), silentLogger);
      await binding.read(async (ev) => {
        events.push(ev);
        throw new Error('app down');
      });
      await vi.advanceTimersByTimeAsync(2600);
      expect(events).toHaveLength(3);
      expect(events[0]?.data.length).toBe(0);
      expect(events[0]?.metadata.timeZone).toBe('Local');
      expect(events[0]?.metadata.readTimeUTC).toMatch(/^2024-05-01 10:00:01(\.\d+)? \+0000 UTC$/);
      await binding.close();
      await vi.advanceTimersByTimeAsync(3000);
      expect(events).toHaveLength(3);
    } finally {
      vi.useRealTimers();
    }
  });

  it("formats times like Go's time.String()", () => {
    expect(goUtcTimeText(new Date('2024-05-01T10:00:00.120Z'))).toBe('2024-05-01 10:00:00.12 +0000 UTC');
    expect(goUtcTimeText(new Date('2024-05-01T10:00:00.000Z'))).toBe('2024-05-01 10:00:00 +0000 UTC');
  });
});

describe('bindings.localstorage', () => {
  const roots: string[] = [];
  afterAll(async () => {
    await Promise.all(roots.map((r) => rm(r, { recursive: true, force: true })));
  });

  it('unquotes JSON strings and decodes valid base64 before writing, as upstream does', () => {
    expect(decodeCreateData(Buffer.from('"hello world"')).toString()).toBe('hello world');
    expect(decodeCreateData(Buffer.from('"aGVsbG8="')).toString()).toBe('hello');
    expect(decodeCreateData(Buffer.from('{"a":1}')).toString()).toBe('{"a":1}');
  });

  it('keeps file names inside rootPath and refuses system folders', async () => {
    expect(secureJoin('/data', '../../etc/passwd')).toEqual({ absolute: '/data/etc/passwd', relative: 'etc/passwd' });
    await expect(resolveRootPath('/proc/self', '/')).rejects.toThrow(/disallowed/);
  });

  it('creates, gets, lists and deletes files', async () => {
    const base = await mkdtemp(path.join(os.tmpdir(), 'ofn-ls-'));
    roots.push(base);
    const binding = new LocalStorageBinding('store', base);
    await binding.init();
    const created = await binding.invoke({ operation: 'create', data: Buffer.from('{"x":1}'), metadata: { fileName: 'sub/a.json' } });
    expect(JSON.parse(created?.data?.toString() ?? '')).toEqual({ fileName: 'sub/a.json' });
    expect(await readFile(path.join(base, 'store', 'sub', 'a.json'), 'utf8')).toBe('{"x":1}');
    const generated = await binding.invoke({ operation: 'create', data: Buffer.from('"plain"'), metadata: {} });
    expect(JSON.parse(generated?.data?.toString() ?? '').fileName).toMatch(/^[0-9a-f-]{36}$/);
    expect((await binding.invoke({ operation: 'get', data: Buffer.alloc(0), metadata: { fileName: 'sub/a.json' } }))?.data?.toString()).toBe('{"x":1}');
    const listed = JSON.parse((await binding.invoke({ operation: 'list', data: Buffer.alloc(0), metadata: { fileName: 'sub' } }))?.data?.toString() ?? '') as string[];
    expect(listed).toEqual([path.join(base, 'store', 'sub', 'a.json')]);
    await binding.invoke({ operation: 'delete', data: Buffer.alloc(0), metadata: { fileName: 'sub/a.json' } });
    await expect(binding.invoke({ operation: 'get', data: Buffer.alloc(0), metadata: { fileName: 'sub/a.json' } })).rejects.toThrow(/file not found/);
  });
});
