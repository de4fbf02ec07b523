#!/usr/bin/env node
// CI's leak check: after the test suite nothing of ofn-local may be left running.
//
//   node scripts/leak-check.mjs snapshot FILE   before the suite: what of ofn-local's kinds exists already
//   node scripts/leak-check.mjs check FILE      after it: what exists now and did not before; exit 1 if any
//
// ofn-local's things: containers and networks carrying an io.ofn-local.* label or named ofn-local-*
// (the Testcontainers daemon), volumes (new ones: ofn-local makes none), and host processes: the CLI
// and its daemon (bin/ofn-local.js, --daemon-child), the functions framework (Node and Python), the
// restart supervisor, Go function binaries (run from a project's .ofn-local/build or .ofn-local/live),
// the sidecar, daprd and the brokers tests start (redis-server, mosquitto, nats-server, Kafka). A zombie is not running.
// Whatever existed before the snapshot is not this run's. Things still stopping get a short grace.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

const PROCESS = /bin\/ofn-local\.js|--daemon-child|ofn-framework|ofn-sidecar|ofn-restart-supervisor|ofn-parent-bound|\.ofn-local\/(build|live)\/|(^|\/)daprd( |$)|redis-server|mosquitto|nats-server|run-kafka\.sh|kafka\.Kafka/;
const GRACE_MS = 20_000;

function docker(args) {
  try {
    return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\n')
      .filter(Boolean);
  } catch {
    return undefined; // no engine: nothing of it to check
  }
}

function processes() {
  const out = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    let stat, cmdline;
    try {
      stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      cmdline = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').join(' ').trim();
    } catch {
      continue;
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || !PROCESS.test(cmdline) || cmdline.includes('leak-check.mjs')) continue;
    out.push({ key: `process ${d}@${fields[19]}`, text: `process ${d}: ${cmdline.slice(0, 200)}` });
  }
  return out;
}

function inventory() {
  const items = [...processes()];
  const containers = docker(['ps', '-a', '--no-trunc', '--format', '{{.ID}}\t{{.Names}}\t{{.Status}}\t{{.Labels}}']) ?? [];
  for (const line of containers) {
    const [id, name, status, labels] = line.split('\t');
    if (name.startsWith('ofn-local-') || labels.includes('io.ofn-local.')) items.push({ key: `container ${id}`, text: `container ${name} (${status})` });
  }
  const networks = docker(['network', 'ls', '--no-trunc', '--format', '{{.ID}}\t{{.Name}}\t{{.Labels}}']) ?? [];
  for (const line of networks) {
    const [id, name, labels] = line.split('\t');
    if (name.startsWith('ofn-local-') || labels.includes('io.ofn-local.')) items.push({ key: `network ${id}`, text: `network ${name}` });
  }
  for (const name of docker(['volume', 'ls', '--format', '{{.Name}}']) ?? []) items.push({ key: `volume ${name}`, text: `volume ${name}` });
  return items;
}

const [mode, file] = process.argv.slice(2);
if (mode === 'snapshot' && file) {
  writeFileSync(file, JSON.stringify(inventory().map((i) => i.key)));
} else if (mode === 'check' && file) {
  const before = new Set(JSON.parse(readFileSync(file, 'utf8')));
  const left = () => inventory().filter((i) => !before.has(i.key));
  const deadline = Date.now() + GRACE_MS;
  let now = left();
  while (now.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
    now = left();
  }
  if (now.length === 0) {
    console.log('leak check: nothing of ofn-local is left running');
  } else {
    console.log(`leak check: FAILED, ${now.length} thing(s) of ofn-local left after the tests:`);
    for (const i of now) console.log(`  ${i.text}`);
    process.exitCode = 1;
  }
} else {
  console.error('usage: leak-check.mjs snapshot|check FILE');
  process.exitCode = 2;
}
