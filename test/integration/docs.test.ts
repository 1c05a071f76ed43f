/**
 * The reference pages say what the code does: every zone file and drills file shown in docs/ loads, the
 * `gslb check` output shown in docs/zones.md is what gslb prints, and docs/admin-api.md lists exactly the
 * gslb_* metrics a running server exposes.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatProblem } from "../../src/errors.ts";
import { parseDrills } from "../../src/health/drill-schema.ts";
import { parseZoneText } from "../../src/zones/zone-file.ts";
import { startTestServer, type TestServer } from "../helpers/gslb-server.ts";
import { ROOT } from "../helpers/gslb-cli.ts";

const PAGES = ["zones.md", "operations.md", "cli.md", "admin-api.md"] as const;
const page = (name: string): string => readFileSync(join(ROOT, "docs", name), "utf8");
const yamlBlocks = (text: string): string[] =>
  [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);

const zoneBlocks = PAGES.flatMap((name) =>
  yamlBlocks(page(name))
    .filter((b) => b.startsWith("zone:"))
    .map((b) => [name, b] as const),
);
const drillBlocks = PAGES.flatMap((name) =>
  yamlBlocks(page(name))
    .filter((b) => b.startsWith("drills:"))
    .map((b) => [name, b] as const),
);

describe("docs: examples load", () => {
  it("the pages show zone files and a drills file", () => {
    expect(zoneBlocks.length).toBeGreaterThanOrEqual(4);
    expect(drillBlocks.length).toBeGreaterThanOrEqual(1);
  });

  it.each(zoneBlocks.map(([name, block]) => [name, /^zone: (\S+)/.exec(block)![1]!, block]))(
    "%s: zone %s passes gslb check",
    (_page, zone, block) => {
      const parsed = parseZoneText(block, `zones/${zone.endsWith(".") ? zone : `${zone}.`}yaml`);
      expect(parsed.ok ? [] : parsed.problems.map(formatProblem)).toEqual([]);
    },
  );

  it.each(drillBlocks)("%s: the drills file parses", (_page, block) => {
    expect(parseDrills(block, "drills.yaml").length).toBeGreaterThan(0);
  });

  it("negative half: a broken zone block is caught", () => {
    const [, block] = zoneBlocks[0]!;
    const parsed = parseZoneText(block.replace(/SOA: .*/, "SOA: nonsense"), "zones/example.com.yaml");
    expect(parsed.ok).toBe(false);
  });
});

describe("docs/zones.md: the gslb check output shown is what gslb prints", () => {
  // The file behind the example: each line of the output must come from it, in order.
  const BROKEN = `zone: example.org.
ttl: 3600
records:
  "@":
    SOA: ns1 hostmaster 2026010101 7200 3600 1209600 300
    NS: [ns1, ns2]
    CNAME: www
  ns1: { A: 192.0.2.53 }
  www:
    A: [192.0.2.10, 192.0.2.300]
    TTL: 5
  app:
    A: { policy: ap }
  mail.example.net.:
    MX: 10 mail
  "x.*":
    A: 192.0.2.1
`;

  it("lists the same problems", () => {
    const shown = /```console\n\$ gslb check zones\n([\s\S]*?)```/
      .exec(page("zones.md"))![1]!
      .trim()
      .split("\n");
    const parsed = parseZoneText(BROKEN, "zones/example.org.yaml");
    const printed = parsed.ok ? [] : parsed.problems.map(formatProblem);
    expect(shown).toEqual([...printed, `${printed.length} problems in zones`]);
  });
});

describe("docs/admin-api.md lists every gslb_* metric a server exposes", () => {
  let server: TestServer;
  beforeAll(async () => {
    const zone = yamlBlocks(page("operations.md")).find((b) => b.startsWith("zone: gslb.example.com."))!;
    server = await startTestServer({ "gslb.example.com.yaml": zone });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("documented = served", async () => {
    const admin = server.server.admin!;
    const text = await (await fetch(`http://${admin.host}:${admin.port}/metrics`)).text();
    const served = new Set(
      [...text.matchAll(/^# TYPE (gslb_\w+)/gm)]
        .map((m) => m[1]!)
        .filter((n) => !n.startsWith("gslb_process_")),
    );
    const documented = new Set([...page("admin-api.md").matchAll(/^\| `(gslb_\w+)`/gm)].map((m) => m[1]!));
    expect(served.size).toBeGreaterThan(20);
    expect([...served].filter((n) => !documented.has(n)).sort()).toEqual([]);
    expect([...documented].filter((n) => !served.has(n)).sort()).toEqual([]);
    expect(text).toMatch(/^# TYPE gslb_process_\w+/m);
    // Regression: the policy pages named a gslb_policy_all_down_total that never existed.
    const policyPages = [
      "README.md",
      "static.md",
      "weighted.md",
      "multivalue.md",
      "failover.md",
      "geo.md",
      "latency.md",
      "srv.md",
    ].map((p) => `policies/${p}`);
    const mentioned = [...PAGES, ...policyPages].flatMap((name) =>
      [...page(name).matchAll(/\b(gslb_(?!process_|proxy_)[a-z_]+[a-z])\b/g)].map((m) => m[1]!),
    );
    expect(mentioned.length).toBeGreaterThan(30);
    expect([...new Set(mentioned)].filter((n) => !served.has(n)).sort()).toEqual([]);
  });
});
