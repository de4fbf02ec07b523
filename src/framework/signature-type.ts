/** Signature types the framework can serve, as named by `FUNCTION_SIGNATURE_TYPE`. */
export const SIGNATURE_TYPES = ['http', 'event', 'cloudevent', 'openfunction'] as const;

export type SignatureType = (typeof SIGNATURE_TYPES)[number];

export function isSignatureType(value: unknown): value is SignatureType {
  return (SIGNATURE_TYPES as readonly unknown[]).includes(value);
}

/** Response header upstream sets on failed invocations (`error`, or `crash` for HTTP functions). */
export const STATUS_HEADER = 'X-OpenFunction-Status';

/** Any user function; its real shape depends on the signature type. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type UserFunction = (...args: any[]) => unknown;
