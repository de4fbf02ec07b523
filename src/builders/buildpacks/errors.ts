import { OfnError } from '../../errors.js';

export type BuildpacksErrorCode =
  /** The offline builder could not be assembled (no base image, no Go, no lifecycle). */
  | 'ERR_OFFLINE_BUILDER'
  /** The builder image is not on the engine and cannot be pulled, and no offline builder stands in. */
  | 'ERR_BUILDER_IMAGE'
  /** The image is not a buildpacks builder (no CNB_USER_ID, no lifecycle). */
  | 'ERR_NOT_A_BUILDER'
  /** The builder's lifecycle speaks no Platform API ofn-local speaks. */
  | 'ERR_PLATFORM_API'
  /** A lifecycle phase failed: the message names the phase and, when known, the buildpack. */
  | 'ERR_BUILDPACKS_PHASE';

export class BuildpacksError extends OfnError<BuildpacksErrorCode> {}
