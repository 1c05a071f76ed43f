/**
 * The typed outcome of an authoritative lookup (STYLE §7, like CoreDNS file/lookup.go): the server switches on
 * `kind` and writes the three sections as given. Outcomes are read-only and often shared between queries.
 */
import type { Name, RRset } from "../dns/types.ts";
import { Rcode } from "../dns/types.ts";
import { isPolicyRRset } from "./zone.ts";

interface Sections {
  /** Answer section, in order (CNAME chain first, then the final data). */
  readonly answer: readonly RRset[];
  /** Authority section: the SOA of a negative answer, or the NS of a referral. */
  readonly authority: readonly RRset[];
  /** Additional section: addresses of NS/MX/SRV targets inside the zone, glue of a referral. */
  readonly additional: readonly RRset[];
  /**
   * True when the answer or additional section holds a policy RRset (zone.ts PolicyRRset) that the server
   * must resolve per client: the static path tests this one flag and nothing else.
   */
  readonly dynamic: boolean;
}

interface Answered extends Sections {
  /** Origin of the zone that answered. */
  readonly zone: Name;
  /** True when (part of) the answer was synthesized from a wildcard (RFC 4592). */
  readonly wildcard: boolean;
}

/** The name is in none of our zones: REFUSED, no AA, empty sections (we never recurse). */
export interface Refused extends Sections {
  readonly kind: "refused";
  readonly rcode: typeof Rcode.REFUSED;
  readonly aa: false;
  readonly zone: null;
  readonly wildcard: false;
}

/** Data for the question (possibly after a CNAME chain, or a chain that left the zone or was cut short). */
export interface Answer extends Answered {
  readonly kind: "answer";
  readonly rcode: typeof Rcode.NOERROR;
  readonly aa: true;
}

/** The name exists (or the chain ended on one that does) but has no data of the type: SOA in authority. */
export interface NoData extends Answered {
  readonly kind: "nodata";
  readonly rcode: typeof Rcode.NOERROR;
  readonly aa: true;
}

/** The name (or the chain's last target) does not exist: NXDOMAIN, SOA in authority. */
export interface NxDomain extends Answered {
  readonly kind: "nxdomain";
  readonly rcode: typeof Rcode.NXDOMAIN;
  readonly aa: true;
}

/**
 * The name is at or below a delegation: NS of the cut in authority, glue in additional. AA only when the
 * answer section holds a CNAME chain from our zone that led into the delegation (as Knot does).
 */
export interface Referral extends Answered {
  readonly kind: "referral";
  readonly rcode: typeof Rcode.NOERROR;
  readonly aa: boolean;
}

export type LookupOutcome = Refused | Answer | NoData | NxDomain | Referral;

const EMPTY: readonly RRset[] = Object.freeze([]);

export const REFUSED: Refused = Object.freeze({
  kind: "refused",
  rcode: Rcode.REFUSED,
  aa: false,
  zone: null,
  wildcard: false,
  dynamic: false,
  answer: EMPTY,
  authority: EMPTY,
  additional: EMPTY,
});

/** Freeze an outcome and its section lists (the RRsets are frozen by the loader); sets `dynamic`. */
export function freezeOutcome<T extends LookupOutcome>(outcome: Omit<T, "dynamic">): T {
  Object.freeze(outcome.answer);
  Object.freeze(outcome.authority);
  Object.freeze(outcome.additional);
  const dynamic = outcome.answer.some(isPolicyRRset) || outcome.additional.some(isPolicyRRset);
  return Object.freeze({ ...outcome, dynamic } as T);
}
