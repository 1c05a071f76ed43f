import { describe, expect, it } from "vitest";
import { answers, compile, ctx, health, policy, seeded } from "./fixtures.ts";

const pool = (weights: readonly number[], check = false) => ({
  targets: weights.map((weight, i) => ({
    address: `192.0.2.${i + 1}`,
    weight,
    ...(check ? { check: "web" } : {}),
  })),
});

function compiled(weights: readonly number[], extra: Record<string, unknown> = {}) {
  return compile({
    checks: { web: { kind: "http" } },
    pools: { p: pool(weights, true) },
    policies: { w: { type: "weighted", pool: "p", ...extra } },
  });
}

function counts(
  weights: readonly number[],
  picks: number,
  seed: number,
  extra: Record<string, unknown> = {},
) {
  const w = policy(compiled(weights, extra), "w");
  const context = ctx("198.51.100.1", { random: seeded(seed) });
  const tally = new Map<string, number>();
  for (let i = 0; i < picks; i++) {
    for (const a of answers(w.resolve(context))) tally.set(a, (tally.get(a) ?? 0) + 1);
  }
  return weights.map((_, i) => tally.get(`192.0.2.${i + 1}`) ?? 0);
}

function chiSquare(observed: readonly number[], weights: readonly number[]): number {
  const total = observed.reduce((a, b) => a + b, 0);
  const weightSum = weights.reduce((a, b) => a + b, 0);
  return observed.reduce((sum, o, i) => {
    const expected = (total * weights[i]!) / weightSum;
    return sum + (o - expected) ** 2 / expected;
  }, 0);
}

// Critical values of the chi-square distribution at p = 0.001.
const CRITICAL = { 1: 10.83, 2: 13.82, 3: 16.27, 4: 18.47 } as const;

describe("weighted: shares over 100,000 picks", () => {
  it.each([
    [[95, 5], 11],
    [[5, 3, 2], 12],
    [[1, 1, 1, 1], 13],
    [[10, 20, 30, 40, 0], 14],
  ])("weights %j match the shares (chi-square, seed %i)", (weights, seed) => {
    const observed = counts(weights, 100_000, seed);
    const live = weights.map((w, i) => [w, observed[i]!] as const).filter(([w]) => w > 0);
    const df = (live.length - 1) as keyof typeof CRITICAL;
    expect(
      chiSquare(
        live.map(([, o]) => o),
        live.map(([w]) => w),
      ),
    ).toBeLessThan(CRITICAL[df]);
  });

  it.each([
    [
      [95, 5],
      [50, 50],
    ],
    [
      [5, 3, 2],
      [1, 1, 1],
    ],
    [
      [95, 5],
      [94, 6],
    ],
  ])("negative half: weights %j do not fit shares %j", (weights, wrong) => {
    expect(chiSquare(counts(weights, 100_000, 7), wrong)).toBeGreaterThan(
      CRITICAL[(wrong.length - 1) as 1 | 2],
    );
  });

  it("95/5 canary gives 5% ± 0.5%", () => {
    const [, canary] = counts([95, 5], 100_000, 3);
    expect(Math.abs(canary! / 100_000 - 0.05)).toBeLessThanOrEqual(0.005);
  });

  it("answers: 2 picks two distinct targets, shares still follow weight", () => {
    const w = policy(compiled([1, 1, 1], { answers: 2 }), "w");
    const context = ctx("198.51.100.1", { random: seeded(5) });
    for (let i = 0; i < 1000; i++) {
      const a = answers(w.resolve(context));
      expect(a).toHaveLength(2);
      expect(new Set(a).size).toBe(2);
    }
  });
});

describe("weighted: drained and down targets", () => {
  it.each([
    ["weight 0 never served while another is up", [0, 1, 1], {}, ["192.0.2.2", "192.0.2.3"]],
    ["down target never served", [1, 1, 1], { "web@192.0.2.2": "down" }, ["192.0.2.1", "192.0.2.3"]],
    ["draining target never served", [1, 1, 1], { "web@192.0.2.1": "draining" }, ["192.0.2.2", "192.0.2.3"]],
    [
      "weight 0 and the other down: drained one not served, all-down serve-all gives the weighted one",
      [0, 1],
      { "web@192.0.2.2": "down" },
      ["192.0.2.2"],
    ],
  ] as const)("%s", (_name, weights, states, allowed) => {
    const w = policy(compiled(weights), "w");
    const context = ctx("198.51.100.1", { random: seeded(9), health: health(states) });
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) for (const a of answers(w.resolve(context))) seen.add(a);
    expect([...seen].sort()).toEqual([...allowed].sort());
  });
});

describe("weighted: stickiness (rendezvous hashing of the client subnet)", () => {
  const sticky = policy(compiled([5, 3, 2], { sticky: true }), "w");
  const subnets = Array.from({ length: 3000 }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.77`);

  it("a subnet keeps its pick whatever the random source says, and hosts of one /24 agree", () => {
    for (const client of subnets.slice(0, 200)) {
      const first = answers(sticky.resolve(ctx(client, { random: seeded(1) })));
      const again = answers(sticky.resolve(ctx(client, { random: seeded(99) })));
      const neighbour = answers(sticky.resolve(ctx(client.replace(/\.77$/, ".200"), { random: seeded(5) })));
      expect(again).toEqual(first);
      expect(neighbour).toEqual(first);
    }
  });

  it("subnets spread by weight", () => {
    const tally = [0, 0, 0];
    for (const client of subnets)
      tally[Number(answers(sticky.resolve(ctx(client)))[0]!.split(".")[3]) - 1]!++;
    expect(chiSquare(tally, [5, 3, 2])).toBeLessThan(CRITICAL[2]);
  });

  it("when a target goes down only its subnets move", () => {
    const down = health({ "web@192.0.2.2": "down" });
    let moved = 0;
    for (const client of subnets) {
      const before = answers(sticky.resolve(ctx(client)))[0];
      const after = answers(sticky.resolve(ctx(client, { health: down })))[0];
      if (before !== "192.0.2.2") expect(after).toBe(before);
      else moved++;
      expect(after).not.toBe("192.0.2.2");
    }
    expect(moved).toBeGreaterThan(0);
  });

  it("negative half: without stickiness one subnet does not keep a single pick", () => {
    const loose = policy(compiled([5, 3, 2]), "w");
    const context = ctx("10.0.0.77", { random: seeded(4) });
    const seen = new Set<string>();
    for (let i = 0; i < 100; i++) seen.add(answers(loose.resolve(context))[0]!);
    expect(seen.size).toBe(3);
  });
});
