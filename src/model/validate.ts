import type { DocumentReporter } from './diagnostics.js';
import type { FieldPath } from './field-path.js';
import type { BuildV1beta2, FunctionV1beta2, ServingV1beta2 } from './function-schema.js';
import { parseGoDuration } from '../shared/go-compat/duration.js';
import { describeValue } from './schema-issues.js';

type Report = (path: FieldPath, message: string) => void;

const STRATEGY_KINDS = ['BuildStrategy', 'ClusterBuildStrategy'];
const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const SELECT_POLICIES = ['Max', 'Min', 'Disabled'];
const HPA_POLICY_TYPES = ['Pods', 'Percent'];
const SCALING_STRATEGIES = ['default', 'custom', 'accurate'];
const HTTP_ENGINES = ['knative', 'keda'];
const PERCENTAGE = /^([0-9.]+)[ ]*%$/;

/**
 * The rules of the v1beta2 validating webhook (`Function.Validate()`, OpenFunction v1.2), run on
 * the defaulted Function. The webhook stops at the first problem; this reports every one.
 */
export function validateFunction(fn: FunctionV1beta2, reporter: DocumentReporter): void {
  const report: Report = (path, message) => reporter.error(path, message);
  const spec = fn.spec;
  if (spec.image === '') {
    report(['spec', 'image'], 'must not be empty: expected the image to build, or to run when there is no build');
  }
  if (spec.build) {
    if (spec.imageCredentials && !spec.imageCredentials.name) {
      report(['spec', 'imageCredentials', 'name'], 'missing; expected a Secret name when spec.imageCredentials is set with a build');
    }
    validateBuild(spec.build, report);
  }
  if (spec.serving) validateServing(spec.serving, report);
  if (!spec.build && !spec.serving) {
    report(['spec', 'serving'], 'missing; a Function needs spec.serving, spec.build, or both');
  }
}

function validateBuild(build: BuildV1beta2, report: Report): void {
  const at = (...rest: FieldPath) => ['spec', 'build', ...rest];
  if (build.builder === undefined && build.dockerfile === undefined) {
    report(at('builder'), 'missing; expected a builder image (e.g. "openfunction/builder-node:latest") unless spec.build.dockerfile is set');
  }
  if (!build.srcRepo.url && !build.srcRepo.bundleContainer) {
    report(at('srcRepo'), 'expected one of url or bundleContainer');
  }
  nonNegativeDuration(build.timeout, at('timeout'), report);
  nonNegativeDuration(build.builderMaxAge, at('builderMaxAge'), report);
  atLeast(build.successfulBuildsHistoryLimit, 0, at('successfulBuildsHistoryLimit'), report);
  atLeast(build.failedBuildsHistoryLimit, 0, at('failedBuildsHistoryLimit'), report);
  const shipwright = build.shipwright;
  if (shipwright) {
    oneOf(shipwright.strategy?.kind, STRATEGY_KINDS, at('shipwright', 'strategy', 'kind'), report);
    nonNegativeDuration(shipwright.timeout, at('shipwright', 'timeout'), report);
  }
}

