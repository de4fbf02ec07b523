/**
 * `spec.build.srcRepo` for the cluster, from the checkout the code ran from: the remote's URL
 * (credentials taken out), the commit checked out as `revision`, and the function folder below
 * the checkout's top as `sourceSubPath`. Pure: the git facts are read beforehand (git-facts.ts).
 * Every change to what the manifest said, and everything that would make the cluster build other
 * code than what ran locally, is a note.
 */
import type { FieldPath, JsonObject } from '../model/index.js';
import type { Notes } from './notes.js';
import type { GitFacts } from './types.js';

const SRC_REPO: FieldPath = ['spec', 'build', 'srcRepo'];
const REMOTE_URL = /^(?:[a-z][a-z0-9+.-]*:\/\/|[\w.-]+@[\w.-]+:)/i;
const SCP_LIKE = /^([\w.-]+)@([\w.-]+):(.*)$/;
const MAX_LISTED_CHANGES = 3;

export interface SrcRepoInput {
  /** `spec.build.srcRepo` as loaded, when the manifest had a build. */
  current?: JsonObject;
  facts: GitFacts;
  /** The function folder, as shown in messages. */
  folder: string;
  subject: string;
  notes: Notes;
}

/** The srcRepo to export; undefined when there is no remote to derive one from (the caller keeps what was written). */
export function deriveSrcRepo({ current, facts, folder, subject, notes }: SrcRepoInput): JsonObject | undefined {
  const currentUrl = typeof current?.['url'] === 'string' ? current['url'] : undefined;
  const localUrl = currentUrl !== undefined && !isRemoteUrl(currentUrl);

  if (facts.kind === 'none') {
    if (currentUrl !== undefined && localUrl) {
      notes.add(
        subject,
        [...SRC_REPO, 'url'],
        `${JSON.stringify(currentUrl)} is a local folder the cluster cannot clone, and ${facts.reason}: ` +
          'push the code to a git repository and set srcRepo.url, revision and sourceSubPath, or export from inside its checkout',
      );
    }
    return undefined;
  }
  if (!facts.remote) {
    // Without a build in the manifest the caller says what happens instead.
    if (current === undefined) return undefined;
    notes.add(
      subject,
      [...SRC_REPO, 'url'],
      `the checkout ${facts.topLevel} has no remote, so the cluster has nothing to clone: ` +
        'add one (git remote add origin <url>), push, and export again; kept as written' +
        (localUrl ? ` (${JSON.stringify(currentUrl)}, a local folder)` : ''),
    );
    return undefined;
  }

  const remote = facts.remote;
  const cleaned = withoutCredentials(remote.url);
  let url = cleaned.url;
  if (currentUrl !== undefined && !localUrl && sameRepository(currentUrl, remote.url)) {
    url = currentUrl; // The manifest names this repository already: keep its spelling (https vs ssh).
  } else {
    if (cleaned.hadCredentials) {
      notes.add(
        subject,
        [...SRC_REPO, 'url'],
        `the credentials in the URL of remote "${remote.name}" were left out; give the cluster a git Secret in srcRepo.credentials instead`,
      );
    }
    if (currentUrl !== undefined && localUrl) {
      notes.add(
        subject,
        [...SRC_REPO, 'url'],
        `${JSON.stringify(currentUrl)} is a local folder: exported as the checkout's remote "${remote.name}" ${url}`,
      );
    } else if (currentUrl !== undefined) {
      notes.add(
        subject,
        [...SRC_REPO, 'url'],
        `${JSON.stringify(currentUrl)} replaced by ${url}, the remote "${remote.name}" of the checkout the code ran from`,
      );
    }
  }
  if (!isRemoteUrl(url)) {
    notes.add(subject, [...SRC_REPO, 'url'], `${url} (remote "${remote.name}") is a path on this machine: the cluster cannot clone it; push to a hosted repository`);
  } else if (isSshUrl(url) && current?.['credentials'] === undefined) {
    notes.add(
      subject,
      [...SRC_REPO, 'url'],
      `${url} is an SSH URL: the cluster needs srcRepo.credentials naming a Secret with an SSH key, or use the repository's https URL`,
    );
  }

  const srcRepo: JsonObject = { url };
  if (facts.revision) {
    srcRepo['revision'] = facts.revision;
    const currentRevision = current?.['revision'];
    if (typeof currentRevision === 'string' && currentRevision !== facts.revision) {
      notes.add(
        subject,
        [...SRC_REPO, 'revision'],
        `${JSON.stringify(currentRevision)} replaced by ${facts.revision}, the commit checked out (what ran locally)`,
      );
    }
  } else {
    notes.add(subject, [...SRC_REPO, 'revision'], `the checkout ${facts.topLevel} has no commit yet: commit and push the code, then export again`);
  }
  if (facts.subPath) srcRepo['sourceSubPath'] = facts.subPath;
  if (current?.['credentials'] !== undefined) srcRepo['credentials'] = current['credentials'];

  const short = facts.revision?.slice(0, 12) ?? 'HEAD';
  if (facts.changes.length > 0) {
    const listed = facts.changes.slice(0, MAX_LISTED_CHANGES).map((line) => line.trim()).join(', ');
    const more = facts.changes.length > MAX_LISTED_CHANGES ? ` and ${facts.changes.length - MAX_LISTED_CHANGES} more` : '';
    notes.add(
      subject,
      SRC_REPO,
      `${folder} has uncommitted changes (${listed}${more}): the cluster builds commit ${short} without them; commit and push, then export again`,
    );
  }
  if (facts.revision && facts.pushed === false) {
    notes.add(
      subject,
      [...SRC_REPO, 'revision'],
      `commit ${short} is on no remote-tracking branch: push it (git push ${remote.name} HEAD) before kubectl apply`,
    );
  }
  return srcRepo;
}

/** A URL git clones over the network (`https://`, `ssh://`, `git@host:path`), not a path or file:// URL. */
export function isRemoteUrl(url: string): boolean {
  return REMOTE_URL.test(url) && !url.toLowerCase().startsWith('file://');
}

export function isSshUrl(url: string): boolean {
  return /^ssh:\/\//i.test(url) || (SCP_LIKE.test(url) && !url.includes('://'));
}

/** The URL without `user:password@` (the `git@` of SSH URLs stays: it is not a secret). */
export function withoutCredentials(url: string): { url: string; hadCredentials: boolean } {
  if (!/^https?:\/\//i.test(url)) return { url, hadCredentials: false };
  try {
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password) return { url, hadCredentials: false };
    parsed.username = '';
    parsed.password = '';
    return { url: parsed.toString(), hadCredentials: true };
  } catch {
    return { url, hadCredentials: false };
  }
}

/** Whether two git URLs name the same repository (host and path; scheme, user, `.git` aside). */
export function sameRepository(a: string, b: string): boolean {
  const ka = repositoryKey(a);
  return ka !== undefined && ka === repositoryKey(b);
}

function repositoryKey(url: string): string | undefined {
  let host: string;
  let pathname: string;
  const scp = !url.includes('://') ? SCP_LIKE.exec(url) : null;
  if (scp) {
    host = scp[2] ?? '';
    pathname = scp[3] ?? '';
  } else {
    try {
      const parsed = new URL(url);
      host = parsed.hostname;
      pathname = parsed.pathname;
    } catch {
      return undefined;
    }
  }
  const cleanPath = pathname.replace(/^\/+|\/+$/g, '').replace(/\.git$/i, '');
  return `${host.toLowerCase()}/${cleanPath.toLowerCase()}`;
}
