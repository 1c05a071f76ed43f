/**
 * The query handler resolving policy records, through the wire: a query packet in, the reply decoded by
 * decodeMessage. GeoIP comes from a generated MMDB fixture, health from a StaticHealthView.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createQueryHandler, type PolicyEnvironment } from "../../../src/dns/server/handle-query.ts";
import { newAnswerStats, PolicyStats } from "../../../src/dns/server/stats.ts";
import type { Remote } from "../../../src/dns/server/transport.ts";
import { rdataToText } from "../../../src/dns/presentation.ts";
import { decodeMessage, type DecodedMessage } from "../../../src/dns/wire/message.ts";
import { GeoReader } from "../../../src/geo/reader.ts";
import { ALWAYS_UP, StaticHealthView, type TargetHealth } from "../../../src/health/table.ts";
import { buildZoneSet } from "../../../src/zones/tree.ts";
import { parseZoneText } from "../../../src/zones/zone-file.ts";
import { writeMmdb } from "../../helpers/mmdb-writer.ts";
import { buildQuery, ecsOption, type QuerySpec } from "../wire/packets.ts";
import { tempDir } from "../../helpers/temp-dir.ts";

const { path: dir, remove } = tempDir("hq-policy");
afterAll(remove);
const geoFile = join(dir, "geo.mmdb");
writeFileSync(
  geoFile,
  writeMmdb({
    ipVersion: 6,
    networks: [
      { network: "81.2.0.0/16", record: { country: { iso_code: "GB" } } },
      { network: "81.2.69.0/24", record: { country: { iso_code: "FR" } } },
      { network: "8.8.0.0/17", record: { country: { iso_code: "US" } } },
      { network: "1.0.0.0/8", record: { country: { iso_code: "JP" } } },
      { network: "127.0.0.0/8", record: { country: { iso_code: "DE" } } },
    ],
  }),
);
const geo = GeoReader.open(geoFile, { watch: false });
afterAll(() => geo.close());

const ZONE = `zone: example.com.
ttl: 3600
records:
  "@":
    SOA: ns1 hostmaster 1 7200 3600 1209600 300
    NS: ns1
  ns1: { A: 192.0.2.53 }
  www: { A: { policy: www-geo } }
  alias: { CNAME: www }
  canary: { A: { policy: canary } }
  api: { A: { policy: api } }
  strict: { A: { policy: strict } }
  broken: { A: { policy: broken } }
  static: { A: 192.0.2.99 }
  _web._tcp: { SRV: 0 0 443 api }
  sip1: { A: 192.0.2.61 }
  sip2: { A: 192.0.2.62 }
  sip3: { AAAA: "2001:db8::63" }
  _sip._tcp: { SRV: { policy: sip } }
checks:
  web: { kind: tcp, port: 80, interval: 1s, timeout: 500ms }
pools:
  eu: { targets: [{ address: 192.0.2.1 }] }
  na: { targets: [{ address: 198.51.100.1 }] }
  fleet: { targets: [{ address: 192.0.2.10, weight: 95 }, { address: 192.0.2.20, weight: 5 }] }
  primary: { targets: [{ address: 192.0.2.30, check: web }] }
  secondary: { targets: [{ address: 198.51.100.30, check: web }] }
  sip-main:
    targets:
      - { srv: sip1.example.com., port: 5060, weight: 60, check: web, probe: 192.0.2.30 }
      - { srv: sip2.example.com., port: 5060, weight: 40 }
  sip-backup: { targets: [{ srv: sip3.example.com., port: 5060, weight: 10 }] }
policies:
  www-geo:
    type: geo
    rules: [{ continent: EU, use: [eu, na] }, { continent: NA, use: [na, eu] }]
    default: na
    ttl: { healthy: 300, drill: 7 }
  canary: { type: weighted, pool: fleet, ttl: { healthy: 30 } }
  api: { type: failover, members: [primary, secondary], ttl: { healthy: 60, degraded: 20, all_down: 10 } }
  strict: { type: failover, members: [primary], when_all_down: nodata }
  broken: { type: failover, members: [primary], when_all_down: servfail }
  sip: { type: srv, pools: [sip-main, sip-backup], ttl: { healthy: 60, degraded: 30 } }
`;

const parsed = parseZoneText(ZONE, "example.com.yaml");
if (!parsed.ok) throw new Error(parsed.problems.map((p) => `${p.line}: ${p.path}: ${p.reason}`).join("\n"));
const zones = buildZoneSet([parsed.zone]);

const up: TargetHealth = ALWAYS_UP;
const down: TargetHealth = { state: "down", rttMs: null, since: 0, source: "probe", reason: "refused" };
const health = (primary: TargetHealth, secondary: TargetHealth = up, ramp: string[] = []): StaticHealthView =>
  new StaticHealthView(
    new Map([
      ["web@192.0.2.30", primary],
      ["web@198.51.100.30", secondary],
    ]),
    new Map(),
    up,
    new Set(ramp),
  );

function handler(view: StaticHealthView, random = 0.5, stats = new PolicyStats()) {
  const environment: PolicyEnvironment = { geo, health: () => view, random: () => random, stats };
  const handle = createQueryHandler(
    () => zones,
    { udpPayloadCap: 1232, nsid: null, identity: null, version: null },
    newAnswerStats(),
    environment,
  );
  return { handle, stats };
}

const FROM: Remote = { address: "127.0.0.1", port: 5300, family: 4 };

function ask(
  handle: ReturnType<typeof handler>["handle"],
  qname: string,
  ecs?: string,
  qtype = 1,
): DecodedMessage {
  let opts: QuerySpec["opts"] = [];
  if (ecs !== undefined) {
    const [address, prefix] = ecs.split("/");
    const bytes = address!
      .split(".")
      .map(Number)
      .slice(0, Math.ceil(Number(prefix) / 8));
    opts = [{ options: [ecsOption(1, Number(prefix), 0, bytes)] }];
  }
  const reply = handle(buildQuery({ qname, qtype, opts }), "udp", FROM);
  const decoded = decodeMessage(reply!);
  if (decoded.kind !== "message") throw new Error("malformed reply");
  return decoded;
}

const lines = (m: DecodedMessage, section: "answer" | "authority" | "additional" = "answer"): string[] =>
  m[section].map((r) => `${r.name} ${r.ttl} ${rdataToText(r.rdata)}`);

describe("policy records answered per client", () => {
  const geoCases: [string, string | undefined, string, number][] = [
    ["a client in France (ECS /24)", "81.2.69.0/24", "192.0.2.1", 24],
    [
      "a client in Great Britain: scope is the GeoIP network (/17 beside the FR /24)",
      "81.2.200.0/24",
      "192.0.2.1",
      17,
    ],
    ["a client in the US (ECS /24, network /17)", "8.8.8.0/24", "198.51.100.1", 17],
    ["a client in Japan falls to the default", "1.2.3.0/24", "198.51.100.1", 8],
    ["ECS /8 caps the scope at the source prefix", "81.0.0.0/8", "198.51.100.1", 8],
    ["no ECS: the source address (127.0.0.1, DE), scope 0 in no OPT", undefined, "192.0.2.1", -1],
  ];
  it.each(geoCases)("geo: %s", (_what, ecs, address, scope) => {
    const reply = ask(handler(health(up)).handle, "www.example.com.", ecs);
    expect(reply.rcode).toBe(0);
    expect(reply.aa).toBe(true);
    expect(lines(reply)).toEqual([`www.example.com. 300 ${address}`]);
    expect(reply.opt?.ecs?.scopePrefix ?? -1).toBe(scope);
  });

  it("an IPv4-mapped FAMILY 2 subnet is answered as the IPv4 subnet, its scope in IPv6 terms", () => {
    const mapped = [...new Array<number>(10).fill(0), 0xff, 0xff, 8, 8, 8];
    const opts: QuerySpec["opts"] = [{ options: [ecsOption(2, 120, 0, mapped)] }];
    const reply = decodeMessage(
      handler(health(up)).handle(buildQuery({ qname: "www.example.com.", opts }), "udp", FROM)!,
    );
    if (reply.kind !== "message") throw new Error("malformed reply");
    expect(lines(reply)).toEqual(["www.example.com. 300 198.51.100.1"]); // the US answer, as for 8.8.8.0/24
    expect(reply.opt?.ecs).toMatchObject({ family: 2, sourcePrefix: 120, scopePrefix: 96 + 17 });
  });

  it("follows a CNAME to a policy record", () => {
    const reply = ask(handler(health(up)).handle, "alias.example.com.", "8.8.8.0/24");
    expect(lines(reply)).toEqual([
      "alias.example.com. 3600 www.example.com.",
      "www.example.com. 300 198.51.100.1",
    ]);
    expect(reply.opt?.ecs?.scopePrefix).toBe(17);
  });

  it("weighted without stickiness does not depend on the client: scope 0; the random source picks", () => {
    expect(lines(ask(handler(health(up), 0.5).handle, "canary.example.com.", "81.2.69.0/24"))).toEqual([
      "canary.example.com. 30 192.0.2.10",
    ]);
    const reply = ask(handler(health(up), 0.97).handle, "canary.example.com.", "81.2.69.0/24");
    expect(lines(reply)).toEqual(["canary.example.com. 30 192.0.2.20"]);
    expect(reply.opt?.ecs?.scopePrefix).toBe(0);
  });

  const healthCases: [string, StaticHealthView, string, number, string[], string[]][] = [
    ["failover: primary up", health(up), "api.example.com.", 0, ["api.example.com. 60 192.0.2.30"], []],
    [
      "failover: primary down → secondary, degraded TTL",
      health(down),
      "api.example.com.",
      0,
      ["api.example.com. 20 198.51.100.30"],
      [],
    ],
    [
      "failover: all down → serve-all (the first member, fail-open)",
      health(down, down),
      "api.example.com.",
      0,
      ["api.example.com. 10 192.0.2.30"],
      [],
    ],
    [
      "nodata when all down: NODATA with the SOA",
      health(down),
      "strict.example.com.",
      0,
      [],
      ["example.com. 300 ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300"],
    ],
    ["servfail when all down", health(down), "broken.example.com.", 2, [], []],
    [
      "servfail policy with its target up answers",
      health(up),
      "broken.example.com.",
      0,
      ["broken.example.com. 60 192.0.2.30"],
      [],
    ],
  ];
  it.each(healthCases)("%s", (_what, view, qname, rcode, answer, authority) => {
    const reply = ask(handler(view).handle, qname);
    expect(reply.rcode).toBe(rcode);
    expect(lines(reply)).toEqual(answer);
    expect(lines(reply, "authority")).toEqual(authority);
  });

  it("resolves a policy record in the additional section (SRV target)", () => {
    const reply = ask(handler(health(down)).handle, "_web._tcp.example.com.", undefined, 33);
    expect(lines(reply, "additional")).toEqual(["api.example.com. 20 198.51.100.30"]);
  });

  it("an SRV policy's answer gets the in-zone addresses of the targets it holds, and only those (as NSD/Knot)", () => {
    const all = ask(handler(health(up)).handle, "_sip._tcp.example.com.", undefined, 33);
    expect(lines(all)).toEqual([
      "_sip._tcp.example.com. 60 0 60 5060 sip1.example.com.",
      "_sip._tcp.example.com. 60 0 40 5060 sip2.example.com.",
      "_sip._tcp.example.com. 60 1 10 5060 sip3.example.com.",
    ]);
    expect(lines(all, "additional")).toEqual([
      "sip1.example.com. 3600 192.0.2.61",
      "sip2.example.com. 3600 192.0.2.62",
      "sip3.example.com. 3600 2001:db8::63",
    ]);
    const sip1Down = ask(handler(health(down)).handle, "_sip._tcp.example.com.", undefined, 33);
    expect(lines(sip1Down).map((line) => line.split(" ").at(-1))).toEqual([
      "sip2.example.com.",
      "sip3.example.com.",
    ]);
    expect(lines(sip1Down, "additional")).toEqual([
      "sip2.example.com. 3600 192.0.2.62",
      "sip3.example.com. 3600 2001:db8::63",
    ]);
  });

  it("a drill ramping a region the policy may use lowers the TTL to the drill TTL; another region does not", () => {
    expect(lines(ask(handler(health(up, up, ["eu"])).handle, "www.example.com.", "8.8.8.0/24"))).toEqual([
      "www.example.com. 7 198.51.100.1",
    ]);
    expect(lines(ask(handler(health(up, up, ["primary"])).handle, "www.example.com.", "8.8.8.0/24"))).toEqual(
      ["www.example.com. 300 198.51.100.1"],
    );
  });

  it("static records keep their data and scope 0", () => {
    const reply = ask(handler(health(down)).handle, "static.example.com.", "81.2.69.0/24");
    expect(lines(reply)).toEqual(["static.example.com. 3600 192.0.2.99"]);
    expect(reply.opt?.ecs?.scopePrefix).toBe(0);
  });

  it("counts answers per target and per state, with the target's region", () => {
    const { handle, stats } = handler(health(down));
    for (let i = 0; i < 3; i++) ask(handle, "api.example.com.");
    ask(handle, "www.example.com.", "8.8.8.0/24");
    expect([...stats.targets.values()].map((c) => [c.policy, c.target, c.region, c.count])).toEqual([
      ["api", "198.51.100.30", "secondary", 3],
      ["www-geo", "198.51.100.1", "na", 1],
    ]);
    expect(stats.states.get("example.com.|api")).toMatchObject({ healthy: 0, degraded: 3 });
    expect(stats.answersByRegion()).toEqual(
      new Map([
        ["secondary", 3],
        ["na", 1],
      ]),
    );
  });
});
