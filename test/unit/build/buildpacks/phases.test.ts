import { describe, expect, it } from 'vitest';
import { describeFailure, newProgress, phaseOfExitCode, readLine } from '../../../../src/builders/buildpacks/phases.js';
import { negotiatePlatformApi } from '../../../../src/builders/buildpacks/platform-api.js';

function feed(lines: string[]): { p: ReturnType<typeof newProgress>; phases: string[] } {
  const p = newProgress();
  const phases: string[] = [];
  for (const l of lines) {
    const phase = readLine(p, l);
    if (phase) phases.push(phase);
  }
  return { p, phases };
}

describe('lifecycle output', () => {
  it('reads the phases from the banners (colours and all)', () => {
    const { phases } = feed(['Starting creator...', '===> ANALYZING', 'x', '\x1b[36m===> DETECTING\x1b[0m', '===> RESTORING', '===> BUILDING', '===> EXPORTING']);
    expect(phases).toEqual(['analyze', 'detect', 'restore', 'build', 'export']);
  });

  it('names the buildpack and its own error line when a build fails', () => {
    const { p } = feed([
      '===> BUILDING',
      'Running build for buildpack io.ofn-local.nodejs@0.1.0',
      'Running build for buildpack io.ofn-local.go@0.1.0',
      'go build -mod=mod -o /layers/x/function .',
      'ofn-local buildpack io.ofn-local.go error: hello.go:12:3: undefined: x',
      'ERROR: failed to build: exit status 1',
    ]);
    expect(describeFailure(p, 51)).toEqual({ phase: 'build', buildpack: 'io.ofn-local.go@0.1.0', reason: 'hello.go:12:3: undefined: x' });
  });

  it("quotes each buildpack's detect output when no group passes", () => {
    const { p } = feed([
      '===> DETECTING',
      '======== Output: io.ofn-local.go@0.1.0 ========',
      'no go.mod or .go files: not a Go function',
      '======== Output: io.ofn-local.nodejs@0.1.0 ========',
      'FUNC_NAME is not set',
      '======== Results ========',
      'fail: io.ofn-local.go@0.1.0',
      'fail: io.ofn-local.nodejs@0.1.0',
      'ERROR: No buildpack groups passed detection.',
    ]);
    const f = describeFailure(p, 20);
    expect(f.phase).toBe('detect');
    expect(f.reason).toBe('no buildpack group passed detection: io.ofn-local.go@0.1.0: no go.mod or .go files: not a Go function; io.ofn-local.nodejs@0.1.0: FUNC_NAME is not set');
  });

  it('takes a buildpack error the lifecycle reports for detect', () => {
    const { p } = feed(['===> DETECTING', '======== Error: io.ofn-local.go@0.1.0 ========', 'open /platform/env: permission denied', '======== Results ========', 'err:  io.ofn-local.go@0.1.0']);
    expect(describeFailure(p, 21)).toMatchObject({ phase: 'detect', buildpack: 'io.ofn-local.go@0.1.0' });
    expect(p.buildpackError).toBe('open /platform/env: permission denied');
  });

  it('knows the phase of exit codes, and falls back to the last banner and ERROR line', () => {
    expect([20, 32, 42, 51, 62, 1].map(phaseOfExitCode)).toEqual(['detect', 'analyze', 'restore', 'build', 'export', undefined]);
    const { p } = feed(['===> EXPORTING', 'ERROR: failed to export: saving image: no space left']);
    expect(describeFailure(p, 1)).toEqual({ phase: 'export', buildpack: undefined, reason: 'failed to export: saving image: no space left' });
  });
});

describe('Platform API negotiation', () => {
  it('picks the highest version both sides speak', () => {
    expect(negotiatePlatformApi(['0.3', '0.4', '0.10', '0.12', '0.13'])).toBe('0.12');
    expect(negotiatePlatformApi(['0.3', '0.4', '0.5', '0.6', '0.7'])).toBe('0.7');
    expect(negotiatePlatformApi(['0.2', '0.3'])).toBeUndefined();
  });
});
