import { languagesInFolder, type Language } from '../select-builder.js';

/**
 * The language of a function built with buildpacks, for what the daemon sets around the image (the
 * sidecar's app protocol defaults, FUNC_CONTEXT handling): the builder's detect step decides what
 * builds, so the folder alone says it here; Node when it says nothing.
 */
export function languageForBuildpacks(files: readonly string[]): Language {
  return languagesInFolder(files)[0] ?? 'node';
}
