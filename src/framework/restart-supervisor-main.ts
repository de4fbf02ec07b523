/** Entry point of `ofn-restart-supervisor.cjs` (see restart-supervisor.ts). */
import { runRestartSupervisor } from './restart-supervisor.js';

runRestartSupervisor(process.argv.slice(2), process.env);
