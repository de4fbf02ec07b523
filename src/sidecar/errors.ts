/**
 * The sidecar's one error type. `code` is the Dapr error code the HTTP API answers with
 * (`{"errorCode": code, "message": message}`) or, for start-up problems, one of the
 * ERR_SIDECAR_* codes; `status` is the HTTP status daprd uses for it.
 */
import { OfnError, type Where } from '../errors.js';

export type SidecarStartCode =
  | 'ERR_SIDECAR_FLAGS'
  | 'ERR_SIDECAR_RESOURCES'
  | 'ERR_SIDECAR_LISTEN'
  | 'ERR_SIDECAR_DISPOSED';

export interface SidecarErrorOptions {
  status?: number;
  where?: Where;
  hint?: string;
  cause?: unknown;
}

export class SidecarError extends OfnError<string> {
  readonly status: number;

  constructor(code: SidecarStartCode | (string & {}), message: string, opts: SidecarErrorOptions = {}) {
    super(code, message, opts.where, opts.hint, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.status = opts.status ?? 500;
  }
}

/** Shorthand for an API error with its HTTP status. */
export function apiError(status: number, code: string, message: string, cause?: unknown): SidecarError {
  return new SidecarError(code, message, { status, cause });
}

export { errorMessage } from '../errors.js';
