import { OfnError } from '../../errors.js';

/**
 * Errors of the Python builder. Each names the folder or file (`where.file`) or the manifest field
 * (`where.path`) and says what to do.
 */
export type PythonBuildErrorCode =
  /** The folder holds no Python function (no source file where the build settings point). */
  | 'ERR_NOT_PYTHON'
  /** No target: GOOGLE_FUNCTION_TARGET / FUNC_NAME is missing or does not name a function of the source. */
  | 'ERR_PYTHON_TARGET'
  /** A build setting (source path, signature type) is not one the builder accepts. */
  | 'ERR_PYTHON_SETTING'
  /** requirements.txt cannot be installed (pip's message, the file). */
  | 'ERR_PYTHON_REQUIREMENTS'
  /** No Python interpreter with venv on the host (process runtime). */
  | 'ERR_PYTHON_INTERPRETER'
  /** No base image with Python for the Docker runtime. */
  | 'ERR_PYTHON_BASE_IMAGE';

export class PythonBuildError extends OfnError<PythonBuildErrorCode> {}
