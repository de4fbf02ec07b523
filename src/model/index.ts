export type {
  Diagnostic,
  JsonObject,
  LoadedFunction,
  Origin,
  Project,
  ResolvedSource,
  ScaleSettings,
} from './types.js';
export { loadProject, type LoadOptions } from './load.js';
export { ModelError, formatDiagnostic, type ModelErrorCode } from './errors.js';
export { SOURCE_ANNOTATION } from './source.js';
export { formatPath, type FieldPath, type PathSegment } from './field-path.js';
export type { FunctionV1beta2 } from './function-schema.js';
export { daprPlan, type DaprPlan } from './dapr-plan.js';
export { EXPORT_MARKER, findManifestFiles } from './manifest-files.js';
export { parseYamlDocuments } from './yaml-documents.js';
export { loadProjectConfig, DEFAULT_SERVICE_PORTS, SERVICE_TYPES, type BackingServiceConfig, type ProjectConfig, type ServiceType } from './project-config.js';
