import { describe, expect, it } from "vitest";
import { clientFromText } from "../../src/geo/client.ts";
import { explain, renderExplanation } from "../../src/policy/explain.ts";
import { compile, FakeGeo, health, policy, seeded } from "./fixtures.ts";

const geo = new FakeGeo({
  "81.2.69.0/24": { country: "GB", subdivision: "GB-ENG" },
  "8.8.0.0/16": { country: "US" },
});
const zone = compile({
  checks: { web: { kind: "http" } },
  pools: {
    eu: {
      targets: [
        { address: "192.0.2.1", check: "web", weight: 3 },
        { address: "192.0.2.2", check: "web", probe: "10.0.0.2" },
      ],
    },
    us: { targets: [{ address: "198.51.100.1", check: "web" }] },
  },
  policies: {
    g: { type: "geo", rules: [{ continent: "EU", use: "eu" }], default: "us" },
    w: { type: "weighted", pool: "eu" },
  },
});

function run(name: string, client: string, states: Record<string, "up" | "down"> = {}) {
  return explain(policy(zone, name), clientFromText(client)!, geo, health(states), seeded(2));
}

describe("explain", () => {
  it("geo: rule, members tried, each target's health and weight, fallback, result", () => {
    const e = run("g", "81.2.69.0/24", { "web@192.0.2.1": "down", "web@10.0.0.2": "down" });
    expect(e.geoip).toMatchObject({ country: "GB", continent: "EU", prefix: 24 });
    expect(e.steps.find((s) => s.step === "rule")?.detail).toMatchObject({
      matched: "continent EU",
      members: "eu, us",
    });
    expect(
      e.steps
        .filter((s) => s.step === "target")
        .map((s) => [s.detail["target"], s.detail["state"], s.detail["weight"]]),
    ).toEqual([
      ["192.0.2.1", "down", 3],
      ["192.0.2.2", "down", 1],
      ["198.51.100.1", "up", 1],
    ]);
    expect(e.steps.some((s) => s.step === "fallback" && s.detail["from"] === "eu")).toBe(true);
    expect(e.result).toEqual({
      outcome: "answer",
      answers: ["198.51.100.1"],
      ttl: 30,
      state: "degraded",
      ecsScopePrefix: 24,
    });
    const text = renderExplanation(e);
    for (const line of [
      "geoip: EU / GB / GB-ENG",
      "rule matched: continent EU → eu, us",
      "target 192.0.2.1 weight 3: down",
      "skip eu: all targets down",
      "answer: 198.51.100.1",
      "ecs scope /24",
    ]) {
      expect(text).toContain(line);
    }
  });

  it("weighted without stickiness: no GeoIP consulted, scope 0, the pick recorded", () => {
    const e = run("w", "81.2.69.142");
    expect(e.geoip).toBeNull();
    expect(e.steps.filter((s) => s.step === "pick")).toHaveLength(1);
    expect(e.result.ecsScopePrefix).toBe(0);
    expect(renderExplanation(e)).not.toContain("geoip");
  });

  it("explaining does not change the answer", () => {
    for (const client of ["81.2.69.142", "8.8.8.8", "203.0.113.1"]) {
      const plain = policy(zone, "g").resolve(
        new (class {
          client = clientFromText(client)!;
          health = health();
          random = seeded(2);
          trace = null;
          geo = () => geo.lookup(this.client);
        })(),
      );
      expect(run("g", client).result.answers).toEqual(
        plain.rdata.map((r) => (r.kind === "SRV" ? "" : r.address)),
      );
    }
  });
});
