/**
 * The Platform API ofn-local speaks to a builder's lifecycle, negotiated as pack does it: the highest
 * version both sides support. Pure.
 */
export const PLATFORM_APIS: readonly string[] = ['0.4', '0.5', '0.6', '0.7', '0.8', '0.9', '0.10', '0.11', '0.12'];

export function compareApi(a: string, b: string): number {
  const [am, an] = a.split('.').map(Number) as [number, number];
  const [bm, bn] = b.split('.').map(Number) as [number, number];
  return am - bm || an - bn;
}

/** The highest version in both lists, or undefined. */
export function negotiatePlatformApi(lifecycleSupports: readonly string[], ours: readonly string[] = PLATFORM_APIS): string | undefined {
  return lifecycleSupports.filter((v) => ours.includes(v)).sort(compareApi).pop();
}
