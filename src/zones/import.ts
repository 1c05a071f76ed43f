/**
 * `gslb import`: an RFC 1035 master file → our YAML zone file, as text. The output is checked by loading it
 * back; problems point at the master file lines.
 */
import { readFileSync } from "node:fs";
import { Document, isSeq, visit } from "yaml";
import { nameToText, parseName, rdataToText, typeToText } from "../dns/presentation.ts";
import type { Name, RRset } from "../dns/types.ts";
import { RRClass, RRType } from "../dns/types.ts";
import { formatMasterProblem, readMasterFile } from "./master-file.ts";
import type { MasterProblem, MasterRecord } from "./master-file.ts";
import { formatPath } from "./yaml-source.ts";
import { parseZoneText } from "./zone-file.ts";

export { formatMasterProblem };
export type { MasterProblem };

export type ImportResult =
  | {
      readonly ok: true;
      /** The zone file text (YAML). */
      readonly yaml: string;
      /** The RRsets read from the master file, for comparison with what the YAML loads into. */
      readonly rrsets: readonly RRset[];
    }
  | { readonly ok: false; readonly problems: readonly MasterProblem[] };

export interface ImportOptions {
  /** The zone's origin, e.g. "example.com." (a trailing dot is added when missing). */
  readonly origin: string;
  /** Reads an $INCLUDE'd file; defaults to the file system. */
  readonly readInclude?: (path: string) => string;
}

interface Group {
  readonly rrset: { name: Name; type: number; ttl: number; rdata: RRset["rdata"][number][] };
  readonly first: MasterRecord;
  readonly seen: Set<string>;
}

/** Import master file text (named `file` in problems and for relative $INCLUDE paths). */
export function importMasterText(text: string, file: string, options: ImportOptions): ImportResult {
  const origin = parseName(options.origin.endsWith(".") ? options.origin : `${options.origin}.`, ".");
  if (!origin.ok) return { ok: false, problems: [{ file, line: 0, reason: `origin: ${origin.reason}` }] };
  const read = readMasterFile(text, file, {
    origin: origin.value,
    ...(options.readInclude ? { readInclude: options.readInclude } : {}),
  });
  const problems = [...read.problems];
  const groups = groupRecords(read.records, origin.value, problems);
  if (problems.length > 0) return { ok: false, problems };
  const { yaml, sources } = toYaml(origin.value, groups, file);
  // Load the output back: the rules across records (CNAME and other data, glue, …) speak here.
  const loaded = parseZoneText(yaml, zoneFileName(origin.value));
  if (!loaded.ok) {
    const located = loaded.problems.map((p) => {
      const source = sources.find((s) => p.path === s.path || /^[.[]/.test(p.path.slice(s.path.length)) && p.path.startsWith(s.path));
      return source === undefined
        ? { file, line: 0, reason: p.reason }
        : { file: source.record.file, line: source.record.line, reason: p.reason };
    });
    return { ok: false, problems: located };
  }
  return { ok: true, yaml, rrsets: groups.map((g) => Object.freeze({ ...g.rrset, class: RRClass.IN })) };
}

/** Import a master file from disk. */
export function importMasterFile(path: string, options: ImportOptions): ImportResult {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = error instanceof Error && "code" in error ? String(error.code) : String(error);
    return { ok: false, problems: [{ file: path, line: 0, reason: `cannot read: ${code}` }] };
  }
  return importMasterText(text, path, options);
}

/** The file name a zone's YAML must have: example.com.yaml. */
export function zoneFileName(origin: Name): string {
  return origin === "." ? "root.yaml" : `${origin.slice(0, -1)}.yaml`;
}

function groupRecords(records: readonly MasterRecord[], origin: Name, problems: MasterProblem[]): Group[] {
  const groups = new Map<string, Group>();
  for (const record of records) {
    if (!(record.name === origin || origin === "." || record.name.endsWith(`.${origin}`))) {
      problems.push({ file: record.file, line: record.line, reason: `${nameToText(record.name)} is outside the zone ${origin}` });
      continue;
    }
    const key = `${record.name} ${record.type}`;
    const group = groups.get(key);
    if (group === undefined) {
      const rrset = { name: record.name, type: record.type, ttl: record.ttl, rdata: [record.rdata] };
      groups.set(key, { rrset, first: record, seen: new Set([rdataToText(record.rdata)]) });
      continue;
    }
    if (record.ttl !== group.rrset.ttl) {
      problems.push({
        file: record.file,
        line: record.line,
        reason: `TTL ${record.ttl} differs from TTL ${group.rrset.ttl} of the same RRset at ${group.first.file}:${group.first.line} (RFC 2181 §5.2)`,
      });
      continue;
    }
    const text = rdataToText(record.rdata);
    if (group.seen.has(text)) continue; // an exact duplicate is one record (as BIND, NSD and Knot load it)
    group.seen.add(text);
    group.rrset.rdata.push(record.rdata);
  }
  return [...groups.values()];
}

function ownerKey(name: Name, origin: Name): string {
  if (name === origin) return "@";
  return origin === "." ? name.slice(0, -1) : name.slice(0, -origin.length - 1);
}

/** The TTL most RRsets have becomes the file's default. */
function commonTtl(groups: readonly Group[]): number {
  const counts = new Map<number, number>();
  for (const g of groups) counts.set(g.rrset.ttl, (counts.get(g.rrset.ttl) ?? 0) + 1);
  let best = 3600;
  let bestCount = 0;
  for (const [ttl, count] of counts) {
    if (count > bestCount) [best, bestCount] = [ttl, count];
  }
  return best;
}

function typeOrder(type: number): number {
  return type === RRType.SOA ? -2 : type === RRType.NS ? -1 : 0;
}

function toYaml(
  origin: Name,
  groups: readonly Group[],
  file: string,
): { yaml: string; sources: { path: string; record: MasterRecord }[] } {
  const ttl = commonTtl(groups);
  const owners = new Map<string, Group[]>();
  const ordered = [...groups].sort((a, b) => Number(b.rrset.name === origin) - Number(a.rrset.name === origin));
  for (const group of ordered) {
    const key = ownerKey(group.rrset.name, origin);
    const list = owners.get(key) ?? [];
    list.push(group);
    owners.set(key, list);
  }
  const records: Record<string, Record<string, unknown>> = {};
  const sources: { path: string; record: MasterRecord }[] = [];
  for (const [key, list] of owners) {
    const types: Record<string, unknown> = {};
    for (const group of list.sort((a, b) => typeOrder(a.rrset.type) - typeOrder(b.rrset.type))) {
      const typeKey = typeToText(group.rrset.type);
      const values = group.rrset.rdata.map(rdataToText);
      const compact = values.length === 1 ? values[0] : values;
      types[typeKey] = group.rrset.ttl === ttl ? compact : { ttl: group.rrset.ttl, values };
      sources.push({ path: formatPath(["records", key, typeKey]), record: group.first });
    }
    records[key] = types;
  }
  const doc = new Document({ zone: origin, ttl, records });
  visit(doc, {
    Map: (_key, node, path) => {
      if (path.length >= 6) node.flow = true; // { ttl, values } at records.<owner>.<TYPE>
    },
    Seq: (_key, node) => {
      if (isSeq(node) && node.items.length <= 4) node.flow = true;
    },
  });
  doc.commentBefore = ` Imported from ${file} by gslb import`;
  return { yaml: doc.toString({ lineWidth: 0 }), sources };
}
