import { describe, expect, it } from 'vitest';
import { parseQuantity, podLimits } from '../../../src/model/pod-resources.js';
import type { LoadedFunction } from '../../../src/model/types.js';

const fn = (serving: object, annotations: Record<string, string> = {}) => ({ resource: { spec: { serving } }, annotations }) as unknown as LoadedFunction;

describe('pod limits', () => {
  it('reads Kubernetes quantities', () => {
    expect(parseQuantity('128Mi')).toBe(128 * 2 ** 20);
    expect(parseQuantity('1G')).toBe(1e9);
    expect(parseQuantity('500m')).toBe(0.5);
    expect(parseQuantity('0.25')).toBe(0.25);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(parseQuantity(2)).toBe(2);
    expect(parseQuantity('12 MB')).toBeUndefined();
    expect(parseQuantity('-1')).toBeUndefined();
  });

  it("takes the function container's limits and user, the container's securityContext over the pod's", () => {
    const limits = podLimits(
      fn({
        template: {
          securityContext: { runAsUser: 2000, runAsGroup: 3000 },
          containers: [{ name: 'other', resources: { limits: { memory: '1Gi' } } }, { name: 'function', resources: { limits: { memory: '256Mi', cpu: '500m' } }, securityContext: { runAsUser: 1001 } }],
        },
      }),
    );
    expect(limits).toEqual({ function: { memoryBytes: 256 * 2 ** 20, nanoCpus: 5e8, user: '1001:3000' }, sidecar: {}, notes: [] });
  });

  it("takes the sidecar's limits from Dapr's annotations, and names a value it cannot read", () => {
    const limits = podLimits(fn({}, { 'dapr.io/sidecar-memory-limit': '64Mi', 'dapr.io/sidecar-cpu-limit': 'lots' }));
    expect(limits.sidecar).toEqual({ memoryBytes: 64 * 2 ** 20 });
    expect(limits.function).toEqual({});
    expect(limits.notes).toEqual(['spec.serving.annotations["dapr.io/sidecar-cpu-limit"]: "lots" is not a Kubernetes quantity (e.g. 128Mi, 500m); no limit set']);
  });
});
