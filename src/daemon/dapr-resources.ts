import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import type { DaprPlan } from '../model/dapr-plan.js';

/**
 * Writes a function's Dapr Component files into `<state>/dapr/<ns>-<name>/` (the sidecar's
 * `--resources-path`), one file per component, replacing what an earlier build wrote.
 */
export async function writeDaprResources(stateDir: string, namespace: string, name: string, plan: DaprPlan): Promise<string> {
  const dir = path.join(stateDir, 'dapr', `${namespace}-${name}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const component of plan.components) {
    const componentName = (component.metadata as { name: string }).name;
    await writeFile(path.join(dir, `${componentName}.yaml`), stringify(component));
  }
  return dir;
}
