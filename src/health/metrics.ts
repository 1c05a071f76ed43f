/**
 * Prometheus metrics of the prober, one series per target key (`check@address`), on a registry the caller
 * passes in (the admin API's). Per result only the outcome counter and the RTT gauge move (label lookups, no
 * allocation beyond prom-client's); the state series are set on a state change.
 */
import { Counter, Gauge, type Registry } from "prom-client";
import type { Override } from "./override-schema.ts";
import type { ProbeOutcome, ProbeResult } from "./probes/probe.ts";
import type { TrackerSnapshot } from "./tracker.ts";

const OUTCOMES: readonly ProbeOutcome[] = ["ok", "fail", "timeout", "error"];

export class HealthMetrics {
  private readonly up: Gauge<"target">;
  private readonly lastTransition: Gauge<"target">;
  private readonly rtt: Gauge<"target">;
  private readonly flaps: Counter<"target">;
  private readonly results: Counter<"target" | "outcome">;
  private readonly overrides: Gauge<"scope" | "name" | "state">;
  private readonly drillActive: Gauge<"drill">;
  private readonly flapsSeen = new Map<string, number>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.up = new Gauge({
      name: "gslb_health_target_up",
      help: "1 when the target's probe state is up, 0 when down or not yet probed",
      labelNames: ["target"],
      registers,
    });
    this.lastTransition = new Gauge({
      name: "gslb_health_last_transition_timestamp_seconds",
      help: "Time of the target's last state change",
      labelNames: ["target"],
      registers,
    });
    this.rtt = new Gauge({
      name: "gslb_health_rtt_seconds",
      help: "Smoothed (EWMA) probe round-trip time",
      labelNames: ["target"],
      registers,
    });
    this.flaps = new Counter({
      name: "gslb_health_flaps_total",
      help: "Up/down transitions of the target",
      labelNames: ["target"],
      registers,
    });
    this.results = new Counter({
      name: "gslb_health_probe_results_total",
      help: "Probe results by outcome",
      labelNames: ["target", "outcome"],
      registers,
    });
    this.overrides = new Gauge({
      name: "gslb_health_override_active",
      help: "1 for each active override",
      labelNames: ["scope", "name", "state"],
      registers,
    });
    this.drillActive = new Gauge({
      name: "gslb_health_drill_active",
      help: "1 while a drill runs, 0.5 while its TTL ramp-down is pending, 0 otherwise",
      labelNames: ["drill"],
      registers,
    });
  }

  observeState(target: string, snapshot: TrackerSnapshot): void {
    this.up.set({ target }, snapshot.state === "up" ? 1 : 0);
    this.lastTransition.set({ target }, snapshot.since / 1000);
    if (snapshot.rttMs !== null) this.rtt.set({ target }, snapshot.rttMs / 1000);
    const seen = this.flapsSeen.get(target) ?? 0;
    if (snapshot.flaps > seen) this.flaps.inc({ target }, snapshot.flaps - seen);
    else if (!this.flapsSeen.has(target)) this.flaps.inc({ target }, 0);
    this.flapsSeen.set(target, snapshot.flaps);
  }

  /** Per result: the outcome count and the RTT. The state series change only with `observeState`, on a transition. */
  observeResult(target: string, result: ProbeResult, snapshot: TrackerSnapshot): void {
    this.results.inc({ target, outcome: result.outcome });
    if (snapshot.rttMs !== null) this.rtt.set({ target }, snapshot.rttMs / 1000);
  }

  remove(target: string): void {
    this.up.remove({ target });
    this.lastTransition.remove({ target });
    this.rtt.remove({ target });
    this.flaps.remove({ target });
    for (const outcome of OUTCOMES) this.results.remove({ target, outcome });
    this.flapsSeen.delete(target);
  }

  setOverrides(overrides: readonly Override[]): void {
    this.overrides.reset();
    for (const o of overrides) this.overrides.set({ scope: o.scope, name: o.name, state: o.state }, 1);
  }

  setDrill(drill: string, phase: "idle" | "pending" | "running"): void {
    this.drillActive.set({ drill }, phase === "running" ? 1 : phase === "pending" ? 0.5 : 0);
  }
}
