/**
 * Rules across records of one zone, checked after every RRset parsed on its own. Each rule reports every
 * violation it finds, so one `gslb check` lists all problems.
 */
import { nameToText, parentName, rdataToText } from "../dns/presentation.ts";
import type { Name } from "../dns/types.ts";
import { RRType } from "../dns/types.ts";
import type { RecordEntry } from "./zone.ts";
import { recordPath, valuePath } from "./zone.ts";
import type { PathSegment } from "./yaml-source.ts";

export type Report = (path: readonly PathSegment[], reason: string, onKey?: boolean) => void;

const pathOf = (entry: RecordEntry): PathSegment[] => recordPath(entry.source);

export function checkZoneRules(origin: Name, entries: readonly RecordEntry[], report: Report): void {
  const byName = new Map<Name, RecordEntry[]>();
  for (const entry of entries) {
    const list = byName.get(entry.rrset.name);
    if (list === undefined) byName.set(entry.rrset.name, [entry]);
    else list.push(entry);
  }
  checkApex(origin, byName, report);
  checkCnames(origin, byName, report);
  checkDelegations(origin, byName, report);
  checkNsTargets(origin, byName, report);
  for (const entry of entries) checkDuplicates(entry, report);
}

function checkApex(origin: Name, byName: ReadonlyMap<Name, RecordEntry[]>, report: Report): void {
  const apex = byName.get(origin) ?? [];
  const soa = apex.find((e) => e.rrset.type === RRType.SOA);
  if (soa === undefined) report(["records"], `the zone has no SOA record at the apex ("@")`, true);
  else if (soa.rrset.rdata.length !== 1) report(pathOf(soa), "the apex must have exactly one SOA record");
  if (!apex.some((e) => e.rrset.type === RRType.NS)) {
    report(["records"], `the zone has no NS records at the apex ("@")`, true);
  }
  for (const [name, list] of byName) {
    if (name === origin) continue;
    for (const entry of list) {
      if (entry.rrset.type === RRType.SOA) report(pathOf(entry), `SOA is only allowed at the zone apex ${origin}`);
    }
  }
}

function checkCnames(origin: Name, byName: ReadonlyMap<Name, RecordEntry[]>, report: Report): void {
  for (const [name, list] of byName) {
    const cname = list.find((e) => e.rrset.type === RRType.CNAME);
    if (cname === undefined) continue;
    if (name === origin) {
      report(pathOf(cname), "CNAME is not allowed at the zone apex (it would hide the SOA and NS)");
      continue;
    }
    if (cname.rrset.rdata.length > 1) report(pathOf(cname), "a name can have only one CNAME record");
    const others = list.filter((e) => e !== cname).map((e) => e.source.typeKey);
    if (others.length > 0) {
      report(
        pathOf(cname),
        `CNAME must be the only record at ${nameToText(name)}, found also ${others.join(", ")} (RFC 1034 §3.6.2, RFC 2181 §10.1)`,
      );
    }
  }
}

/** The closest delegation point at or above `name` (never the apex), or undefined. */
function cutAbove(name: Name, origin: Name, byName: ReadonlyMap<Name, RecordEntry[]>): Name | undefined {
  for (let n: Name | undefined = name; n !== undefined && n !== origin; n = parentName(n)) {
    if (byName.get(n)?.some((e) => e.rrset.type === RRType.NS)) return n;
  }
  return undefined;
}

function checkDelegations(origin: Name, byName: ReadonlyMap<Name, RecordEntry[]>, report: Report): void {
  const nsTargets = new Set<Name>();
  for (const list of byName.values()) {
    for (const entry of list) {
      for (const rdata of entry.rrset.rdata) if (rdata.kind === "NS") nsTargets.add(rdata.target);
    }
  }
  for (const [name, list] of byName) {
    if (name === origin) continue;
    const parent = parentName(name);
    const cut = cutAbove(name, origin, byName);
    const cutAboveParent = parent === undefined ? undefined : cutAbove(parent, origin, byName);
    if (cut === name && cutAboveParent === undefined) {
      checkAtCut(name, list, report);
      continue;
    }
    const occludingCut = cut === name ? cutAboveParent : cut;
    if (occludingCut === undefined) continue;
    for (const entry of list) {
      const type = entry.rrset.type;
      const where = `below the delegation ${nameToText(occludingCut)}`;
      if (type !== RRType.A && type !== RRType.AAAA) {
        report(pathOf(entry), `${entry.source.typeKey} is not allowed ${where}: only glue (A, AAAA) may be there`);
      } else if (!nsTargets.has(name)) {
        report(pathOf(entry), `${entry.source.typeKey} ${where} is not glue: no NS record names ${nameToText(name)}`);
      }
    }
  }
}

function checkAtCut(name: Name, list: readonly RecordEntry[], report: Report): void {
  if (name.startsWith("*.")) {
    const ns = list.find((e) => e.rrset.type === RRType.NS)!;
    report(pathOf(ns), "a wildcard name cannot be a delegation point");
  }
  for (const entry of list) {
    if (entry.rrset.type !== RRType.NS) {
      report(
        pathOf(entry),
        `${entry.source.typeKey} is not allowed at the delegation point ${nameToText(name)}: only NS belongs to this zone there`,
      );
    }
  }
}

function checkNsTargets(origin: Name, byName: ReadonlyMap<Name, RecordEntry[]>, report: Report): void {
  for (const list of byName.values()) {
    for (const entry of list) {
      if (entry.rrset.type !== RRType.NS) continue;
      entry.rrset.rdata.forEach((rdata, index) => {
        if (rdata.kind !== "NS" || !isInZone(rdata.target, origin)) return;
        const atTarget = byName.get(rdata.target) ?? [];
        if (atTarget.some((e) => e.rrset.type === RRType.CNAME)) {
          report(valuePath(entry.source, index), `NS target ${nameToText(rdata.target)} is a CNAME (RFC 2181 §10.3)`);
        } else if (!atTarget.some((e) => e.rrset.type === RRType.A || e.rrset.type === RRType.AAAA)) {
          report(
            valuePath(entry.source, index),
            `NS target ${nameToText(rdata.target)} is in the zone but has no A or AAAA record`,
          );
        }
      });
    }
  }
}

function isInZone(name: Name, origin: Name): boolean {
  return name === origin || origin === "." || (name.endsWith("." + origin) && !name.endsWith("\\." + origin));
}

function checkDuplicates(entry: RecordEntry, report: Report): void {
  const seen = new Map<string, number>();
  entry.rrset.rdata.forEach((rdata, index) => {
    const text = rdataToText(rdata);
    const first = seen.get(text);
    if (first === undefined) seen.set(text, index);
    else report(valuePath(entry.source, index), `duplicate record: same data as value ${first} (${text})`);
  });
}
