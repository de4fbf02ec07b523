/**
 * Loads the resources of a sidecar as daprd does: Components (namespace filter, scopes,
 * duplicate names rejected naming both files), declarative Subscriptions, Resiliency
 * policies, and Kubernetes Secrets for `secretKeyRef`s without a secret store. Unknown
 * kinds are skipped; a document that does not parse is reported and skipped; a Component
 * that does not validate becomes a failed component (the others still load).
 */
import { parseGoDuration } from '../../shared/go-compat/duration.js';
import { SidecarError } from '../errors.js';
import { isTruthy } from '../../dapr-components/metadata.js';
import { readResourceDocuments, type DocumentProblem, type RawDocument } from './documents.js';
import {
  componentSchema,
  describeIssues,
  kindOf,
  resiliencySchema,
  scopesOf,
  secretSchema,
  subscriptionSchema,
  type MetadataItem,
  type ResiliencyDocument,
} from './component-resource.js';

export interface ComponentSpec {
  name: string;
  namespace?: string;
  type: string;
  version: string;
  ignoreErrors: boolean;
  initTimeoutMs: number;
  items: MetadataItem[];
  secretStore?: string;
  file: string;
  line: number;
}

/** A Component document that failed validation: reported as a failed component. */
export interface InvalidComponent {
  name?: string;
  type?: string;
  file: string;
  line: number;
  message: string;
}

export interface SubscriptionRule {
  match?: string;
  path: string;
}

/** A subscription as the sidecar uses it, from `/dapr/subscribe` or a Subscription resource. */
export interface SubscriptionSpec {
  pubsubname: string;
  topic: string;
  metadata: Record<string, string>;
  /** Rules in order; the last one without `match` is the default route. */
  rules: SubscriptionRule[];
  deadLetterTopic?: string;
  bulkSubscribe?: { enabled: boolean; maxMessagesCount: number; maxAwaitDurationMs: number };
  type: 'PROGRAMMATIC' | 'DECLARATIVE';
  /** Where a declarative one came from. */
  file?: string;
}

export interface LoadedResources {
  components: ComponentSpec[];
  invalidComponents: InvalidComponent[];
  subscriptions: SubscriptionSpec[];
  resiliencies: (ResiliencyDocument & { file: string })[];
  /** Kubernetes Secrets by name: key → value (decoded). */
  secrets: Map<string, Record<string, string>>;
  problems: DocumentProblem[];
}

export interface LoadOptions {
  appId: string;
  /** The sidecar's NAMESPACE; empty = no namespace filtering. */
  namespace?: string;
}

function inNamespace(docNamespace: string | undefined, own: string | undefined): boolean {
  return !own || !docNamespace || docNamespace === own;
}

function where(doc: RawDocument): string {
  return `${doc.file}${doc.doc > 0 ? ` (document ${doc.doc + 1}, line ${doc.line})` : ''}`;
}

export function buildRules(route: string | undefined, routes: { rules?: { match?: string; path: string }[]; default?: string } | undefined): SubscriptionRule[] {
  const rules: SubscriptionRule[] = [];
  for (const r of routes?.rules ?? []) rules.push(r.match ? { match: r.match, path: r.path } : { path: r.path });
  const fallback = routes?.default || route;
  if (fallback) rules.push({ path: fallback });
  return rules;
}

