/**
 * Authoritative lookup (RFC 1034 §4.3.2 with RFC 4592 wildcards, RFC 2308 negative answers, RFC 8482 ANY),
 * matching what Knot DNS 3.2 answers for the same zone. `lookup` is the query path: for an existing name it
 * returns a precomputed, frozen outcome; other names go through `resolveInZone`, which also precomputes.
 */
import { isSubdomain, parentName } from "../dns/presentation.ts";
import type { Name, RRset } from "../dns/types.ts";
import { RRType } from "../dns/types.ts";
import { freezeOutcome, REFUSED } from "./outcome.ts";
import type { LookupOutcome } from "./outcome.ts";
import { mostSpecificZone } from "./tree.ts";
import { isPolicyRRset } from "./zone.ts";
import type { ZoneNode, ZoneSet, ZoneTree } from "./tree.ts";

const DS = 43;
/** Knot 3.2 puts at most 5 CNAMEs in one answer and stops there when the next name is a CNAME too. */
export const MAX_CNAMES = 5;

/** The outcome for a query name (lower case, canonical) and type. Never throws; no allocation when precomputed. */
export function lookup(set: ZoneSet, qnameLower: Name, qtype: number): LookupOutcome {
  if (qtype !== DS) {
    const node = set.names.get(qnameLower);
    if (node !== undefined) {
      const outcome = node.byType.get(qtype) ?? node.otherwise;
      if (outcome !== null) return outcome;
    }
  }
  return lookupGeneral(set, qnameLower, qtype);
}

function lookupGeneral(set: ZoneSet, qname: Name, qtype: number): LookupOutcome {
  // A DS record lives in the parent zone of a cut: look from the parent first (as Knot does).
  const parent = qtype === DS ? parentName(qname) : undefined;
  const tree =
    (parent === undefined ? undefined : mostSpecificZone(set.zones, parent)) ?? mostSpecificZone(set.zones, qname);
  return tree === undefined ? REFUSED : resolveInZone(tree, qname, qtype);
}

type Found =
  | { readonly kind: "node"; readonly node: ZoneNode; readonly owner: Name; readonly synthesized: boolean }
  | { readonly kind: "referral"; readonly cut: Name }
  | { readonly kind: "nxdomain" };

const NXDOMAIN: Found = { kind: "nxdomain" };

/** Find `name` in the zone: the node itself, a wildcard synthesizing it, a delegation above it, or nothing. */
function find(tree: ZoneTree, name: Name, qtype: number): Found {
  const node = tree.nodes.get(name);
  if (node !== undefined) {
    if (node.cut !== null && !(qtype === DS && node.cut === name)) return { kind: "referral", cut: node.cut };
    return { kind: "node", node, owner: name, synthesized: false };
  }
  // RFC 4592 §3.3.1: the closest encloser is the longest existing ancestor; only its "*" child may synthesize.
  for (let n = parentName(name); n !== undefined; n = parentName(n)) {
    const encloser = tree.nodes.get(n);
    if (encloser === undefined) continue;
    if (encloser.cut !== null) return { kind: "referral", cut: encloser.cut };
    const source = tree.nodes.get(n === "." ? "*." : `*.${n}`);
    return source === undefined ? NXDOMAIN : { kind: "node", node: source, owner: name, synthesized: true };
  }
  return NXDOMAIN;
}

