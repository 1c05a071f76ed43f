import type { Balancer, PickRequest } from "./balancers/balancer.ts";
import { recordOutcome, type OutlierPolicy, type PassiveVerdict } from "./health/passive.ts";
import { Upstream, type Outcome, type UpstreamSpec, type UpstreamState } from "./upstream.ts";

export type Clock = () => number;

export interface GroupPolicy {
  /** Below this share of healthy primaries (percent), serve all primaries rather than overload the few (Envoy panic). 0 = off. */
  readonly panicThresholdPercent: number;
  /** Readiness: the group is ready with at least this many healthy upstreams. */
  readonly minHealthy: number;
  readonly outlier: OutlierPolicy;
}

export interface GroupReadiness {
  readonly healthy: number;
  readonly total: number;
  /** Effective weight of the healthy primaries over the weight of all primaries, 0..1. */
  readonly capacity: number;
  readonly ready: boolean;
}

export interface UpstreamSnapshot {
  readonly id: string;
  readonly group: string;
  readonly state: UpstreamState;
  readonly backup: boolean;
  readonly weight: number;
  readonly effectiveWeight: number;
  readonly active: number;
  readonly ewmaMs: number;
  readonly ejections: number;
}

export interface GroupEvents {
  /** A drained upstream finished its last request and left the group. */
  onRemoved?(group: string, upstream: Upstream): void;
  /** Passive health took an upstream out (max_fails or outlier ejection). */
  onPenalty?(group: string, upstream: Upstream, verdict: PassiveVerdict): void;
}

/**
 * Which group removes an upstream once it is drained and idle: the newest group that took it. Upstream
 * objects are unique, so one map serves every group.
 */
const owners = new WeakMap<Upstream, UpstreamGroup>();

/**
 * An upstream group: owns the upstreams' lifecycle (health, slow start, backup, panic, draining) and asks
 * its balancer to pick only among those that may take a new request (STYLE §6).
 */
export class UpstreamGroup {
  readonly name: string;
  readonly balancer: Balancer;
  readonly policy: GroupPolicy;
  private upstreams: Upstream[] = [];
  private readonly clock: Clock;
  private readonly events: GroupEvents;

  constructor(name: string, balancer: Balancer, policy: GroupPolicy, clock: Clock, events: GroupEvents = {}) {
    this.name = name;
    this.balancer = balancer;
    this.policy = policy;
    this.clock = clock;
    this.events = events;
  }

  get members(): readonly Upstream[] {
    return this.upstreams;
  }

  find(id: string): Upstream | undefined {
    return this.upstreams.find((u) => u.id === id);
  }

  /** Adds an upstream. `initial` ones skip slow start (nothing to protect at boot); later ones ramp up. */
  add(spec: UpstreamSpec, initial: boolean): Upstream {
    const upstream = new Upstream(spec, initial ? -Infinity : this.clock());
    this.upstreams.push(upstream);
    owners.set(upstream, this);
    return upstream;
  }

  /**
   * Takes over a live upstream from the group this one replaces at reload (same id, maybe a new spec). From
   * now on this group owns its removal, even when a request of the old configuration ends on it.
   */
  adopt(upstream: Upstream, spec: UpstreamSpec): void {
    upstream.update(spec);
    this.upstreams.push(upstream);
    owners.set(upstream, this);
  }

  /** The upstream named by a sticky-session cookie, when it may take a new request now. */
  findSticky(stickyKey: string): Upstream | undefined {
    const now = this.clock();
    for (const upstream of this.upstreams) {
      if (upstream.stickyKey === stickyKey) return upstream.isAvailable(now) ? upstream : undefined;
    }
    return undefined;
  }

  /**
   * Chooses an upstream for a new request, skipping `tried` (earlier attempts of the same request).
   * Healthy primaries; else healthy backups; in panic (too few healthy) every non-draining primary.
   */
  pick(request: PickRequest, tried?: readonly Upstream[]): Upstream | undefined {
    const candidates = this.candidates(this.clock(), tried);
    return candidates.length === 0 ? undefined : this.balancer.pick(candidates, request);
  }

