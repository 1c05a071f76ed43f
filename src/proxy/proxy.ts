/**
 * The regional proxy process: listeners, upstream groups and their pools, active checks, admin API, reload
 * (build aside, then swap; upstream objects survive so in-flight counts and health carry over) and graceful
 * shutdown (/ready fails → stop accepting → wait for in-flight requests up to a deadline).
 */
import { once } from "node:events";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import { Pool } from "undici";
import { ErrorCodes, GslbError } from "../errors.ts";
import { createProbe } from "../health/probes/registry.ts";
import type { Probe } from "../health/probes/probe.ts";
import type { RandomSource } from "./balancers/balancer.ts";
import { createBalancer } from "./balancers/registry.ts";
import { createAdminServer } from "./admin.ts";
import { serverId, type ProxyConfig } from "./config/load.ts";
import type { ServerConfig, UpstreamGroupConfig } from "./config/schema.ts";
import { handleRequest, type ForwardDeps, type ForwardSnapshot, type RouteTarget } from "./forward.ts";
import { ActiveChecker } from "./health/active.ts";
import { ProxyMetrics, upstreamKey } from "./metrics.ts";
import { UpstreamGroup, type Clock, type UpstreamSnapshot } from "./pool.ts";
import { createRequestIds } from "./request-id.ts";
import { RetryBudget } from "./retry-budget.ts";
import { Router } from "./router.ts";
import { TrustedProxies } from "./trust.ts";
import { handleUpgrade } from "./upgrade.ts";
import type { Upstream, UpstreamSpec } from "./upstream.ts";

export interface ProxyOptions {
  readonly clock?: Clock;
  readonly random?: RandomSource;
  readonly logger?: Logger;
}

/** What /ready answers (the tier-1 `proxy` probe reads it). */
export interface Readiness {
  readonly ready: boolean;
  readonly healthy: number;
  readonly total: number;
  readonly capacity: number;
  readonly draining: boolean;
  readonly groups: Readonly<
    Record<string, { healthy: number; total: number; capacity: number; ready: boolean }>
  >;
}

export interface BoundAddress {
  readonly host: string;
  readonly port: number;
}

interface GroupRuntime {
  readonly group: UpstreamGroup;
  readonly config: UpstreamGroupConfig;
  readonly checker: ActiveChecker | undefined;
  readonly probe: Probe | undefined;
}

interface State {
  readonly config: ProxyConfig;
  readonly groups: ReadonlyMap<string, GroupRuntime>;
  readonly snapshot: ForwardSnapshot;
}

export class RegionalProxy {
  readonly metrics: ProxyMetrics;
  private state: State;
  private readonly clock: Clock;
  private readonly random: RandomSource;
  private readonly logger: Logger | undefined;
  /** One undici pool per distinct upstream origin and pool options (a reload that changes them gets a new pool). */
  private readonly pools = new Map<string, Pool>();
  /** The pool each live upstream dispatches through. */
  private readonly poolOf = new WeakMap<Upstream, Pool>();
  private readonly budget: RetryBudget;
  private readonly requestIds = createRequestIds();
  private readonly servers: Server[] = [];
  private admin: Server | undefined;
  private shuttingDown = false;
  /** Upgraded (WebSocket) connections: the HTTP server no longer tracks them. */
  private readonly upgraded = new Set<Duplex>();

  private constructor(config: ProxyConfig, options: ProxyOptions) {
    this.clock = options.clock ?? Date.now;
    this.random = options.random ?? Math.random;
    this.logger = options.logger;
    this.budget = new RetryBudget(config.retries.budget_percent, config.retries.min_concurrent);
    this.metrics = new ProxyMetrics({
      upstreams: () => this.upstreams(),
      connections: (group, id) => this.connectionsOf(group, id),
      ready: () => this.readiness().ready,
    });
    this.state = this.build(config, new Map());
  }

  /** Builds everything, binds every listener and the admin API. */
  static async start(config: ProxyConfig, options: ProxyOptions = {}): Promise<RegionalProxy> {
    const proxy = new RegionalProxy(config, options);
    try {
      for (const [i, listener] of config.listeners.entries()) {
        await proxy.listen(listener.address, config.listenerTls[i]);
      }
      proxy.admin = createAdminServer(proxy, config.admin.token);
      await bind(proxy.admin, config.admin.address);
      proxy.admin.on("error", (error) =>
        proxy.logger?.error({ error: error.message }, "admin listener error"),
      );
    } catch (error) {
      await proxy.close();
      throw error;
    }
    proxy.startCheckers(proxy.state);
    return proxy;
  }

  get config(): ProxyConfig {
    return this.state.config;
  }

