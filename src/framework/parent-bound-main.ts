/** Entry point of `ofn-parent-bound.cjs` (see parent-bound.ts). */
import { runParentBound } from './parent-bound.js';

runParentBound(process.argv.slice(2), process.env);
