/**
 * The journal's event union lives in src/protocol/ (what crosses the daemon's border); the daemon's
 * parts import it from here.
 */
export type { EventOf, FunctionState, JournalEntry, OfnEvent, ReloadPath, ReloadTimings } from '../protocol/journal.js';
