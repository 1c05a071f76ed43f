/**
 * One zone file's text → a checked Zone, or every problem found in it (`file:line: path: reason`).
 * Pipeline: YAML → zod schema → names, types and RDATA per record → rules across records (semantics.ts).
 */
import { basename } from "node:path";
import type { z } from "zod";
import { nameLabels, nameToText, parseName, parseRdata, rdataType, typeFromText, typeToText } from "../dns/presentation.ts";
import type { Name, Rdata, RRset } from "../dns/types.ts";
import { RRClass, RRType } from "../dns/types.ts";
import type { Problem } from "../errors.ts";
import { isPolicyValue, RECORD_VALUE_SHAPE, recordValueSchema, staticValues, zoneFileSchema } from "./schema.ts";
import type { RecordValue, StaticRecordValue, ZoneFile } from "./schema.ts";
import { checkZoneRules } from "./semantics.ts";
import { formatPath, parseYaml } from "./yaml-source.ts";
import type { PathSegment } from "./yaml-source.ts";
import { recordPath, valuePath } from "./zone.ts";
import type { PolicyRRset, RecordEntry, RecordSource, Zone, ZonePolicies } from "./zone.ts";
import { compileZonePolicies, type PolicyBinder } from "./zone-policies.ts";

export type ZoneParse =
  | { readonly ok: true; readonly zone: Zone }
  | { readonly ok: false; readonly problems: readonly Problem[] };

const ALLOWED_KEYS: Readonly<Record<string, string>> = {
  root: "zone, ttl, records, checks, pools, policies",
  value: "ttl, values — or policy",
};

const DNSSEC_TYPES = new Set([24, 25, 30, 43, 46, 47, 48, 50, 51, 59, 60]);
const META_TYPES = new Set([41, 249, 250, 251, 252, 253, 254, 255]);
const DNAME = 39;

/** Parse and check one zone file's text. `file` names the file in problems and must match the zone name. */
export function parseZoneText(text: string, file: string): ZoneParse {
  const source = parseYaml(text, file);
  if (source.syntaxProblems.length > 0) return { ok: false, problems: source.syntaxProblems };
  const problems: Problem[] = [];
  const report = (path: readonly PathSegment[], reason: string, onKey = false): void => {
    problems.push({ file, line: source.lineOf(path, onKey), path: formatPath(path), reason });
  };
  if (source.value === null || source.value === undefined) {
    report([], "the file is empty: expected zone, ttl and records");
    return { ok: false, problems };
  }
  const parsed = zoneFileSchema.safeParse(source.value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) reportIssue(issue, [], report);
    checkValidParts(source.value, report);
    return { ok: false, problems: sortProblems(problems) };
  }
  const origin = parseOrigin(parsed.data.zone, file, report);
  if (origin === undefined) return { ok: false, problems };
  const policies = compileZonePolicies(parsed.data, file, source.lineOf, problems);
  const entries = buildEntries(parsed.data, origin, report, policies.binder);
  checkZoneRules(origin, entries, report);
  if (problems.length > 0) return { ok: false, problems: sortProblems(problems) };
  return { ok: true, zone: freezeZone(origin, file, entries, policies.zonePolicies) };
}

/**
 * After a schema failure, still check the names and RDATA of the records that are well formed, so one run
 * lists every problem. Rules across records are skipped: the records left out would make them misfire.
 */
function checkValidParts(value: unknown, report: ReportFn): void {
  const zone = typeof value === "object" && value !== null && "zone" in value ? value.zone : undefined;
  const records = lenientRecords(value);
  if (typeof zone !== "string" || records === undefined) return;
  const origin = parseName(zone.endsWith(".") ? zone : zone + ".", ".");
  // Policy references are not checked here: the policies section may be what failed the schema.
  const skipPolicies: PolicyBinder = () => ({ ok: false, reason: null });
  if (origin.ok) buildEntries({ zone: origin.value, ttl: 0, records, checks: {}, pools: {}, policies: {} }, origin.value, report, skipPolicies);
}

