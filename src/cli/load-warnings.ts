import type { JournalReader } from '../protocol/journal.js';

/**
 * The warnings of the manifests as last loaded (`file:line field: message`), read from the journal:
 * a headless start (`up --ci`, `exec`, `up --detach`) prints them, since nobody watches its log.
 */
export async function loadWarnings(journal: JournalReader): Promise<string[]> {
  let warnings: string[] = [];
  for await (const e of journal.read({ types: ['project.loaded'] })) if (e.type === 'project.loaded') warnings = e.warnings;
  return warnings;
}
