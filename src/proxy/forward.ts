/**
 * One proxied HTTP request: route → pick → dispatch through the upstream's undici pool, streaming both
 * ways with backpressure → on a connect error, timeout, reset or 502/503 retry another upstream when that is
 * safe → passive health records every attempt → response. No await, no logging, no exception on this path.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Dispatcher } from "undici";
import type { PickRequest } from "./balancers/balancer.ts";
import type { HashConfig, StickyConfig } from "./config/schema.ts";
import { classifyError, failureOf, sendFailure, type FailureKind } from "./failures.ts";
import { clientResponseHeaderList, upstreamRequestHeaders } from "./headers.ts";
import type { UpstreamGroup } from "./pool.ts";
import type { RequestIdSource } from "./request-id.ts";
import type { RetryBudget } from "./retry-budget.ts";
import { unmapped, type TrustedProxies } from "./trust.ts";
import type { Outcome, Upstream } from "./upstream.ts";

export interface RouteTarget {
  readonly group: UpstreamGroup;
  readonly hash: HashConfig | undefined;
  readonly sticky: StickyConfig | undefined;
}

/** What a request reads once, at its start: a reload swaps the whole object. */
export interface ForwardSnapshot {
  route(host: string | undefined, path: string): RouteTarget | undefined;
  readonly trust: TrustedProxies;
  readonly tries: number;
  readonly upstreamHeaderMs: number;
  readonly upstreamBodyMs: number;
  /** Our `Via` pseudonym, or undefined for no Via header. */
  readonly via: string | undefined;
  /** Our `Via` entry on responses (`1.1 <via>`), built once per configuration. */
  readonly responseVia: string | undefined;
}

export interface ForwardObserver {
  attempt(group: string, upstream: Upstream, outcome: Outcome, seconds: number): void;
  failure(group: string, kind: FailureKind): void;
  retry(group: string): void;
}

export interface ForwardDeps {
  snapshot(): ForwardSnapshot;
  dispatcherFor(upstream: Upstream): Dispatcher;
  readonly budget: RetryBudget;
  readonly observer: ForwardObserver;
  /** Listener protocol, for X-Forwarded-Proto. */
  readonly proto: "http" | "https";
  /** X-Request-ID for requests that come without one. */
  readonly requestId: RequestIdSource;
}

/**
 * RFC 9110 §9.2.2. Replayed after a failure when they carry no body, or when their body has not been read
 * yet (a connect error or connect timeout: nothing reached the upstream, the body still waits in our socket).
 */
const IDEMPOTENT: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]);

/** An attempt's outcome until the upstream answers (outcomes are immutable: one object serves every attempt). */
const RESET: Outcome = { kind: "reset" };

export function handleRequest(deps: ForwardDeps, req: IncomingMessage, res: ServerResponse): void {
  const snapshot = deps.snapshot();
  const requestId = headerValue(req.headers["x-request-id"]) ?? deps.requestId();
  // Request smuggling (RFC 9112 §6.1): both framings at once is refused, never guessed. Two Host lines
  // (RFC 9112 §3.2) are refused too: we would route on the first while the upstream may read the last.
  if (
    (req.headers["transfer-encoding"] !== undefined && req.headers["content-length"] !== undefined) ||
    hostLines(req.rawHeaders) > 1
  ) {
    res.shouldKeepAlive = false;
    sendFailure(res, "bad_request", requestId);
    return;
  }
  // Origin form (`/path`) is nearly every request: no parsing, no object.
  let host = req.headers.host;
  let path = req.url ?? "/";
  if (!path.startsWith("/")) ({ host, path } = requestTarget(req));
  const target = snapshot.route(host, path);
  if (target === undefined) {
    deps.observer.failure("", "no_route");
    sendFailure(res, "no_route", requestId);
    return;
  }
  new Exchange(
    deps,
    snapshot,
    target,
    req,
    res,
    requestId,
    path,
    host === req.headers.host ? undefined : host,
  ).start();
}

/**
 * Host and origin-form path of a request. A request in absolute-form (`GET http://host/path`, RFC 9112 §3.2.2)
 * takes its host from the target, and the upstream gets the origin-form path.
 */