  get listenAddresses(): BoundAddress[] {
    return this.servers.map((s) => addressOf(s));
  }

  /** The client-facing servers (tests reach them to provoke server-level errors). */
  get listeners(): readonly Server[] {
    return this.servers;
  }

  get adminAddress(): BoundAddress {
    return addressOf(this.admin!);
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  groups(): UpstreamGroup[] {
    return [...this.state.groups.values()].map((g) => g.group);
  }

  upstreams(): UpstreamSnapshot[] {
    return this.groups().flatMap((g) => g.snapshot());
  }

  readiness(): Readiness {
    let healthy = 0;
    let total = 0;
    let weighted = 0;
    let ready = !this.shuttingDown;
    const groups: Record<string, { healthy: number; total: number; capacity: number; ready: boolean }> = {};
    for (const group of this.groups()) {
      const r = group.readiness();
      groups[group.name] = r;
      healthy += r.healthy;
      total += r.total;
      weighted += r.capacity;
      ready &&= r.ready;
    }
    const count = Object.keys(groups).length;
    return {
      ready,
      healthy,
      total,
      capacity: count === 0 ? 0 : weighted / count,
      draining: this.shuttingDown,
      groups,
    };
  }

  /** Admin API: drain one upstream (no new requests; removed once idle). False when unknown. */
  drainUpstream(groupName: string, id: string): boolean {
    const runtime = this.state.groups.get(groupName);
    const upstream = runtime?.group.find(id);
    if (runtime === undefined || upstream === undefined) return false;
    runtime.group.drain(upstream);
    this.logger?.info({ group: groupName, upstream: id, active: upstream.active }, "upstream draining");
    return true;
  }

  /**
   * Swaps in a new configuration. Listener addresses, TLS files and max_header_bytes are bound at start and
   * need a restart; everything else (routes, upstreams, balancers, checks, timeouts, retries) applies at once.
   */
  reload(config: ProxyConfig): void {
    const previous = this.state;
    const next = this.build(config, previous.groups);
    // Swap first: draining the old members below removes idle ones at once, and removal closes the pools
    // the *new* state no longer uses.
    this.state = next;
    for (const [name, old] of previous.groups) {
      old.checker?.stop();
      closeQuietly(old.probe);
      const kept = next.groups.get(name);
      for (const upstream of [...old.group.members]) {
        if (kept?.group.members.includes(upstream) !== true) old.group.drain(upstream);
      }
    }
    this.closeUnusedPools();
    this.metrics.forget(
      new Set([...next.groups].flatMap(([name, r]) => r.group.members.map((u) => upstreamKey(name, u.id)))),
    );
    this.budget.configure(config.retries.budget_percent, config.retries.min_concurrent);
    this.applyServerTimeouts(config);
    this.startCheckers(next);
    this.logger?.info({ file: config.file, groups: next.groups.size }, "configuration reloaded");
  }

  /** SIGTERM: fail /ready, wait `shutdown_delay`, stop accepting, let in-flight requests finish up to `shutdown`. */
  async shutdown(): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    const { shutdown, shutdown_delay } = this.state.config.timeouts;
    this.logger?.info({ inFlight: this.budget.activeRequests }, "shutting down: /ready fails now");
    if (shutdown_delay > 0) await sleep(shutdown_delay);
    const closed = this.servers.map((server) => {
      const done = once(server, "close");
      server.close();
      server.closeIdleConnections();
      return done;
    });
    const deadline = Date.now() + shutdown;
    while (this.budget.activeRequests > 0 && Date.now() < deadline) await sleep(20);
    for (const server of this.servers) server.closeAllConnections();
    await Promise.all(closed);
    await this.close();
  }

