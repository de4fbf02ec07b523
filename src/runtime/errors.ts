import { OfnError } from '../errors.js';

export type RuntimeErrorCode =
  | 'ERR_ENGINE_UNREACHABLE'
  | 'ERR_IMAGE_MISSING'
  | 'ERR_INSTANCE_START'
  | 'ERR_INSTANCE_EXITED'
  | 'ERR_NOT_READY'
  | 'ERR_RUNTIME_UNSUPPORTED';

export class RuntimeError extends OfnError<RuntimeErrorCode> {}
