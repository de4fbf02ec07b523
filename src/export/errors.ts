import { OfnError } from '../errors.js';

export type ExportErrorCode =
  /** `--crds` / OFN_LOCAL_CRDS names a folder that is missing or holds no CRD. */
  | 'ERR_CRDS'
  /** The `-o` folder cannot be created or written. */
  | 'ERR_OUTPUT'
  /** Flags that do not go together, or a bad flag value. */
  | 'ERR_USAGE';

export class ExportError extends OfnError<ExportErrorCode> {}
