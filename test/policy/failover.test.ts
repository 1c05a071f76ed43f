import { describe, expect, it } from "vitest";
import { answers, compile, health, resolveWith } from "./fixtures.ts";

const zone = compile({
  checks: { web: { kind: "http" } },
  pools: {
    primary: {
      targets: [
        { address: "192.0.2.1", check: "web" },
        { address: "192.0.2.2", check: "web" },
      ],
    },
    secondary: { targets: [{ address: "198.51.100.1", check: "web" }], fallback: "tertiary" },
    tertiary: { targets: [{ address: "203.0.113.1", check: "web" }] },
  },
  policies: {
    chain: {
      type: "failover",
      members: ["primary", "secondary"],
      ttl: { healthy: 300, degraded: 20, all_down: 5 },
    },
    outer: { type: "failover", members: ["chain", "tertiary"] },
  },
});

describe("failover: the first member with a healthy target wins", () => {
  it.each([
    ["all up: first member, every healthy target", {}, ["192.0.2.1", "192.0.2.2"], "healthy", 300],
    [
      "one target of the first down: the rest of the first",
      { "web@192.0.2.1": "down" },
      ["192.0.2.2"],
      "degraded",
      20,
    ],
    [
      "first member down: second",
      { "web@192.0.2.1": "down", "web@192.0.2.2": "down" },
      ["198.51.100.1"],
      "degraded",
      20,
    ],
    [
      "second member down too: its fallback pool",
      { "web@192.0.2.1": "down", "web@192.0.2.2": "down", "web@198.51.100.1": "down" },
      ["203.0.113.1"],
      "degraded",
      20,
    ],
    [
      "everything down: serve-all gives the first member's targets",
      {
        "web@192.0.2.1": "down",
        "web@192.0.2.2": "down",
        "web@198.51.100.1": "down",
        "web@203.0.113.1": "down",
      },
      ["192.0.2.1", "192.0.2.2"],
      "all-down",
      5,
    ],
  ] as const)("%s", (_name, states, expected, state, ttl) => {
    const r = resolveWith(zone, "chain", "192.0.2.200", { health: health(states) });
    expect(answers(r)).toEqual(expected);
    expect([r.state, r.ttl, r.ecsScopePrefix]).toEqual([state, ttl, 0]);
  });

  it.each([
    ["region forced down counts as all its targets down", { primary: "down" }, ["198.51.100.1"]],
    ["region forced draining counts as all its targets down", { primary: "draining" }, ["198.51.100.1"]],
    ["region forced up overrides target health", { primary: "up" }, ["192.0.2.1", "192.0.2.2"]],
  ] as const)("%s", (_name, regions, expected) => {
    const states = { "web@192.0.2.1": "down", "web@192.0.2.2": "down" } as const;
    const r = resolveWith(zone, "chain", "192.0.2.200", {
      health: health(regions.primary === "up" ? states : {}, regions),
    });
    expect(answers(r)).toEqual(expected);
  });

  it("nested failover: the inner chain is one member of the outer", () => {
    const allInnerDown = health(
      { "web@192.0.2.1": "down", "web@192.0.2.2": "down", "web@198.51.100.1": "down" },
      { tertiary: "down" },
    );
    expect(answers(resolveWith(zone, "outer", "192.0.2.200", { health: allInnerDown }))).toEqual([
      "192.0.2.1",
      "192.0.2.2",
    ]);
    expect(answers(resolveWith(zone, "outer", "192.0.2.200"))).toEqual(["192.0.2.1", "192.0.2.2"]);
  });
});
