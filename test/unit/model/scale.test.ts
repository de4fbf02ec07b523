import { describe, expect, it } from 'vitest';
import { DiagnosticList, DocumentReporter } from '../../../src/model/diagnostics.js';
import type { ServingV1beta2 } from '../../../src/model/function-schema.js';
import { scaleSettings } from '../../../src/model/scale.js';

function scale(serving: ServingV1beta2 | undefined) {
  const list = new DiagnosticList();
  const reporter = new DocumentReporter(list, '/p/fn.yaml', 0, () => undefined);
  return { settings: scaleSettings(serving, reporter), diagnostics: list.items.map((d) => `${d.path}: ${d.message}`) };
}

const K = 'autoscaling.knative.dev/';

describe('scaleSettings (Knative precedence as in the v1.2 controller)', () => {
  it('defaults to Knative: scale to zero, no max, target 100, no concurrency limit', () => {
    expect(scale(undefined).settings).toEqual({ min: 0, max: 0, target: 100, containerConcurrency: 0 });
    expect(scale({}).settings).toEqual({ min: 0, max: 0, target: 100, containerConcurrency: 0 });
  });

  it('serving annotations win over scaleOptions.knative', () => {
    const { settings } = scale({
      scaleOptions: { knative: { [`${K}min-scale`]: '1', [`${K}max-scale`]: '5', [`${K}target`]: '10' } },
      annotations: { [`${K}max-scale`]: '7' },
    });
    expect(settings).toEqual({ min: 1, max: 7, target: 10, containerConcurrency: 0 });
  });

  it('minReplicas/maxReplicas win over both maps', () => {
    const { settings } = scale({
      scaleOptions: { minReplicas: 2, maxReplicas: 3, knative: { [`${K}min-scale`]: '1', [`${K}maxScale`]: '9' } },
      annotations: { [`${K}min-scale`]: '0', [`${K}max-scale`]: '8' },
    });
    expect(settings).toMatchObject({ min: 2, max: 3 });
  });

  it('reads the old camelCase keys and the container-concurrency annotation', () => {
    const { settings } = scale({
      annotations: { [`${K}minScale`]: '1', [`${K}maxScale`]: '4', [`${K}container-concurrency`]: '2', [`${K}target`]: '2.5' },
    });
    expect(settings).toEqual({ min: 1, max: 4, target: 2.5, containerConcurrency: 2 });
  });

  it('reports values that are not numbers, naming the annotation', () => {
    const { settings, diagnostics } = scale({
      scaleOptions: { knative: { [`${K}min-scale`]: 'one' } },
      annotations: { [`${K}container-concurrency`]: '-1', [`${K}target`]: '0' },
    });
    expect(settings).toBeUndefined();
    expect(diagnostics).toEqual([
      `spec.serving.scaleOptions.knative[${K}min-scale]: expected a whole number of replicas (0 or more), got string "one"`,
      `spec.serving.annotations[${K}target]: expected a number of concurrent requests per instance (at least 0.01), got string "0"`,
      `spec.serving.annotations[${K}container-concurrency]: expected a whole number of concurrent requests (0 or more; 0 means no limit), got string "-1"`,
    ]);
  });

  it('reports a min-scale above max-scale', () => {
    const { settings, diagnostics } = scale({ annotations: { [`${K}min-scale`]: '5', [`${K}max-scale`]: '2' } });
    expect(settings).toBeUndefined();
    expect(diagnostics).toEqual([`spec.serving.annotations[${K}min-scale]: min-scale 5 is greater than max-scale 2`]);
  });
});
