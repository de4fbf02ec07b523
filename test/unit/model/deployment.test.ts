import { describe, expect, it } from 'vitest';
import { ModelError, loadProject } from '../../../src/model/index.js';
import { imageFunction, useTempProjects } from './temp-project.js';

const tempProject = useTempProjects();

/** The pubsub sample's producer, as OpenFunction's samples write it. */
const PRODUCER = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: producer
  labels:
    app: producer
spec:
  replicas: 1
  selector:
    matchLabels:
      app: producer
  template:
    metadata:
      labels:
        app: producer
      annotations:
        dapr.io/enabled: "true"
        dapr.io/app-id: "producer"
        dapr.io/app-port: "60034"
        dapr.io/app-protocol: "grpc"
    spec:
      containers:
        - name: producer
          image: openfunctiondev/v1beta1-autoscaling-producer:latest
          imagePullPolicy: Always
          env:
            - name: PUBSUB_NAME
              value: "autoscaling-producer"
            - name: NUMBER_OF_PUBLISHERS
              value: 5
          ports:
            - containerPort: 60034
              name: function-port
              protocol: TCP
`;

async function loadError(dir: string): Promise<ModelError> {
  const err = await loadProject([dir], { cwd: dir }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ModelError);
  return err as ModelError;
}

describe('apps/v1 Deployments', () => {
  it('reads the pod template: image, env, ports, annotations, replicas; the document kept for export', async () => {
    const dir = await tempProject({ 'deploy.yaml': PRODUCER });
    const project = await loadProject([dir], { cwd: dir });
    expect(project.functions).toEqual([]);
    expect(project.warnings).toEqual([]);
    expect(project.deployments).toHaveLength(1);
    const d = project.deployments[0]!;
    expect(d).toMatchObject({
      name: 'producer',
      namespace: 'default',
      replicas: 1,
      labels: { app: 'producer' },
      annotations: { 'dapr.io/enabled': 'true', 'dapr.io/app-id': 'producer', 'dapr.io/app-port': '60034', 'dapr.io/app-protocol': 'grpc' },
      container: { name: 'producer', image: 'openfunctiondev/v1beta1-autoscaling-producer:latest', env: { PUBSUB_NAME: 'autoscaling-producer', NUMBER_OF_PUBLISHERS: '5' }, ports: [60034] },
    });
    expect((d.resource['spec'] as { selector: unknown }).selector).toEqual({ matchLabels: { app: 'producer' } });
  });

  it('defaults replicas to 1 and the namespace to default; keeps command and args', async () => {
    const dir = await tempProject({
      'd.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: worker, namespace: jobs }\nspec:\n  template:\n    spec:\n      containers:\n        - { name: w, image: busybox, command: [sh, -c], args: ["sleep 1"] }\n',
    });
    const [d] = (await loadProject([dir], { cwd: dir })).deployments;
    expect(d).toMatchObject({ name: 'worker', namespace: 'jobs', replicas: 1, container: { command: ['sh', '-c'], args: ['sleep 1'], ports: [] } });
  });

  it('warns about what does not run locally: more containers, init containers, volumes, valueFrom, envFrom', async () => {
    const dir = await tempProject({
      'd.yaml': [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: { name: web }',
        'spec:',
        '  template:',
        '    spec:',
        '      initContainers: [{ name: init, image: busybox }]',
        '      volumes: [{ name: data, emptyDir: {} }]',
        '      containers:',
        '        - name: app',
        '          image: web:dev',
        '          env:',
        '            - { name: A, value: "1" }',
        '            - name: SECRET',
        '              valueFrom: { secretKeyRef: { name: s, key: k } }',
        '          envFrom: [{ configMapRef: { name: c } }]',
        '        - { name: proxy, image: envoy }',
        '',
      ].join('\n'),
    });
    const project = await loadProject([dir], { cwd: dir });
    expect(project.deployments[0]!.container.env).toEqual({ A: '1' });
    const messages = project.warnings.map((w) => `${w.path}: ${w.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        'spec.template.spec.containers: only the first container (app) runs; proxy is left out',
        'spec.template.spec.initContainers: init containers do not run locally; left out',
        'spec.template.spec.volumes: volumes are not mounted locally; left out',
        'spec.template.spec.containers[0].env[1].valueFrom: SECRET: valueFrom is not resolved locally; give it a value (left out)',
        'spec.template.spec.containers[0].envFrom: envFrom is not resolved locally; list the variables under env (left out)',
      ]),
    );
  });

  it('refuses a Deployment without containers or image, naming the field', async () => {
    const dir = await tempProject({
      'a.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: a }\nspec:\n  template:\n    spec:\n      containers: []\n',
      'b.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: b }\nspec:\n  template:\n    spec:\n      containers: [{ name: b }]\n',
    });
    const err = await loadError(dir);
    expect(err.code).toBe('ERR_MANIFEST');
    expect(err.message).toMatch(/a\.yaml:7 \[doc 0\] spec\.template\.spec\.containers: .*at least one container/);
    expect(err.message).toMatch(/b\.yaml:\d+ \[doc 0\] spec\.template\.spec\.containers\[0\]\.image: missing/);
  });

  it('refuses a Deployment named as another Deployment or a Function of its namespace', async () => {
    const dir = await tempProject({
      'fn.yaml': imageFunction('producer'),
      'deploy.yaml': PRODUCER,
    });
    const err = await loadError(dir);
    expect(err.message).toContain('Deployment default/producer has the name of a Function');
    expect(err.message).toContain('rename one of them');
  });
});

