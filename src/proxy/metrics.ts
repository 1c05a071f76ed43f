/**
 * Prometheus metrics of the proxy (prom-client, own registry). Per-request work is a cached child counter
 * and one histogram observation; gauges of state are filled at scrape time from the pool's snapshot.
 */
import { Counter, Gauge, Histogram, Registry, type CounterConfiguration } from "prom-client";
import type { FailureKind } from "./failures.ts";
import type { ForwardObserver } from "./forward.ts";
import type { UpstreamSnapshot } from "./pool.ts";
import type { Outcome, Upstream, UpstreamState } from "./upstream.ts";

const STATES: readonly UpstreamState[] = ["up", "slow_start", "down", "failed", "ejected", "draining"];

export interface MetricsSource {
  upstreams(): readonly UpstreamSnapshot[];
  connections(group: string, id: string): number;
  ready(): boolean;
}

interface UpstreamChildren {
  readonly byClass: Map<string, Counter.Internal>;
  readonly latency: Histogram.Internal<"group" | "upstream">;
}

export class ProxyMetrics implements ForwardObserver {
  readonly registry = new Registry();
  private readonly requests: Counter<"group" | "upstream" | "code">;
  private readonly errors: Counter<"group" | "upstream" | "kind">;
  private readonly latency: Histogram<"group" | "upstream">;
  private readonly retries: Counter<"group">;
  private readonly ejections: Counter<"group" | "upstream">;
  private readonly children = new WeakMap<Upstream, UpstreamChildren>();

  constructor(source: MetricsSource) {
    const counter = <L extends string>(config: CounterConfiguration<L>) => new Counter<L>({ ...config, registers: [this.registry] });
    this.requests = counter({ name: "gslb_proxy_requests_total", help: "Attempts that got an upstream response, by status class", labelNames: ["group", "upstream", "code"] });
    this.errors = counter({ name: "gslb_proxy_errors_total", help: "Failed attempts and failed requests, by kind", labelNames: ["group", "upstream", "kind"] });
    this.retries = counter({ name: "gslb_proxy_retries_total", help: "Attempts that were retries", labelNames: ["group"] });
    this.ejections = counter({ name: "gslb_proxy_upstream_ejections_total", help: "Passive-health removals (max_fails or outlier ejection)", labelNames: ["group", "upstream"] });
    this.latency = new Histogram({
      name: "gslb_proxy_request_duration_seconds",
      help: "Time from dispatch to the end of the upstream response",
      labelNames: ["group", "upstream"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
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
        for (const u of source.upstreams()) this.set({ group: u.group, upstream: u.id }, source.connections(u.group, u.id));
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
          for (const state of STATES) this.set({ group: u.group, upstream: u.id, state }, u.state === state ? 1 : 0);
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
    const children = this.childrenOf(group, upstream);
    if (outcome.kind === "response") {
      const code = `${Math.floor(outcome.status / 100)}xx`;
      let child = children.byClass.get(code);
      if (child === undefined) {
        child = this.requests.labels(group, upstream.id, code);
        children.byClass.set(code, child);
      }
      child.inc();
      children.latency.observe(seconds);
      return;
    }
    this.errors.labels(group, upstream.id, outcome.kind).inc();
  }

  failure(group: string, kind: FailureKind): void {
    this.errors.labels(group, "", kind).inc();
  }

  retry(group: string): void {
    this.retries.labels(group).inc();
  }

  penalty(group: string, upstream: Upstream): void {
    this.ejections.labels(group, upstream.id).inc();
  }

  private childrenOf(group: string, upstream: Upstream): UpstreamChildren {
    let children = this.children.get(upstream);
    if (children === undefined) {
      children = { byClass: new Map(), latency: this.latency.labels(group, upstream.id) };
      this.children.set(upstream, children);
    }
    return children;
  }
}
