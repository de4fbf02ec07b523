/**
 * Export: the manifests that give a project's local behaviour on a real OpenFunction cluster,
 * and `--check`, which judges a set of manifests against the CRD schemas and the model's rules.
 * `exportProject` is pure; git, the project config and the CRDs are read by the functions beside it.
 */
export type {
  BackingService,
  ExportApiVersion,
  ExportOptions,
  ExportResult,
  ExportedDocument,
  GitFacts,
  LocalConfig,
} from './types.js';
export { exportProject, fileNameOf } from './export-project.js';
export { exportInputs, type ExportInputsOptions, type ExportInputsResult } from './export-inputs.js';
export { readGitFacts, readGitFactsFor } from './git-facts.js';
export { LOCAL_CONFIG_FILES, readLocalConfig } from './local-config.js';
export { renderYamlStream } from './render-yaml.js';
export { writeDocuments, type WrittenDocuments } from './write-documents.js';
export { CrdSchemas } from './crd-schemas.js';
export { prepareCrdSchema } from './crd-schema-transform.js';
export type { SchemaProblem } from './schema-problems.js';
export { CRDS_ENV, SCHEMA_CHECK_SKIPPED, findCrdDir, type CrdLocation, type CrdLocationOptions } from './crd-location.js';
export { checkManifests, type CheckOptions, type CheckResult } from './check-manifests.js';
export { NODE_BUILDER, registryProblem } from './image-name.js';
export { LOCAL_KEY_PREFIX } from './local-keys.js';
export { ExportError, type ExportErrorCode } from './errors.js';