describe('a Deployment with a bad dapr.io/app-port', () => {
  it('is refused naming the annotation', async () => {
    const dir = await tempProject({ 'deploy.yaml': PRODUCER.replace('dapr.io/app-port: "60034"', 'dapr.io/app-port: "http"') });
    const err = await loadError(dir);
    expect(err.message).toContain('spec.template.metadata.annotations');
    expect(err.message).toContain(`expected the app's port, an integer from 1 to 65535, got "http"`);
  });
});

describe('v1 Services beside Deployments', () => {
  const service = (name: string, selector: string, ports = '[{ port: 60034 }]', namespace = 'default') =>
    `apiVersion: v1\nkind: Service\nmetadata: { name: ${name}, namespace: ${namespace} }\nspec:\n  selector: ${selector}\n  ports: ${ports}\n`;

  it('gives a Deployment the Services of its namespace whose selector picks its pods', async () => {
    const dir = await tempProject({
      'deploy.yaml': PRODUCER,
      'svc.yaml': [service('producer-svc', '{ app: producer }'), service('other-ns', '{ app: producer }', '[{ port: 1 }]', 'prod'), service('wrong', '{ app: consumer }')].join('---\n'),
    });
    const project = await loadProject([dir], { cwd: dir });
    expect(project.deployments[0]!.services).toEqual(['producer-svc']);
    // Exported as written, like the other kinds kept.
    expect(project.others.filter((o) => o.kind === 'Service').map((o) => o.name)).toEqual(['producer-svc', 'other-ns', 'wrong']);
    const warnings = project.warnings.map((w) => `${w.path}: ${w.message}`);
    expect(warnings).toEqual([
      'spec.selector: selects no Deployment of these manifests: not reachable locally by its name (a Function is reached by its own name)',
      'spec.selector: selects no Deployment of these manifests: not reachable locally by its name (a Function is reached by its own name)',
    ]);
  });

  it('warns that a port leading to another targetPort is reached on the targetPort locally', async () => {
    const dir = await tempProject({ 'deploy.yaml': PRODUCER, 'svc.yaml': service('producer-svc', '{ app: producer }', '[{ port: 80, targetPort: 60034 }]') });
    const project = await loadProject([dir], { cwd: dir });
    expect(project.warnings.map((w) => `${w.path}: ${w.message}`)).toEqual(['spec.ports[0].port: port 80 leads to targetPort 60034 in a cluster; locally producer-svc reaches the pods on 60034 itself']);
  });
});
