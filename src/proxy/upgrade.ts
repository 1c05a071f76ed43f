/**
 * WebSocket and other `Upgrade` requests: route and pick like any request, open the upgraded connection
 * through the upstream's pool, relay the 101 and splice the two sockets. Not retried (the client may
 * already be sending frames).
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Dispatcher } from "undici";
import { classifyError, FAILURE_STATUS, failureOf, type FailureKind } from "./failures.ts";
import type { ForwardDeps } from "./forward.ts";
import { hashKeyOf } from "./forward.ts";
import { serializeUpgradeResponse, upstreamRequestHeaders } from "./headers.ts";

export function handleUpgrade(deps: ForwardDeps, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  const snapshot = deps.snapshot();
  socket.on("error", () => socket.destroy());
  const target = snapshot.route(req.headers.host, req.url ?? "/");
  if (target === undefined) {
    refuse(socket, "no_route");
    return;
  }
  const peer = req.socket.remoteAddress ?? "";
  const client = snapshot.trust.clientAddress(peer, firstValue(req.headers["x-forwarded-for"]));
  const upstream = target.group.pick({ clientIp: client, hashKey: hashKeyOf(target.hash, req) });
  if (upstream === undefined) {
    deps.observer.failure(target.group.name, "no_upstream");
    refuse(socket, "no_upstream");
    return;
  }
  const requestId = firstValue(req.headers["x-request-id"]) ?? randomUUID();
  const headers = upstreamRequestHeaders(req.rawHeaders, req.headers, {
    peer,
    client,
    trusted: snapshot.trust.trusts(peer),
    proto: deps.proto,
    requestId,
    hasRequestId: req.headers["x-request-id"] !== undefined,
  });
  const protocol = firstValue(req.headers.upgrade) ?? "websocket";
  const startedAt = performance.now();
  target.group.begin(upstream);
  const controller = new AbortController();
  socket.once("close", () => controller.abort());
  deps
    .dispatcherFor(upstream)
    .upgrade({ path: req.url ?? "/", method: req.method ?? "GET", headers, protocol, signal: controller.signal })
    .then(
      (data: Dispatcher.UpgradeData) => {
        const seconds = (performance.now() - startedAt) / 1000;
        target.group.end(upstream, { kind: "response", status: 101 }, seconds * 1000);
        deps.observer.attempt(target.group.name, upstream, { kind: "response", status: 101 }, seconds);
        splice(socket, data.socket, serializeUpgradeResponse(data.headers, protocol), head);
      },
      (error: unknown) => {
        const outcome = classifyError(error, controller.signal.aborted);
        const seconds = (performance.now() - startedAt) / 1000;
        target.group.end(upstream, outcome, seconds * 1000);
        deps.observer.attempt(target.group.name, upstream, outcome, seconds);
        refuse(socket, failureOf(outcome));
      },
    );
}

function splice(client: Duplex, upstream: Duplex, responseHead: string, clientHead: Buffer): void {
  // Both sockets allow half-open: one side's end must tear down the pair, or both linger forever.
  const teardown = (): void => {
    client.destroy();
    upstream.destroy();
  };
  for (const socket of [client, upstream]) {
    socket.on("error", teardown);
    socket.on("end", teardown);
    socket.on("close", teardown);
  }
  client.write(responseHead);
  if (clientHead.length > 0) upstream.write(clientHead);
  upstream.pipe(client);
  client.pipe(upstream);
}

function refuse(socket: Duplex, kind: FailureKind): void {
  if (socket.destroyed) return;
  socket.end(`HTTP/1.1 ${FAILURE_STATUS[kind]} ${kind}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