export async function loadResources(dirs: readonly string[], opts: LoadOptions): Promise<LoadedResources> {
  const { documents, problems } = await readResourceDocuments(dirs);
  const out: LoadedResources = { components: [], invalidComponents: [], subscriptions: [], resiliencies: [], secrets: new Map(), problems };
  const seen = new Map<string, string>();
  const duplicates: string[] = [];

  for (const doc of documents) {
    const { kind, apiVersion } = kindOf(doc.value);
    if (kind === 'Component' && apiVersion === 'dapr.io/v1alpha1') {
      const parsed = componentSchema.safeParse(doc.value);
      if (!parsed.success) {
        const raw = doc.value as { metadata?: { name?: unknown }; spec?: { type?: unknown } };
        out.invalidComponents.push({
          name: typeof raw.metadata?.name === 'string' ? raw.metadata.name : undefined,
          type: typeof raw.spec?.type === 'string' ? raw.spec.type : undefined,
          file: doc.file,
          line: doc.line,
          message: `invalid Component in ${where(doc)}: ${describeIssues(parsed.error)}`,
        });
        continue;
      }
      const c = parsed.data;
      if (!inNamespace(c.metadata.namespace, opts.namespace)) continue;
      const existing = seen.get(c.metadata.name);
      if (existing !== undefined) {
        duplicates.push(`duplicate definition of Component ${c.metadata.name}: in ${where(doc)} and in ${existing}`);
        continue;
      }
      const scopes = scopesOf(c.scopes);
      if (scopes.length > 0 && !scopes.includes(opts.appId)) continue;
      seen.set(c.metadata.name, where(doc));
      const initTimeout = c.spec.initTimeout ? parseGoDuration(c.spec.initTimeout, 'ms') : undefined;
      out.components.push({
        name: c.metadata.name,
        namespace: c.metadata.namespace,
        type: c.spec.type,
        version: c.spec.version || 'v1',
        ignoreErrors: isTruthy(c.spec.ignoreErrors),
        initTimeoutMs: initTimeout ?? 5000,
        items: Array.isArray(c.spec.metadata) ? c.spec.metadata : [],
        secretStore: c.auth?.secretStore || undefined,
        file: doc.file,
        line: doc.line,
      });
    } else if (kind === 'Subscription' && (apiVersion === 'dapr.io/v1alpha1' || apiVersion === 'dapr.io/v2alpha1')) {
      const parsed = subscriptionSchema.safeParse(doc.value);
      if (!parsed.success) {
        problems.push({ file: doc.file, doc: doc.doc, line: doc.line, message: `invalid Subscription: ${describeIssues(parsed.error)}` });
        continue;
      }
      const s = parsed.data;
      if (!inNamespace(s.metadata.namespace, opts.namespace)) continue;
      const scopes = scopesOf(s.scopes);
      if (scopes.length > 0 && !scopes.includes(opts.appId)) continue;
      const bulk = s.spec.bulkSubscribe;
      out.subscriptions.push({
        pubsubname: s.spec.pubsubname,
        topic: s.spec.topic,
        metadata: s.spec.metadata ?? {},
        rules: buildRules(s.spec.route, s.spec.routes),
        deadLetterTopic: s.spec.deadLetterTopic || undefined,
        bulkSubscribe: bulk
          ? {
              enabled: isTruthy(bulk.enabled),
              maxMessagesCount: Number(bulk.maxMessagesCount ?? 100) || 100,
              maxAwaitDurationMs: Number(bulk.maxAwaitDurationMs ?? 1000) || 1000,
            }
          : undefined,
        type: 'DECLARATIVE',
        file: where(doc),
      });
    } else if (kind === 'Resiliency' && apiVersion === 'dapr.io/v1alpha1') {
      const parsed = resiliencySchema.safeParse(doc.value);
      if (!parsed.success) {
        problems.push({ file: doc.file, doc: doc.doc, line: doc.line, message: `invalid Resiliency: ${describeIssues(parsed.error)}` });
        continue;
      }
      if (!inNamespace(parsed.data.metadata.namespace, opts.namespace)) continue;
      const scopes = scopesOf(parsed.data.scopes);
      if (scopes.length > 0 && !scopes.includes(opts.appId)) continue;
      out.resiliencies.push({ ...parsed.data, file: where(doc) });
    } else if (kind === 'Secret' && apiVersion === 'v1') {
      const parsed = secretSchema.safeParse(doc.value);
      if (!parsed.success) {
        problems.push({ file: doc.file, doc: doc.doc, line: doc.line, message: `invalid Secret: ${describeIssues(parsed.error)}` });
        continue;
      }
      const data: Record<string, string> = {};
      for (const [k, v] of Object.entries(parsed.data.data ?? {})) data[k] = Buffer.from(v, 'base64').toString('utf8');
      Object.assign(data, parsed.data.stringData ?? {});
      out.secrets.set(parsed.data.metadata.name, data);
    }
  }

  if (duplicates.length > 0) {
    throw new SidecarError('ERR_SIDECAR_RESOURCES', duplicates.join('\n'), {
      hint: 'component names must be unique across the resources paths (rename one, or scope them to different app ids)',
    });
  }
  return out;
}