function validateServing(serving: ServingV1beta2, report: Report): void {
  const at = (...rest: FieldPath) => ['spec', 'serving', ...rest];
  const scale = serving.scaleOptions;
  if (scale) {
    // The webhook assumes 0 and 10 when a bound is not given.
    const min = scale.minReplicas ?? 0;
    const max = scale.maxReplicas ?? 10;
    atLeast(scale.minReplicas, 0, at('scaleOptions', 'minReplicas'), report);
    atLeast(scale.maxReplicas, 0, at('scaleOptions', 'maxReplicas'), report);
    if (min >= 0 && max >= 0 && min > max) {
      const maxText = scale.maxReplicas === undefined ? `${max} (the default when maxReplicas is not set)` : String(max);
      report(at('scaleOptions', 'minReplicas'), `cannot be greater than maxReplicas ${maxText}, got ${min}`);
    }
    const keda = scale.keda;
    if (keda) {
      const scalers = [keda.scaledObject, keda.scaledJob, keda.httpScaledObject].filter((s) => s !== undefined);
      if (scalers.length > 1) {
        report(at('scaleOptions', 'keda'), 'expected only one of scaledObject, scaledJob and httpScaledObject');
      }
      const http = keda.httpScaledObject;
      if (http) {
        atLeast(http.targetPendingRequests, 0, at('scaleOptions', 'keda', 'httpScaledObject', 'targetPendingRequests'), report);
        atLeast(http.cooldownPeriod, 0, at('scaleOptions', 'keda', 'httpScaledObject', 'cooldownPeriod'), report);
      }
      const object = keda.scaledObject;
      if (object) {
        const so = (...rest: FieldPath) => at('scaleOptions', 'keda', 'scaledObject', ...rest);
        atLeast(object.pollingInterval, 0, so('pollingInterval'), report);
        atLeast(object.cooldownPeriod, 0, so('cooldownPeriod'), report);
        const behavior = object.advanced?.horizontalPodAutoscalerConfig?.behavior;
        for (const direction of ['scaleUp', 'scaleDown'] as const) {
          const rules = behavior?.[direction];
          if (!rules) continue;
          const br = (...rest: FieldPath) => so('advanced', 'horizontalPodAutoscalerConfig', 'behavior', direction, ...rest);
          const window = rules.stabilizationWindowSeconds;
          if (window !== undefined && (window < 0 || window > 3600)) {
            report(br('stabilizationWindowSeconds'), `expected an integer from 0 to 3600, got ${window}`);
          }
          oneOf(rules.selectPolicy, SELECT_POLICIES, br('selectPolicy'), report);
          rules.policies?.forEach((policy, i) => {
            oneOf(policy.type, HPA_POLICY_TYPES, br('policies', i, 'type'), report);
            atLeast(policy.periodSeconds, 0, br('policies', i, 'periodSeconds'), report);
          });
        }
        if (object.fallback) {
          atLeast(object.fallback.failureThreshold, 1, so('fallback', 'failureThreshold'), report);
          atLeast(object.fallback.replicas, 0, so('fallback', 'replicas'), report);
        }
      }
      const job = keda.scaledJob;
      if (job) {
        const sj = (...rest: FieldPath) => at('scaleOptions', 'keda', 'scaledJob', ...rest);
        oneOf(job.restartPolicy, RESTART_POLICIES, sj('restartPolicy'), report);
        atLeast(job.pollingInterval, 0, sj('pollingInterval'), report);
        atLeast(job.successfulJobsHistoryLimit, 0, sj('successfulJobsHistoryLimit'), report);
        atLeast(job.failedJobsHistoryLimit, 0, sj('failedJobsHistoryLimit'), report);
        const strategy = job.scalingStrategy;
        if (strategy) {
          const ss = (...rest: FieldPath) => sj('scalingStrategy', ...rest);
          if (strategy.strategy) {
            oneOf(strategy.strategy, SCALING_STRATEGIES, ss('strategy'), report);
            if (strategy.strategy === 'custom') {
              if (strategy.customScalingQueueLengthDeduction === undefined) {
                report(ss('customScalingQueueLengthDeduction'), 'missing; expected an integer when strategy is custom');
              }
              if (!strategy.customScalingRunningJobPercentage) {
                report(ss('customScalingRunningJobPercentage'), 'missing; expected a percentage such as "50%" when strategy is custom');
              }
            }
          }
          atLeast(strategy.customScalingQueueLengthDeduction, 0, ss('customScalingQueueLengthDeduction'), report);
          const percentage = strategy.customScalingRunningJobPercentage;
          if (percentage && !PERCENTAGE.test(percentage)) {
            report(ss('customScalingRunningJobPercentage'), `expected a percentage such as "50%", got ${describeValue(percentage)}`);
          }
        }
      }
    }
  }
  oneOf(serving.triggers?.http?.engine, HTTP_ENGINES, at('triggers', 'http', 'engine'), report);
}

function atLeast(value: number | undefined, min: number, path: FieldPath, report: Report): void {
  if (value !== undefined && value < min) {
    report(path, min === 0 ? `cannot be negative, got ${value}` : `expected at least ${min}, got ${value}`);
  }
}

function oneOf(value: string | undefined, allowed: string[], path: FieldPath, report: Report): void {
  if (value !== undefined && !allowed.includes(value)) {
    report(path, `expected one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}, got ${describeValue(value)}`);
  }
}

function nonNegativeDuration(value: string | undefined, path: FieldPath, report: Report): void {
  if (value !== undefined && (parseGoDuration(value, 'ns') ?? 0) < 0) {
    report(path, `cannot be negative, got ${JSON.stringify(value)}`);
  }
}
