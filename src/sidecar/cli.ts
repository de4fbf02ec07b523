/** Bundle entry (dist/sidecar/ofn-sidecar.cjs): `node ofn-sidecar.cjs <daprd flags>`. */
import { sidecarMain } from './main.js';

void sidecarMain(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
  // Components may leave sockets behind after close; do not hang on them.
  setTimeout(() => process.exit(code), 200).unref();
});
