import { OfnError } from '../errors.js';

/** One clear message (and the next step, when there is one) instead of a stack trace. */
export function renderError(err: unknown): string {
  if (err instanceof OfnError) {
    return `error: ${err.message}\n${err.hint ? `  → ${err.hint}\n` : ''}`;
  }
  if (err instanceof AggregateError) return err.errors.map(renderError).join('');
  if (err instanceof Error) return `error: ${err.message}\n${process.env.OFN_LOCAL_DEBUG ? `${err.stack}\n` : ''}`;
  return `error: ${String(err)}\n`;
}
