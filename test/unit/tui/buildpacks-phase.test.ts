import { describe, expect, it } from 'vitest';
import { applyEvent, initialState } from '../../../src/protocol/project-state.js';
import { lastChange } from '../../../src/tui/views/functions-table.js';
import { journal } from './helpers.js';

const FN = 'default/hello';

describe('a buildpacks build in the UI', () => {
  it("shows the lifecycle's phase while it runs, logs each phase, and drops it once built", () => {
    const j = journal();
    let s = initialState();
    s = applyEvent(s, j.entry({ type: 'project.loaded', root: '/p', functions: [FN], warnings: [] }));
    s = applyEvent(s, j.entry({ type: 'build.started', fn: FN }));
    expect(lastChange(s.functions[FN]!, j.now)).toEqual(['building…', 'warn']);
    s = applyEvent(s, j.entry({ type: 'build.phase', fn: FN, phase: 'detect', builder: 'buildpacks' }));
    s = applyEvent(s, j.entry({ type: 'build.phase', fn: FN, phase: 'build', builder: 'buildpacks' }));
    expect(lastChange(s.functions[FN]!, j.now)).toEqual(['building (build)…', 'warn']);
    s = applyEvent(s, j.entry({ type: 'build.finished', fn: FN, cached: false, durationMs: 4200 }));
    expect(s.functions[FN]!.change).not.toHaveProperty('step');
    expect(s.functions[FN]!.logs.map((l) => `${l.source}: ${l.text}`)).toEqual(['ofn: building', 'ofn: buildpacks: detect', 'ofn: buildpacks: build', 'ofn: built in 4200 ms']);
  });
});
