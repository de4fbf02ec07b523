/**
 * The real daprd for tests: one conformance suite runs against ofn-local's sidecar and daprd.
 *
 * Found as `--dapr daprd` finds it on the process runtime, except that the daprd built from source
 * at the default version (docker/daprd/build-daprd.sh) comes before one installed elsewhere, so
 * every machine compares against the same daprd. None: the daprd half of each suite is skipped
 * with a message, or fails when OFN_LOCAL_REQUIRE_DAPRD=1 (CI builds it first).
 */
import { existsSync } from 'node:fs';
import { describe, it } from 'vitest';
import { builtDaprdPath, DEFAULT_DAPRD_VERSION, installedDaprd } from '../../src/daemon/dapr-mode.js';

export type SidecarKind = 'embedded' | 'daprd';

function find(): string | undefined {
  if (process.env.DAPRD && existsSync(process.env.DAPRD)) return process.env.DAPRD;
  const built = builtDaprdPath(DEFAULT_DAPRD_VERSION);
  if (existsSync(built)) return built;
  return installedDaprd();
}

/** The daprd binary the tests run, when there is one. */
export const DAPRD: string | undefined = find();
export const REQUIRE_DAPRD = process.env.OFN_LOCAL_REQUIRE_DAPRD === '1';
const MISSING = `no daprd: build it with \`bash docker/daprd/build-daprd.sh\` (or set DAPRD to a daprd binary)`;

let warned = false;

/**
 * Runs `suite` once per sidecar, each in a describe named `[embedded]` / `[daprd]` (the CI summary
 * counts them apart). Without daprd its half is skipped with a message, or is one failing test when
 * OFN_LOCAL_REQUIRE_DAPRD=1.
 */
export function describeSidecars(suite: (kind: SidecarKind) => void, kinds: readonly SidecarKind[] = ['embedded', 'daprd']): void {
  for (const kind of kinds) {
    if (kind === 'daprd' && !DAPRD) {
      if (REQUIRE_DAPRD) {
        describe('[daprd]', () => it('has a daprd to run against (OFN_LOCAL_REQUIRE_DAPRD=1)', () => {
          throw new Error(MISSING);
        }));
        continue;
      }
      if (!warned) console.warn(`skipping the daprd half of the sidecar conformance tests: ${MISSING}`);
      warned = true;
      describe.skip('[daprd]', () => suite(kind));
      continue;
    }
    describe(`[${kind}]`, () => suite(kind));
  }
}
