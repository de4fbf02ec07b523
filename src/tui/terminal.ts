/**
 * Whether to show the live UI rather than plain lines: both ends a terminal (keys need a TTY stdin),
 * not CI, and a terminal that can move the cursor. NO_COLOR keeps the UI, without colour.
 */
export function wantsTui(stdout: { isTTY?: boolean }, stdin: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (!stdout.isTTY || !stdin.isTTY) return false;
  if (env.TERM === 'dumb') return false;
  if (isCi(env)) return false;
  return true;
}

/** CI as the usual variables say it (`CI=false` or `CI=0` is not CI). */
export function isCi(env: NodeJS.ProcessEnv): boolean {
  if (env.CI !== undefined) return env.CI !== 'false' && env.CI !== '0';
  return env.CONTINUOUS_INTEGRATION !== undefined || env.BUILD_NUMBER !== undefined || env.GITHUB_ACTIONS !== undefined;
}
