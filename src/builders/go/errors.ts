import { OfnError } from '../../errors.js';

/**
 * Errors of the Go builder. Each names the folder or file (`where.file`) or the manifest field
 * (`where.path`) and says what to do, as the cluster's Go builder would refuse the same input.
 */
export type GoBuildErrorCode =
  /** The folder holds no Go function (no go.mod, no .go files). */
  | 'ERR_NOT_GO'
  /** .go files without a go.mod: OpenFunction's Go builder needs a module. */
  | 'ERR_GO_NO_MODULE'
  /** go.mod has no usable `module` line, or a path the builder refuses. */
  | 'ERR_GO_MODULE'
  /** The package clause or imports of a top-level .go file cannot be read, or the files disagree. */
  | 'ERR_GO_PACKAGE'
  /** spec.build.env.FUNC_NAME is missing or cannot name the function. */
  | 'ERR_FUNC_NAME'
  /** A plugins/plugin-* folder cannot become a Go import. */
  | 'ERR_GO_PLUGIN'
  /** The code does not compile: `where` names the file and line. */
  | 'ERR_GO_COMPILE'
  /** `go build` failed for another reason (a module that cannot be downloaded, ...). */
  | 'ERR_GO_BUILD'
  /** No Go toolchain to build with. */
  | 'ERR_GO_TOOLCHAIN';

export class GoBuildError extends OfnError<GoBuildErrorCode> {}
