/** Zone files with checks, pools and policies: `{ policy }` records load, are checked, and reload safely. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { formatProblem } from "../../src/errors.ts";
import { checkPath } from "../../src/zones/loader.ts";
import { lookup } from "../../src/zones/lookup.ts";
import { ZoneStore, type ZoneEvent } from "../../src/zones/store.ts";
import { parseZoneText } from "../../src/zones/zone-file.ts";
import { isPolicyRRset } from "../../src/zones/zone.ts";
import { reachablePools } from "../../src/zones/zone-policies.ts";
import { policySectionsSchema } from "../../src/policy/schema.ts";

const FILE = "zones/example.com.yaml";
const zone = (records: string, sections: string, origin = "example.com."): string => `zone: ${origin}
ttl: 3600
records:
  "@":
    SOA: ns1 hostmaster 1 7200 3600 1209600 300
    NS: ns1
  ns1: { A: 192.0.2.53 }
${records}
checks:
  web: { kind: http, path: /healthz, interval: 1s, timeout: 500ms, rise: 2, fall: 3 }
pools:
  main: { targets: [{ address: 192.0.2.1, check: web }, { address: 192.0.2.2, weight: 0 }], fallback: backup }
  backup: { targets: [{ address: 198.51.100.1 }] }
  v6: { targets: [{ address: "2001:db8::1" }] }
policies:
  app: { type: failover, members: [main, backup], ttl: { healthy: 45, drill: 3 } }
${sections}`;

const problems = (text: string): string[] => {
  const parsed = parseZoneText(text, FILE);
  return parsed.ok ? [] : parsed.problems.map(formatProblem);
};

describe("a zone with policies", () => {
  it("loads { policy } records as policy RRsets carried by every lookup outcome", () => {
    const text = zone("  www: { A: { policy: app }, AAAA: { policy: v6 } }\n  alias: { CNAME: www }\n  \"*.w\": { A: { policy: app } }\n  _x._tcp: { MX: 10 www }", "");
    const parsed = parseZoneText(text, FILE);
    if (!parsed.ok) throw new Error(parsed.problems.map(formatProblem).join("\n"));
    const www = parsed.zone.rrsets.find((r) => r.name === "www.example.com." && r.type === 1)!;
    expect(isPolicyRRset(www) && { policy: www.policyName, ttl: www.ttl, drill: www.drillTtl, regions: www.regions }).toEqual({
      policy: "app",
      ttl: 45,
      drill: 3,
      regions: ["main", "backup"],
    });
    expect(parsed.zone.policies?.compiled.probes).toEqual([{ key: "web@192.0.2.1", check: "web", address: "192.0.2.1" }]);
    expect([...parsed.zone.policies!.checks.keys()]).toEqual(["web"]);
  });

  const cases: [string, string, string, string[]][] = [
    ["unknown policy", "  www: { A: { policy: nope } }", "", [`${FILE}:8: records.www.A.policy: unknown policy "nope"`]],
    ["policy of another type", "  www: { AAAA: { policy: app } }", "", [`${FILE}:8: records.www.AAAA.policy: policy "app" answers A, not AAAA`]],
    ["policy on a type no policy answers", "  www: { TXT: { policy: app } }", "", [`${FILE}:8: records.www.TXT.policy: policy "app" answers A, not TXT`]],
    [
      "dangling member",
      "  www: { A: { policy: app } }",
      "  bad: { type: failover, members: [main, mian] }",
      [`${FILE}:17: policies.bad.members[1]: unknown pool or policy "mian"`],
    ],
    [
      "a cycle",
      "  www: { A: { policy: app } }",
      "  c1: { type: failover, members: [c2] }\n  c2: { type: failover, members: [c1] }",
      [`${FILE}:18: policies.c2.members[0]: policy cycle: c1 → c2 → c1`],
    ],
    ["policy and CNAME at one name", "  www: { A: { policy: app }, CNAME: ns1 }", "", [
      `${FILE}:8: records.www.CNAME: CNAME must be the only record at www.example.com., found also A (RFC 1034 §3.6.2, RFC 2181 §10.1)`,
    ]],
  ];
  it.each(cases)("rejects %s with file:line: path: reason", (_what, records, sections, expected) => {
    expect(problems(zone(records, sections))).toEqual(expected);
  });

  // Every stage (zod schema, policy compiler, check schema, composite references) prints one path format:
  // list indexes in brackets, names with dots quoted in brackets (formatPath of src/zones/yaml-source.ts).
  const pathFormats: [string, string, string][] = [
    ["schema", "pools:\n  p: { targets: [{ address: 192.0.2.1 }, { address: 192.0.2.2, weight: -1 }] }", "pools.p.targets[1].weight"],
    ["compiler, target", "pools:\n  p: { targets: [{ address: 192.0.2.1 }, { address: 192.0.2.2, check: nope }] }", "pools.p.targets[1].check"],
    ["compiler, member", "pools:\n  p: { targets: [{ address: 192.0.2.1 }] }\npolicies:\n  app: { type: failover, members: [p, q] }", "policies.app.members[1]"],
    ["compiler, dotted name", 'pools:\n  "p.x": { targets: [{ address: 192.0.2.1 }], fallback: nope }\npolicies:\n  app: { type: failover, members: ["p.x"] }', 'pools["p.x"].fallback'],
    ["check schema", "checks:\n  web: { kind: tcp, port: 80, interval: 1x }", "checks.web.interval"],
    ["composite reference", "checks:\n  c: { kind: composite, mode: all, checks: [x] }", "checks.c.checks[0]"],
    ["composite reference, dotted name", 'checks:\n  "c.d": { kind: composite, mode: all, checks: [x] }', 'checks["c.d"].checks[0]'],
  ];
  it.each(pathFormats)("prints one path format: %s", (_stage, sections, path) => {
    const text = `zone: example.com.\nttl: 3600\nrecords:\n  "@":\n    SOA: ns1 hostmaster 1 7200 3600 1209600 300\n    NS: ns1\n  ns1: { A: 192.0.2.53 }\n${sections}\n`;
    const parsed = parseZoneText(text, FILE);
    expect(parsed.ok ? [] : parsed.problems.map((p) => p.path)).toEqual([path]);
    expect(path).not.toMatch(/\.\d/);
  });

  // Regression: an SRV target with a bad field was reported against the address-target branch ("address:
  // expected string", "unknown key "srv" (expected ttl, values — or policy)").
  const targetShapes: [string, string, string[]][] = [
    ["an SRV target with a bad weight", "s: { targets: [{ srv: a.example.com., port: 5, weight: ten }] }", ["pools.s.targets[0].weight: Invalid input: expected number, received string"]],
    ["an address target with an unknown key", "a: { targets: [{ address: 192.0.2.1, colour: red }] }", ['pools.a.targets[0].colour: unknown key "colour"']],
    ["an unknown key on a pool", "b: { targets: [{ address: 192.0.2.1 }], colour: 1 }", ['pools.b.colour: unknown key "colour"']],
  ];
  it.each(targetShapes)("reports %s against the shape it was meant for", (_what, pool, expected) => {
    const text = `zone: example.com.\nttl: 3600\nrecords:\n  "@":\n    SOA: ns1 hostmaster 1 7200 3600 1209600 300\n    NS: ns1\n  ns1: { A: 192.0.2.53 }\npools:\n  ${pool}\n`;
    expect(problems(text)).toEqual(expected.map((e) => `${FILE}:9: ${e}`));
  });

  it("rejects a bad check definition at its line", () => {
    const text = zone("  www: { A: { policy: app } }", "").replace("rise: 2,", "rise: 2, colour: red,");
    expect(problems(text)).toEqual([`${FILE}:10: checks.web: Unrecognized key: "colour"`]);
  });

  it("finds the pools a policy may answer from (members, rules, regions, fallbacks, last resort)", () => {
    const sections = policySectionsSchema.parse({
      pools: { a: { targets: [{ address: "192.0.2.1" }], fallback: "b" }, b: { targets: [{ address: "192.0.2.2" }] }, c: { targets: [{ address: "192.0.2.3" }] }, d: { targets: [{ address: "192.0.2.4" }] } },
      policies: {
        g: { type: "geo", rules: [{ continent: "EU", use: "a" }], default: "inner", when_all_down: { pool: "d" } },
        inner: { type: "latency", regions: [{ use: "c" }] },
      },
    });
    expect(reachablePools(sections, "g").sort()).toEqual(["a", "b", "c", "d"]);
    expect(reachablePools(sections, "inner")).toEqual(["c"]);
  });
});

describe("policy zones on disk", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "gslb-policy-zones-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("rejects the same check name defined differently in two zones, on the later file", async () => {
    await writeFile(join(dir, "example.com.yaml"), zone("  www: { A: { policy: app } }", ""));
    const other = zone("  www: { A: { policy: app } }", "", "example.net.").replace("path: /healthz", "path: /other");
    await writeFile(join(dir, "example.net.yaml"), other);
    expect((await checkPath(dir)).map(formatProblem)).toEqual([
      `${join(dir, "example.net.yaml")}:10: checks.web: check "web" is defined differently in example.com.yaml (check names are shared by all zones)`,
    ]);
    await writeFile(join(dir, "example.net.yaml"), zone("  www: { A: { policy: app } }", "", "example.net."));
    expect(await checkPath(dir)).toEqual([]);
  });

  describe("a check name defined two ways keeps the clashing edit out, like any invalid edit", () => {
    const WWW = "  www: { A: { policy: app } }";
    const EDITED = `${WWW}\n  new: { A: 192.0.2.99 }`; // one more record: shows whether the edit is served
    const file = (origin: string): string => join(dir, `${origin}yaml`);
    const write = (origin: string, records: string, path = "/healthz"): Promise<void> =>
      writeFile(file(origin), zone(records, "", origin).replace("path: /healthz", `path: ${path}`));
    const served = (store: ZoneStore, name: string): boolean => lookup(store.current(), name, 1).kind === "answer";
    const clash = (origin: string, line: number, other: string): string =>
      `${file(origin)}:${line}: checks.web: check "web" is defined differently in ${other}yaml (check names are shared by all zones)`;

    // [what, edits applied after both files served /healthz, problems of the reload, origins whose edit is served]
    // A clash is [file's origin, the other file's origin]; the check's key is on line 11 of the edited files.
    // Edits are [origin, check path]; a file not edited keeps its first version.
    const cases: [string, [string, string][], [string, string][], string[]][] = [
      ["the later file redefines it", [["example.net.", "/other"]], [["example.net.", "example.com."]], []],
      ["the earlier file redefines it", [["example.com.", "/other"]], [["example.com.", "example.net."]], []],
      [
        "the earlier file redefines it while the later one is edited too",
        [["example.com.", "/other"], ["example.net.", "/healthz"]],
        [["example.com.", "example.net."]],
        ["example.net."],
      ],
      ["the later file redefines it while the earlier one is edited too", [["example.com.", "/healthz"], ["example.net.", "/other"]], [["example.net.", "example.com."]], ["example.com."]],
      [
        "both files redefine it, differently",
        [["example.com.", "/one"], ["example.net.", "/two"]],
        [["example.net.", "example.com."], ["example.com.", "example.net."]],
        [],
      ],
      ["both files redefine it the same way", [["example.com.", "/v2"], ["example.net.", "/v2"]], [], ["example.com.", "example.net."]],
    ];
    it.each(cases)("%s", async (_what, edits, clashes, editsServed) => {
      await write("example.com.", WWW);
      await write("example.net.", WWW);
      const events: ZoneEvent[] = [];
      const { store } = await ZoneStore.open(dir, { onEvent: (e) => events.push(e) });
      expect(store.problems()).toEqual([]);
      for (const [origin, path] of edits) await write(origin, EDITED, path);
      events.length = 0;
      const report = await store.reload();
      expect(report.problems.map(formatProblem)).toEqual(clashes.map(([origin, other]) => clash(origin, 11, other)));
      expect(events.filter((e) => e.type === "rejected")).toEqual(
        clashes.map(([origin]) => expect.objectContaining({ file: file(origin), servingPrevious: true })),
      );
      for (const origin of ["example.com.", "example.net."]) {
        expect({ origin, www: served(store, `www.${origin}`), edit: served(store, `new.${origin}`) }).toEqual({
          origin,
          www: true,
          edit: editsServed.includes(origin),
        });
      }
    });

    it("a new file that clashes has no previous version: it stays out until fixed", async () => {
      await write("example.com.", WWW);
      const events: ZoneEvent[] = [];
      const { store } = await ZoneStore.open(dir, { onEvent: (e) => events.push(e) });
      await write("example.net.", EDITED, "/other");
      const report = await store.reload();
      expect(report.problems.map(formatProblem)).toEqual([clash("example.net.", 11, "example.com.")]);
      expect(events.at(-1)).toMatchObject({ type: "rejected", file: file("example.net."), servingPrevious: false });
      expect([served(store, "www.example.com."), served(store, "www.example.net.")]).toEqual([true, false]);
      await write("example.net.", EDITED);
      expect((await store.reload()).problems).toEqual([]);
      expect(served(store, "new.example.net.")).toBe(true);
    });

    it("the rejected file is fixed: its edit is served on the next reload", async () => {
      await write("example.com.", WWW);
      await write("example.net.", WWW);
      const { store } = await ZoneStore.open(dir);
      await write("example.net.", EDITED, "/other");
      expect((await store.reload()).problems).toHaveLength(1);
      await write("example.net.", EDITED);
      expect((await store.reload()).problems).toEqual([]);
      expect(served(store, "new.example.net.")).toBe(true);
    });
  });

  it("a reload with a broken policy keeps the old version serving", async () => {
    const file = join(dir, "example.com.yaml");
    await writeFile(file, zone("  www: { A: { policy: app } }", ""));
    const { store } = await ZoneStore.open(dir);
    const policyOf = (): string | undefined => {
      const rrset = lookup(store.current(), "www.example.com.", 1).answer[0];
      return rrset !== undefined && isPolicyRRset(rrset) ? rrset.policyName : undefined;
    };
    expect(policyOf()).toBe("app");
    expect(lookup(store.current(), "www.example.com.", 1).dynamic).toBe(true);
    expect(lookup(store.current(), "ns1.example.com.", 1).dynamic).toBe(false);
    await writeFile(file, zone("  www: { A: { policy: ap } }", ""));
    const report = await store.reload();
    expect(report.problems.map(formatProblem)).toEqual([`${file}:8: records.www.A.policy: unknown policy "ap"`]);
    expect(policyOf()).toBe("app");
    await writeFile(file, zone("  www: { A: { policy: main } }", ""));
    await store.reload();
    expect(policyOf()).toBe("main");
  });
});
