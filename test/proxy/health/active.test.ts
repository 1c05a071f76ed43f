import { describe, expect, it } from "vitest";
import type { ProbeResult } from "../../../src/health/probes/probe.ts";
import { createBalancer } from "../../../src/proxy/balancers/registry.ts";
import { ActiveChecker } from "../../../src/proxy/health/active.ts";
import { UpstreamGroup } from "../../../src/proxy/pool.ts";

const OK: ProbeResult = { ok: true, outcome: "ok", rttMs: 1, detail: "status 200" };
const FAIL: ProbeResult = { ok: false, outcome: "fail", rttMs: 1, detail: "status 500 not in 200-399" };

function setup(rise: number, fall: number, pending = false) {
  const group = new UpstreamGroup(
    "app",
    createBalancer("round-robin"),
    {
      panicThresholdPercent: 0,
      minHealthy: 1,
      outlier: { consecutiveErrors: 0, baseEjectionMs: 1, maxEjectionMs: 1, maxEjectionPercent: 0 },
    },
    () => 0,
  );
  const upstream = group.add(
    {
      id: "a",
      host: "127.0.0.1",
      port: 1,
      tls: false,
      weight: 1,
      backup: false,
      maxFails: 0,
      failTimeoutMs: 0,
      slowStartMs: 0,
    },
    true,
  );
  if (pending) group.awaitFirstCheck(upstream);
  const changes: boolean[] = [];
  const checker = new ActiveChecker(
    group,
    async () => OK,
    { interval: 1000, rise, fall, jitter: 0 },
    (_u, up) => changes.push(up),
  );
  return { upstream, checker, changes };
}

describe("ActiveChecker rise/fall", () => {
  it.each([
    { rise: 2, fall: 3, results: [FAIL, FAIL], up: true, changes: [] },
    { rise: 2, fall: 3, results: [FAIL, FAIL, FAIL], up: false, changes: [false] },
    { rise: 2, fall: 3, results: [FAIL, FAIL, OK, FAIL, FAIL], up: true, changes: [] },
    { rise: 2, fall: 1, results: [FAIL, OK], up: false, changes: [false] },
    { rise: 2, fall: 1, results: [FAIL, OK, OK], up: true, changes: [false, true] },
    { rise: 1, fall: 1, results: [FAIL, OK, FAIL], up: false, changes: [false, true, false] },
  ])(
    "rise $rise fall $fall: $results.length results → up=$up",
    ({ rise, fall, results, up, changes: expected }) => {
      const { upstream, checker, changes } = setup(rise, fall);
      for (const result of results) checker.apply(upstream, result);
      expect(upstream.checkUp).toBe(up);
      expect(changes).toEqual(expected);
    },
  );

  it.each([
    { rise: 3, fall: 3, results: [OK], up: true, state: "up", changes: [true] },
    { rise: 3, fall: 3, results: [FAIL], up: false, state: "down", changes: [false] },
    { rise: 2, fall: 3, results: [FAIL, OK], up: false, state: "down", changes: [false] },
    { rise: 2, fall: 3, results: [FAIL, OK, OK], up: true, state: "up", changes: [false, true] },
    { rise: 1, fall: 2, results: [OK, FAIL], up: true, state: "up", changes: [true] },
    { rise: 1, fall: 1, results: [], up: false, state: "unknown", changes: [] },
  ])(
    "waiting for a first result, rise $rise fall $fall: $results.length results → $state",
    ({ rise, fall, results, up, state, changes: expected }) => {
      const { upstream, checker, changes } = setup(rise, fall, true);
      for (const result of results) checker.apply(upstream, result);
      expect({ up: upstream.checkUp, state: upstream.state(0), available: upstream.isAvailable(0) }).toEqual({
        up,
        state,
        available: up,
      });
      expect(changes).toEqual(expected);
    },
  );

  it("runOnce probes the upstream's own address", async () => {
    const { upstream } = setup(1, 1);
    const targets: unknown[] = [];
    const group = new UpstreamGroup(
      "g",
      createBalancer("random"),
      {
        panicThresholdPercent: 0,
        minHealthy: 1,
        outlier: { consecutiveErrors: 0, baseEjectionMs: 1, maxEjectionMs: 1, maxEjectionPercent: 0 },
      },
      () => 0,
    );
    const checker = new ActiveChecker(
      group,
      async (target) => {
        targets.push(target);
        return FAIL;
      },
      { interval: 1000, rise: 1, fall: 1, jitter: 0 },
    );
    await checker.runOnce(upstream);
    expect(targets).toEqual([{ host: "127.0.0.1", port: 1 }]);
    expect(upstream.checkUp).toBe(false);
  });
});