/** Resolve a query inside one zone, following a CNAME chain within it. Allocates; pure. */
export function resolveInZone(tree: ZoneTree, qname: Name, qtype: number): LookupOutcome {
  const answer: RRset[] = [];
  const visited = new Set<Name>();
  let wildcard = false;
  for (let name = qname; ; ) {
    const found = find(tree, name, qtype);
    if (found.kind === "referral") return referral(tree, found.cut, answer, wildcard);
    if (found.kind === "nxdomain") return negative(tree, "nxdomain", answer, wildcard);
    const { node, owner } = found;
    wildcard ||= found.synthesized;
    const data = qtype === RRType.ANY ? lowestType(node) : node.rrsets.get(qtype);
    if (data !== undefined) {
      answer.push(withOwner(data, owner));
      return positive(tree, answer, additionalFor(tree, data), wildcard);
    }
    const cname = node.rrsets.get(RRType.CNAME);
    if (cname === undefined) return negative(tree, "nodata", answer, wildcard);
    if (answer.length === MAX_CNAMES) return positive(tree, answer, [], wildcard);
    answer.push(withOwner(cname, owner));
    visited.add(name);
    const target = cname.rdata[0]?.kind === "CNAME" ? cname.rdata[0].target : tree.origin;
    // The chain leaves the zone, or loops: answer with what we have (the resolver continues, as Knot does).
    if (!isSubdomain(target, tree.origin) || visited.has(target)) return positive(tree, answer, [], wildcard);
    name = target;
  }
}

/** RFC 8482 minimal ANY: Knot 3.2 answers with one RRset, the one of the lowest type number (UDP and TCP). */
function lowestType(node: ZoneNode): RRset | undefined {
  let lowest: RRset | undefined;
  for (const rrset of node.rrsets.values()) if (lowest === undefined || rrset.type < lowest.type) lowest = rrset;
  return lowest;
}

function withOwner(rrset: RRset, owner: Name): RRset {
  return rrset.name === owner ? rrset : Object.freeze({ ...rrset, name: owner });
}

function positive(tree: ZoneTree, answer: RRset[], additional: RRset[], wildcard: boolean): LookupOutcome {
  return freezeOutcome({
    kind: "answer", rcode: 0, aa: true, zone: tree.origin, wildcard, answer, authority: [], additional,
  });
}

function negative(tree: ZoneTree, kind: "nodata" | "nxdomain", answer: RRset[], wildcard: boolean): LookupOutcome {
  const authority = [tree.negativeSoa];
  return freezeOutcome(
    kind === "nodata"
      ? { kind, rcode: 0, aa: true, zone: tree.origin, wildcard, answer, authority, additional: [] }
      : { kind, rcode: 3, aa: true, zone: tree.origin, wildcard, answer, authority, additional: [] },
  );
}

function referral(tree: ZoneTree, cut: Name, answer: RRset[], wildcard: boolean): LookupOutcome {
  const ns = tree.nodes.get(cut)?.rrsets.get(RRType.NS);
  const authority = ns === undefined ? [] : [ns];
  const additional = ns === undefined ? [] : additionalFor(tree, ns);
  return freezeOutcome({
    kind: "referral", rcode: 0, aa: answer.length > 0, zone: tree.origin, wildcard, answer, authority, additional,
  });
}

/**
 * A and AAAA of the in-zone targets of NS, MX and SRV records (glue included), in record order. An SRV policy
 * has no records of its own: every target it can answer is listed, and the query handler keeps the addresses
 * of the targets the client's answer holds.
 */
function additionalFor(tree: ZoneTree, rrset: RRset): RRset[] {
  const additional: RRset[] = [];
  const done = new Set<Name>();
  for (const rdata of isPolicyRRset(rrset) ? rrset.regionOf.keys() : rrset.rdata) {
    const target =
      rdata.kind === "NS" || rdata.kind === "SRV" ? rdata.target : rdata.kind === "MX" ? rdata.exchange : undefined;
    if (target === undefined || done.has(target) || !isSubdomain(target, tree.origin)) continue;
    done.add(target);
    const holder = addressHolder(tree, target);
    if (holder === undefined) continue;
    for (const type of [RRType.A, RRType.AAAA]) {
      const addresses = holder.node.rrsets.get(type);
      if (addresses !== undefined) additional.push(withOwner(addresses, target));
    }
  }
  return additional;
}

/** The node holding a target's addresses: the name itself (glue too), or a wildcard outside any delegation. */
function addressHolder(tree: ZoneTree, target: Name): { node: ZoneNode } | undefined {
  const node = tree.nodes.get(target);
  if (node !== undefined) return { node };
  const found = find(tree, target, RRType.A);
  return found.kind === "node" ? { node: found.node } : undefined;
}
