import { OfnError } from '../errors.js';

export type TestingErrorCode =
  /** The project did not start: a build failed, an instance did not start, or the ready timeout passed. */
  | 'ERR_NOT_READY'
  /** waitFor saw nothing matching in time. */
  | 'ERR_WAIT_TIMEOUT'
  /** No such function, or the project was stopped. */
  | 'ERR_TESTING';

/** Every failure of `ofn-local/testing`: `code` says which, the message says what to look at. */
export class OfnTestingError extends OfnError<TestingErrorCode> {}