function lenientRecords(value: unknown): ZoneFile["records"] | undefined {
  if (typeof value !== "object" || value === null || !("records" in value)) return undefined;
  const records: unknown = value.records;
  if (typeof records !== "object" || records === null) return undefined;
  const out: Record<string, Record<string, RecordValue>> = {};
  for (const [owner, types] of Object.entries(records)) {
    if (typeof types !== "object" || types === null) continue;
    const valid: Record<string, RecordValue> = {};
    for (const [type, recordValue] of Object.entries(types)) {
      const checked = recordValueSchema.safeParse(recordValue);
      if (checked.success) valid[type] = checked.data;
    }
    out[owner] = valid;
  }
  return out;
}

function sortProblems(problems: Problem[]): Problem[] {
  return problems.sort((a, b) => a.line - b.line);
}

function reportIssue(issue: z.core.$ZodIssue, prefix: readonly PathSegment[], report: ReportFn): void {
  const path = [...prefix, ...(issue.path as PathSegment[])];
  if (issue.code === "unrecognized_keys") {
    const allowed = allowedKeys(path);
    for (const key of issue.keys) report([...path, key], `unknown key "${key}"${allowed === undefined ? "" : ` (expected ${allowed})`}`, true);
  } else if (issue.code === "invalid_union") {
    // Report the branch the value was meant for (an object with a wrong field), not "invalid input": of the
    // branches of the right shape, the one with the fewest problems (an SRV target is not an address target).
    const branches = issue.errors.filter((errors) => !errors.every((e) => e.code === "invalid_type" && e.path.length === 0));
    const branch = branches.reduce<(typeof branches)[number] | undefined>((best, b) => (best === undefined || b.length < best.length ? b : best), undefined);
    if (branch === undefined) report(path, isRecordValuePath(path) ? `expected ${RECORD_VALUE_SHAPE}` : issue.message);
    else for (const inner of branch) reportIssue(inner, path, report);
  } else {
    report(path, issue.message);
  }
}

/** records.<owner>.<TYPE>: where a record value (string, list, { ttl, values } or { policy }) belongs. */
function isRecordValuePath(path: readonly PathSegment[]): boolean {
  return path.length === 3 && path[0] === "records";
}

function allowedKeys(path: readonly PathSegment[]): string | undefined {
  if (path.length === 0) return ALLOWED_KEYS.root;
  return isRecordValuePath(path) ? ALLOWED_KEYS.value : undefined;
}

type ReportFn = (path: readonly PathSegment[], reason: string, onKey?: boolean) => void;

function parseOrigin(zoneText: string, file: string, report: ReportFn): Name | undefined {
  const origin = parseName(zoneText.endsWith(".") ? zoneText : zoneText + ".", ".");
  if (!origin.ok) {
    report(["zone"], origin.reason);
    return undefined;
  }
  const fileZone = basename(file).replace(/\.ya?ml$/i, "").replace(/\.$/, "").toLowerCase();
  const zoneName = origin.value === "." ? "root" : origin.value.slice(0, -1);
  if (fileZone !== zoneName) {
    report(["zone"], `zone ${origin.value} does not match the file name ${basename(file)} (expected ${zoneName}.yaml)`);
  }
  return origin.value;
}

function buildEntries(file: ZoneFile, origin: Name, report: ReportFn, binder: PolicyBinder | null): RecordEntry[] {
  const entries: RecordEntry[] = [];
  const ownerKeyByName = new Map<Name, string>();
  for (const [ownerKey, types] of Object.entries(file.records)) {
    const name = parseOwner(ownerKey, origin, report);
    if (name === undefined) continue;
    const earlier = ownerKeyByName.get(name);
    if (earlier !== undefined) {
      report(["records", ownerKey], `owner ${nameToText(name)} is already given as "${earlier}"`, true);
      continue;
    }
    ownerKeyByName.set(name, ownerKey);
    const seenTypes = new Map<number, string>();
    for (const [typeKey, value] of Object.entries(types)) {
      const source: RecordSource = { ownerKey, typeKey, form: formOf(value) };
      const entry = isPolicyValue(value)
        ? buildPolicyEntry(name, origin, source, value.policy, report, binder)
        : buildEntry(name, origin, source, value, file.ttl, report);
      if (entry === undefined) continue;
      const sameType = seenTypes.get(entry.rrset.type);
      if (sameType !== undefined) {
        report(recordPath(entry.source), `type ${typeKey} is already given as "${sameType}" at this owner`, true);
        continue;
      }
      seenTypes.set(entry.rrset.type, typeKey);
      entries.push(entry);
    }
  }
  return entries;
}

