import type { Name, RRset } from "../dns/types.ts";
import type { PathSegment } from "./yaml-source.ts";

/** One checked zone, as loaded from one file. Immutable. */
export interface Zone {
  readonly origin: Name;
  readonly file: string;
  readonly soa: RRset;
  /** Every RRset of the zone (SOA included), canonical owner names, in file order. */
  readonly rrsets: readonly RRset[];
}

/** Where an RRset was written in the file: the owner key and type key under `records`. */
export interface RecordSource {
  readonly ownerKey: string;
  readonly typeKey: string;
  /** How the value was written: one string, a list, or `{ ttl, values }`. */
  readonly form: "string" | "list" | "object";
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
      return recordPath(source);
    case "list":
      return [...recordPath(source), index];
    case "object":
      return [...recordPath(source), "values", index];
  }
}
