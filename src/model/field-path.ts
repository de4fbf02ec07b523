/** One step into a YAML/JSON document: a mapping key or a sequence index. */
export type PathSegment = string | number;
export type FieldPath = readonly PathSegment[];

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * Formats a path the way Kubernetes messages do: `spec.serving.triggers.dapr[0].name`.
 * Keys that are not plain identifiers (annotation keys such as `autoscaling.knative.dev/target`)
 * are written in brackets: `spec.serving.annotations[autoscaling.knative.dev/target]`.
 */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${segment}]`;
  }
  return out;
}
