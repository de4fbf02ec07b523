/** Where a problem is, so a message can name the file, field or port. */
export interface Where {
  file?: string;
  /** 0-based index of the YAML document inside `file`. */
  doc?: number;
  /** Field path such as `spec.serving.triggers.http.port`. */
  path?: string;
  line?: number;
  port?: number;
}

/**
 * The one error type of ofn-local. Each module narrows `code` to its own union.
 * `hint` says what the user can do next; the CLI prints it under the message.
 */
export class OfnError<C extends string = string> extends Error {
  constructor(
    readonly code: C,
    message: string,
    readonly where: Where = {},
    readonly hint?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = `${new.target.name} [${code}]`;
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