  candidates(now: number, tried?: readonly Upstream[]): Upstream[] {
    // One array on the common path (healthy primaries); backups and panic lists are built only when needed.
    const healthy: Upstream[] = [];
    let primaries = 0;
    let hasBackups = false;
    for (const upstream of this.upstreams) {
      if (!this.eligible(upstream, tried)) continue;
      upstream.effectiveWeight = upstream.weightAt(now);
      if (upstream.spec.backup) {
        hasBackups = true;
        continue;
      }
      primaries++;
      if (upstream.isAvailable(now)) healthy.push(upstream);
    }
    if (healthy.length === 0 && hasBackups) {
      const backups = this.upstreams.filter(
        (u) => u.spec.backup && this.eligible(u, tried) && u.isAvailable(now),
      );
      if (backups.length > 0) return backups;
    }
    if (this.inPanic(healthy.length, primaries))
      return this.upstreams.filter((u) => !u.spec.backup && this.eligible(u, tried));
    return healthy;
  }

  /** Not draining and not already tried by this request. */
  private eligible(upstream: Upstream, tried: readonly Upstream[] | undefined): boolean {
    return !upstream.draining && (tried === undefined || !tried.includes(upstream));
  }

  private inPanic(healthy: number, primaries: number): boolean {
    return primaries > 0 && healthy * 100 < primaries * this.policy.panicThresholdPercent;
  }

  /** An attempt is about to be sent to `upstream`. */
  begin(upstream: Upstream): void {
    upstream.active++;
  }

  /** The attempt ended: passive health, latency, and removal of a drained upstream that is now idle. */
  end(upstream: Upstream, outcome: Outcome, latencyMs: number): PassiveVerdict {
    const now = this.clock();
    upstream.active--;
    if (outcome.kind === "response") upstream.recordLatency(latencyMs, now);
    // Counting the ejected members is only needed when the outcome is an error (ejection is possible).
    const ejectedNow = outcome.kind === "response" && outcome.status < 500 ? 0 : this.ejectedCount(now);
    const verdict = recordOutcome(
      upstream,
      outcome,
      now,
      this.policy.outlier,
      ejectedNow,
      this.upstreams.length,
    );
    if (verdict === "failed" || verdict === "ejected") this.events.onPenalty?.(this.name, upstream, verdict);
    if (upstream.draining && upstream.active === 0) (owners.get(upstream) ?? this).remove(upstream);
    return verdict;
  }

  /**
   * A new upstream of a group with an active check: no traffic until the check's first result (Envoy's
   * pending active health check), so `/ready` cannot report capacity nobody has verified.
   */
  awaitFirstCheck(upstream: Upstream): void {
    upstream.checkPending = true;
    upstream.checkUp = false;
  }

  /** Active health check verdict. Coming back up starts slow start; a first verdict does not (joining is the start). */
  setCheckState(upstream: Upstream, up: boolean): void {
    if (up && !upstream.checkUp && !upstream.checkPending) upstream.checkUpSince = this.clock();
    upstream.checkPending = false;
    upstream.checkUp = up;
  }

  /** No new requests; in-flight ones finish; then the upstream leaves the group. */
  drain(upstream: Upstream): void {
    upstream.draining = true;
    if (upstream.active === 0) this.remove(upstream);
  }

  private remove(upstream: Upstream): void {
    const index = this.upstreams.indexOf(upstream);
    if (index < 0) return;
    this.upstreams.splice(index, 1);
    this.events.onRemoved?.(this.name, upstream);
  }

  private ejectedCount(now: number): number {
    let count = 0;
    for (const upstream of this.upstreams) if (now < upstream.ejectedUntil) count++;
    return count;
  }

  readiness(): GroupReadiness {
    const now = this.clock();
    let healthy = 0;
    let primaryWeight = 0;
    let healthyWeight = 0;
    for (const upstream of this.upstreams) {
      const available = upstream.isAvailable(now);
      if (available) healthy++;
      if (upstream.spec.backup) continue;
      primaryWeight += upstream.weight;
      if (available) healthyWeight += upstream.weightAt(now);
    }
    const capacity = primaryWeight === 0 ? 0 : healthyWeight / primaryWeight;
    return { healthy, total: this.upstreams.length, capacity, ready: healthy >= this.policy.minHealthy };
  }

  snapshot(): UpstreamSnapshot[] {
    const now = this.clock();
    return this.upstreams.map((u) => ({
      id: u.id,
      group: this.name,
      state: u.state(now),
      backup: u.spec.backup,
      weight: u.weight,
      effectiveWeight: u.weightAt(now),
      active: u.active,
      ewmaMs: u.ewmaMs,
      ejections: u.ejections,
    }));
  }
}
