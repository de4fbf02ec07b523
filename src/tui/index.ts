/** The live terminal UI: a client of the daemon's journal over the control API. */
// The UI itself (React, ink) loads through loadTui(), in production builds; importing run-tui.js directly
// is for tests.
export { loadTui } from './load.js';
export type { RunTuiOptions } from './run-tui.js';
export { TuiStore, type Snapshot, type Connection } from './store.js';
export { TuiController, type TuiClient } from './controller.js';
export { wantsTui, isCi } from './terminal.js';
export { colorEnabled } from './theme.js';
export { applyEvent, applyEvents, applyStatus, initialState, LIMITS, type ProjectState, type FunctionView, type EventRow, type Hop } from '../protocol/project-state.js';
export { BINDINGS } from './keymap.js';
