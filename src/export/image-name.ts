/** Image names for the cluster build: `<registry>/<name>:<version>`, and telling placeholders apart. */

/** OpenFunction's builder for Node functions (the only language ofn-local builds). */
export const NODE_BUILDER = 'openfunction/builder-node:latest';

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** `<registry>/<repository>:<version>`; a version that is not a valid tag is made one. */
export function registryImage(registry: string, repository: string, version: string): { image: string; tag: string; tagChanged: boolean } {
  const base = registry.replace(/\/+$/, '');
  const tag = toTag(version);
  return { image: `${base}/${repository}:${tag}`, tag, tagChanged: tag !== version };
}

function toTag(version: string): string {
  if (TAG.test(version)) return version;
  const cleaned = version.replace(/[^A-Za-z0-9_.-]/g, '-').replace(/^[.-]+/, '').slice(0, 128);
  return cleaned === '' ? 'latest' : cleaned;
}

/** `<your registry name>/x:v1`, `your-registry/x` and other names no registry serves. */
export function isPlaceholderImage(image: string): boolean {
  return /[<>{}\s]/.test(image) || /your[-_ ]?(registry|repo|org|user|name|account)/i.test(image) || image === '';
}

/** Checks a `--registry` value; returns what is wrong, or undefined. */
export function registryProblem(registry: string): string | undefined {
  if (registry.trim() === '') return 'expected a registry such as "docker.io/my-team" or "registry.example.com:5000", got an empty string';
  if (/\s/.test(registry)) return `expected a registry without spaces, got ${JSON.stringify(registry)}`;
  if (/[@]/.test(registry) || /:[^/]*$/.test(registry.replace(/^[^/]*/, ''))) {
    return `expected a registry (and optional path) without a tag or digest, got ${JSON.stringify(registry)}: the tag comes from spec.version`;
  }
  if (isPlaceholderImage(registry)) return `expected a real registry, got the placeholder ${JSON.stringify(registry)}`;
  return undefined;
}
