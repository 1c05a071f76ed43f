/**
 * The health subsystem assembled for `gslb serve`: state file → scheduler (+ overrides, + drills as
 * overlays) → one HealthView, with metrics, audit log and admin routes. The coordinator calls
 * `startHealthService` once, `setTargets` on every zone (re)load, `setDrills` on every drills-file load,
 * mounts `routes()` on the admin API, and reads `getCurrent()` per query.
 */
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { drillRoutes, overrideRoutes, type HealthRoute, type KnownSubjects } from "./admin-routes.ts";
import { FileAuditLog, type AuditLog } from "./audit.ts";
import type { Drill } from "./drill-schema.ts";
import { DrillRunner, type DrillReport } from "./drills.ts";
import { HealthMetrics } from "./metrics.ts";
import { OverrideStore } from "./overrides.ts";
import type { CheckLookup } from "./probes/registry.ts";
import { Scheduler, type HealthTargetSpec, type ProbeFactory } from "./scheduler.ts";
import { EMPTY_STATE, readStateFileOrSetAside, StateFile } from "./state-file.ts";
import type { HealthView } from "./table.ts";
import type { Timers } from "./timers.ts";
import { ProbeWorker } from "./worker/client.ts";

export interface HealthServiceOptions {
  /** Where last states and overrides survive restarts; none: kept in memory only. */
  readonly stateFile?: string;
  /** JSON-lines audit log of overrides and drills. */
  readonly auditLog?: string;
  /** Directory of drill reports. */
  readonly reportDir?: string;
  /** "unknown" (default): wait for the first result before answering with a target; "up": assume up. */
  readonly initial?: "unknown" | "up";
  readonly maxConcurrent?: number;
  readonly registry?: Registry;
  readonly logger?: Logger;
  readonly timers?: Timers;
  readonly random?: () => number;
  /** Replaces the probes (tests); when absent, `probeThreads` decides where real probes run. */
  readonly probeFactory?: ProbeFactory;
  /** 1 (default): probe I/O in the `gslb-prober` worker thread, off the query thread; 0: in-process (debugging). */
  readonly probeThreads?: 0 | 1;
  /** Regions healthy now (drill abort conditions). */
  readonly healthyRegions: () => readonly string[];
  /** Target keys and region names the zones served know: an override naming anything else is refused. */
  readonly knownSubjects?: () => KnownSubjects;
  /** Cumulative answers served per region (drill reports). */
  readonly answersByRegion: () => ReadonlyMap<string, number>;
}

export interface HealthService {
  readonly scheduler: Scheduler;
  readonly overrides: OverrideStore;
  readonly drills: DrillRunner;
  getCurrent(): HealthView;
  subscribe(listener: () => void): () => void;
  setTargets(specs: readonly HealthTargetSpec[], checks: CheckLookup): void;
  setDrills(drills: readonly Drill[]): void;
  firstRound(): Promise<void>;
  routes(): HealthRoute[];
  reports(): readonly DrillReport[];
  stop(): Promise<void>;
}

export async function startHealthService(options: HealthServiceOptions): Promise<HealthService> {
  const onError = (error: unknown): void => options.logger?.warn({ err: error }, "health persistence failed");
  const saved =
    options.stateFile === undefined
      ? EMPTY_STATE
      : await readStateFileOrSetAside(options.stateFile, (err, movedTo) =>
          options.logger?.error(
            { err, movedTo },
            "health state file unreadable: moved aside, starting from an empty state",
          ),
        );
  const stateFile =
    options.stateFile === undefined
      ? undefined
      : new StateFile(options.stateFile, saved, { onError, ...nowOf(options.timers) });
  const audit: AuditLog | undefined =
    options.auditLog === undefined ? undefined : new FileAuditLog(options.auditLog, onError);
  const metrics = options.registry === undefined ? undefined : new HealthMetrics(options.registry);
  const shared = {
    ...optional("timers", options.timers),
    ...optional("audit", audit),
    ...optional("metrics", metrics),
  };

  const worker =
    options.probeFactory === undefined && options.probeThreads !== 0
      ? new ProbeWorker(optional("logger", options.logger))
      : undefined;
  const scheduler = new Scheduler({
    ...shared,
    ...optional("initial", options.initial),
    ...optional("maxConcurrent", options.maxConcurrent),
    ...optional("random", options.random),
    ...optional("probeFactory", options.probeFactory ?? worker?.factory),
    ...optional("logger", options.logger),
    saved: saved.targets,
    ...optional(
      "persist",
      stateFile === undefined
        ? undefined
        : (targets: Parameters<StateFile["setTargets"]>[0]) => stateFile.setTargets(targets),
    ),
  });
  const overrides = new OverrideStore({
    ...shared,
    initial: saved.overrides,
    ...optional(
      "persist",
      stateFile === undefined
        ? undefined
        : (list: Parameters<StateFile["setOverrides"]>[0]) => stateFile.setOverrides(list),
    ),
  });
  const drills = new DrillRunner({
    ...shared,
    ...optional("logger", options.logger),
    ...optional("reportDir", options.reportDir),
    healthyRegions: options.healthyRegions,
    answersByRegion: options.answersByRegion,
  });
  scheduler.addOverlay(drills);
  scheduler.addOverlay(overrides);

  return {
    scheduler,
    overrides,
    drills,
    getCurrent: () => scheduler.getCurrent(),
    subscribe: (listener) => scheduler.subscribe(listener),
    setTargets: (specs, checks) => scheduler.setTargets(specs, checks),
    setDrills: (list) => drills.setDrills(list),
    firstRound: () => scheduler.firstRound(),
    routes: () => [...overrideRoutes(overrides, options.knownSubjects), ...drillRoutes(drills)],
    reports: () => drills.history(),
    stop: async () => {
      drills.stop();
      overrides.stop();
      await scheduler.stop();
      await worker?.stop();
      await stateFile?.flush();
      if (audit instanceof FileAuditLog) await audit.flush();
    },
  };
}

function nowOf(timers: Timers | undefined): { now?: () => number } {
  return timers === undefined ? {} : { now: () => timers.now() };
}

/** `{ key: value }` when defined, else `{}` (exactOptionalPropertyTypes forbids passing undefined). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}