export function requestTarget(req: IncomingMessage): { host: string | undefined; path: string } {
  const url = req.url ?? "/";
  if (url.startsWith("/")) return { host: req.headers.host, path: url };
  const absolute = /^https?:\/\/([^/?#]*)([^#]*)/i.exec(url);
  if (absolute === null) return { host: req.headers.host, path: url };
  const rest = absolute[2]!;
  return { host: absolute[1]!, path: rest.startsWith("/") ? rest : `/${rest}` };
}

/** The request is its own balancer `PickRequest` (client address and hash key): no extra object per request. */
class Exchange implements PickRequest {
  readonly clientIp: string;
  readonly hashKey: string;
  private readonly deps: ForwardDeps;
  private readonly snapshot: ForwardSnapshot;
  private readonly target: RouteTarget;
  private readonly req: IncomingMessage;
  private readonly res: ServerResponse;
  private readonly requestId: string;
  private readonly headers: string[];
  private readonly path: string;
  private readonly hasBody: boolean;
  private readonly idempotent: boolean;
  private readonly stickyKey: string | undefined;
  private readonly tried: Upstream[] = [];
  /** The upstream a 502/503 retry will go to, chosen before the response is discarded. */
  private next: Upstream | undefined;
  private lastFailure: FailureKind = "no_upstream";
  private clientGone = false;
  private finished = false;
  private retrying = false;
  private current: Attempt | undefined;

  constructor(
    deps: ForwardDeps,
    snapshot: ForwardSnapshot,
    target: RouteTarget,
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    path: string,
    authority: string | undefined,
  ) {
    this.deps = deps;
    this.path = path;
    this.snapshot = snapshot;
    this.target = target;
    this.req = req;
    this.res = res;
    this.requestId = requestId;
    const peer = unmapped(req.socket.remoteAddress ?? "");
    const trusted = snapshot.trust.trusts(peer);
    const client = snapshot.trust.clientAddress(peer, headerValue(req.headers["x-forwarded-for"]));
    this.clientIp = client;
    this.hashKey = hashKeyOf(target.hash, req);
    this.headers = upstreamRequestHeaders(req.rawHeaders, req.headers, {
      peer,
      client,
      trusted,
      proto: deps.proto,
      requestId,
      hasRequestId: req.headers["x-request-id"] !== undefined,
      via: snapshot.via === undefined ? undefined : `${req.httpVersion} ${snapshot.via}`,
      authority,
    });
    this.hasBody =
      req.headers["transfer-encoding"] !== undefined ||
      (req.headers["content-length"] !== undefined && req.headers["content-length"] !== "0");
    this.idempotent = IDEMPOTENT.has(req.method ?? "");
    this.stickyKey =
      target.sticky === undefined ? undefined : cookieValue(req.headers.cookie, target.sticky.cookie);
  }

  start(): void {
    this.deps.budget.activeRequests++;
    this.res.on("close", this.onClientClose);
    this.attempt();
  }

  private readonly onClientClose = (): void => {
    if (!this.res.writableFinished) {
      this.clientGone = true;
      this.current?.abort();
    }
    this.finish();
  };

  /** The sticky upstream on the first attempt while it is available; else the balancer's pick. */
  private choose(): Upstream | undefined {
    const group = this.target.group;
    if (this.stickyKey !== undefined && this.tried.length === 0) {
      const sticky = group.findSticky(this.stickyKey);
      if (sticky !== undefined) return sticky;
    }
    return group.pick(this, this.tried);
  }

  private attempt(): void {
    const group = this.target.group;
    const upstream = this.next ?? this.choose();
    this.next = undefined;
    if (upstream === undefined) {
      this.fail(this.tried.length === 0 ? "no_upstream" : this.lastFailure);
      return;
    }
    this.tried.push(upstream);
    group.begin(upstream);
    if (this.tried.length > 1) {
      this.retrying = true;
      this.deps.budget.activeRetries++;
      this.deps.observer.retry(group.name);
    }
    const attempt = new Attempt(this, upstream);
    this.current = attempt;
    this.deps.dispatcherFor(upstream).dispatch(
      {
        path: this.path,
        method: this.req.method ?? "GET",
        headers: this.headers,
        body: this.hasBody ? this.req : null,
        headersTimeout: this.snapshot.upstreamHeaderMs,
        bodyTimeout: this.snapshot.upstreamBodyMs,
        idempotent: this.idempotent && !this.hasBody,
      },
      attempt,
    );
  }

  /**
   * May this request be sent again? Only an idempotent one whose body (if any) is still unread — once undici
   * has read a byte of it, that byte may have reached the upstream and cannot be sent twice — within the
   * tries and the retry budget, while the client waits.
   */
  canRetry(): boolean {
    if (!this.idempotent || this.clientGone || this.tried.length >= this.snapshot.tries) return false;
    if (this.hasBody && (this.req.readableDidRead || this.req.destroyed)) return false;
    return this.deps.budget.allowsRetry();
  }

  /**
   * At a 502/503 response: retry only when allowed and another upstream is there to take it; the choice is
   * made now, so that when none is left the upstream's own response (its body, its Retry-After) is relayed.
   */
  reserveRetry(): boolean {
    if (!this.canRetry()) return false;
    this.next = this.choose();
    return this.next !== undefined;
  }

  /** The client went away, or aborted its request body: a failure that says nothing about the upstream. */
  get clientFault(): boolean {
    return this.clientGone || (this.hasBody && !this.req.complete && this.req.destroyed);
  }

  /** An attempt ended; passive health, metrics, and the retry-budget bookkeeping. */
  ended(upstream: Upstream, outcome: Outcome, startedAt: number): void {
    const seconds = (performance.now() - startedAt) / 1000;
    this.target.group.end(upstream, outcome, seconds * 1000);
    this.deps.observer.attempt(this.target.group.name, upstream, outcome, seconds);
    if (this.retrying) {
      this.retrying = false;
      this.deps.budget.activeRetries--;
    }
  }

  /** The attempt failed before the response started: retry or answer with the mapped status. */
  failedBeforeResponse(outcome: Outcome): void {
    this.lastFailure = failureOf(outcome);
    if (this.clientGone) return;
    if (this.canRetry()) {
      this.attempt();
      return;
    }
    this.fail(this.lastFailure);
  }

  /** The upstream answered 502/503 and another upstream was reserved: its body was discarded. */
  retryAfterStatus(): void {
    if (this.clientGone) return;
    this.attempt();
  }

  private fail(kind: FailureKind): void {
    this.deps.observer.failure(this.target.group.name, kind);
    sendFailure(this.res, kind, this.requestId);
  }

  /** The response head, in one `writeHead` with a flat list (Node's fast path: nothing set on `res` before). */
  startResponse(
    upstream: Upstream,
    status: number,
    headers: IncomingHttpHeaders,
    statusMessage: string | undefined,
  ): void {
    const out = clientResponseHeaderList(headers, this.snapshot.responseVia, this.requestId);
    const sticky = this.target.sticky;
    if (sticky !== undefined && this.stickyKey !== upstream.stickyKey)
      out.push("set-cookie", stickyCookie(sticky, upstream.stickyKey, this.deps.proto));
    if (statusMessage !== undefined && statusMessage !== "") this.res.writeHead(status, statusMessage, out);
    else this.res.writeHead(status, out);
  }

  get response(): ServerResponse {
    return this.res;
  }

  get isClientGone(): boolean {
    return this.clientGone;
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.deps.budget.activeRequests--;
  }
}

/** One try against one upstream: the undici dispatch handler. */
class Attempt implements Dispatcher.DispatchHandler {
  private readonly exchange: Exchange;
  private readonly upstream: Upstream;
  private readonly startedAt = performance.now();
  private controller: Dispatcher.DispatchController | undefined;
  private responding = false;
  private paused = false;
  private discardStatus = 0;
  /** Body bytes still to come when the upstream sent Content-Length; -1 otherwise. */
  private bodyLeft = -1;
  private done = false;
  private outcome: Outcome = RESET;

  constructor(exchange: Exchange, upstream: Upstream) {
    this.exchange = exchange;
    this.upstream = upstream;
  }

  abort(): void {
    this.controller?.abort(new Error("client went away"));
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.exchange.isClientGone) controller.abort(new Error("client went away"));
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    status: number,
    headers: IncomingHttpHeaders,
    statusMessage?: string,
  ): void {
    if ((status === 502 || status === 503) && this.exchange.reserveRetry()) {
      this.discardStatus = status;
      return;
    }
    this.responding = true;
    this.outcome = { kind: "response", status };
    const length = headers["content-length"];
    this.bodyLeft = typeof length === "string" ? Number(length) : -1;
    try {
      this.exchange.startResponse(this.upstream, status, headers, statusMessage);
    } catch (error) {
      // A head Node refuses to write (an invalid header from the upstream): a bad gateway, not a crash.
      this.responding = false;
      this.outcome = RESET;
      controller.abort(error instanceof Error ? error : new Error(String(error)));
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.discardStatus !== 0) return;
    const res = this.exchange.response;
    // The chunk that completes a Content-Length body ends the response in the same call: one write, no uncork tick.
    if (this.bodyLeft > 0 && (this.bodyLeft -= chunk.length) === 0) {
      res.end(chunk);
      return;
    }
    // One drain listener per pause: undici may hand over chunks it had already parsed after pause().
    if (!res.write(chunk) && !this.paused) {
      this.paused = true;
      controller.pause();
      res.once("drain", () => {
        this.paused = false;
        controller.resume();
      });
    }
  }

  onResponseEnd(_controller: Dispatcher.DispatchController, trailers: IncomingHttpHeaders): void {
    if (this.discardStatus !== 0) {
      this.end({ kind: "response", status: this.discardStatus });
      this.exchange.retryAfterStatus();
      return;
    }
    const res = this.exchange.response;
    // Chunked trailers pass through (RFC 9110 §6.5); Node sends them only on a chunked response. A
    // Content-Length body was ended with its last chunk already.
    if (!res.writableEnded) {
      if (hasAny(trailers) && !res.destroyed) res.addTrailers(trailerFields(trailers));
      res.end();
    }
    this.end(this.outcome);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    const outcome = classifyError(error, this.exchange.clientFault);
    this.end(outcome);
    if (this.responding) {
      this.exchange.response.destroy();
      return;
    }
    this.exchange.failedBeforeResponse(outcome);
  }

  onRequestUpgrade(
    _controller: Dispatcher.DispatchController,
    _status: number,
    _headers: IncomingHttpHeaders,
    socket: Duplex,
  ): void {
    socket.destroy();
  }

  private end(outcome: Outcome): void {
    if (this.done) return;
    this.done = true;
    this.exchange.ended(this.upstream, outcome, this.startedAt);
  }
}

export function hostLines(rawHeaders: readonly string[]): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2)
    if (rawHeaders[i]!.length === 4 && rawHeaders[i]!.toLowerCase() === "host") count++;
  return count;
}

