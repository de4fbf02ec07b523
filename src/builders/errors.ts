import { OfnError } from '../errors.js';

export type BuildErrorCode = 'ERR_NOT_NODE' | 'ERR_DEPENDENCIES' | 'ERR_BASE_IMAGE' | 'ERR_IMAGE_BUILD' | 'ERR_NO_SOURCE';

export class BuildError extends OfnError<BuildErrorCode> {}
