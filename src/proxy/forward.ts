/**
 * One proxied HTTP request: route → pick → dispatch through the upstream's undici pool, streaming both
 * ways with backpressure → on a connect error, timeout, reset or 502/503 retry another upstream when that is
 * safe → passive health records every attempt → response. No await, no logging, no exception on this path.
 */
import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Dispatcher } from "undici";
import type { PickRequest } from "./balancers/balancer.ts";
import type { HashConfig } from "./config/schema.ts";
import { classifyError, failureOf, sendFailure, type FailureKind } from "./failures.ts";
import { clientResponseHeaders, upstreamRequestHeaders } from "./headers.ts";
import type { UpstreamGroup } from "./pool.ts";
import type { RetryBudget } from "./retry-budget.ts";
import type { TrustedProxies } from "./trust.ts";
import type { Outcome, Upstream } from "./upstream.ts";

export interface RouteTarget {
  readonly group: UpstreamGroup;
  readonly hash: HashConfig | undefined;
}

/** What a request reads once, at its start: a reload swaps the whole object. */
export interface ForwardSnapshot {
  route(host: string | undefined, path: string): RouteTarget | undefined;
  readonly trust: TrustedProxies;
  readonly tries: number;
  readonly upstreamHeaderMs: number;
  readonly upstreamBodyMs: number;
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
}

/** RFC 9110 §9.2.2; replayed only when they carry no body. */
const IDEMPOTENT: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]);

export function handleRequest(deps: ForwardDeps, req: IncomingMessage, res: ServerResponse): void {
  const snapshot = deps.snapshot();
  const requestId = headerValue(req.headers["x-request-id"]) ?? randomUUID();
  // Request smuggling (RFC 9112 §6.1): both framings at once is refused, never guessed.
  if (req.headers["transfer-encoding"] !== undefined && req.headers["content-length"] !== undefined) {
    res.shouldKeepAlive = false;
    sendFailure(res, "bad_request", requestId);
    return;
  }
  const url = req.url ?? "/";
  const target = snapshot.route(req.headers.host, url);
  if (target === undefined) {
    deps.observer.failure("", "no_route");
    sendFailure(res, "no_route", requestId);
    return;
  }
  new Exchange(deps, snapshot, target, req, res, requestId).start();
}

class Exchange {
  private readonly deps: ForwardDeps;
  private readonly snapshot: ForwardSnapshot;
  private readonly target: RouteTarget;
  private readonly req: IncomingMessage;
  private readonly res: ServerResponse;
  private readonly requestId: string;
  private readonly pick: PickRequest;
  private readonly headers: string[];
  private readonly hasBody: boolean;
  private readonly replayable: boolean;
  private readonly tried: Upstream[] = [];
  private lastFailure: FailureKind = "no_upstream";
  private clientGone = false;
  private finished = false;
  private retrying = false;
  private current: Attempt | undefined;

  constructor(deps: ForwardDeps, snapshot: ForwardSnapshot, target: RouteTarget, req: IncomingMessage, res: ServerResponse, requestId: string) {
    this.deps = deps;
    this.snapshot = snapshot;
    this.target = target;
    this.req = req;
    this.res = res;
    this.requestId = requestId;
    const peer = req.socket.remoteAddress ?? "";
    const trusted = snapshot.trust.trusts(peer);
    const client = snapshot.trust.clientAddress(peer, headerValue(req.headers["x-forwarded-for"]));
    this.pick = { clientIp: client, hashKey: hashKeyOf(target.hash, req) };
    this.headers = upstreamRequestHeaders(req.rawHeaders, req.headers, {
      peer,
      client,
      trusted,
      proto: deps.proto,
      requestId,
      hasRequestId: req.headers["x-request-id"] !== undefined,
    });
    this.hasBody = req.headers["transfer-encoding"] !== undefined || (req.headers["content-length"] !== undefined && req.headers["content-length"] !== "0");
    this.replayable = IDEMPOTENT.has(req.method ?? "") && !this.hasBody;
  }

  start(): void {
    this.deps.budget.activeRequests++;
    this.res.on("close", this.onClientClose);
    this.res.setHeader("x-request-id", this.requestId);
    this.attempt();
  }

  private readonly onClientClose = (): void => {
    if (!this.res.writableFinished) {
      this.clientGone = true;
      this.current?.abort();
    }
    this.finish();
  };

  private attempt(): void {
    const group = this.target.group;
    const upstream = group.pick(this.pick, this.tried);
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
        path: this.req.url ?? "/",
        method: this.req.method ?? "GET",
        headers: this.headers,
        body: this.hasBody ? this.req : null,
        headersTimeout: this.snapshot.upstreamHeaderMs,
        bodyTimeout: this.snapshot.upstreamBodyMs,
        idempotent: this.replayable,
      },
      attempt,
    );
  }

  /** May this request go to another upstream after `outcome`? */
  canRetry(): boolean {
    return this.replayable && !this.clientGone && this.tried.length < this.snapshot.tries && this.deps.budget.allowsRetry();
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

  /** The upstream answered 502/503 and we may retry: its body was discarded. */
  retryAfterStatus(status: number): void {
    this.lastFailure = status === 503 ? "no_upstream" : "connect_error";
    this.attempt();
  }

  private fail(kind: FailureKind): void {
    this.deps.observer.failure(this.target.group.name, kind);
    sendFailure(this.res, kind, this.requestId);
  }

  startResponse(status: number, headers: IncomingHttpHeaders, statusMessage: string | undefined): void {
    const out = clientResponseHeaders(headers);
    out["x-request-id"] = this.requestId;
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
  private discardStatus = 0;
  private done = false;
  private outcome: Outcome = { kind: "reset" };

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

  onResponseStart(_controller: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders, statusMessage?: string): void {
    if ((status === 502 || status === 503) && this.exchange.canRetry()) {
      this.discardStatus = status;
      return;
    }
    this.responding = true;
    this.exchange.startResponse(status, headers, statusMessage);
    this.outcome = { kind: "response", status };
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.discardStatus !== 0) return;
    const res = this.exchange.response;
    if (!res.write(chunk)) {
      controller.pause();
      res.once("drain", () => controller.resume());
    }
  }

  onResponseEnd(): void {
    if (this.discardStatus !== 0) {
      this.end({ kind: "response", status: this.discardStatus });
      this.exchange.retryAfterStatus(this.discardStatus);
      return;
    }
    this.exchange.response.end();
    this.end(this.outcome);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    const outcome = classifyError(error, this.exchange.isClientGone);
    this.end(outcome);
    if (this.responding) {
      this.exchange.response.destroy();
      return;
    }
    this.exchange.failedBeforeResponse(outcome);
  }

  onRequestUpgrade(_controller: Dispatcher.DispatchController, _status: number, _headers: IncomingHttpHeaders, socket: Duplex): void {
    socket.destroy();
  }

  private end(outcome: Outcome): void {
    if (this.done) return;
    this.done = true;
    this.exchange.ended(this.upstream, outcome, this.startedAt);
  }
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
