/**
 * `gslb explain NAME TYPE --client IP[/PREFIX]`: the answer a client gets now and why. The same core serves
 * `GET /explain` on the admin API (with the live health table); the command reads the zone files and, without
 * a running server, knows no probe results: targets with checks are shown with the health given by --health.
 */
import { parseArgs } from "node:util";
import type { Command } from "../cli.ts";
import { nameToText, parseName, rdataToText, typeFromText, typeToText } from "../dns/presentation.ts";
import type { RRset } from "../dns/types.ts";
import { ErrorCodes, formatProblem, GslbError } from "../errors.ts";
import { clientFromText, type ClientAddress } from "../geo/client.ts";
import { GeoReader, type GeoLookup } from "../geo/reader.ts";
import { StaticHealthView, type HealthView, type TargetHealth } from "../health/table.ts";
import { explain, renderExplanation, type Explanation } from "../policy/explain.ts";
import { loadZones } from "../zones/loader.ts";
import { lookup } from "../zones/lookup.ts";
import type { ZoneSet } from "../zones/tree.ts";
import { isPolicyRRset } from "../zones/zone.ts";

/** One record of the answer: static data as written, or a policy resolved for the client. */
export type ExplainedRecord =
  | {
      readonly kind: "static";
      readonly owner: string;
      readonly type: string;
      readonly ttl: number;
      readonly data: readonly string[];
    }
  | {
      readonly kind: "policy";
      readonly owner: string;
      readonly type: string;
      readonly policy: string;
      /** TTL served now (the drill TTL while a region the policy may use ramps down). */
      readonly ttl: number;
      readonly explanation: Explanation;
    };

export interface QueryExplanation {
  readonly name: string;
  readonly type: string;
  readonly client: string;
  /** The lookup outcome: answer, nodata, nxdomain, referral, refused. */
  readonly outcome: string;
  readonly zone: string | null;
  readonly records: readonly ExplainedRecord[];
}

export type ExplainInput =
  | { readonly ok: true; readonly name: string; readonly type: number; readonly client: ClientAddress }
  | { readonly ok: false; readonly error: string };

/** Checks the three inputs of an explanation (command line or query string). */
export function parseExplainInput(
  name: string | undefined,
  type: string | undefined,
  client: string | undefined,
): ExplainInput {
  if (name === undefined || name === "") return { ok: false, error: "give the NAME to explain" };
  const parsedName = parseName(name.endsWith(".") ? name : `${name}.`, ".");
  if (!parsedName.ok) return { ok: false, error: `bad name "${name}": ${parsedName.reason}` };
  const code = typeFromText((type ?? "A").toUpperCase());
  if (code === undefined) return { ok: false, error: `unknown record type "${type ?? ""}"` };
  if (client === undefined || client === "")
    return { ok: false, error: "give the client address with --client IP[/PREFIX]" };
  const parsedClient = clientFromText(client);
  if (parsedClient === null)
    return {
      ok: false,
      error: `bad client "${client}": expected an IPv4 or IPv6 address, optionally /PREFIX`,
    };
  return { ok: true, name: parsedName.value.toLowerCase(), type: code, client: parsedClient };
}

/** The answer for `name`/`type` as `client` gets it from `set` now, each policy step explained. */
export function explainQuery(
  set: ZoneSet,
  name: string,
  type: number,
  client: ClientAddress,
  geo: GeoLookup,
  health: HealthView,
): QueryExplanation {
  const outcome = lookup(set, name, type);
  const records = [...outcome.answer, ...outcome.additional].map((rrset) =>
    explainRRset(rrset, client, geo, health),
  );
  return {
    name: nameToText(name),
    type: typeToText(type),
    client: `${client.text}/${client.sourcePrefix}`,
    outcome: outcome.kind,
    zone: outcome.zone,
    records,
  };
}

function explainRRset(
  rrset: RRset,
  client: ClientAddress,
  geo: GeoLookup,
  health: HealthView,
): ExplainedRecord {
  const owner = nameToText(rrset.name);
  const type = typeToText(rrset.type);
  if (!isPolicyRRset(rrset))
    return { kind: "static", owner, type, ttl: rrset.ttl, data: rrset.rdata.map(rdataToText) };
  const explanation = explain(rrset.policy, client, geo, health);
  const ramping = health.ttlRamp !== undefined && rrset.regions.some((r) => health.ttlRamp!(r));
  const ttl = ramping ? Math.min(explanation.result.ttl, rrset.drillTtl) : explanation.result.ttl;
  return { kind: "policy", owner, type, policy: rrset.policyName, ttl, explanation };
}