  /** Immediate stop (tests, and the end of `shutdown`). */
  async close(): Promise<void> {
    this.shuttingDown = true;
    for (const runtime of this.state.groups.values()) {
      runtime.checker?.stop();
      await runtime.probe?.close?.().catch(() => undefined);
    }
    for (const socket of this.upgraded) socket.destroy();
    for (const server of [...this.servers, ...(this.admin === undefined ? [] : [this.admin])]) {
      server.closeAllConnections();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await Promise.all([...this.pools.values()].map((pool) => pool.destroy().catch(() => undefined)));
    this.pools.clear();
  }

  private async listen(address: BoundAddress, tls: ProxyConfig["listenerTls"][number]): Promise<void> {
    const proto = tls === undefined ? "http" : "https";
    const deps: ForwardDeps = {
      snapshot: () => this.state.snapshot,
      // Every upstream gets its pool when its group is built, before any request can pick it.
      dispatcherFor: (upstream) => this.poolOf.get(upstream)!,
      budget: this.budget,
      observer: this.metrics,
      proto,
      requestId: this.requestIds,
    };
    const { timeouts, limits } = this.state.config;
    const options = {
      maxHeaderSize: limits.max_header_bytes,
      headersTimeout: timeouts.client_header,
      requestTimeout: timeouts.client_request,
      keepAliveTimeout: timeouts.client_keep_alive,
      // Node enforces the two timeouts above only at this interval (default 30 s): slowloris needs it short.
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, timeouts.client_header / 4)),
      // Only WebSocket upgrades take the raw-socket path; any other Upgrade (h2c from `curl --http2`) is an
      // ordinary request whose Upgrade header is dropped as hop-by-hop, as nginx does.
      shouldUpgradeCallback: (req: IncomingMessage) => isWebSocketUpgrade(req),
      // A request without Content-Length or Transfer-Encoding has no body (RFC 9112 §6.3): Node then skips the
      // request stream's data/end/close life cycle, which we never use for it (nothing to forward).
      optimizeEmptyRequests: true,
    };
    const server =
      tls === undefined
        ? createHttpServer(options)
        : createHttpsServer({
            ...options,
            cert: tls.cert,
            key: tls.key,
            handshakeTimeout: timeouts.client_header,
          });
    // After bind, a server 'error' (EMFILE on accept…) must be logged, not crash the process.
    server.on("error", (error) => this.logger?.error({ error: error.message }, "listener error"));
    server.on("request", (req, res) => {
      if (this.shuttingDown) res.shouldKeepAlive = false;
      handleRequest(deps, req, res);
    });
    server.on("upgrade", (req, socket, head) => {
      this.upgraded.add(socket);
      socket.once("close", () => this.upgraded.delete(socket));
      handleUpgrade(deps, req, socket, head);
    });
    this.servers.push(server);
    this.applyServerTimeouts(this.state.config);
    await bind(server, address);
  }

  private applyServerTimeouts(config: ProxyConfig): void {
    for (const server of this.servers) {
      server.headersTimeout = config.timeouts.client_header;
      server.requestTimeout = config.timeouts.client_request;
      server.keepAliveTimeout = config.timeouts.client_keep_alive;
      server.maxConnections = config.limits.max_client_connections;
    }
  }

  private build(proxyConfig: ProxyConfig, previous: ReadonlyMap<string, GroupRuntime>): State {
    const config = proxyConfig;
    const groups = new Map<string, GroupRuntime>();
    for (const [name, groupConfig] of Object.entries(config.upstreams)) {
      groups.set(name, this.buildGroup(name, groupConfig, previous.get(name), proxyConfig));
    }
    const router = new Router<RouteTarget>(
      config.routes.map((route) => {
        const runtime = groups.get(route.upstream)!;
        return {
          host: route.host,
          pathPrefix: route.path_prefix,
          target: { group: runtime.group, hash: runtime.config.hash, sticky: route.sticky },
        };
      }),
    );
    const snapshot: ForwardSnapshot = {
      route: (host, path) => router.match(host, path),
      trust: new TrustedProxies(config.trusted_proxies),
      tries: config.retries.tries,
      upstreamHeaderMs: config.timeouts.upstream_header,
      upstreamBodyMs: config.timeouts.upstream_body,
      via: config.via === false ? undefined : config.via,
      responseVia: config.via === false ? undefined : `1.1 ${config.via}`,
    };
    return { config, groups, snapshot };
  }

  private buildGroup(
    name: string,
    config: UpstreamGroupConfig,
    previous: GroupRuntime | undefined,
    proxyConfig: ProxyConfig,
  ): GroupRuntime {
    const group = new UpstreamGroup(
      name,
      createBalancer(config.balancer, { random: this.random }),
      {
        panicThresholdPercent: config.panic_threshold,
        minHealthy: config.min_healthy,
        outlier: {
          consecutiveErrors: config.outlier.consecutive_errors,
          baseEjectionMs: config.outlier.base_ejection,
          maxEjectionMs: config.outlier.max_ejection,
          maxEjectionPercent: config.outlier.max_ejection_percent,
        },
      },
      this.clock,
      {
        onRemoved: (groupName, upstream) => this.onRemoved(groupName, upstream),
        onPenalty: (groupName, upstream, verdict) => {
          this.metrics.penalty(groupName, upstream);
          this.logger?.warn(
            { group: groupName, upstream: upstream.id, verdict },
            "upstream taken out by passive health",
          );
        },
      },
    );
    for (const server of config.servers) {
      const spec: UpstreamSpec = {
        id: serverId(server.address),
        host: server.address.host,
        port: server.address.port,
        tls: server.tls !== undefined,
        weight: server.weight,
        backup: server.backup,
        maxFails: server.max_fails,
        failTimeoutMs: server.fail_timeout,
        slowStartMs: server.slow_start,
      };
      const existing = previous?.group.find(spec.id);
      let upstream: Upstream;
      if (existing !== undefined && !existing.draining) {
        group.adopt(existing, spec);
        // A check removed by the reload must not leave its last "down" verdict behind forever.
        if (config.health_check === undefined) group.setCheckState(existing, true);
        upstream = existing;
      } else {
        upstream = group.add(spec, previous === undefined);
        if (config.health_check !== undefined) group.awaitFirstCheck(upstream);
      }
      this.poolOf.set(upstream, this.pool(server, config, proxyConfig));
    }
    let probe: Probe | undefined;
    let checker: ActiveChecker | undefined;
    if (config.health_check !== undefined) {
      probe = createProbe("health_check", new Map([["health_check", config.health_check]]));
      const run = probe.run.bind(probe);
      checker = new ActiveChecker(group, run, config.health_check, (upstream, up, detail) =>
        this.logger?.info(
          { group: name, upstream: upstream.id, up, detail },
          "active health check changed state",
        ),
      );
    }
    return { group, config, checker, probe };
  }

  private startCheckers(state: State): void {
    if (this.servers.length === 0) return;
    for (const runtime of state.groups.values()) runtime.checker?.start();
  }

  private onRemoved(groupName: string, upstream: Upstream): void {
    this.logger?.info({ group: groupName, upstream: upstream.id }, "upstream removed");
    this.closeUnusedPools();
  }

  /**
   * The pool of one server under one configuration: the key holds every option the pool is built with, so
   * a reload that changes max_connections, keep_alive, upstream_connect or TLS settings gets a fresh pool.
   */
  private pool(server: ServerConfig, group: UpstreamGroupConfig, config: ProxyConfig): Pool {
    const connectMs = config.timeouts.upstream_connect;
    const tls = server.tls;
    const origin = `${tls === undefined ? "http" : "https"}://${serverId(server.address)}`;
    const key = JSON.stringify([origin, group.max_connections, group.keep_alive, connectMs, tls ?? null]);
    let pool = this.pools.get(key);
    if (pool === undefined) {
      const ca = tls?.ca === undefined ? undefined : config.upstreamCa[tls.ca];
      pool = new Pool(origin, {
        connections: group.max_connections,
        connect: {
          timeout: connectMs,
          ...(tls === undefined ? {} : { rejectUnauthorized: tls.verify }),
          ...(ca === undefined ? {} : { ca }),
          ...(tls?.servername === undefined ? {} : { servername: tls.servername }),
        },
        keepAliveTimeout: group.keep_alive,
        pipelining: 1,
      });
      this.pools.set(key, pool);
    }
    return pool;
  }

  /** Pools no live upstream dispatches through any more close gracefully (their in-flight requests finish). */
  private closeUnusedPools(): void {
    const used = new Set<Pool>();
    for (const runtime of this.state.groups.values()) {
      for (const upstream of runtime.group.members) {
        const pool = this.poolOf.get(upstream);
        if (pool !== undefined) used.add(pool);
      }
    }
    for (const [key, pool] of this.pools) {
      if (used.has(pool)) continue;
      this.pools.delete(key);
      pool.close().catch(() => undefined);
    }
  }

  private connectionsOf(groupName: string, id: string): number {
    const upstream = this.state.groups.get(groupName)?.group.find(id);
    if (upstream === undefined) return 0;
    return this.poolOf.get(upstream)?.stats.connected ?? 0;
  }
}

/** RFC 6455: `Upgrade: websocket` (any case, possibly among other tokens). */
export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  const upgrade = req.headers.upgrade;
  return (
    upgrade !== undefined && upgrade.split(",").some((token) => token.trim().toLowerCase() === "websocket")
  );
}

function closeQuietly(probe: Probe | undefined): void {
  probe?.close?.().catch(() => undefined);
}

async function bind(server: Server, address: BoundAddress): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) =>
      reject(
        new GslbError(
          ErrorCodes.BIND_FAILED,
          `cannot listen on ${address.host}:${address.port}: ${error.message}`,
          { cause: error },
        ),
      );
    server.once("error", onError);
    server.listen(address.port, address.host, () => {
      server.off("error", onError);
      resolve();
    });
  });
}

function addressOf(server: Server): BoundAddress {
  const info = server.address() as AddressInfo;
  return { host: info.address, port: info.port };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
