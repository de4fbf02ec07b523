/**
 * Which language builder a Function gets, chosen as OpenFunction chooses it: from the builder image
 * in `spec.build.builder` (openfunction/builder-go → Go, builder-node → Node, …), confirmed by the
 * files in the source folder. Multi-language builder images (openfunction/gcp-builder, Google's
 * and Paketo's builders) leave the choice to the folder, as their buildpacks' detect steps do.
 * Pure: the caller lists the folder.
 */
import { OfnError } from '../errors.js';

export type Language = 'go' | 'node' | 'python' | 'java' | 'dotnet' | 'ruby' | 'php';

/** Languages ofn-local builds today; the default for {@link selectBuilder}. */
export const BUILT_LANGUAGES: readonly Language[] = ['node', 'go', 'python'];

export const LANGUAGE_NAMES: Record<Language, string> = {
  go: 'Go',
  node: 'Node',
  python: 'Python',
  java: 'Java',
  dotnet: '.NET',
  ruby: 'Ruby',
  php: 'PHP',
};

/** The builder image a cluster would use for each language (for messages). */
export const LANGUAGE_BUILDERS: Record<Language, string> = {
  go: 'openfunction/builder-go:latest',
  node: 'openfunction/builder-node:latest',
  python: 'openfunction/gcp-builder:v1',
  java: 'openfunction/builder-java:v2-18',
  dotnet: 'openfunction/gcp-builder:v1',
  ruby: 'openfunction/gcp-builder:v1',
  php: 'openfunction/gcp-builder:v1',
};

/** What each language's code looks like at the top of the folder, for detection and for messages. */
const LANGUAGE_FILES: Record<Language, { match: (top: readonly string[]) => boolean; expected: string }> = {
  go: {
    match: (top) => top.includes('go.mod') || top.some((f) => f.endsWith('.go')),
    expected: 'go.mod and .go files',
  },
  node: {
    match: (top) => ['package.json', 'index.js', 'index.mjs', 'function.js'].some((f) => top.includes(f)),
    expected: 'package.json, index.js, index.mjs or function.js',
  },
  python: {
    match: (top) => top.includes('requirements.txt') || top.includes('main.py') || top.includes('pyproject.toml') || top.some((f) => f.endsWith('.py')),
    expected: 'main.py (or another .py file) and requirements.txt',
  },
  java: {
    match: (top) => ['pom.xml', 'build.gradle', 'build.gradle.kts'].some((f) => top.includes(f)),
    expected: 'pom.xml or build.gradle',
  },
  dotnet: {
    match: (top) => top.some((f) => /\.(cs|fs|vb)proj$/.test(f)),
    expected: 'a .csproj, .fsproj or .vbproj file',
  },
  ruby: { match: (top) => top.includes('Gemfile'), expected: 'Gemfile' },
  php: { match: (top) => top.includes('composer.json') || top.includes('index.php'), expected: 'composer.json or index.php' },
};

/** Order in which a multi-language builder's folder is looked at (first match wins). */
const DETECT_ORDER: readonly Language[] = ['go', 'node', 'python', 'java', 'dotnet', 'ruby', 'php'];

export type BuilderImageKind =
  /** One language's builder: openfunction/builder-go, builder-node, builder-java … */
  | { kind: 'language'; language: Language }
  /** A builder for several languages; the folder decides. */
  | { kind: 'multi' }
  /** Not a buildpacks builder ofn-local knows (a Shipwright strategy image, a custom builder …). */
  | { kind: 'unknown' };

/** The repository part of an image reference: no registry host, tag or digest. */
export function imageRepository(image: string): string {
  let ref = image.trim();
  const at = ref.indexOf('@');
  if (at >= 0) ref = ref.slice(0, at);
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) ref = ref.slice(0, colon);
  const parts = ref.split('/');
  if (parts.length > 1 && /[.:]|^localhost$/.test(parts[0]!)) parts.shift();
  if (parts[0] === 'library') parts.shift();
  return parts.join('/').toLowerCase();
}

const LANGUAGE_ALIASES: Record<string, Language> = {
  go: 'go',
  golang: 'go',
  node: 'node',
  nodejs: 'node',
  python: 'python',
  py: 'python',
  java: 'java',
  dotnet: 'dotnet',
  ruby: 'ruby',
  php: 'php',
};

/** What a `spec.build.builder` image builds, from its name (OpenFunction's names, on any registry). */
export function classifyBuilderImage(image: string): BuilderImageKind {
  const repo = imageRepository(image);
  const name = repo.split('/').pop() ?? '';
  // openfunction/builder-go, builder-node, builder-java; also mirrors such as myreg/of/builder-go.
  const single = /^builder-([a-z]+?)(?:\d+)?$/.exec(name);
  if (single && LANGUAGE_ALIASES[single[1]!]) return { kind: 'language', language: LANGUAGE_ALIASES[single[1]!]! };
  // Python-only builders by name: gcr.io/buildpacks/python, paketobuildpacks/python, a mirror's python-builder …
  if (/(^|[-_/])python/.test(repo)) return { kind: 'language', language: 'python' };
  if (
    name === 'gcp-builder' ||
    repo === 'openfunction/builder' ||
    repo === 'buildpacks/builder' ||
    repo.startsWith('paketobuildpacks/builder') ||
    repo.startsWith('heroku/builder') ||
    repo.startsWith('google/buildpacks')
  ) {
    return { kind: 'multi' };
  }
  return { kind: 'unknown' };
}

