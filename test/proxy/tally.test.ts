import { Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { AttemptTally, TallyHistogram } from "../../src/proxy/tally.ts";

const BOUNDS = [0.001, 0.01, 0.1, 1];

/** prom-client's own Histogram is the oracle: the tally histogram must export exactly what it would. */
async function both(
  observations: readonly { group: string; upstream: string; seconds: number }[],
): Promise<[string, string]> {
  const oracleRegistry = new Registry();
  const oracle = new Histogram({
    name: "h_seconds",
    help: "help",
    labelNames: ["group", "upstream"],
    buckets: BOUNDS,
    registers: [oracleRegistry],
  });
  const tallies = new Map<string, AttemptTally>();
  const registry = new Registry();
  new TallyHistogram({ name: "h_seconds", help: "help", bounds: BOUNDS, registry }, () => tallies.values());
  for (const { group, upstream, seconds } of observations) {
    oracle.labels(group, upstream).observe(seconds);
    const key = `${group}/${upstream}`;
    if (!tallies.has(key)) tallies.set(key, new AttemptTally(group, upstream, BOUNDS));
    tallies.get(key)!.response(200, seconds);
  }
  return [await registry.metrics(), await oracleRegistry.metrics()];
}

describe("TallyHistogram", () => {
  const cases: { name: string; observations: { group: string; upstream: string; seconds: number }[] }[] = [
    { name: "nothing observed", observations: [] },
    { name: "one fast response", observations: [{ group: "g", upstream: "a:1", seconds: 0.0004 }] },
    {
      name: "values on the bounds (le is inclusive), beyond the last bound, two upstreams",
      observations: [
        { group: "g", upstream: "a:1", seconds: 0.001 },
        { group: "g", upstream: "a:1", seconds: 0.01 },
        { group: "g", upstream: "a:1", seconds: 0.0100001 },
        { group: "g", upstream: "a:1", seconds: 7 },
        { group: "g", upstream: "b:2", seconds: 0 },
        { group: "h", upstream: "b:2", seconds: 1 },
      ],
    },
  ];
  for (const { name, observations } of cases) {
    it(`exports what prom-client's Histogram would: ${name}`, async () => {
      const [ours, oracle] = await both(observations);
      expect(ours).toBe(oracle);
    });
  }

  it("JSON export carries the group and upstream labels next to le", async () => {
    const tally = new AttemptTally("g", "a:1", BOUNDS);
    tally.response(200, 0.05);
    const registry = new Registry();
    new TallyHistogram({ name: "h_seconds", help: "help", bounds: BOUNDS, registry }, () => [tally]);
    const [metric] = await registry.getMetricsAsJSON();
    expect(metric!.values).toContainEqual({
      metricName: "h_seconds_bucket",
      labels: { le: 0.1, group: "g", upstream: "a:1" },
      value: 1,
    });
    expect(metric!.values).toContainEqual({
      metricName: "h_seconds_count",
      labels: { group: "g", upstream: "a:1" },
      value: 1,
    });
  });
});

describe("AttemptTally", () => {
  const classes: [number, number][] = [
    [101, 1],
    [200, 2],
    [204, 2],
    [302, 3],
    [404, 4],
    [503, 5],
    [999, 9],
  ];
  for (const [status, index] of classes) {
    it(`counts ${status} as ${index}xx and nothing else`, () => {
      const tally = new AttemptTally("g", "a:1", BOUNDS);
      tally.response(status, 0.002);
      expect([...tally.classes]).toEqual(Array.from({ length: 10 }, (_, i) => (i === index ? 1 : 0)));
      expect(tally.count).toBe(1);
    });
  }
});
