import type { ClientAddress } from "../geo/client.ts";
import type { GeoLookup } from "../geo/reader.ts";
import type { HealthView } from "../health/table.ts";
import { QueryContext } from "./context.ts";
import { Trace, type TraceEvent, type TraceValue } from "./trace.ts";
import type { HealthState, Outcome, Policy, RandomSource, TargetRdata } from "./types.ts";

/** The answer a client gets now and why: what `gslb explain` prints and the admin API returns as JSON. */
export interface Explanation {
  readonly policy: string;
  readonly client: { readonly address: string; readonly sourcePrefix: number; readonly fromEcs: boolean };
  /** The GeoIP facts used, or null when the answer did not need GeoIP. */
  readonly geoip: Readonly<Record<string, TraceValue>> | null;
  /** Every step in order: rules matched, members tried, targets' health and weight, fallbacks, picks. */
  readonly steps: readonly TraceEvent[];
  readonly result: {
    readonly outcome: Outcome;
    readonly answers: readonly string[];
    readonly ttl: number;
    readonly state: HealthState;
    readonly ecsScopePrefix: number;
  };
}

export function explain(
  policy: Policy,
  client: ClientAddress,
  geo: GeoLookup,
  health: HealthView,
  random: RandomSource = Math.random,
): Explanation {
  const trace = new Trace();
  const resolution = policy.resolve(new QueryContext(client, geo, health, random, trace));
  const geoEvent = trace.events.find((e) => e.step === "geoip");
  return {
    policy: policy.name,
    client: { address: client.text, sourcePrefix: client.sourcePrefix, fromEcs: client.fromEcs },
    geoip: geoEvent === undefined ? null : geoEvent.detail,
    steps: trace.events.filter((e) => e.step !== "geoip"),
    result: {
      outcome: resolution.outcome,
      answers: resolution.rdata.map(rdataText),
      ttl: resolution.ttl,
      state: resolution.state,
      ecsScopePrefix: resolution.ecsScopePrefix,
    },
  };
}

function rdataText(rdata: TargetRdata): string {
  return rdata.kind === "SRV"
    ? `${rdata.priority} ${rdata.weight} ${rdata.port} ${rdata.target}`
    : rdata.address;
}

/** Plain text for a terminal, one fact per line, indented by the policy that recorded it. */
export function renderExplanation(e: Explanation): string {
  const lines: string[] = [];
  lines.push(
    `policy ${e.policy} for client ${e.client.address}/${e.client.sourcePrefix}${e.client.fromEcs ? " (ECS)" : ""}`,
  );
  if (e.geoip !== null) {
    const g = e.geoip;
    const place =
      [g["continent"], g["country"], g["subdivision"]].filter((v) => v !== null).join(" / ") || "unknown";
    const coords =
      g["latitude"] === null ? "no location" : `${g["latitude"]},${g["longitude"]} (${g["location"]})`;
    lines.push(`  geoip: ${place}, ${coords}, network /${g["prefix"]}`);
  }
  for (const step of e.steps) lines.push(`  ${step.policy}: ${renderStep(step)}`);
  const r = e.result;
  const answer = r.outcome === "answer" ? r.answers.join(", ") || "(none)" : r.outcome.toUpperCase();
  lines.push(`answer: ${answer}`);
  lines.push(`state ${r.state}, ttl ${r.ttl}s, ecs scope /${r.ecsScopePrefix}`);
  return lines.join("\n") + "\n";
}

function renderStep(step: TraceEvent): string {
  const d = step.detail;
  switch (step.step) {
    case "rule":
      return `rule matched: ${d["matched"]} → ${d["members"]}`;
    case "estimate":
      return `estimate ${d["region"]}: ${d["ms"]} ms (${d["source"]})`;
    case "member":
      return `try ${d["member"]}${d["region"] === undefined ? "" : ` (region ${d["region"]})`}`;
    case "pool":
      return `pool ${d["pool"]}`;
    case "target":
      return `target ${d["target"]} weight ${d["weight"]}: ${d["state"]} (${d["source"]}: ${d["reason"]})`;
    case "fallback":
      return d["to"] === undefined ? `skip ${d["from"]}: ${d["reason"]}` : `fallback to pool ${d["to"]}`;
    case "pick":
      return `picked ${d["target"] ?? d["region"]}${d["weight"] === undefined ? "" : ` (weight ${d["weight"]})`}`;
    case "all-down":
      return `all targets down: ${d["behaviour"]}`;
    case "result":
      return `${d["outcome"]} with ${d["answers"]} record(s), ${d["state"]}, ttl ${d["ttl"]}s, scope /${d["scope"]}`;
    case "geoip":
      return `geoip ${d["country"]}`;
  }
}
