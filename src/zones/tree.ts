/**
 * The zone snapshot: every zone as a map of names (empty non-terminals included), and one map over all zones
 * from a name to its node in the most specific zone. Each node carries its outcomes precomputed per query
 * type, so answering an existing name is two Map lookups and no allocation (STYLE §2, §11).
 */
import { parentName } from "../dns/presentation.ts";
import type { Name, Rdata, RRset } from "../dns/types.ts";
import { RRType } from "../dns/types.ts";
import { resolveInZone } from "./lookup.ts";
import type { LookupOutcome } from "./outcome.ts";
import type { Zone } from "./zone.ts";

export interface ZoneNode {
  readonly name: Name;
  /** RRsets by type; empty for an empty non-terminal. */
  readonly rrsets: ReadonlyMap<number, RRset>;
  /** The closest delegation point at or above this name (never the apex); null when none. */
  readonly cut: Name | null;
  /** Precomputed outcomes by query type (filled once when the snapshot is built). */
  readonly byType: Map<number, LookupOutcome>;
  /** Outcome for every query type not in `byType` (DS always takes the general path, see lookup.ts). */
  otherwise: LookupOutcome | null;
}

export interface ZoneTree {
  readonly zone: Zone;
  readonly origin: Name;
  /** The SOA as written in negative answers: TTL = min(SOA TTL, MINIMUM) (RFC 2308 §5). */
  readonly negativeSoa: RRset;
  readonly nodes: ReadonlyMap<Name, ZoneNode>;
}

/** An immutable set of zones: what the server answers from. */
export interface ZoneSet {
  readonly zones: ReadonlyMap<Name, ZoneTree>;
  /** Name → its node in the most specific zone that contains it. */
  readonly names: ReadonlyMap<Name, ZoneNode>;
}

/** A query type that no zone holds: resolving it gives the outcome for every absent type. */
export const ABSENT_TYPE = 0;

export const EMPTY_ZONE_SET: ZoneSet = Object.freeze({ zones: new Map(), names: new Map() });

/** Build the snapshot from checked zones (at most one per origin; the loader guarantees it). */
export function buildZoneSet(zones: readonly Zone[]): ZoneSet {
  const trees = new Map<Name, ZoneTree>();
  for (const zone of zones) trees.set(zone.origin, buildTree(zone));
  const names = new Map<Name, ZoneNode>();
  for (const tree of trees.values()) {
    for (const node of tree.nodes.values()) {
      if (mostSpecificZone(trees, node.name) === tree) names.set(node.name, node);
    }
  }
  for (const tree of trees.values()) precompute(tree);
  return Object.freeze({ zones: trees, names });
}

/** The zone with the longest origin that contains `name`, or undefined. */
export function mostSpecificZone(zones: ReadonlyMap<Name, ZoneTree>, name: Name): ZoneTree | undefined {
  for (let n: Name | undefined = name; n !== undefined; n = parentName(n)) {
    const tree = zones.get(n);
    if (tree !== undefined) return tree;
  }
  return undefined;
}

function buildTree(zone: Zone): ZoneTree {
  const rrsetsByName = new Map<Name, Map<number, RRset>>();
  const ensure = (name: Name): Map<number, RRset> => {
    let map = rrsetsByName.get(name);
    if (map === undefined) rrsetsByName.set(name, (map = new Map()));
    return map;
  };
  for (const rrset of zone.rrsets) {
    ensure(rrset.name).set(rrset.type, rrset);
    for (let n = parentName(rrset.name); n !== undefined && n.length >= zone.origin.length; n = parentName(n)) {
      ensure(n); // empty non-terminals exist (RFC 4592 §2.2.2)
    }
  }
  const nodes = new Map<Name, ZoneNode>();
  for (const [name, rrsets] of rrsetsByName) {
    nodes.set(name, { name, rrsets, cut: findCut(name, zone.origin, rrsetsByName), byType: new Map(), otherwise: null });
  }
  const soa = zone.soa;
  const minimum = soa.rdata[0]?.kind === "SOA" ? soa.rdata[0].minimum : soa.ttl;
  const negativeSoa = Object.freeze({ ...soa, ttl: Math.min(soa.ttl, minimum) });
  return { zone, origin: zone.origin, negativeSoa, nodes };
}

function findCut(name: Name, origin: Name, rrsetsByName: ReadonlyMap<Name, Map<number, RRset>>): Name | null {
  let cut: Name | null = null;
  for (let n: Name | undefined = name; n !== undefined && n !== origin; n = parentName(n)) {
    if (rrsetsByName.get(n)?.has(RRType.NS) === true) cut = n; // the highest cut wins
  }
  return cut;
}

function precompute(tree: ZoneTree): void {
  for (const node of tree.nodes.values()) {
    for (const type of typesWorthPrecomputing(tree, node)) {
      node.byType.set(type, resolveInZone(tree, node.name, type));
    }
    node.otherwise = resolveInZone(tree, node.name, ABSENT_TYPE);
  }
  dedupeShared(tree);
}

/** The types whose outcome differs from the absent-type outcome: those at the node and along its CNAME chain. */
function typesWorthPrecomputing(tree: ZoneTree, node: ZoneNode): Set<number> {
  const types = new Set<number>();
  if (node.cut !== null) return types; // everything but DS is the referral
  types.add(RRType.ANY);
  types.add(RRType.CNAME);
  let current: ZoneNode | undefined = node;
  for (let step = 0; current !== undefined && step < 8; step++) {
    for (const type of current.rrsets.keys()) types.add(type);
    const cname: Rdata | undefined = current.rrsets.get(RRType.CNAME)?.rdata[0];
    if (cname?.kind !== "CNAME") break;
    current = tree.nodes.get(cname.target) ?? wildcardSource(tree, cname.target);
  }
  return types;
}

function wildcardSource(tree: ZoneTree, name: Name): ZoneNode | undefined {
  for (let n = parentName(name); n !== undefined && n.length >= tree.origin.length; n = parentName(n)) {
    if (tree.nodes.has(n)) return tree.nodes.get(n === "." ? "*." : `*.${n}`);
  }
  return undefined;
}

/** Negative and referral outcomes are equal for many nodes: keep one object each, to save memory. */
function dedupeShared(tree: ZoneTree): void {
  const shared = new Map<string, LookupOutcome>();
  const keyOf = (o: LookupOutcome): string | undefined =>
    o.answer.length === 0 && (o.kind === "nodata" || o.kind === "referral") && !o.wildcard
      ? `${o.kind}|${o.authority[0]?.name ?? ""}`
      : undefined;
  const canonical = (o: LookupOutcome): LookupOutcome => {
    const key = keyOf(o);
    if (key === undefined) return o;
    const existing = shared.get(key);
    if (existing !== undefined) return existing;
    shared.set(key, o);
    return o;
  };
  for (const node of tree.nodes.values()) {
    if (node.otherwise !== null) node.otherwise = canonical(node.otherwise);
    for (const [type, outcome] of node.byType) node.byType.set(type, canonical(outcome));
  }
}
