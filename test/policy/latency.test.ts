import { describe, expect, it } from "vitest";
import { greatCircleKm } from "../../src/policy/latency.ts";
import { answers, compile, FakeGeo, health, resolveWith, seeded } from "./fixtures.ts";

const geo = new FakeGeo({
  "81.2.69.0/24": { country: "GB", lat: 51.51, lon: -0.09 },
  "2.16.0.0/13": { country: "FR" },
  "8.8.0.0/16": { country: "US", lat: 37.4, lon: -122.1 },
  "9.9.0.0/16": { country: "US", lat: 40.7, lon: -74.0 },
  "1.128.0.0/11": { country: "AU" },
  "133.0.0.0/8": { country: "JP" },
  "41.0.0.0/8": { country: "ZA" },
});

const pools = {
  dublin: { location: { lat: 53.35, lon: -6.26 }, targets: [{ address: "192.0.2.1", check: "web" }] },
  virginia: { location: { lat: 38.9, lon: -77.4 }, targets: [{ address: "192.0.2.2", check: "web" }] },
  oregon: { location: { lat: 45.6, lon: -121.2 }, targets: [{ address: "192.0.2.3", check: "web" }] },
  tokyo: { location: { lat: 35.68, lon: 139.69 }, targets: [{ address: "192.0.2.4", check: "web" }] },
  sydney: { location: { lat: -33.87, lon: 151.21 }, targets: [{ address: "192.0.2.5", check: "web" }] },
};
const regions = ["dublin", "virginia", "oregon", "tokyo", "sydney"].map((use) => ({ use }));
const zone = compile({
  checks: { web: { kind: "http" } },
  pools,
  policies: {
    nearest: { type: "latency", regions },
    measured: {
      type: "latency",
      regions,
      table: { JP: { sydney: 20, tokyo: 60 }, AF: { virginia: 90, dublin: 160 } },
    },
    us: {
      type: "latency",
      regions: [
        { use: "virginia", weight: 3 },
        { use: "oregon", weight: 1 },
      ],
      tolerance_ms: 100,
    },
  },
});

describe("latency: lowest estimated RTT", () => {
  it.each([
    ["nearest", "81.2.69.142", "192.0.2.1", "London (database coordinates) → Dublin"],
    ["nearest", "2.16.1.1", "192.0.2.1", "France (country centroid) → Dublin"],
    ["nearest", "8.8.8.8", "192.0.2.3", "California → Oregon"],
    ["nearest", "9.9.9.9", "192.0.2.2", "New York → Virginia"],
    ["nearest", "1.128.0.1", "192.0.2.5", "Australia → Sydney"],
    ["nearest", "133.1.1.1", "192.0.2.4", "Japan by distance → Tokyo"],
    ["measured", "133.1.1.1", "192.0.2.5", "Japan by the table (country row) → Sydney"],
    ["measured", "41.1.1.1", "192.0.2.2", "South Africa by the table (continent row AF) → Virginia"],
    ["measured", "81.2.69.142", "192.0.2.1", "no table row: distance"],
  ])("%s: %s → %s (%s)", (name, client, expected) => {
    const r = resolveWith(zone, name, client, { geo });
    expect(answers(r)).toEqual([expected]);
    expect(r.ecsScopePrefix).toBeGreaterThan(0);
  });

  it.each([
    ["8.8.8.8", { "web@192.0.2.3": "down" }, "192.0.2.2", "Oregon down → next nearest Virginia"],
    ["81.2.69.142", { "web@192.0.2.1": "down" }, "192.0.2.2", "Dublin down → Virginia"],
  ] as const)("failover in distance order: %s with %j → %s (%s)", (client, states, expected, _why) => {
    const r = resolveWith(zone, "nearest", client, { geo, health: health(states) });
    expect(answers(r)).toEqual([expected]);
    expect(r.state).toBe("degraded");
  });

  it("regions within the tolerance share by weight (3:1)", () => {
    const tally = new Map<string, number>();
    const random = seeded(21);
    for (let i = 0; i < 20_000; i++) {
      const a = answers(resolveWith(zone, "us", "9.9.9.9", { geo, random }))[0]!;
      tally.set(a, (tally.get(a) ?? 0) + 1);
    }
    expect((tally.get("192.0.2.2") ?? 0) / 20_000).toBeCloseTo(0.75, 1);
    expect((tally.get("192.0.2.3") ?? 0) / 20_000).toBeCloseTo(0.25, 1);
  });

  it("negative half: outside the tolerance only the nearest answers", () => {
    const seen = new Set<string>();
    const random = seeded(3);
    for (let i = 0; i < 500; i++)
      seen.add(answers(resolveWith(zone, "nearest", "9.9.9.9", { geo, random }))[0]!);
    expect([...seen]).toEqual(["192.0.2.2"]);
  });

  it.each([
    [{ latitude: 51.5, longitude: -0.12 }, { latitude: 40.71, longitude: -74.0 }, 5570],
    [{ latitude: 35.68, longitude: 139.69 }, { latitude: -33.87, longitude: 151.21 }, 7820],
    [{ latitude: 0, longitude: 0 }, { latitude: 0, longitude: 0 }, 0],
  ])("great circle %j → %j ≈ %i km", (a, b, km) => {
    expect(Math.abs(greatCircleKm(a, b) - km)).toBeLessThan(60);
  });
});
