import { formatPath, type FieldPath } from './field-path.js';
import type { Diagnostic } from './types.js';

/** Collects the diagnostics of one load. */
export class DiagnosticList {
  readonly items: Diagnostic[] = [];

  add(d: Diagnostic): void {
    this.items.push(d);
  }

  /** In file, document and line order. */
  sorted(): Diagnostic[] {
    return [...this.items].sort(
      (a, b) =>
        (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.doc - b.doc || (a.line ?? 0) - (b.line ?? 0),
    );
  }

  hasErrors(): boolean {
    return this.items.some((d) => d.severity === 'error');
  }
}

type PathMapping = (path: FieldPath) => FieldPath;

/** Reports problems of one YAML document, turning field paths into lines of that document. */
export class DocumentReporter {
  constructor(
    private readonly list: DiagnosticList,
    readonly file: string,
    readonly doc: number,
    private readonly lineOf: (path: FieldPath) => number | undefined,
    /** Maps a path of the object being checked to the path written in the file (v1beta1 input). */
    private readonly toSourcePath: PathMapping = (p) => p,
    /** Shared by every reporter of the document, so `errors` counts them all. */
    private readonly counter = { errors: 0 },
  ) {}

  error(path: FieldPath, message: string): void {
    this.counter.errors++;
    this.report('error', path, message);
  }

  warning(path: FieldPath, message: string): void {
    this.report('warning', path, message);
  }

  /** Errors reported for this document so far. */
  get errors(): number {
    return this.counter.errors;
  }

  /** A reporter for the same document whose paths are first mapped by `toSourcePath`. */
  withPathMapping(toSourcePath: PathMapping): DocumentReporter {
    return new DocumentReporter(this.list, this.file, this.doc, this.lineOf, toSourcePath, this.counter);
  }

  private report(severity: Diagnostic['severity'], path: FieldPath, message: string): void {
    const sourcePath = this.toSourcePath(path);
    const line = this.lineOf(sourcePath);
    this.list.add({
      severity,
      file: this.file,
      doc: this.doc,
      ...(line !== undefined ? { line } : {}),
      path: formatPath(sourcePath),
      message,
    });
  }
}
