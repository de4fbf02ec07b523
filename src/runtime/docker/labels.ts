/** Labels that mark everything ofn-local creates, so `down`, a crash or a second `up` never leaks or collides. */
export const LABEL_PROJECT = 'io.ofn-local.project';
export const LABEL_FUNCTION = 'io.ofn-local.function';
export const LABEL_GENERATION = 'io.ofn-local.generation';
export const LABEL_ROOT = 'io.ofn-local.root';

export function projectFilter(projectId: string): { label: string[] } {
  return { label: [`${LABEL_PROJECT}=${projectId}`] };
}
