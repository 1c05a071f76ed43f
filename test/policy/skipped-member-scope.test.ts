/**
 * Regression: a composite policy dropped the ECS scope of the members it walked past. A failover whose first
 * member is a geo policy answered a German client from the backup at scope /0 when the German region (and
 * the geo default) were down, so a resolver caching by scope handed the backup to Japanese clients, whose
 * region was up. Every member walked — skipped or answering — decides the answer.
 */
import { describe, expect, it } from "vitest";
import { answers, compile, FakeGeo, health, resolveWith } from "./fixtures.ts";

const geo = new FakeGeo({
  "198.51.100.0/24": { country: "DE" },
  "203.0.113.0/24": { country: "JP" },
});
const pool = (address: string) => ({ targets: [{ address, check: "web" }] });
const zone = compile({
  checks: { web: { kind: "http" } },
  pools: { eu: pool("192.0.2.1"), jp: pool("192.0.2.2"), us: pool("192.0.2.3"), backup: pool("192.0.2.9") },
  policies: {
    regional: {
      type: "geo",
      rules: [
        { country: "DE", use: "eu" },
        { country: "JP", use: "jp" },
      ],
      default: "us",
    },
    chain: { type: "failover", members: ["regional", "backup"] },
    "chain-nodata": { type: "failover", members: ["regional"], when_all_down: "nodata" },
    office: { type: "geo", rules: [{ cidr: "198.51.100.0/28", use: "jp" }], default: "eu" },
    "chain-of-office": { type: "failover", members: ["office", "backup"] },
    nearest: {
      type: "latency",
      regions: [
        { use: "office", location: { lat: 50, lon: 8 } },
        { use: "backup", location: { lat: 39, lon: -77 } },
      ],
    },
    "geo-of-chain": {
      type: "geo",
      rules: [{ cidr: "192.0.2.0/24", use: "us" }],
      default: "chain",
    },
  },
});
const euAndUsDown = health({ "web@192.0.2.1": "down", "web@192.0.2.3": "down" });

describe("the ECS scope covers every member walked, not only the one that answered", () => {
  it.each([
    ["chain", "198.51.100.7", ["192.0.2.9"], "answer", 24],
    ["chain", "203.0.113.7", ["192.0.2.2"], "answer", 24],
    ["chain-nodata", "198.51.100.7", [], "nodata", 24],
    ["chain-nodata", "203.0.113.7", ["192.0.2.2"], "answer", 24],
    ["geo-of-chain", "198.51.100.7", ["192.0.2.9"], "answer", 24],
    ["chain-of-office", "198.51.100.7", ["192.0.2.2"], "answer", 28],
    ["chain-of-office", "198.51.100.100", ["192.0.2.9"], "answer", 26],
    ["nearest", "198.51.100.7", ["192.0.2.2"], "answer", 28],
    ["nearest", "198.51.100.100", ["192.0.2.9"], "answer", 26],
  ])("%s for %s → %j (%s) at /%i", (name, client, expected, outcome, scope) => {
    const r = resolveWith(zone, name, client, { geo, health: euAndUsDown });
    expect(answers(r)).toEqual(expected);
    expect(r.outcome).toBe(outcome);
    expect(r.ecsScopePrefix).toBe(scope);
  });

  it("with every region up the chain still answers at the GeoIP scope", () => {
    const r = resolveWith(zone, "chain", "198.51.100.7", { geo, health: health() });
    expect(answers(r)).toEqual(["192.0.2.1"]);
    expect(r.ecsScopePrefix).toBe(24);
  });
});
