/** Where a manifest came from, and the plain JSON shape of its documents: shared by every model (functions, events). */
export interface Origin {
  file: string;
  doc: number;
  /** Set when the manifest was written as v1beta1 and converted. */
  convertedFrom?: 'core.openfunction.io/v1beta1';
}

export type JsonObject = { [key: string]: unknown };
