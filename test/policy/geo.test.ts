import { describe, expect, it } from "vitest";
import { answers, compile, FakeGeo, health, resolveWith } from "./fixtures.ts";

const geo = new FakeGeo({
  "81.2.69.0/24": { country: "GB", subdivision: "GB-SCT" },
  "81.2.70.0/24": { country: "GB", subdivision: "GB-ENG" },
  "89.160.0.0/16": { country: "SE" },
  "2.16.0.0/13": { country: "FR" },
  "8.8.0.0/16": { country: "US", subdivision: "US-CA" },
  "9.9.0.0/16": { country: "US", subdivision: "US-NY" },
  "1.128.0.0/11": { country: "AU" },
  "10.0.0.0/8": { country: "DE" },
  "2001:218::/32": { country: "JP" },
});

const pool = (address: string) => ({ targets: [{ address, check: "web" }] });
const zone = compile({
  checks: { web: { kind: "http" } },
  pools: {
    eu: pool("192.0.2.1"),
    uk: pool("192.0.2.2"),
    scotland: pool("192.0.2.3"),
    us: pool("192.0.2.4"),
    california: pool("192.0.2.5"),
    office: pool("192.0.2.6"),
    lab: pool("192.0.2.7"),
    world: pool("192.0.2.8"),
    v6: { targets: [{ address: "2001:db8::1" }] },
  },
  policies: {
    g: {
      type: "geo",
      rules: [
        { continent: "EU", use: "eu" },
        { country: ["GB", "IE"], use: ["uk", "eu"] },
        { subdivision: "GB-SCT", use: "scotland" },
        { country: "US", use: "us" },
        { subdivision: "us-ca", use: "california" },
        { cidr: "10.0.0.0/8", use: "office" },
        { cidr: "10.1.2.0/24", use: "lab" },
      ],
      default: "world",
    },
  },
});

describe("geo: most specific rule wins", () => {
  it.each([
    // client, expected answer, rule that must win, scope
    ["81.2.69.142", "192.0.2.3", "subdivision beats country and continent", 24],
    ["81.2.70.1", "192.0.2.2", "country beats continent (subdivision without a rule)", 24],
    ["89.160.20.112", "192.0.2.1", "continent", 16],
    ["2.16.1.1", "192.0.2.1", "continent (FR)", 13],
    ["8.8.8.8", "192.0.2.5", "subdivision US-CA (written lower case)", 16],
    ["9.9.9.9", "192.0.2.4", "country US (US-NY has no rule)", 16],
    ["1.128.0.1", "192.0.2.8", "no rule for AU: default", 11],
    ["100.64.0.1", "192.0.2.8", "unknown network: default", 8],
    ["10.1.2.3", "192.0.2.7", "longest CIDR beats shorter CIDR and GeoIP", 24],
    ["10.9.9.9", "192.0.2.6", "CIDR beats GeoIP country DE; 10.8.0.0/13 excludes the /24 rule", 13],
    ["10.1.3.3", "192.0.2.6", "CIDR /8 next to a /24 it does not match", 24],
    ["2001:218::1", "192.0.2.8", "IPv6 client, JP has no rule", 32],
  ])("%s → %s (%s), scope /%i", (client, expected, _why, scope) => {
    const r = resolveWith(zone, "g", client, { geo });
    expect(answers(r)).toEqual([expected]);
    expect(r.ecsScopePrefix).toBe(scope);
  });

  it.each([
    ["81.2.69.142", { "web@192.0.2.3": "down" }, "192.0.2.8", "rule members down: the default follows"],
    ["81.2.70.1", { "web@192.0.2.2": "down" }, "192.0.2.1", "second member of the rule"],
    ["81.2.70.1", { "web@192.0.2.2": "down", "web@192.0.2.1": "down" }, "192.0.2.8", "then the default"],
  ] as const)("%s with %j → %s (%s)", (client, states, expected, _why) => {
    const r = resolveWith(zone, "g", client, { geo, health: health(states) });
    expect(answers(r)).toEqual([expected]);
    expect(r.state).toBe("degraded");
  });

  it("negative half: a client outside every rule never gets a rule's pool", () => {
    for (const client of ["1.128.0.1", "100.64.0.1", "203.0.113.9"]) {
      expect(answers(resolveWith(zone, "g", client, { geo }))).toEqual(["192.0.2.8"]);
    }
  });

  it("the scope never exceeds the ECS source prefix", () => {
    expect(resolveWith(zone, "g", "10.1.2.0/20", { geo }).ecsScopePrefix).toBe(20);
    expect(resolveWith(zone, "g", "89.160.0.0/12", { geo }).ecsScopePrefix).toBe(12);
  });

  it("CIDR matches skip the GeoIP lookup", () => {
    const counting = new FakeGeo({});
    resolveWith(zone, "g", "10.1.2.3", { geo: counting });
    expect(counting.lookups).toBe(0);
    resolveWith(zone, "g", "11.1.2.3", { geo: counting });
    expect(counting.lookups).toBe(1);
  });
});
