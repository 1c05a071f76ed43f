import { describe, expect, it } from "vitest";
import { answers, compile, health, resolveWith, seeded } from "./fixtures.ts";

const web = (n: number, prefix = "192.0.2.") =>
  Array.from({ length: n }, (_, i) => ({ address: `${prefix}${i + 1}`, check: "web" }));
const zone = compile({
  checks: { web: { kind: "http" }, sip: { kind: "tcp", port: 5060 } },
  pools: {
    web: { targets: web(6) },
    sorry: { targets: [{ address: "203.0.113.99" }] },
    v6: {
      targets: [
        { address: "2001:DB8:0:0::1", check: "web" },
        { address: "2001:db8::2", check: "web" },
      ],
    },
    "sip-a": {
      targets: [
        { srv: "sip1.example.com.", port: 5060, weight: 60, check: "sip", probe: "10.0.0.1" },
        { srv: "SIP2.example.com.", port: 5060, weight: 40, check: "sip", probe: "10.0.0.2" },
        { srv: "sip9.example.com.", port: 5060, weight: 0 },
      ],
    },
    "sip-b": { targets: [{ srv: "sip3.example.net.", port: 5080, weight: 10, check: "sip" }] },
  },
  policies: {
    many: { type: "multivalue", pool: "web", answers: 4 },
    all: { type: "static", pool: "web" },
    six: { type: "static", pool: "v6" },
    sip: { type: "srv", pools: ["sip-a", "sip-b"] },
    "down-nodata": { type: "static", pool: "web", when_all_down: "nodata" },
    "down-servfail": { type: "static", pool: "web", when_all_down: "servfail" },
    "down-sorry": { type: "weighted", pool: "web", when_all_down: { pool: "sorry" }, ttl: { all_down: 7 } },
    "down-serve-all": { type: "multivalue", pool: "web", answers: 2 },
  },
});
const allWebDown = health(Object.fromEntries(web(6).map((t) => [`web@${t.address}`, "down"])));

describe("multivalue", () => {
  it("up to N healthy targets, distinct, in a shuffled order", () => {
    const random = seeded(8);
    const orders = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const a = answers(
        resolveWith(zone, "many", "198.51.100.1", { random, health: health({ "web@192.0.2.3": "down" }) }),
      );
      expect(a).toHaveLength(4);
      expect(new Set(a).size).toBe(4);
      expect(a).not.toContain("192.0.2.3");
      orders.add(a.join(","));
    }
    expect(orders.size).toBeGreaterThan(20);
  });

  it("fewer healthy than N: all healthy ones", () => {
    const states = {
      "web@192.0.2.1": "down",
      "web@192.0.2.2": "down",
      "web@192.0.2.3": "down",
      "web@192.0.2.4": "down",
    } as const;
    expect(answers(resolveWith(zone, "many", "198.51.100.1", { health: health(states) })).sort()).toEqual([
      "192.0.2.5",
      "192.0.2.6",
    ]);
  });
});

describe("static", () => {
  it.each([
    ["all", {}, ["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5", "192.0.2.6"]],
    ["all", { "web@192.0.2.2": "down" }, ["192.0.2.1", "192.0.2.3", "192.0.2.4", "192.0.2.5", "192.0.2.6"]],
    ["six", {}, ["2001:db8::1", "2001:db8::2"]],
    ["six", { "web@2001:db8::1": "down" }, ["2001:db8::2"]],
  ] as const)("%s with %j", (name, states, expected) => {
    expect(answers(resolveWith(zone, name, "198.51.100.1", { health: health(states) }))).toEqual(expected);
  });
});

describe("SRV generated from pools", () => {
  it.each([
    [
      "all up: priority by pool order, weight from targets, drained left out",
      {},
      ["0 60 5060 sip1.example.com.", "0 40 5060 sip2.example.com.", "1 10 5080 sip3.example.net."],
    ],
    [
      "a probe address down removes its target",
      { "sip@10.0.0.1": "down" },
      ["0 40 5060 sip2.example.com.", "1 10 5080 sip3.example.net."],
    ],
    [
      "target without probe address is probed at its SRV target",
      { "sip@sip3.example.net.": "down" },
      ["0 60 5060 sip1.example.com.", "0 40 5060 sip2.example.com."],
    ],
  ] as const)("%s", (_name, states, expected) => {
    const r = resolveWith(zone, "sip", "198.51.100.1", { health: health(states) });
    expect(answers(r)).toEqual(expected);
  });

  it("the prober is told every (check, probe address) pair", () => {
    expect(
      zone.probes
        .map((p) => p.key)
        .filter((k) => k.startsWith("sip@"))
        .sort(),
    ).toEqual(["sip@10.0.0.1", "sip@10.0.0.2", "sip@sip3.example.net."]);
    expect(zone.kinds.get("sip")).toBe("SRV");
    expect(zone.kinds.get("six")).toBe("AAAA");
  });
});

describe("all-down behaviours", () => {
  it.each([
    ["down-nodata", "nodata", [], 10],
    ["down-servfail", "servfail", [], 10],
    ["down-sorry", "answer", ["203.0.113.99"], 7],
    ["all", "answer", ["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5", "192.0.2.6"], 10],
  ] as const)("%s → %s", (name, outcome, expected, ttl) => {
    const r = resolveWith(zone, name, "198.51.100.1", { health: allWebDown });
    expect([r.outcome, r.state, r.ttl]).toEqual([outcome, "all-down", ttl]);
    expect(answers(r)).toEqual(expected);
  });

  it("serve-all keeps the answer count of the policy", () => {
    expect(answers(resolveWith(zone, "down-serve-all", "198.51.100.1", { health: allWebDown }))).toHaveLength(
      2,
    );
  });

  it.each(["down-nodata", "down-servfail", "down-sorry"])(
    "negative half: %s answers normally while a target is up",
    (name) => {
      const r = resolveWith(zone, name, "198.51.100.1", { health: health({ "web@192.0.2.1": "down" }) });
      expect([r.outcome, r.state, r.ttl]).toEqual(["answer", "degraded", 30]);
      expect(answers(r)).not.toContain("192.0.2.1");
    },
  );
});
