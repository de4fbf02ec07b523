/** Sinks (`sink`, `deadLetterSink`): what ofn-local can deliver to, and their defaults. */
import type { DocumentReporter } from '../diagnostics.js';
import type { FieldPath } from '../field-path.js';
import { describeValue } from '../schema-issues.js';
import type { SinkInput } from './schema-pieces.js';
import type { Sink } from './types.js';

const FUNCTION_API_VERSIONS = ['core.openfunction.io/v1beta2', 'core.openfunction.io/v1beta1'];
const KNATIVE_SERVING_GROUP = 'serving.knative.dev/';

/** Reports what is wrong with a sink written at `at`. */
export function checkSink(sink: SinkInput, at: FieldPath, reporter: DocumentReporter): void {
  const { uri, ref } = sink;
  if (uri === undefined && ref === undefined) {
    reporter.error(
      at,
      'expected uri or ref: the URL events are POSTed to (uri: "http://<function>.<namespace>.svc.cluster.local/"), ' +
        'or the Function they go to (ref: {apiVersion: core.openfunction.io/v1beta2, kind: Function, name: <function>})',
    );
    return;
  }
  if (uri !== undefined) {
    if (!isHttpUrl(uri)) {
      reporter.error([...at, 'uri'], `expected an absolute http(s) URL such as "http://hello.default.svc.cluster.local/", got ${describeValue(uri)}`);
    }
    return; // uri wins: the ref is not used (as upstream).
  }
  if (!ref) return;
  if (ref.kind === 'Function') {
    if (!FUNCTION_API_VERSIONS.includes(ref.apiVersion)) {
      reporter.error(
        [...at, 'ref', 'apiVersion'],
        `expected ${FUNCTION_API_VERSIONS.join(' or ')} for a Function, got ${describeValue(ref.apiVersion)}`,
      );
    }
    return;
  }
  if (ref.kind === 'Service' && ref.apiVersion.startsWith(KNATIVE_SERVING_GROUP)) {
    reporter.warning(
      [...at, 'ref', 'kind'],
      'a Knative Service is not supported locally (ofn-local runs no Knative Services, so it cannot deliver these events); ' +
        'point the ref at the Function behind it (kind: Function, apiVersion: core.openfunction.io/v1beta2), or give a uri',
    );
    return;
  }
  reporter.error(
    [...at, 'ref', 'kind'],
    `${ref.apiVersion} ${ref.kind} is not a sink ofn-local can deliver to: expected kind Function ` +
      `(apiVersion core.openfunction.io/v1beta2 or v1beta1), or give a uri instead of the ref`,
  );
}

/** The sink with the ref's namespace defaulted to the referrer's. */
export function toSink(sink: SinkInput, namespace: string): Sink {
  return {
    ...(sink.uri !== undefined ? { uri: sink.uri } : {}),
    ...(sink.ref ? { ref: { ...sink.ref, namespace: sink.ref.namespace || namespace } } : {}),
  };
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}
