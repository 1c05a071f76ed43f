import type { RdataA, RdataAAAA, RdataSRV } from "../dns/types.ts";
import type { ClientAddress } from "../geo/client.ts";
import type { GeoResult } from "../geo/reader.ts";
import type { HealthView } from "../health/table.ts";
import type { Trace } from "./trace.ts";

/** The record types a policy can answer; every pool and policy answers exactly one (checked at load). */
export type AnswerKind = "A" | "AAAA" | "SRV";

export type TargetRdata = RdataA | RdataAAAA | RdataSRV;

export interface Target {
  /** How people name it: the address, or `target:port` for SRV. */
  readonly id: string;
  /** The answer, built once at load (SRV: priority 0, weight = target weight). */
  readonly rdata: TargetRdata;
  readonly weight: number;
  /** `targetKey(check, probeAddress ?? address)`, or null when the target has no check (always up). */
  readonly healthKey: string | null;
  /** Per-target seed of the stickiness hash, derived from `id` so it survives reordering. */
  readonly hashSeed: number;
}

export interface GeoPoint {
  readonly latitude: number;
  readonly longitude: number;
}

export interface Pool {
  readonly name: string;
  readonly kind: AnswerKind;
  readonly targets: readonly Target[];
  readonly location: GeoPoint | null;
  readonly capacity: number | null;
  /** Used when this pool has no healthy target (chains are cycle-checked at load). */
  readonly fallback: Pool | null;
}

export interface Ttls {
  readonly healthy: number;
  readonly degraded: number;
  readonly allDown: number;
}

/** What a policy does when none of its targets is healthy. */
export type AllDownBehaviour =
  | { readonly kind: "serve-all" }
  | { readonly kind: "nodata" }
  | { readonly kind: "servfail" }
  | { readonly kind: "pool"; readonly pool: Pool };

/** healthy: first choice, every target up · degraded: some down or a fallback taken · all-down: nothing healthy. */
export type HealthState = "healthy" | "degraded" | "all-down";

export type Outcome = "answer" | "nodata" | "servfail";

export interface Resolution {
  readonly outcome: Outcome;
  /** In the order to serve; empty unless outcome is "answer". */
  readonly rdata: readonly TargetRdata[];
  readonly ttl: number;
  readonly state: HealthState;
  /** RFC 7871 scope: how many leading bits of the client address the answer depended on (≤ source prefix). */
  readonly ecsScopePrefix: number;
}

/** Injected randomness (STYLE §10): a float in [0, 1). */
export type RandomSource = () => number;

/** Everything one resolution reads: one client, one health table, one random source, an optional trace. */
export interface ResolveContext {
  readonly client: ClientAddress;
  readonly health: HealthView;
  readonly random: RandomSource;
  /** Non-null only when explaining. */
  readonly trace: Trace | null;
  /** The client's GeoIP result, looked up on first use and then remembered for this query. */
  geo(): GeoResult;
}

export interface Policy {
  readonly name: string;
  resolve(ctx: ResolveContext): Resolution;
}

/** Settings every policy has. */
export interface PolicyCommon {
  readonly name: string;
  readonly ttl: Ttls;
  readonly allDown: AllDownBehaviour;
}
