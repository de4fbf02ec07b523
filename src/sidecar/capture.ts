/**
 * Output capture: with OFN_LOCAL_CAPTURE=1 in its environment, the sidecar writes one line per
 * output binding call and publish it carried out, so the daemon can journal what a function sent
 * (the test API's `waitFor`, the UI). Real daprd has no such thing; it is off unless the daemon
 * asks for it. The line is `<CAPTURE_PREFIX><json>` on stdout.
 */

export const CAPTURE_ENV = 'OFN_LOCAL_CAPTURE';
export const CAPTURE_PREFIX = '@ofn-local.output ';
/** Bigger payloads are cut (the journal keeps every entry). */
export const CAPTURE_MAX_BYTES = 64 * 1024;

export interface CapturedOutput {
  /** An output binding call or a publish to a topic. */
  kind: 'binding' | 'topic';
  /** The binding or pubsub component's name. */
  component: string;
  /** The binding operation, or the topic. */
  target: string;
  contentType: string;
  /** The payload the app sent (before any CloudEvent envelope): UTF-8 text, or base64 for binary. */
  data: string;
  encoding: 'utf8' | 'base64';
  /** Bytes of the whole payload (data may be cut to CAPTURE_MAX_BYTES). */
  size: number;
  truncated: boolean;
  metadata?: Record<string, string>;
}

export type CaptureSink = (output: CapturedOutput) => void;

export function captureRecord(kind: CapturedOutput['kind'], component: string, target: string, payload: Buffer, contentType: string, metadata?: Record<string, string>): CapturedOutput {
  const cut = payload.subarray(0, CAPTURE_MAX_BYTES);
  const text = cut.toString('utf8');
  // Text that survives a round trip is kept readable; anything else is base64.
  const isText = Buffer.from(text, 'utf8').equals(cut) && !text.includes('\u0000');
  return {
    kind,
    component,
    target,
    contentType,
    data: isText ? text : cut.toString('base64'),
    encoding: isText ? 'utf8' : 'base64',
    size: payload.length,
    truncated: payload.length > cut.length,
    ...(metadata && Object.keys(metadata).length > 0 ? { metadata } : {}),
  };
}

export function formatCapture(output: CapturedOutput): string {
  return CAPTURE_PREFIX + JSON.stringify(output);
}

/** The captured output a sidecar's stdout line carries, or undefined for any other line. */
export function parseCapture(line: string): CapturedOutput | undefined {
  if (!line.startsWith(CAPTURE_PREFIX)) return undefined;
  try {
    const o = JSON.parse(line.slice(CAPTURE_PREFIX.length)) as CapturedOutput;
    if ((o.kind !== 'binding' && o.kind !== 'topic') || typeof o.component !== 'string' || typeof o.data !== 'string') return undefined;
    return o;
  } catch {
    return undefined;
  }
}
