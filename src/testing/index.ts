/**
 * ofn-local's test API (`import { OfnProject } from 'ofn-local/testing'`): start a project of
 * OpenFunction manifests in a test, call its functions, publish to its topics, and wait for what
 * they sent to output bindings and topics. See docs/testing.md.
 */
export { OfnProject, type InvokeOptions, type InvokeResult, type StartOptions, type WaitOptions } from './project.js';
export { OfnTestingError, type TestingErrorCode } from './errors.js';
export type { Output, OutputFilter } from './outputs.js';