function hasAny(headers: IncomingHttpHeaders | undefined): headers is IncomingHttpHeaders {
  if (headers === undefined || headers === null) return false;
  for (const _ in headers) return true;
  return false;
}

function trailerFields(trailers: IncomingHttpHeaders): [string, string][] {
  const out: [string, string][] = [];
  for (const name in trailers) {
    const value = trailers[name];
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) out.push([name, v]);
  }
  return out;
}

/** `Set-Cookie` naming the upstream by its opaque key; Secure on HTTPS listeners. */
export function stickyCookie(sticky: StickyConfig, key: string, proto: "http" | "https"): string {
  let cookie = `${sticky.cookie}=${key}; Path=/; HttpOnly; SameSite=Lax`;
  if (sticky.ttl !== undefined) cookie += `; Max-Age=${Math.ceil(sticky.ttl / 1000)}`;
  if (proto === "https") cookie += "; Secure";
  return cookie;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The value a consistent-hash route hashes on. */
export function hashKeyOf(hash: HashConfig | undefined, req: IncomingMessage): string {
  if (hash === undefined) return "";
  if (hash.header !== undefined) return headerValue(req.headers[hash.header.toLowerCase()]) ?? "";
  if (hash.cookie !== undefined) return cookieValue(req.headers.cookie, hash.cookie) ?? "";
  const url = req.url ?? "/";
  const query = url.indexOf("?");
  return query < 0 ? url : url.slice(0, query);
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
