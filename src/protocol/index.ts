/**
 * What crosses the daemon's border, in one place: the journal's event union, the status schema, the
 * `DaemonApi` that the daemon in process and the control API's client both offer, and the one
 * reducer from journal entries to project state (the TUI, the test API, `logs` and the daemon read it).
 * It imports nothing of the daemon, the runtimes, the CLI, the TUI or the test API.
 */
export * from './journal.js';
export * from './status.js';
export * from './api.js';
export * from './project-state.js';
