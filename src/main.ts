/**
 * `gslb serve` assembled: zone store (+ watcher, SIGHUP), GeoIP, health service (probes, overrides,
 * drills), query handler, UDP+TCP listeners on every address, admin API with /metrics, /explain, overrides
 * and drills. The returned handle closes everything; tests start it in-process on port 0.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Registry } from "prom-client";
import { ErrorCodes, GslbError, formatProblem } from "./errors.ts";
import type { ServeOptions } from "./config/serve-options.ts";
import { parseHostPort } from "./dns/server/transport.ts";
import { newListenerStats, type ListenerStats, type QueryHandler } from "./dns/server/transport.ts";
import { newAnswerStats, PolicyStats, type AnswerStats } from "./dns/server/stats.ts";
import { createQueryHandler } from "./dns/server/handle-query.ts";
import { listenUdp, type UdpListener } from "./dns/server/udp.ts";
import { listenTcp, type TcpLimits, type TcpListener } from "./dns/server/tcp.ts";
import { ZoneStore, type ZoneEvent } from "./zones/store.ts";
import { watchZones, type ZoneWatcher } from "./zones/watch.ts";
import { AdminApi, listenAdmin, type AdminListener } from "./admin/server.ts";
import { createRegistry, registerDnsMetrics } from "./admin/metrics.ts";
import { registerZoneRoutes, ZoneMetrics } from "./admin/zones.ts";
import { registerExplainRoute, registerPolicyMetrics } from "./admin/policies.ts";
import { GeoReader } from "./geo/reader.ts";
import { mountRoutes } from "./health/admin-routes.ts";
import { loadDrills } from "./health/drill-schema.ts";
import { startHealthService, type HealthService } from "./health/service.ts";
import { healthTargetsOf, healthyRegions, overrideSubjects } from "./zones/health-targets.ts";
import type { Logger } from "./log.ts";

export interface RunningServer {
  readonly dns: readonly { host: string; port: number }[];
  readonly admin: { host: string; port: number } | null;
  readonly store: ZoneStore;
  readonly registry: Registry;
  readonly answers: AnswerStats;
  readonly policyStats: PolicyStats;
  readonly listeners: ListenerStats;
  readonly health: HealthService;
  readonly geo: GeoReader;
  /** Re-read the zone files now (what SIGHUP does). */
  reload(): Promise<void>;
  close(): Promise<void>;
}