/** Languages whose files are at the top of the folder, in detection order. */
export function languagesInFolder(files: readonly string[]): Language[] {
  const top = files.filter((f) => !f.includes('/'));
  return DETECT_ORDER.filter((l) => LANGUAGE_FILES[l].match(top));
}

/** The files a language's folder is expected to hold, for messages. */
export function expectedFiles(language: Language): string {
  return LANGUAGE_FILES[language].expected;
}

export type BuilderSelectionErrorCode =
  /** spec.build.builder names an image ofn-local cannot stand in for. */
  | 'ERR_UNKNOWN_BUILDER'
  /** The builder (or the folder, for a multi-language builder) is a language ofn-local does not build yet. */
  | 'ERR_UNSUPPORTED_LANGUAGE'
  /** The folder lacks the builder's language files. */
  | 'ERR_NO_LANGUAGE_FILES';

export class BuilderSelectionError extends OfnError<BuilderSelectionErrorCode> {}

export interface BuilderSelection {
  language: Language;
  /** The image as written in spec.build.builder. */
  builder: string;
  /** How the language was found: the builder image's name, or the folder (multi-language builder). */
  via: 'builder-image' | 'source-folder';
}

export interface SelectBuilderInput {
  /** spec.build.builder. */
  builder: string;
  /** The source folder, for messages. */
  dir: string;
  /** Files of the source folder, relative with `/` separators (top-level entries are enough). */
  files: readonly string[];
  /** Languages that can be built; default {@link BUILT_LANGUAGES}. */
  supported?: readonly Language[];
}

/** Picks the language builder; throws {@link BuilderSelectionError} with a one-line message otherwise. */
export function selectBuilder(input: SelectBuilderInput): BuilderSelection {
  const supported = input.supported ?? BUILT_LANGUAGES;
  const kind = classifyBuilderImage(input.builder);
  const where = { path: 'spec.build.builder' };
  const supportedList = listLanguages(supported);

  if (kind.kind === 'unknown') {
    throw new BuilderSelectionError(
      'ERR_UNKNOWN_BUILDER',
      `builder image "${input.builder}" is not one ofn-local can stand in for (it builds ${supportedList} functions with OpenFunction's builders, e.g. ${supported.map((l) => LANGUAGE_BUILDERS[l]).join(', ')}): set spec.build.builder to one of those, or build the image yourself and give spec.image without spec.build`,
      where,
    );
  }

  const found = languagesInFolder(input.files);
  if (kind.kind === 'language') {
    const language = kind.language;
    if (!supported.includes(language)) throw unsupported(input.builder, language, supportedList, where);
    if (!found.includes(language)) {
      const other = found.find((l) => l !== language);
      const guess = other ? `; it looks like ${LANGUAGE_NAMES[other]} code (use builder ${LANGUAGE_BUILDERS[other]})` : '';
      throw new BuilderSelectionError(
        'ERR_NO_LANGUAGE_FILES',
        `no ${LANGUAGE_NAMES[language]} function in ${input.dir}: builder "${input.builder}" expects ${expectedFiles(language)} at the top of the folder${guess}; point spec.build.srcRepo (url, sourceSubPath) at the function's folder`,
        { file: input.dir },
      );
    }
    return { language, builder: input.builder, via: 'builder-image' };
  }

  const language = found[0];
  if (language === undefined) {
    throw new BuilderSelectionError(
      'ERR_NO_LANGUAGE_FILES',
      `no function code in ${input.dir} for builder "${input.builder}": expected ${supported.map((l) => `${expectedFiles(l)} (${LANGUAGE_NAMES[l]})`).join(', or ')} at the top of the folder; point spec.build.srcRepo (url, sourceSubPath) at the function's folder`,
      { file: input.dir },
    );
  }
  if (!supported.includes(language)) throw unsupported(input.builder, language, supportedList, where);
  return { language, builder: input.builder, via: 'source-folder' };
}

function unsupported(builder: string, language: Language, supportedList: string, where: { path: string }): BuilderSelectionError {
  return new BuilderSelectionError(
    'ERR_UNSUPPORTED_LANGUAGE',
    `builder image "${builder}" builds ${LANGUAGE_NAMES[language]} functions, which ofn-local does not build yet (it builds ${supportedList}): build the image with that builder yourself (pack build …) and give it as spec.image without spec.build, or write the function in ${supportedList}`,
    where,
  );
}

function listLanguages(langs: readonly Language[]): string {
  const names = langs.map((l) => LANGUAGE_NAMES[l]);
  return names.length <= 1 ? (names[0] ?? 'no') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
