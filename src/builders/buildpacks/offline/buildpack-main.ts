/**
 * Entry of ofn-local's buildpacks inside a builder image (bundled to one file for Node 18):
 *   node ofn-buildpacks.cjs <nodejs|go> detect <platform> <plan>
 *   node ofn-buildpacks.cjs <nodejs|go> build <layers> <platform> <plan>
 * bin/detect and bin/build of each buildpack are two-line shell scripts that call it.
 */
import { failBuild } from './cnb-io.js';
import * as go from './go-buildpack.js';
import * as nodejs from './node-buildpack.js';

const [which, command, ...rest] = process.argv.slice(2);
const bp = which === 'go' ? go : which === 'nodejs' ? nodejs : undefined;
if (!bp) failBuild('ofn-local', `unknown buildpack ${which ?? '(none)'}: expected nodejs or go`);
if (command === 'detect') process.exit(bp.detect(rest[0] ?? '/platform'));
else if (command === 'build') bp.build(rest[0] ?? '/layers', rest[1] ?? '/platform');
else failBuild(which!, `unknown command ${command ?? '(none)'}: expected detect or build`);