export async function startServer(options: ServeOptions, log: Logger): Promise<RunningServer> {
  const registry = createRegistry();
  const zoneMetrics = new ZoneMetrics(registry);
  const closers: (() => Promise<void> | void)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.reverse()) await close();
  };
  // Health targets follow the zones: after every swap (events fire just before it), once per reload.
  let syncHealth = (): void => undefined;
  let syncQueued = false;
  const onEvent = (event: ZoneEvent): void => {
    zoneMetrics.record(event);
    logZoneEvent(log, event);
    if (!syncQueued) {
      syncQueued = true;
      queueMicrotask(() => {
        syncQueued = false;
        syncHealth();
      });
    }
  };
  const { store, report } = await ZoneStore.open(options.zones, { onEvent });
  if (report.zones === 0) {
    throw new GslbError(
      ErrorCodes.ZONE_INVALID,
      `no valid zone in ${options.zones}:\n${report.problems.map(formatProblem).join("\n")}`,
    );
  }

  const geo = openGeo(options, log);
  closers.push(() => geo.close());
  const answers = newAnswerStats();
  const policyStats = new PolicyStats();
  const listeners = newListenerStats();
  registerDnsMetrics(registry, answers, listeners);
  registerPolicyMetrics(registry, policyStats);

  const udp: UdpListener[] = [];
  const tcp: TcpListener[] = [];
  try {
    const health = await startHealth(options, log, registry, store, policyStats);
    closers.push(() => health.stop());
    syncHealth = () => {
      const { specs, checks } = healthTargetsOf(store.zones());
      try {
        health.setTargets(specs, checks);
      } catch (err) {
        log.error({ err }, "health targets not updated");
      }
    };
    syncHealth();
    if (options.drills !== undefined) health.setDrills(await loadDrills(options.drills));
    // The admin API comes up before the first round: /metrics and /overrides are there during startup.
    let admin: AdminListener | null = null;
    if (options.admin !== "off") {
      const api = new AdminApi(options.adminToken);
      api.get("/metrics", async () => ({
        status: 200,
        body: await registry.metrics(),
        contentType: registry.contentType,
      }));
      registerZoneRoutes(api, store);
      registerExplainRoute(
        api,
        () => store.current(),
        geo,
        () => health.getCurrent(),
      );
      mountRoutes(api, health.routes());
      const { host, port } = parseHostPort(options.admin)!;
      admin = await bind(options.admin, () => listenAdmin(api, host, port));
      const a = admin;
      closers.push(() => a.close());
    }

    if (options.healthStart === "wait") await waitForFirstRound(health, log);

    const handler = createQueryHandler(() => store.current(), handlerOptions(options), answers, {
      geo,
      health: () => health.getCurrent(),
      stats: policyStats,
    });
    const tcpLimits = {
      idleTimeoutMs: options.tcpIdleTimeoutMs,
      messageDeadlineMs: options.tcpMessageDeadlineMs,
      maxConnections: options.tcpMaxConnections,
      maxQueriesPerConnection: 0,
      maxPendingWriteBytes: 1024 * 1024,
    };
    for (const address of options.dns) {
      const { host, port } = parseHostPort(address)!;
      const pair = await bind(address, () => listenPair(host, port, handler, listeners, tcpLimits));
      udp.push(pair.udp);
      tcp.push(pair.tcp);
      closers.push(
        () => pair.udp.close(),
        () => pair.tcp.close(),
      );
    }

    let watcher: ZoneWatcher | null = null;
    if (options.watch) {
      watcher = watchZones(options.zones, store, {
        onError: (err) => log.error({ err }, "zone watch failed; send SIGHUP to reload"),
      });
      const w = watcher;
      closers.push(() => w.close());
    }

    log.info(
      {
        dns: udp.map((u) => `${u.address.host}:${u.address.port}`),
        admin: admin === null ? null : `${admin.address.host}:${admin.address.port}`,
        zones: store.zones().map((z) => z.origin),
      },
      "serving",
    );
    return {
      dns: udp.map((u) => u.address),
      admin: admin?.address ?? null,
      store,
      registry,
      answers,
      policyStats,
      listeners,
      health,
      geo,
      reload: async () => {
        await store.reload();
        if (options.drills !== undefined) {
          const drills = options.drills;
          await loadDrills(drills).then(
            (list) => health.setDrills(list),
            (err: unknown) =>
              log.error({ err, file: drills }, "drills file rejected; keeping the previous drills"),
          );
        }
      },
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

function openGeo(options: ServeOptions, log: Logger): GeoReader {
  const onReload = (error: GslbError | null): void => {
    if (error === null) log.info({ file: options.geoip ?? "bundled" }, "GeoIP database reloaded");
    else log.error({ err: error }, "GeoIP database reload failed; the previous one keeps serving");
  };
  return options.geoip === undefined
    ? GeoReader.openDefault({ onReload })
    : GeoReader.open(options.geoip, { onReload });
}

/** The prober's timers do not hold the process open: nothing else does before the listeners bind. */
async function waitForFirstRound(health: HealthService, log: Logger): Promise<void> {
  const keepAlive = setInterval(() => undefined, 60_000);
  log.info("waiting for the first health check round before answering (--health-start wait)");
  try {
    await health.firstRound();
  } finally {
    clearInterval(keepAlive);
  }
}

async function startHealth(
  options: ServeOptions,
  log: Logger,
  registry: Registry,
  store: ZoneStore,
  policyStats: PolicyStats,
): Promise<HealthService> {
  await mkdir(join(options.stateDir, "drills"), { recursive: true });
  const service: HealthService = await startHealthService({
    stateFile: join(options.stateDir, "health-state.json"),
    auditLog: join(options.stateDir, "audit.jsonl"),
    reportDir: join(options.stateDir, "drills"),
    initial: options.healthStart === "assume-up" ? "up" : "unknown",
    probeThreads: options.probeThreads,
    registry,
    logger: log,
    healthyRegions: () => healthyRegions(store.zones(), service.getCurrent()),
    knownSubjects: () => overrideSubjects(store.zones()),
    answersByRegion: () => policyStats.answersByRegion(),
  });
  return service;
}

/**
 * UDP and TCP on one port. TCP binds first: with port 0 the kernel picks a port free for TCP listeners, but
 * one a TCP client socket (e.g. in TIME_WAIT) may still hold; UDP on that number is then almost always free.
 * With port 0 a clash is retried on a new port.
 */
async function listenPair(
  host: string,
  port: number,
  handler: QueryHandler,
  stats: ListenerStats,
  limits: TcpLimits,
): Promise<{ udp: UdpListener; tcp: TcpListener }> {
  for (let attempt = 1; ; attempt++) {
    const tcp = await listenTcp(host, port, handler, stats, limits);
    try {
      const udp = await listenUdp(host, tcp.address.port, handler, stats);
      return { udp, tcp };
    } catch (err) {
      await tcp.close();
      const clash = err instanceof Error && "code" in err && err.code === "EADDRINUSE";
      if (port !== 0 || !clash || attempt >= 20) throw err;
    }
  }
}

function handlerOptions(options: ServeOptions): Parameters<typeof createQueryHandler>[1] {
  return {
    udpPayloadCap: options.udpPayloadCap,
    nsid: options.nsid === undefined ? null : Buffer.from(options.nsid, "utf8"),
    identity: options.identity === "off" ? null : options.identity,
    version: options.version === "off" ? null : options.version,
  };
}

async function bind<T>(address: string, listen: () => Promise<T>): Promise<T> {
  try {
    return await listen();
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new GslbError(
      ErrorCodes.BIND_FAILED,
      `cannot listen on ${address}: ${reason} (is another server on that port? choose another with --dns/--admin)`,
      { cause: err },
    );
  }
}

function logZoneEvent(log: Logger, event: ZoneEvent): void {
  switch (event.type) {
    case "loaded":
      log.info({ file: event.file, zone: event.zone, serial: event.serial }, "zone loaded");
      return;
    case "removed":
      log.info({ file: event.file, zone: event.zone }, "zone removed");
      return;
    case "cleared":
      log.info({ file: event.file }, "zone file rejection cleared (the file is gone or readable again)");
      return;
    case "rejected":
      log.error(
        {
          file: event.file,
          servingPrevious: event.servingPrevious,
          problems: event.problems.map(formatProblem),
        },
        event.servingPrevious ? "zone file rejected; serving its last good version" : "zone file rejected",
      );
      return;
  }
}
