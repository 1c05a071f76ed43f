import type { Name, RRset } from "../dns/types.ts";
import type { Check } from "../health/check-schema.ts";
import type { CompiledPolicies } from "../policy/compile.ts";
import type { Policy, TargetRdata } from "../policy/types.ts";
import type { PathSegment } from "./yaml-source.ts";

/** One checked zone, as loaded from one file. Immutable. */
export interface Zone {
  readonly origin: Name;
  readonly file: string;
  readonly soa: RRset;
  /** Every RRset of the zone (SOA included), canonical owner names, in file order. */
  readonly rrsets: readonly RRset[];
  /** The zone's checks, pools and policies; null when the file has none. */
  readonly policies: ZonePolicies | null;
}

export interface ZonePolicies {
  readonly compiled: CompiledPolicies;
  /** The `checks` section, parsed (check names are global across zones: see loader conflictProblems). */
  readonly checks: ReadonlyMap<string, Check>;
  /** Each check's definition as canonical JSON, to compare the same name across zones. */
  readonly checkFingerprints: ReadonlyMap<string, string>;
  /** Line of each check's key in the file. */
  readonly checkLines: ReadonlyMap<string, number>;
}

/**
 * A record answered by a policy (`A: { policy: app }`): an RRset with no data of its own that the query
 * handler resolves per client. Lookup outcomes carry it unchanged (answers, CNAME chains ending at it,
 * wildcards, additional addresses); the handler replaces it with the resolution before writing.
 */
export interface PolicyRRset extends RRset {
  readonly policy: Policy;
  /** The name the record references (for metrics and explain). */
  readonly policyName: string;
  readonly zone: Name;
  /** Every pool (region) the policy may answer from: drills lower the TTL while one of them is ramping. */
  readonly regions: readonly string[];
  /** TTL while a drill ramps down or runs on one of `regions`. */
  readonly drillTtl: number;
  /** The pool of each target answer the policy can give (answers served per region, for drills). */
  readonly regionOf: ReadonlyMap<TargetRdata, string>;
}

export function isPolicyRRset(rrset: RRset): rrset is PolicyRRset {
  return "policy" in rrset;
}

/** Where an RRset was written in the file: the owner key and type key under `records`. */
export interface RecordSource {
  readonly ownerKey: string;
  readonly typeKey: string;
  /** How the value was written: one string, a list, `{ ttl, values }`, or `{ policy }`. */
  readonly form: "string" | "list" | "object" | "policy";
}

/** An RRset with its source, as the semantic checks see it. */
export interface RecordEntry {
  readonly rrset: RRset;
  readonly source: RecordSource;
}

/** The YAML path of an RRset's type key: records.<owner>.<TYPE>. */
export function recordPath(source: RecordSource): PathSegment[] {
  return ["records", source.ownerKey, source.typeKey];
}

/** The YAML path of the index-th value of an RRset, whichever form it was written in. */
export function valuePath(source: RecordSource, index: number): PathSegment[] {
  switch (source.form) {
    case "string":
    case "policy":
      return recordPath(source);
    case "list":
      return [...recordPath(source), index];
    case "object":
      return [...recordPath(source), "values", index];
  }
}
