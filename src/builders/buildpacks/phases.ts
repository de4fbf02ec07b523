/**
 * What the lifecycle's output says about where a build is: its phase banners (`===> DETECTING` …),
 * the buildpack running (`Running build for buildpack id@version` at debug level), buildpacks'
 * detect verdicts, ofn-local buildpacks' error lines, and the phase an exit code belongs to
 * (Platform API 0.6+ codes: 2x detect, 3x analyze, 4x restore, 5x build, 6x export). Pure.
 */
export type LifecyclePhase = 'detect' | 'analyze' | 'restore' | 'build' | 'export';

export const PHASE_BANNERS: Record<string, LifecyclePhase> = {
  DETECTING: 'detect',
  ANALYZING: 'analyze',
  RESTORING: 'restore',
  BUILDING: 'build',
  EXPORTING: 'export',
};

export interface LifecycleProgress {
  phase?: LifecyclePhase;
  /** The buildpack whose detect or build ran last (`id@version`). */
  buildpack?: string;
  /** A buildpack's own error message (ofn-local's buildpacks print one line). */
  buildpackError?: string;
  /** The lifecycle's last `ERROR:` line. */
  lifecycleError?: string;
  /** Output of the build phase, for a message when nothing better is said. */
  lastLines: string[];
  /** The lifecycle printed `======== Error: <buildpack> ========`: the next line is that buildpack's error. */
  errorOf?: string;
  /** Detect output of each buildpack (`======== Output: <buildpack> ========` sections), for a failed detection. */
  detectOutput: Record<string, string[]>;
  outputOf?: string;
}

export function newProgress(): LifecycleProgress {
  return { lastLines: [], detectOutput: {} };
}

/** Folds one output line into the progress; returns the phase when this line starts one. */
export function readLine(p: LifecycleProgress, rawLine: string): LifecyclePhase | undefined {
  // The lifecycle colours some words (ANSI escapes); they are noise here.
  const line = rawLine.replace(/\x1b\[[0-9;]*m/g, '').trimEnd();
  const banner = /^===> ([A-Z]+)$/.exec(line.trim());
  if (banner && PHASE_BANNERS[banner[1]!]) {
    p.phase = PHASE_BANNERS[banner[1]!];
    return p.phase;
  }
  if (p.errorOf && line.trim() && !/^=+ /.test(line.trim())) {
    p.buildpackError ??= line.trim();
    p.errorOf = undefined;
  }
  const section = /^=+ (Output|Results|Error)(?:: (\S+))? =+$/.exec(line.trim());
  if (section) p.outputOf = section[1] === 'Output' ? section[2] : undefined;
  else if (p.outputOf && line.trim() && p.phase === 'detect') (p.detectOutput[p.outputOf] ??= []).push(line.trim());
  const bpError = /^=+ Error: (\S+) =+$/.exec(line.trim());
  if (bpError) {
    p.buildpack = bpError[1]!;
    p.errorOf = bpError[1]!;
  }
  const running = /Running (?:build|detection) for buildpack (\S+)/.exec(line) ?? /^(?:=+> )?(?:fail|err):\s+(\S+@\S+)/.exec(line.trim());
  if (running) p.buildpack = running[1]!;
  const own = /^ofn-local buildpack (\S+) error: (.*)$/.exec(line);
  if (own) {
    p.buildpack ??= own[1]!;
    p.buildpackError = own[2]!;
    if (p.buildpack && !p.buildpack.startsWith(own[1]!)) p.buildpack = own[1]!;
  }
  const error = /^ERROR: (.*)$/.exec(line.trim());
  if (error) p.lifecycleError = error[1]!;
  if (line.trim() && !/^Timer: /.test(line.trim())) {
    p.lastLines.push(line);
    if (p.lastLines.length > 8) p.lastLines.shift();
  }
  return undefined;
}

/** The phase a creator exit code names (Platform API 0.6 and later), if any. */
export function phaseOfExitCode(code: number): LifecyclePhase | undefined {
  if (code >= 20 && code < 30) return 'detect';
  if (code >= 30 && code < 40) return 'analyze';
  if (code >= 40 && code < 50) return 'restore';
  if (code >= 50 && code < 60) return 'build';
  if (code >= 60 && code < 70) return 'export';
  return undefined;
}

/** One line saying where and why a build failed. */
export function describeFailure(p: LifecycleProgress, exitCode: number): { phase: LifecyclePhase | undefined; buildpack: string | undefined; reason: string } {
  const phase = phaseOfExitCode(exitCode) ?? p.phase;
  const buildpack = phase === 'build' || phase === 'detect' ? p.buildpack : undefined;
  let reason = p.buildpackError ?? p.lifecycleError ?? p.lastLines.slice(-3).join(' | ');
  if (phase === 'detect' && !p.buildpackError) {
    const fails = p.lastLines.filter((l) => /^(fail|err|pass|skip):/.test(l.trim())).map((l) => l.trim().replace(/\s+/g, ' '));
    const said = Object.entries(p.detectOutput).map(([bp, lines]) => `${bp}: ${lines.join(' ')}`);
    reason = `no buildpack group passed detection${said.length ? `: ${said.join('; ')}` : fails.length ? ` (${fails.join(', ')})` : ''}`;
  }
  return { phase, buildpack, reason: reason || `the lifecycle exited with code ${exitCode}` };
}
