/**
 * WebSocket upgrades: route and pick like any request, send the upgrade through the upstream's pool, and
 * either splice the two sockets after the upstream's 101, or relay the upstream's refusal (401, 403, 426…)
 * as it is — a refused handshake is the application's answer, not a gateway failure. Not retried (the
 * client may already be sending frames).
 */
import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Dispatcher } from "undici";
import { classifyError, FAILURE_STATUS, failureOf, type FailureKind } from "./failures.ts";
import type { ForwardDeps, RouteTarget } from "./forward.ts";
import { cookieValue, hashKeyOf, hostLines, requestTarget } from "./forward.ts";
import { clientResponseHeaders, serializeUpgradeResponse, upstreamRequestHeaders } from "./headers.ts";
import { unmapped } from "./trust.ts";
import type { Outcome, Upstream } from "./upstream.ts";

export function handleUpgrade(deps: ForwardDeps, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  const snapshot = deps.snapshot();
  socket.on("error", () => socket.destroy());
  if (hostLines(req.rawHeaders) > 1) {
    refuse(socket, "bad_request");
    return;
  }
  const { host, path } = requestTarget(req);
  const target = snapshot.route(host, path);
  if (target === undefined) {
    refuse(socket, "no_route");
    return;
  }
  const peer = unmapped(req.socket.remoteAddress ?? "");
  const client = snapshot.trust.clientAddress(peer, firstValue(req.headers["x-forwarded-for"]));
  const stickyKey =
    target.sticky === undefined ? undefined : cookieValue(req.headers.cookie, target.sticky.cookie);
  const upstream =
    (stickyKey === undefined ? undefined : target.group.findSticky(stickyKey)) ??
    target.group.pick({ clientIp: client, hashKey: hashKeyOf(target.hash, req) });
  if (upstream === undefined) {
    deps.observer.failure(target.group.name, "no_upstream");
    refuse(socket, "no_upstream");
    return;
  }
  const requestId = firstValue(req.headers["x-request-id"]) ?? deps.requestId();
  const headers = upstreamRequestHeaders(req.rawHeaders, req.headers, {
    peer,
    client,
    trusted: snapshot.trust.trusts(peer),
    proto: deps.proto,
    requestId,
    hasRequestId: req.headers["x-request-id"] !== undefined,
    via: snapshot.via === undefined ? undefined : `${req.httpVersion} ${snapshot.via}`,
    authority: host === req.headers.host ? undefined : host,
  });
  const protocol = firstValue(req.headers.upgrade) ?? "websocket";
  target.group.begin(upstream);
  const handler = new UpgradeAttempt(deps, target, upstream, socket, head, protocol);
  deps
    .dispatcherFor(upstream)
    .dispatch({ path, method: req.method ?? "GET", headers, upgrade: protocol, body: null }, handler);
}

/** The dispatch handler of one upgrade: 101 → splice; any other status → relay it and close. */
class UpgradeAttempt implements Dispatcher.DispatchHandler {
  private readonly deps: ForwardDeps;
  private readonly target: RouteTarget;
  private readonly upstream: Upstream;
  private readonly client: Duplex;
  private readonly head: Buffer;
  private readonly protocol: string;
  private readonly startedAt = performance.now();
  private ended = false;
  private relaying = false;
  private status = 0;

  constructor(
    deps: ForwardDeps,
    target: RouteTarget,
    upstream: Upstream,
    client: Duplex,
    head: Buffer,
    protocol: string,
  ) {
    this.deps = deps;
    this.target = target;
    this.upstream = upstream;
    this.client = client;
    this.head = head;
    this.protocol = protocol;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.client.destroyed) controller.abort(new Error("client went away"));
    else this.client.once("close", () => controller.abort(new Error("client went away")));
  }

  onRequestUpgrade(
    _controller: Dispatcher.DispatchController,
    status: number,
    headers: IncomingHttpHeaders,
    socket: Duplex,
  ): void {
    this.end({ kind: "response", status });
    if (this.client.destroyed) {
      socket.destroy();
      return;
    }
    splice(this.client, socket, serializeUpgradeResponse(headers, this.protocol), this.head);
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    status: number,
    headers: IncomingHttpHeaders,
    statusMessage?: string,
  ): void {
    this.status = status;
    this.relaying = true;
    const out = clientResponseHeaders(headers);
    let text = `HTTP/1.1 ${status} ${statusMessage ?? ""}\r\nconnection: close\r\n`;
    for (const name in out) {
      if (name === "content-length") continue;
      const value = out[name];
      for (const v of Array.isArray(value) ? value : [value]) text += `${name}: ${String(v)}\r\n`;
    }
    // Close-delimited body (RFC 9112 §6.3): the connection ends with the response.
    if (!this.client.destroyed) this.client.write(`${text}\r\n`);
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.client.destroyed) this.client.write(chunk);
  }

  onResponseEnd(): void {
    this.end({ kind: "response", status: this.status });
    if (!this.client.destroyed) this.client.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    const outcome = classifyError(error, this.client.destroyed);
    this.end(outcome);
    if (this.relaying) this.client.destroy();
    else refuse(this.client, failureOf(outcome));
  }

  private end(outcome: Outcome): void {
    if (this.ended) return;
    this.ended = true;
    const seconds = (performance.now() - this.startedAt) / 1000;
    this.target.group.end(this.upstream, outcome, seconds * 1000);
    this.deps.observer.attempt(this.target.group.name, this.upstream, outcome, seconds);
  }
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
