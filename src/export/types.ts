/** The export's public types: what `exportProject` takes and gives. */
import type { JsonObject } from '../model/index.js';

export type ExportApiVersion = 'v1beta2' | 'v1beta1';

/** What git says about the checkout holding a function's code (read by `readGitFacts`). */
export type GitFacts =
  | {
      kind: 'checkout';
      /** Absolute top folder of the checkout. */
      topLevel: string;
      /** The function folder relative to `topLevel`, with `/` separators ('' at the top). */
      subPath: string;
      /** The commit checked out (full sha); undefined before the first commit. */
      revision?: string;
      /** The remote the cluster would clone: `origin`, else the first one by name. */
      remote?: { name: string; url: string };
      /** `git status --porcelain` lines for the function folder (uncommitted and untracked files). */
      changes: string[];
      /** Whether `revision` is on a remote-tracking branch; undefined when that could not be told. */
      pushed?: boolean;
    }
  | {
      kind: 'none';
      /** Why there is no checkout, e.g. "/x is not inside a git checkout". */
      reason: string;
    };

/** A backing service ofn-local runs for the project (from ofn-local's own project config). */
export interface BackingService {
  name: string;
  /** What it is, as far as the config says: `kafka`, `redis`, `mqtt`, `nats`, or the image. */
  kind?: string;
  /** Where functions reach it locally, e.g. `kafka:9092`. */
  address?: string;
}

/** ofn-local's own project config (`ofn-local.yaml`), as far as export needs it. */
export interface LocalConfig {
  /** Absolute path of the config file. */
  file: string;
  services: BackingService[];
}

export interface ExportOptions {
  /** `core.openfunction.io/<apiVersion>` of the exported Functions (default v1beta2). */
  apiVersion?: ExportApiVersion;
  /** Registry the cluster build pushes to: functions built from source get `<registry>/<name>:<version>`. */
  registry?: string;
  /** Git facts by absolute function folder (see `readGitFacts`); a folder missing here counts as "no checkout". */
  git?: ReadonlyMap<string, GitFacts>;
  /** ofn-local's project config, when the project has one. */
  localConfig?: LocalConfig;
  /** Folder paths in warnings are relative to (default: the project root). */
  cwd?: string;
}

export interface ExportedDocument {
  apiVersion: string;
  kind: string;
  name: string;
  /** '' for cluster-scoped kinds. */
  namespace: string;
  /** Stable file name for `-o DIR`, e.g. `function-default-hello.yaml`. */
  fileName: string;
  /** The manifest as plain JSON, keys in output order. */
  object: JsonObject;
  /** The manifest as YAML (one document, ends with a newline). */
  yaml: string;
}

export interface ExportResult {
  /** In apply order: Components, event buses, Gateways, Functions, EventSources, Triggers. */
  documents: ExportedDocument[];
  /** One line each: what was changed or left out, and what the cluster needs instead. */
  warnings: string[];
}
