import { rdataToText, typeToText } from "../../src/dns/presentation.ts";
import { formatProblem } from "../../src/errors.ts";
import type { LookupOutcome } from "../../src/zones/outcome.ts";
import { buildZoneSet } from "../../src/zones/tree.ts";
import type { ZoneSet } from "../../src/zones/tree.ts";
import { parseZoneText } from "../../src/zones/zone-file.ts";
import type { Zone } from "../../src/zones/zone.ts";

/** Parse zone texts keyed by file name; throws with every problem when one is invalid. */
export function zonesFrom(files: Record<string, string>): Zone[] {
  return Object.entries(files).map(([file, text]) => {
    const parsed = parseZoneText(text, file);
    if (!parsed.ok) throw new Error(parsed.problems.map(formatProblem).join("\n"));
    return parsed.zone;
  });
}

export function zoneSetFrom(files: Record<string, string>): ZoneSet {
  return buildZoneSet(zonesFrom(files));
}

/** An outcome as kdig-like lines: `NOERROR aa`, then `answer: owner ttl TYPE rdata` etc. */
export function render(outcome: LookupOutcome): string[] {
  const rcode = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"][outcome.rcode] ?? "?";
  const lines = [`${rcode}${outcome.aa ? " aa" : ""}`];
  for (const section of ["answer", "authority", "additional"] as const) {
    for (const rrset of outcome[section]) {
      for (const rdata of rrset.rdata) {
        lines.push(`${section}: ${rrset.name} ${rrset.ttl} ${typeToText(rrset.type)} ${rdataToText(rdata)}`);
      }
    }
  }
  return lines;
}
