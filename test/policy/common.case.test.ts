/** The shared suite every policy type passes (STYLE §13). */
import { describe, expect, it } from "vitest";
import { answers, compile, FakeGeo, health, resolveWith, seeded } from "./fixtures.ts";

const geo = new FakeGeo({
  "81.2.69.0/24": { country: "GB" },
  "8.8.0.0/16": { country: "US" },
  "2001:db8::/32": { country: "JP" },
});
const target = (address: string) => ({ address, check: "web" });
const zone = compile({
  checks: { web: { kind: "http" } },
  pools: {
    a: { location: { lat: 50, lon: 0 }, targets: [target("192.0.2.1"), target("192.0.2.2")] },
    b: { location: { lat: 40, lon: -75 }, targets: [target("198.51.100.1")] },
    s: { targets: [{ srv: "x.example.com.", port: 1, check: "web", probe: "192.0.2.1" }] },
  },
  policies: {
    static: { type: "static", pool: "a" },
    weighted: { type: "weighted", pool: "a" },
    sticky: { type: "weighted", pool: "a", sticky: true },
    multivalue: { type: "multivalue", pool: "a", answers: 2 },
    failover: { type: "failover", members: ["a", "b"] },
    geo: { type: "geo", rules: [{ country: "GB", use: "a" }], default: "b" },
    latency: { type: "latency", regions: [{ use: "a" }, { use: "b" }] },
    srv: { type: "srv", pools: ["s"] },
  },
});
const names = ["static", "weighted", "sticky", "multivalue", "failover", "geo", "latency", "srv"];
const clients = [
  "81.2.69.142",
  "8.8.8.8",
  "203.0.113.7",
  "81.2.69.0/20",
  "2001:db8::1",
  "2001:db8::/40",
  "::ffff:8.8.8.8",
  "0.0.0.0/0",
];
const allDown = health({ "web@192.0.2.1": "down", "web@192.0.2.2": "down", "web@198.51.100.1": "down" });

describe.each(names)("policy %s", (name) => {
  it.each(clients)("client %s: answers, scope within the source prefix, kind matches", (client) => {
    const r = resolveWith(zone, name, client, { geo });
    const source = Number(
      client.includes("/")
        ? client.split("/")[1]
        : client.includes(":") && !client.startsWith("::ffff")
          ? 128
          : 32,
    );
    expect(r.outcome).toBe("answer");
    expect(r.rdata.length).toBeGreaterThan(0);
    expect(r.state).toBe("healthy");
    expect(r.ttl).toBe(60);
    expect(r.ecsScopePrefix).toBeGreaterThanOrEqual(0);
    expect(r.ecsScopePrefix).toBeLessThanOrEqual(source);
    expect(new Set(r.rdata.map((d) => d.kind))).toEqual(new Set([zone.kinds.get(name)]));
  });

  it("is deterministic for one random seed", () => {
    const run = () =>
      clients.map((c) => answers(resolveWith(zone, name, c, { geo, random: seeded(42) })).join());
    expect(run()).toEqual(run());
  });

  it("everything down: all-down state and TTL, fail-open answer", () => {
    const r = resolveWith(zone, name, "81.2.69.142", {
      geo,
      health: name === "srv" ? health({ "web@192.0.2.1": "down" }) : allDown,
    });
    expect([r.outcome, r.state, r.ttl]).toEqual(["answer", "all-down", 10]);
    expect(r.rdata.length).toBeGreaterThan(0);
  });
});
