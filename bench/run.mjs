#!/usr/bin/env node
// ofn-local benchmarks: each figure is printed beside a baseline measured in the same run, and all
// are written to bench/results.json. `npm run bench -- <name>` runs the benchmarks whose name
// contains <name>. Figures are never asserted anywhere: these machines are shared and noisy.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchmarks } from './suites.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2];
const results = [];
/** A benchmark that did not finish in time (declared before the loop: a class is not hoisted). */
class StuckError extends Error {}
/** A benchmark that has not finished by then is stuck: the run says which and stops. */
const TIMEOUT_MS = Number(process.env.OFN_LOCAL_BENCH_TIMEOUT_MS ?? 15 * 60_000);

for (const b of benchmarks) {
  if (filter && !b.name.includes(filter)) continue;
  process.stdout.write(`\n# ${b.name}: ${b.description}\n`);
  let timer;
  const timedOut = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new StuckError(`${b.name} did not finish within ${TIMEOUT_MS / 60_000} min (OFN_LOCAL_BENCH_TIMEOUT_MS)`)), TIMEOUT_MS);
  });
  try {
    const figures = await Promise.race([b.run(), timedOut]);
    results.push(...figures);
    printTable(figures);
  } catch (err) {
    if (err instanceof StuckError) {
      process.stdout.write(`  TIMED OUT: ${err.message}; stopping the run (figures so far are written)\n`);
      await save();
      process.exit(1);
    }
    process.stdout.write(`  skipped: ${err instanceof Error ? err.message : String(err)}\n`);
  } finally {
    clearTimeout(timer);
  }
}

await save();

async function save() {
  await writeFile(path.join(here, 'results.json'), JSON.stringify({ at: new Date().toISOString(), results }, null, 2) + '\n');
  process.stdout.write(`\nwrote ${path.join(here, 'results.json')} (${results.length} figures)\n`);
}


function printTable(figures) {
  const rows = [['figure', 'metric', 'value', 'baseline', 'ratio'], ...figures.map((f) => [f.name, f.metric, fmt(f.value, f.unit), f.baseline === undefined ? '-' : fmt(f.baseline, f.unit), f.ratio === undefined ? '-' : f.ratio.toFixed(2)])];
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) process.stdout.write('  ' + r.map((c, i) => c.padEnd(w[i])).join('  ') + '\n');
}

function fmt(v, unit) {
  return `${v < 10 ? v.toFixed(3) : v < 1000 ? v.toFixed(1) : Math.round(v)} ${unit}`;
}