/** Plain text for a terminal. */
export function renderQueryExplanation(e: QueryExplanation): string {
  const lines = [
    `${e.name} ${e.type} for client ${e.client}: ${e.outcome}${e.zone === null ? " (not in any zone served)" : ` in zone ${e.zone}`}`,
  ];
  if (e.records.length === 0) lines.push("no records in the answer");
  for (const record of e.records) {
    if (record.kind === "static") {
      lines.push(
        `${record.owner} ${record.type}: static record (no policy), ttl ${record.ttl}s, ecs scope /0`,
      );
      for (const data of record.data) lines.push(`  ${data}`);
    } else {
      lines.push(
        `${record.owner} ${record.type}: policy ${record.policy}${record.ttl !== record.explanation.result.ttl ? ` (drill ttl ${record.ttl}s)` : ""}`,
      );
      lines.push(
        ...renderExplanation(record.explanation)
          .trimEnd()
          .split("\n")
          .map((l) => `  ${l}`),
      );
    }
  }
  return lines.join("\n") + "\n";
}

const USAGE = `Usage: gslb explain NAME TYPE --client IP[/PREFIX] [options]

The answer a client would get now, and why: the rule matched, the pool chosen, each target's health and
weight, fallbacks, TTL and ECS scope. With --admin it asks a running server (live health, overrides,
drills); without, it reads the zone files and takes every checked target as --health says.

Options:
  --client IP[/PREFIX]   the client: an address, or an ECS subnet such as 192.0.2.0/24   (required)
  --zones DIR            zone files                                     [default: zones]
  --geoip FILE           GeoIP .mmdb                                    [default: the bundled database]
  --health up|down       health of targets with a check (no server to ask)   [default: up]
  --admin ADDR:PORT      ask this running server's admin API instead (GET /explain)
  --json                 JSON instead of text
  -h, --help             this help

Exit status: 0 explained, 1 the server could not be reached or failed, 2 usage error.
`;

export const explainCommand: Command = {
  summary: "the answer a client gets for NAME TYPE now, and why",
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        client: { type: "string" },
        zones: { type: "string", default: "zones" },
        geoip: { type: "string" },
        health: { type: "string", default: "up" },
        admin: { type: "string" },
        json: { type: "boolean", default: false },
      },
    });
    if (positionals.length > 2) throw new GslbError(ErrorCodes.USAGE, `expected NAME TYPE\n\n${USAGE}`);
    const input = parseExplainInput(positionals[0], positionals[1], values.client);
    if (!input.ok) throw new GslbError(ErrorCodes.USAGE, `${input.error}\n\n${USAGE}`);
    if (values.health !== "up" && values.health !== "down")
      throw new GslbError(ErrorCodes.USAGE, `--health must be up or down\n\n${USAGE}`);
    const result =
      values.admin !== undefined
        ? await fromServer(values.admin, positionals[0]!, positionals[1] ?? "A", values.client!)
        : await fromFiles(values.zones, values.geoip, values.health, input);
    process.stdout.write(
      values.json ? `${JSON.stringify(result, null, 2)}\n` : renderQueryExplanation(result),
    );
    return 0;
  },
};

async function fromFiles(
  zones: string,
  geoip: string | undefined,
  health: "up" | "down",
  input: Extract<ExplainInput, { ok: true }>,
): Promise<QueryExplanation> {
  const loaded = await loadZones(zones);
  for (const problem of loaded.problems) process.stderr.write(`${formatProblem(problem)}\n`);
  const geo =
    geoip === undefined ? GeoReader.openDefault({ watch: false }) : GeoReader.open(geoip, { watch: false });
  try {
    const state: TargetHealth = {
      state: health,
      rttMs: null,
      since: 0,
      source: "static",
      reason: `--health ${health}`,
    };
    return explainQuery(
      loaded.set,
      input.name,
      input.type,
      input.client,
      geo,
      new StaticHealthView(new Map(), new Map(), state),
    );
  } finally {
    geo.close();
  }
}

/** Asks a running server. Its refusals and failures (unreachable, HTTP error, not JSON) exit 1, not 2 (usage). */
async function fromServer(
  admin: string,
  name: string,
  type: string,
  client: string,
): Promise<QueryExplanation> {
  const url = adminUrl(admin);
  url.search = new URLSearchParams({ name, type, client }).toString();
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new GslbError(
      ErrorCodes.ADMIN_REQUEST,
      `cannot reach the admin API at ${admin}: ${causeOf(error)}`,
    );
  }
  const body = (await response.json().catch(() => null)) as QueryExplanation | { error: string } | null;
  if (body === null || !response.ok || "error" in body) {
    const reason =
      body !== null && "error" in body ? body.error : `HTTP ${response.status} ${response.statusText}`;
    throw new GslbError(ErrorCodes.ADMIN_REQUEST, `${admin}: ${reason}`);
  }
  return body;
}

function adminUrl(admin: string): URL {
  const url = URL.parse(`http://${admin}/explain`);
  if (
    url === null ||
    url.pathname !== "/explain" ||
    url.username !== "" ||
    url.search !== "" ||
    url.hash !== ""
  ) {
    throw new GslbError(
      ErrorCodes.USAGE,
      `--admin must be ADDR:PORT such as 127.0.0.1:8053 or [::1]:8053, not "${admin}"\n\n${USAGE}`,
    );
  }
  return url;
}

function causeOf(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) return "code" in cause ? String(cause.code) : cause.message;
  return error instanceof Error ? error.message : String(error);
}