function formOf(value: RecordValue): RecordSource["form"] {
  if (typeof value === "string") return "string";
  if (isPolicyValue(value)) return "policy";
  return Array.isArray(value) ? "list" : "object";
}

function parseOwner(ownerKey: string, origin: Name, report: ReportFn): Name | undefined {
  const path = ["records", ownerKey];
  const name = parseName(ownerKey, origin);
  if (!name.ok) {
    report(path, name.reason, true);
    return undefined;
  }
  if (!(name.value === origin || origin === "." || name.value.endsWith("." + origin))) {
    report(path, `owner ${nameToText(name.value)} is outside the zone ${nameToText(origin)}`, true);
    return undefined;
  }
  const labels = nameLabels(name.value);
  const starAt = labels.findIndex((label, i) => label.includes("*") && (label !== "*" || i > 0));
  if (starAt >= 0) {
    const reason =
      labels[starAt] === "*"
        ? "a wildcard * must be the leftmost label (RFC 4592)"
        : `"*" must be a whole label to be a wildcard (found "${labels[starAt]!}")`;
    report(path, reason, true);
    return undefined;
  }
  return name.value;
}

function knownType(source: RecordSource, report: ReportFn): number | undefined {
  const type = typeFromText(source.typeKey);
  const keyPath = recordPath(source);
  if (type === undefined) {
    report(keyPath, `unknown record type "${source.typeKey}"`, true);
    return undefined;
  }
  const refusal = refusedType(type);
  if (refusal !== undefined) {
    report(keyPath, refusal, true);
    return undefined;
  }
  return type;
}

/** `A: { policy: app }`: an RRset without data that carries the resolved policy (STYLE §2). */
function buildPolicyEntry(
  name: Name,
  origin: Name,
  source: RecordSource,
  policyName: string,
  report: ReportFn,
  binder: PolicyBinder | null,
): RecordEntry | undefined {
  const type = knownType(source, report);
  if (type === undefined) return undefined;
  const path = [...recordPath(source), "policy"];
  if (binder === null) {
    report(path, `unknown policy "${policyName}" (the zone has no pools or policies)`);
    return undefined;
  }
  const bound = binder(policyName, typeToText(type));
  if (!bound.ok) {
    if (bound.reason !== null) report(path, bound.reason);
    return undefined;
  }
  const rrset: PolicyRRset = {
    name,
    type,
    class: RRClass.IN,
    ttl: bound.ttl,
    rdata: [],
    policy: bound.policy,
    policyName,
    zone: origin,
    regions: bound.regions,
    drillTtl: bound.drillTtl,
    regionOf: bound.regionOf,
  };
  return { rrset, source };
}

function buildEntry(
  name: Name,
  origin: Name,
  source: RecordSource,
  value: StaticRecordValue,
  defaultTtl: number,
  report: ReportFn,
): RecordEntry | undefined {
  const type = knownType(source, report);
  if (type === undefined) return undefined;
  const { ttl, values } = staticValues(value, defaultTtl);
  const rdata: Rdata[] = [];
  values.forEach((text, index) => {
    const parsed = parseRdata(source.typeKey, text, origin);
    if (!parsed.ok) report(valuePath(source, index), parsed.reason);
    else if (rdataType(parsed.rdata) === type) rdata.push(parsed.rdata);
  });
  if (rdata.length !== values.length) return undefined;
  return { rrset: { name, type, class: RRClass.IN, ttl, rdata }, source };
}

function refusedType(type: number): string | undefined {
  const name = typeToText(type);
  if (META_TYPES.has(type)) return `${name} is a meta type and cannot be stored in a zone`;
  if (DNSSEC_TYPES.has(type)) return `${name} is a DNSSEC type; gslb does not serve DNSSEC`;
  if (type === DNAME) return "DNAME is not supported (no DNAME substitution)";
  return undefined;
}

function freezeZone(origin: Name, file: string, entries: readonly RecordEntry[], policies: ZonePolicies | null): Zone {
  const rrsets: RRset[] = entries.map((e) => Object.freeze({ ...e.rrset, rdata: Object.freeze([...e.rrset.rdata]) }));
  const soa = rrsets.find((r) => r.name === origin && r.type === RRType.SOA)!;
  return Object.freeze({ origin, file, soa, rrsets: Object.freeze(rrsets), policies });
}
