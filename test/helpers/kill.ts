import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';

/**
 * Hard kills of one part of a running project, as a crash or the OOM killer would end it: a function
 * instance, its Dapr sidecar, or a backing service. Each resolves to what it killed.
 */

type RuntimeKind = 'process' | 'docker';

/** Lines of /proc/<pid>/cmdline of every process this user can read. */
function processes(): { pid: number; cmd: string[]; cwd: () => string }[] {
  const out: { pid: number; cmd: string[]; cwd: () => string }[] = [];
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      out.push({ pid: Number(d), cmd, cwd: () => readlinkSync(`/proc/${d}/cwd`) });
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return out;
}

/**
 * Process runtime: the pids of a function's framework processes, found as the processes running
 * ofn-local's framework bundle from that function's build folder inside the project
 * (`.ofn-local/.../default-<name>/<hash>/app`). Its sidecar runs elsewhere and is left alone.
 */
export function frameworkPids(root: string, fn: string): number[] {
  return processes()
    .filter((p) => {
      try {
        const cwd = p.cwd();
        return cwd.startsWith(root + path.sep) && cwd.split(path.sep).includes(`default-${fn}`) && p.cmd.join(' ').includes('ofn-framework');
      } catch {
        return false;
      }
    })
    .map((p) => p.pid);
}

/** Process runtime: the pid of the sidecar of `default/<fn>` whose command line points into `root`. */
export function sidecarPid(root: string, fn: string): number {
  const found = processes().find((p) => {
    const i = p.cmd.indexOf('--app-id');
    return i >= 0 && p.cmd[i + 1] === `${fn}-default` && p.cmd.some((a) => a.startsWith(root + path.sep));
  });
  if (!found) throw new Error(`no sidecar process of default/${fn} under ${root}`);
  return found.pid;
}

/** Docker runtime: the containers of `default/<fn>` in the project at `root`: functions, or their `-daprd` sidecars. */
export async function functionContainers(root: string, fn: string, part: 'function' | 'sidecar' = 'function'): Promise<Docker.ContainerInfo[]> {
  const list = await new Docker().listContainers({ filters: { label: [`io.ofn-local.function=default/${fn}`, `io.ofn-local.root=${root}`] } });
  return list.filter((c) => c.Names.some((n) => n.endsWith('-daprd')) === (part === 'sidecar'));
}

/** Kills the function's (only) instance. */
export async function killInstance(runtime: RuntimeKind, root: string, fn: string): Promise<string> {
  if (runtime === 'docker') {
    const containers = await functionContainers(root, fn);
    if (containers.length !== 1) throw new Error(`expected one instance of default/${fn}, found ${containers.length}`);
    await new Docker().getContainer(containers[0]!.Id).kill({ signal: 'SIGKILL' });
    return containers[0]!.Names.join(',');
  }
  const pids = frameworkPids(root, fn);
  if (pids.length !== 1) throw new Error(`expected one framework process of default/${fn}, found ${pids.length}`);
  process.kill(pids[0]!, 'SIGKILL');
  return `pid ${pids[0]}`;
}

/** Kills the Dapr sidecar of the function's (only) instance. */
export async function killSidecar(runtime: RuntimeKind, root: string, fn: string): Promise<string> {
  if (runtime === 'docker') {
    const containers = await functionContainers(root, fn, 'sidecar');
    if (containers.length !== 1) throw new Error(`expected one sidecar of default/${fn}, found ${containers.length}`);
    await new Docker().getContainer(containers[0]!.Id).kill({ signal: 'SIGKILL' });
    return containers[0]!.Names.join(',');
  }
  const pid = sidecarPid(root, fn);
  process.kill(pid, 'SIGKILL');
  return `pid ${pid}`;
}

/** Kills a backing service of ofn-local.yaml: its container (Docker) or the host process whose command line names its data folder under `stateDir`. */
export async function killService(runtime: RuntimeKind, projectId: string, stateDir: string, name: string): Promise<string> {
  if (runtime === 'docker') {
    const container = `ofn-local-${projectId}-svc-${name}`.replace(/[^a-zA-Z0-9_.-]/g, '-');
    await new Docker().getContainer(container).kill({ signal: 'SIGKILL' });
    return container;
  }
  const dir = path.join(stateDir, 'services', name);
  const found = processes().filter((p) => p.cmd.join(' ').includes(dir));
  if (found.length === 0) throw new Error(`no process of backing service ${name} under ${dir}`);
  for (const p of found) process.kill(p.pid, 'SIGKILL');
  return found.map((p) => `pid ${p.pid}`).join(',');
}
