/**
 * A sync Node function with a Dapr sidecar (`openfunction.io/enable-dapr`), built from `srcUrl`, whose
 * code (the test's own, `exports.call`) calls other apps as a function's code would: the tests that
 * invoke app ids through a sidecar share its manifest.
 */
export function callerManifest(srcUrl: string): string {
  return `apiVersion: core.openfunction.io/v1beta2
kind: Function
metadata:
  name: caller
spec:
  version: "v1.0.0"
  image: "<your registry name>/caller:v1"
  build:
    builder: openfunction/builder-node:latest
    env: { FUNC_NAME: call, FUNC_TYPE: openfunction }
    srcRepo: { url: "${srcUrl}" }
  serving:
    annotations:
      openfunction.io/enable-dapr: "true"
    triggers:
      http: { port: 8080 }
`;
}
