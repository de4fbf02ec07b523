// What the sidecar benchmarks (bench/sidecar.mjs, bench/daprd.mjs) call a Dapr sidecar with, and how
// they time it: unary gRPC calls on one channel, JSON POSTs on a keep-alive agent, sequential timing.
import http from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { pct } from './util.mjs';

/** Unary calls to the sidecar's dapr.proto.runtime.v1.Dapr service on one channel. */
export function grpcCaller(port) {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const call = (method, input, output, message) =>
    new Promise((resolve, reject) =>
      client.makeUnaryRequest(`/dapr.proto.runtime.v1.Dapr/${method}`, (m) => Buffer.from(toBinary(input, m)), (b) => fromBinary(output, b), message, (err, v) => (err ? reject(err) : resolve(v))),
    );
  call.close = () => client.close();
  return call;
}

/** `calls` sequential calls of `fn`: p50 and p99 in ms. */
export async function timeCalls(fn, calls) {
  const lat = [];
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    await fn();
    lat.push(performance.now() - t0);
  }
  return { p50: pct(lat, 50), p99: pct(lat, 99) };
}

/** POSTs `body` as JSON; resolves on a 2xx answer. */
export function postJson(port, p, body, agent) {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request({ host: '127.0.0.1', port, path: p, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode < 300 ? resolve() : reject(new Error(`HTTP ${res.statusCode} for ${p}`))));
    });
    req.on('error', reject);
    req.end(data);
  });
}
