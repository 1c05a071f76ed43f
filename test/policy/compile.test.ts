import { describe, expect, it } from "vitest";
import { compilePolicies, policyForRecord } from "../../src/policy/compile.ts";
import { policySectionsSchema } from "../../src/policy/schema.ts";
import { compile, problemsOf } from "./fixtures.ts";

const a = (address = "192.0.2.1") => ({ targets: [{ address }] });

describe("compile: rejected with a problem at the offending key", () => {
  it.each([
    [
      "dangling pool of a weighted policy",
      { policies: { w: { type: "weighted", pool: "nope" } } },
      "policies.w.pool",
      /unknown pool "nope"/,
    ],
    [
      "dangling failover member",
      { pools: { p: a() }, policies: { f: { type: "failover", members: ["p", "ghost"] } } },
      "policies.f.members[1]",
      /unknown pool or policy "ghost"/,
    ],
    [
      "dangling geo default",
      { policies: { g: { type: "geo", default: "x" } } },
      "policies.g.default",
      /unknown pool or policy "x"/,
    ],
    [
      "dangling check",
      { pools: { p: { targets: [{ address: "192.0.2.1", check: "web" }] } } },
      "pools.p.targets[0].check",
      /unknown check "web"/,
    ],
    [
      "dangling pool fallback",
      { pools: { p: { ...a(), fallback: "q" } } },
      "pools.p.fallback",
      /unknown pool "q"/,
    ],
    [
      "dangling last-resort pool",
      { pools: { p: a() }, policies: { s: { type: "static", pool: "p", when_all_down: { pool: "z" } } } },
      "policies.s.when_all_down.pool",
      /unknown pool "z"/,
    ],
    [
      "policy cycle",
      { policies: { x: { type: "failover", members: ["y"] }, y: { type: "failover", members: ["x"] } } },
      "policies.y.members[0]",
      /policy cycle: x → y → x/,
    ],
    [
      "self reference",
      { policies: { x: { type: "failover", members: ["x"] } } },
      "policies.x.members[0]",
      /policy cycle: x → x/,
    ],
    [
      "cycle through geo",
      {
        pools: { p: a() },
        policies: {
          g: { type: "geo", rules: [{ country: "DE", use: "f" }], default: "p" },
          f: { type: "failover", members: ["g"] },
        },
      },
      "policies.f.members[0]",
      /policy cycle: g → f → g/,
    ],
    [
      "pool fallback cycle",
      { pools: { p: { ...a(), fallback: "q" }, q: { ...a(), fallback: "p" } } },
      "pools.q.fallback",
      /fallback cycle: p → q → p/,
    ],
    [
      "mixed pool",
      { pools: { p: { targets: [{ address: "192.0.2.1" }, { address: "2001:db8::1" }] } } },
      "pools.p.targets[1]",
      /mixes A and AAAA/,
    ],
    [
      "members answering different types",
      { pools: { p: a(), q: a("2001:db8::1") }, policies: { f: { type: "failover", members: ["p", "q"] } } },
      "policies.f.members[1]",
      /answers AAAA/,
    ],
    [
      "srv policy over address pool",
      { pools: { p: a() }, policies: { s: { type: "srv", pools: ["p"] } } },
      "policies.s.pools[0]",
      /needs srv targets/,
    ],
    [
      "name both pool and policy",
      { pools: { p: a() }, policies: { p: { type: "static", pool: "p" } } },
      "policies.p",
      /also the name of a pool/,
    ],
    [
      "unknown country",
      {
        pools: { p: a() },
        policies: { g: { type: "geo", rules: [{ country: "XX", use: "p" }], default: "p" } },
      },
      "policies.g.rules[0].country",
      /unknown ISO 3166-1 country "XX"/,
    ],
    [
      "CIDR with host bits",
      {
        pools: { p: a() },
        policies: { g: { type: "geo", rules: [{ cidr: "10.0.0.1/8", use: "p" }], default: "p" } },
      },
      "policies.g.rules[0].cidr",
      /host bits/,
    ],
    [
      "rule with two keys",
      {
        pools: { p: a() },
        policies: { g: { type: "geo", rules: [{ country: "DE", continent: "EU", use: "p" }], default: "p" } },
      },
      "policies.g.rules[0]",
      /exactly one/,
    ],
    [
      "same country twice",
      {
        pools: { p: a() },
        policies: {
          g: {
            type: "geo",
            rules: [
              { country: "DE", use: "p" },
              { country: ["FR", "DE"], use: "p" },
            ],
            default: "p",
          },
        },
      },
      "policies.g.rules[1].country",
      /already matched/,
    ],
    [
      "latency region without location",
      { pools: { p: a() }, policies: { l: { type: "latency", regions: [{ use: "p" }] } } },
      "policies.l.regions[0]",
      /no location/,
    ],
    [
      "latency table names an unknown region",
      {
        pools: { p: { ...a(), location: { lat: 1, lon: 1 } } },
        policies: { l: { type: "latency", regions: [{ use: "p" }], table: { DE: { q: 5 } } } },
      },
      "policies.l.table.DE.q",
      /not one of this policy's regions/,
    ],
  ])("%s", (_name, sections, path, reason) => {
    const problems = problemsOf(sections);
    expect(problems.map((p) => p.path)).toContain(path);
    const problem = problems.find((p) => p.path === path)!;
    expect(problem.reason).toMatch(reason);
    expect(problem.file).toBe("zone.yaml");
    expect(problem.line).toBe(path.split(/[.[]/).length);
  });

  it("a cycle is reported once", () => {
    expect(
      problemsOf({ pools: { p: { ...a(), fallback: "q" }, q: { ...a(), fallback: "p" } } }),
    ).toHaveLength(1);
  });

  it("check definitions go to the caller's validator", () => {
    const sections = policySectionsSchema.parse({ checks: { web: { kind: "bogus" } } });
    const result = compilePoliciesWithValidator(sections);
    expect(result).toEqual(["checks.web"]);
  });
});

function compilePoliciesWithValidator(sections: ReturnType<typeof policySectionsSchema.parse>): string[] {
  const result = compilePolicies(sections, {
    file: "z.yaml",
    lineOf: () => 1,
    validateCheck: (_name, definition, path) =>
      definition["kind"] === "bogus"
        ? [{ file: "z.yaml", line: 1, path: path.join("."), reason: "bad kind" }]
        : [],
  });
  return result.ok ? [] : result.problems.map((p) => p.path);
}

describe("compile: accepted", () => {
  const zone = compile({
    pools: { p: a(), q: { ...a("192.0.2.2"), fallback: "p" }, six: a("2001:db8::1") },
    policies: {
      f: { type: "failover", members: ["q", "p"] },
      g: { type: "geo", rules: [{ continent: "EU", use: ["f", "p"] }], default: "f" },
      diamond: { type: "failover", members: ["g", "f"] },
    },
  });

  it.each([
    ["f", "A", true],
    ["g", "A", true],
    ["diamond", "A", true],
    ["p", "A", true],
    ["six", "AAAA", true],
    ["six", "A", false],
    ["g", "SRV", false],
    ["missing", "A", false],
  ] as const)("record %s %s → %s", (name, type, ok) => {
    expect(policyForRecord(zone, name, type).ok).toBe(ok);
  });
});

describe("schema", () => {
  it.each([
    ["weight over 65535", { pools: { p: { targets: [{ address: "192.0.2.1", weight: 70000 }] } } }],
    ["negative weight", { pools: { p: { targets: [{ address: "192.0.2.1", weight: -1 }] } } }],
    ["bad address", { pools: { p: { targets: [{ address: "192.0.2.300" }] } } }],
    ["empty pool", { pools: { p: { targets: [] } } }],
    ["unknown policy type", { policies: { x: { type: "roundrobin", pool: "p" } } }],
    ["answers 0", { policies: { x: { type: "multivalue", pool: "p", answers: 0 } } }],
    ["unknown key", { policies: { x: { type: "static", pool: "p", colour: "red" } } }],
    ["bad all-down", { policies: { x: { type: "static", pool: "p", when_all_down: "panic" } } }],
    [
      "srv target without trailing dot",
      { pools: { p: { targets: [{ srv: "sip.example.com", port: 5060 }] } } },
    ],
    ["latitude out of range", { pools: { p: { ...a(), location: { lat: 91, lon: 0 } } } }],
  ])("rejects %s", (_name, sections) => {
    expect(policySectionsSchema.safeParse(sections).success).toBe(false);
  });

  it.each(["10.0.0.2", "10.0.0.2:8080", "[2001:db8::2]:8443", "probe.example.com.", "probe.example.com.:80"])(
    "accepts probe address %s",
    (probe) => {
      expect(
        policySectionsSchema.safeParse({ pools: { p: { targets: [{ address: "192.0.2.1", probe }] } } })
          .success,
      ).toBe(true);
    },
  );

  it.each(["10.0.0.2:99999", "probe.example.com", "[10.0.0.2]x"])("rejects probe address %s", (probe) => {
    expect(
      policySectionsSchema.safeParse({ pools: { p: { targets: [{ address: "192.0.2.1", probe }] } } })
        .success,
    ).toBe(false);
  });

  it("fills the defaults", () => {
    const parsed = policySectionsSchema.parse({
      pools: { p: a() },
      policies: { w: { type: "weighted", pool: "p" } },
    });
    expect(parsed.pools["p"]!.targets[0]!.weight).toBe(1);
    expect(parsed.policies["w"]).toMatchObject({
      answers: 1,
      sticky: null,
      when_all_down: "serve-all",
      ttl: { healthy: 60, degraded: 30, all_down: 10 },
    });
  });
});
