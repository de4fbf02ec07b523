import { formatPath, type FieldPath } from '../model/index.js';

/**
 * The warnings of one export, one line each, in the order they were found:
 * `<Kind> <namespace>/<name>: <field path>: <what changed and what the cluster needs instead>`.
 */
export class Notes {
  readonly lines: string[] = [];

  add(subject: string, path: FieldPath | undefined, message: string): void {
    const where = path && path.length > 0 ? `${formatPath(path)}: ` : '';
    this.lines.push(`${subject}: ${where}${message}`);
  }

  /** A line about the project as a whole. */
  addGeneral(message: string): void {
    this.lines.push(message);
  }
}

/** `Function default/hello`, or `ClusterEventBus default` for cluster-scoped kinds. */
export function subjectOf(kind: string, namespace: string, name: string): string {
  return namespace ? `${kind} ${namespace}/${name}` : `${kind} ${name}`;
}
