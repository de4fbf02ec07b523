// Load from a process of its own, so the generator does not share the daemon's event loop (and core)
// with the gateway it measures: `node bench/load-generator.mjs <url> <concurrency> <requests>` prints
// {"rps","p50","p99","cpuUs"} (ms; cpuUs: the generator's own CPU per request, in µs) for GETs on keep-alive connections, one per concurrent client.
import http from 'node:http';

const [url, concurrencyText, requestsText] = process.argv.slice(2);
const concurrency = Number(concurrencyText);
const requests = Number(requestsText);
if (!url || !(concurrency > 0) || !(requests > 0)) {
  console.error('usage: load-generator.mjs <url> <concurrency> <requests>');
  process.exit(2);
}
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });

function get() {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode} from ${url}`))));
    });
    req.on('error', reject);
  });
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
const lat = [];
let next = 0;
const t0 = performance.now();
const cpu0 = process.cpuUsage();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next++ < requests) {
      const s = performance.now();
      await get();
      lat.push(performance.now() - s);
    }
  }),
);
const secs = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
lat.sort((a, b) => a - b);
agent.destroy();
console.log(JSON.stringify({ rps: lat.length / secs, p50: pct(lat, 50), p99: pct(lat, 99), cpuUs: (cpu.user + cpu.system) / lat.length }));
