// The journal's file when its process exits inside a batch window: a child process, so not a unit test.
import { describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../src/protocol/journal.js';

describe("the journal's file", () => {
  const lines = async (file: string) => (await import('node:fs/promises')).readFile(file, 'utf8').then((t) => t.split('\n').filter(Boolean).map((l) => JSON.parse(l) as JournalEntry), () => [] as JournalEntry[]);

  it('gets the entries not yet written when the process exits', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { execFileSync } = await import('node:child_process');
    const os = await import('node:os');
    const path = await import('node:path');
    const { pathToFileURL } = await import('node:url');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ofn-local-journal-'));
    try {
      const file = path.join(dir, 'journal.ndjson');
      const module = pathToFileURL(path.resolve('dist/daemon/journal.js')).href;
      // Appends, then exits at once, inside the batch window.
      const script = `const { Journal } = await import(${JSON.stringify(module)}); const j = new Journal({ file: ${JSON.stringify(file)} }); j.append({ type: 'function.added', fn: 'default/a' }); j.append({ type: 'function.added', fn: 'default/b' }); process.exit(0);`;
      execFileSync(process.execPath, ['--input-type=module', '-e', script]);
      expect((await lines(file)).map((e) => (e as { fn?: string }).fn)).toEqual(['default/a', 'default/b']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
