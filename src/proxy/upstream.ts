import { createHash } from "node:crypto";
import type { Candidate } from "./balancers/balancer.ts";

/** One upstream as configured (durations in ms, already converted by the config schema). */
export interface UpstreamSpec {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  readonly weight: number;
  readonly backup: boolean;
  /** nginx `max_fails`: failures within `failTimeoutMs` that take the upstream out for `failTimeoutMs`. 0 = off. */
  readonly maxFails: number;
  readonly failTimeoutMs: number;
  /** Linear ramp of the effective weight after the upstream (re)joins. 0 = off. */
  readonly slowStartMs: number;
}

/** How one forwarded attempt ended, as the pool's passive health sees it. */
export type Outcome =
  | { readonly kind: "response"; readonly status: number }
  | { readonly kind: "connect_error" }
  | { readonly kind: "timeout" }
  | { readonly kind: "reset" }
  | { readonly kind: "client_abort" };

/** `unknown`: a check is configured and has not answered yet; the upstream takes no traffic until it has. */
export type UpstreamState = "up" | "slow_start" | "unknown" | "down" | "failed" | "ejected" | "draining";

/** Where slow start begins: 10 % of the weight, as Envoy's `min_weight_percent` default. */
export const SLOW_START_FLOOR = 0.1;
/** Peak-EWMA decay time (Finagle's default): a latency sample's influence halves in about 7 s. */
const EWMA_DECAY_MS = 10_000;

/**
 * Live state of one upstream. It is its own balancer `Candidate`: the pool refreshes `effectiveWeight`
 * right before it offers the upstream to a balancer, so no per-request copy is made.
 */
export class Upstream implements Candidate {
  spec: UpstreamSpec;
  readonly id: string;
  /** Opaque name of this upstream in a sticky-session cookie: the address is not shown to clients. */
  readonly stickyKey: string;
  weight: number;
  effectiveWeight: number;
  active = 0;
  ewmaMs = 0;
  private ewmaAt = 0;

  /** Last verdict of the active health check (true when there is no check). */
  checkUp = true;
  /** An active check is configured and has not given its first result: unavailable until it does (Envoy). */
  checkPending = false;
  /** When the active check last turned it up, when it (re)joined the group, when a penalty ended: slow start runs from the latest. */
  checkUpSince = -Infinity;
  addedAt: number;
  fails = 0;
  firstFailAt = 0;
  failedUntil = 0;
  consecutiveErrors = 0;
  ejections = 0;
  ejectedUntil = 0;
  draining = false;

  constructor(spec: UpstreamSpec, addedAt: number) {
    this.spec = spec;
    this.id = spec.id;
    this.stickyKey = stickyKeyOf(spec.id);
    this.weight = spec.weight;
    this.effectiveWeight = spec.weight;
    this.addedAt = addedAt;
  }

  /** A reload changed weight, limits or flags; live state (in flight, health, ejections) stays. */
  update(spec: UpstreamSpec): void {
    this.spec = spec;
    this.weight = spec.weight;
  }

  /** May take a new request now (ignoring panic mode). */
  isAvailable(now: number): boolean {
    return !this.draining && this.checkUp && now >= this.failedUntil && now >= this.ejectedUntil;
  }

  /** The weight a balancer should use now: ramps linearly from 10 % after the upstream (re)joined. */
  weightAt(now: number): number {
    const slowStart = this.spec.slowStartMs;
    if (slowStart <= 0) return this.weight;
    const since = now - Math.max(this.addedAt, this.checkUpSince, this.failedUntil, this.ejectedUntil);
    if (since >= slowStart) return this.weight;
    return this.weight * Math.max(SLOW_START_FLOOR, since / slowStart);
  }

  state(now: number): UpstreamState {
    if (this.draining) return "draining";
    if (this.checkPending) return "unknown";
    if (!this.checkUp) return "down";
    if (now < this.failedUntil) return "failed";
    if (now < this.ejectedUntil) return "ejected";
    return this.weightAt(now) < this.weight ? "slow_start" : "up";
  }

  /** Peak EWMA: a slower sample replaces the average at once; faster ones pull it down with time decay. */
  recordLatency(ms: number, now: number): void {
    if (ms >= this.ewmaMs) {
      this.ewmaMs = ms;
    } else {
      const keep = Math.exp(-Math.max(0, now - this.ewmaAt) / EWMA_DECAY_MS);
      this.ewmaMs = this.ewmaMs * keep + ms * (1 - keep);
    }
    this.ewmaAt = now;
  }
}

/** 16 base64url characters (96 bits) of SHA-256 of the id: stable across processes and restarts. */
export function stickyKeyOf(id: string): string {
  return createHash("sha256").update(`gslb-sticky:${id}`).digest("base64url").slice(0, 16);
}
