import { describe, expect, it } from "vitest";
import { compile, FakeGeo, resolveWith } from "./fixtures.ts";

const geo = new FakeGeo({
  "198.51.100.0/24": { country: "DE" },
  "203.0.0.0/16": { country: "US" },
  "2001:db8::/32": { country: "JP" },
});
const eu = { targets: [{ address: "192.0.2.1" }], location: { lat: 50, lon: 8 } };
const us = { targets: [{ address: "192.0.2.2" }], location: { lat: 39, lon: -77 } };
const zone = compile({
  pools: { eu, us },
  policies: {
    plain: { type: "static", pool: "eu" },
    weighted: { type: "weighted", pool: "eu" },
    sticky: { type: "weighted", pool: "eu", sticky: { ipv4_prefix: 20, ipv6_prefix: 48 } },
    multi: { type: "multivalue", pool: "eu" },
    chain: { type: "failover", members: ["eu", "us"] },
    geo: {
      type: "geo",
      rules: [
        { country: "DE", use: "eu" },
        { cidr: "203.0.113.0/24", use: "eu" },
      ],
      default: "us",
    },
    latency: { type: "latency", regions: [{ use: "eu" }, { use: "us" }] },
    "chain-of-geo": { type: "failover", members: ["geo", "us"] },
    "geo-of-sticky": { type: "geo", rules: [{ country: "JP", use: "sticky" }], default: "us" },
  },
});

describe("ECS scope = what the answer depended on, never more than the source prefix", () => {
  it.each([
    ["plain", "198.51.100.7", 0],
    ["weighted", "198.51.100.0/24", 0],
    ["multi", "198.51.100.0/24", 0],
    ["chain", "198.51.100.0/24", 0],
    ["sticky", "198.51.100.7", 20],
    ["sticky", "198.51.100.0/16", 16],
    ["sticky", "2001:db8:1:2::/64", 48],
    ["geo", "198.51.100.7", 24],
    ["geo", "198.51.100.0/22", 22],
    ["geo", "203.0.113.5", 24],
    ["geo", "203.0.1.0/24", 18],
    ["geo", "2001:db8::/56", 32],
    ["latency", "198.51.100.7", 24],
    ["latency", "203.0.1.1", 16],
    ["chain-of-geo", "198.51.100.7", 24],
    ["geo-of-sticky", "2001:db8:1::/56", 48],
    ["geo-of-sticky", "198.51.100.0/24", 24],
  ])("%s for %s → /%i", (name, client, scope) => {
    expect(resolveWith(zone, name, client, { geo }).ecsScopePrefix).toBe(scope);
  });

  it("a /0 ECS source caps every scope at 0", () => {
    for (const name of ["geo", "latency", "sticky"]) {
      expect(resolveWith(zone, name, "198.51.100.0/0", { geo }).ecsScopePrefix).toBe(0);
    }
  });
});
