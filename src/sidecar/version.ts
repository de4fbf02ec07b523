/** The daprd release whose HTTP API and behaviour this sidecar follows. */
export const DAPR_COMPAT_VERSION = '1.14.4';

/** What `--version` prints and `/v1.0/metadata` reports as `runtimeVersion`. */
export const SIDECAR_VERSION = `${DAPR_COMPAT_VERSION}+ofn-local`;
