/**
 * Prometheus metrics of the proxy (prom-client, own registry). Per-request work is one WeakMap lookup and a
 * few additions to the upstream's `AttemptTally`; the request counter, the latency histogram and the gauges
 * of state are filled from tallies and the pool's snapshot at scrape time. Rare events (errors, retries,
 * ejections) go straight to prom-client counters.
 */
import { Counter, Gauge, Registry, type CounterConfiguration } from "prom-client";
import type { FailureKind } from "./failures.ts";
import type { ForwardObserver } from "./forward.ts";
import type { UpstreamSnapshot } from "./pool.ts";
import { AttemptTally, TallyHistogram } from "./tally.ts";
import type { Outcome, Upstream, UpstreamState } from "./upstream.ts";

const STATES: readonly UpstreamState[] = [
  "up",
  "slow_start",
  "unknown",
  "down",
  "failed",
  "ejected",
  "draining",
];

export interface MetricsSource {
  upstreams(): readonly UpstreamSnapshot[];
  connections(group: string, id: string): number;
  ready(): boolean;
}

const LATENCY_BOUNDS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export class ProxyMetrics implements ForwardObserver {
  readonly registry = new Registry();
  private readonly retries: Counter<"group">;
  /**
   * Tallies by group and upstream id: the only store of per-upstream counts (responses, latency, errors,
   * ejections), so a reload that removes an upstream forgets its series by dropping its tally (`forget`).
   */
  private readonly tallies = new Map<string, AttemptTally>();
  private readonly tallyOf = new WeakMap<Upstream, AttemptTally>();
  /** Requests that failed as a whole (no upstream attempt to blame), by `upstreamKey(group, kind)`. */
  private readonly failures = new Map<string, number>();
  /** Upstreams of the configuration in force since the last reload (none yet: every upstream is live). */
  private live: ReadonlySet<string> | undefined;

  constructor(source: MetricsSource) {
    const counter = <L extends string>(config: CounterConfiguration<L>) =>
      new Counter<L>({ ...config, registers: [this.registry] });
    const tallies = () => this.tallies.values();
    new Counter({
      name: "gslb_proxy_requests_total",
      help: "Attempts that got an upstream response, by status class",
      labelNames: ["group", "upstream", "code"],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const tally of tallies()) {
          for (const [i, count] of tally.classes.entries())
            if (count > 0) this.inc({ group: tally.group, upstream: tally.upstream, code: `${i}xx` }, count);
        }
      },
    });
    const failures = () => this.failures;
    new Counter({
      name: "gslb_proxy_errors_total",
      help: "Failed attempts and failed requests, by kind",
      labelNames: ["group", "upstream", "kind"],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const tally of tallies())
          for (const [kind, count] of tally.errors)
            this.inc({ group: tally.group, upstream: tally.upstream, kind }, count);
        for (const [key, count] of failures()) {
          const [group, kind] = splitKey(key);
          this.inc({ group, upstream: "", kind }, count);
        }
      },
    });
    this.retries = counter({
      name: "gslb_proxy_retries_total",
      help: "Attempts that were retries",
      labelNames: ["group"],
    });
    new Counter({
      name: "gslb_proxy_upstream_ejections_total",
      help: "Passive-health removals (max_fails or outlier ejection)",
      labelNames: ["group", "upstream"],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const tally of tallies())
          if (tally.ejections > 0)
            this.inc({ group: tally.group, upstream: tally.upstream }, tally.ejections);
      },
    });
    new TallyHistogram(
      {
        name: "gslb_proxy_request_duration_seconds",
        help: "Time from dispatch to the end of the upstream response",
        bounds: LATENCY_BOUNDS,
        registry: this.registry,
      },
      tallies,
    );
    new Gauge({
      name: "gslb_proxy_upstream_active_requests",
      help: "Requests in flight per upstream",
      labelNames: ["group", "upstream"],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const u of source.upstreams()) this.set({ group: u.group, upstream: u.id }, u.active);
      },
    });
    new Gauge({
      name: "gslb_proxy_upstream_connections",
      help: "Open connections per upstream (undici pool)",
      labelNames: ["group", "upstream"],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const u of source.upstreams())
          this.set({ group: u.group, upstream: u.id }, source.connections(u.group, u.id));
      },
    });
    new Gauge({
      name: "gslb_proxy_upstream_state",
      help: "1 for the upstream's current state",
      labelNames: ["group", "upstream", "state"],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const u of source.upstreams()) {
          for (const state of STATES)
            this.set({ group: u.group, upstream: u.id, state }, u.state === state ? 1 : 0);
        }
      },
    });
    new Gauge({
      name: "gslb_proxy_upstream_effective_weight",
      help: "Weight after slow start",
      labelNames: ["group", "upstream"],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const u of source.upstreams()) this.set({ group: u.group, upstream: u.id }, u.effectiveWeight);
      },
    });
    new Gauge({
      name: "gslb_proxy_ready",
      help: "1 while /ready answers ready",
      registers: [this.registry],
      collect() {
        this.set(source.ready() ? 1 : 0);
      },
    });
  }

  attempt(group: string, upstream: Upstream, outcome: Outcome, seconds: number): void {
    if (outcome.kind === "response") {
      this.tallyFor(group, upstream).response(outcome.status, seconds);
      return;
    }
    this.tallyFor(group, upstream).error(outcome.kind);
  }

  failure(group: string, kind: FailureKind): void {
    const key = upstreamKey(group, kind);
    this.failures.set(key, (this.failures.get(key) ?? 0) + 1);
  }

  retry(group: string): void {
    this.retries.labels(group).inc();
  }

  penalty(group: string, upstream: Upstream): void {
    this.tallyFor(group, upstream).ejections++;
  }

  /**
   * After a reload: drops the series of upstreams no group has any more, as nginx and HAProxy stop reporting a
   * server removed from their configuration (Prometheus reads a series that restarts later as a counter reset).
   * `live` holds `upstreamKey(group, id)` of every upstream in the new configuration.
   */
  forget(live: ReadonlySet<string>): void {
    this.live = live;
    for (const key of this.tallies.keys()) if (!live.has(key)) this.tallies.delete(key);
  }

  private tallyFor(group: string, upstream: Upstream): AttemptTally {
    return this.tallyOf.get(upstream) ?? this.newTally(group, upstream);
  }

  private newTally(group: string, upstream: Upstream): AttemptTally {
    const key = upstreamKey(group, upstream.id);
    let tally = this.tallies.get(key);
    if (tally === undefined) {
      tally = new AttemptTally(group, upstream.id, LATENCY_BOUNDS);
      // Counted but not exported when the upstream was removed by a reload (its last requests finishing).
      if (this.live?.has(key) !== false) this.tallies.set(key, tally);
    }
    this.tallyOf.set(upstream, tally);
    return tally;
  }
}

export function upstreamKey(group: string, id: string): string {
  return `${group}\u0000${id}`;
}

function splitKey(key: string): [string, string] {
  const at = key.indexOf("\u0000");
  return [key.slice(0, at), key.slice(at + 1)];
}
