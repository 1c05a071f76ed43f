import type { Resolution, TargetRdata } from "../../policy/types.ts";
import type { PolicyRRset } from "../../zones/zone.ts";

/** Per-answer counters of the query handler: plain numbers bumped on the hot path, exported by metrics. */
export interface AnswerStats {
  queries: number;
  /** Indexed by rcode (0..23; BADVERS = 16). */
  readonly responsesByRcode: Float64Array;
  truncated: number;
  dropped: number;
  ednsQueries: number;
  ecsQueries: number;
  chaosQueries: number;
}

export function newAnswerStats(): AnswerStats {
  return {
    queries: 0,
    responsesByRcode: new Float64Array(24),
    truncated: 0,
    dropped: 0,
    ednsQueries: 0,
    ecsQueries: 0,
    chaosQueries: 0,
  };
}

export const RCODE_NAMES: Readonly<Record<number, string>> = {
  0: "NOERROR",
  1: "FORMERR",
  2: "SERVFAIL",
  3: "NXDOMAIN",
  4: "NOTIMP",
  5: "REFUSED",
  16: "BADVERS",
};

/** Answers of one policy record by outcome state: `gslb_policy_answers_total{zone,policy,state}`. */
export interface PolicyStateCounter {
  readonly zone: string;
  readonly policy: string;
  healthy: number;
  degraded: number;
  allDown: number;
  nodata: number;
  servfail: number;
}

/** Answers carrying one target: `gslb_policy_target_answers_total{zone,policy,target}` (the canary share). */
export interface TargetCounter {
  readonly zone: string;
  readonly policy: string;
  readonly target: string;
  /** The pool (region) of the target, when it is one of the zone's pool targets. */
  readonly region: string | null;
  count: number;
}

/** What the handler counts for one policy record; the maps are filled once per target, then only indexed. */
export interface RecordCounters {
  readonly state: PolicyStateCounter;
  readonly byRdata: Map<TargetRdata, TargetCounter>;
}

const MAX_TARGETS_PER_RECORD = 4096;

/**
 * Counters of policy answers. Keyed by label values so they survive zone reloads (a reload builds new
 * RRset and rdata objects; the per-RRset lookup tables are rebuilt on first use, the counts continue).
 */
export class PolicyStats {
  readonly states = new Map<string, PolicyStateCounter>();
  readonly targets = new Map<string, TargetCounter>();
  readonly #records = new WeakMap<PolicyRRset, RecordCounters>();

  /** Counts one resolution of a policy record. */
  count(rrset: PolicyRRset, resolution: Resolution): void {
    let counters = this.#records.get(rrset);
    if (counters === undefined) counters = this.#recordCounters(rrset);
    const state = counters.state;
    if (resolution.outcome === "nodata") state.nodata++;
    else if (resolution.outcome === "servfail") state.servfail++;
    else if (resolution.state === "healthy") state.healthy++;
    else if (resolution.state === "degraded") state.degraded++;
    else state.allDown++;
    const rdata = resolution.rdata;
    for (let i = 0; i < rdata.length; i++) {
      const counter = counters.byRdata.get(rdata[i]!) ?? this.#targetCounter(rrset, counters, rdata[i]!);
      counter.count++;
    }
  }

  /** Cumulative answers per region (pool) over every zone: what drill reports compare. */
  answersByRegion(): Map<string, number> {
    const out = new Map<string, number>();
    for (const counter of this.targets.values()) {
      if (counter.region !== null) out.set(counter.region, (out.get(counter.region) ?? 0) + counter.count);
    }
    return out;
  }

  #recordCounters(rrset: PolicyRRset): RecordCounters {
    const key = `${rrset.zone}|${rrset.policyName}`;
    let state = this.states.get(key);
    if (state === undefined) {
      state = {
        zone: rrset.zone,
        policy: rrset.policyName,
        healthy: 0,
        degraded: 0,
        allDown: 0,
        nodata: 0,
        servfail: 0,
      };
      this.states.set(key, state);
    }
    const counters = { state, byRdata: new Map<TargetRdata, TargetCounter>() };
    this.#records.set(rrset, counters);
    return counters;
  }

  #targetCounter(rrset: PolicyRRset, counters: RecordCounters, rdata: TargetRdata): TargetCounter {
    const target = rdata.kind === "SRV" ? `${rdata.target}:${rdata.port}` : rdata.address;
    const key = `${rrset.zone}|${rrset.policyName}|${target}`;
    let counter = this.targets.get(key);
    if (counter === undefined) {
      const region = rrset.regionOf.get(rdata) ?? regionByTarget(rrset, target);
      counter = { zone: rrset.zone, policy: rrset.policyName, target, region, count: 0 };
      this.targets.set(key, counter);
    }
    if (counters.byRdata.size < MAX_TARGETS_PER_RECORD) counters.byRdata.set(rdata, counter);
    return counter;
  }
}

/** SRV policies build their own rdata (priority by pool order): find the pool by target text instead. */
function regionByTarget(rrset: PolicyRRset, target: string): string | null {
  for (const [rdata, region] of rrset.regionOf) {
    if ((rdata.kind === "SRV" ? `${rdata.target}:${rdata.port}` : rdata.address) === target) return region;
  }
  return null;
}
