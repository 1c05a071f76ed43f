import { describe, expect, it } from "vitest";
import type { Candidate, PickRequest, RandomSource } from "../../../src/proxy/balancers/balancer.ts";
import { BALANCER_NAMES, createBalancer, type BalancerName } from "../../../src/proxy/balancers/registry.ts";

/** mulberry32: a seeded source, so ratio runs are reproducible. */
function seeded(seed: number): RandomSource {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A source that replays fixed values, for exact sequences. */
function replay(values: readonly number[]): RandomSource {
  let i = 0;
  return () => values[i++ % values.length]!;
}

function candidate(id: string, weight: number, extra: Partial<Candidate> = {}): Candidate {
  return { id, weight, effectiveWeight: weight, active: 0, ewmaMs: 0, ...extra };
}

function requestNo(i: number): PickRequest {
  return { clientIp: `10.${(i >> 8) & 255}.${i & 255}.7`, hashKey: `user-${i}` };
}

const HASHING: ReadonlySet<BalancerName> = new Set(["ip-hash", "consistent-hash"]);
/** Balancers whose share of picks follows the weights (the others are documented as weight-blind or approximate). */
const FOLLOWS_WEIGHTS: ReadonlySet<BalancerName> = new Set([
  "weighted-round-robin",
  "least-connections",
  "least-response-time",
  "ip-hash",
  "consistent-hash",
  "random",
]);

/**
 * Picks `total` times; every request stays in flight for the next `inFlight` picks (FIFO), so load-aware
 * balancers see real `active` counts, as in a proxy under steady load.
 */
function simulateShares(
  name: BalancerName,
  weights: readonly number[],
  total: number,
  inFlight = 6,
): number[] {
  const balancer = createBalancer(name, { random: seeded(42) });
  const active = weights.map(() => 0);
  const counts = weights.map(() => 0);
  const queue: number[] = [];
  for (let i = 0; i < total; i++) {
    const candidates = weights.map((w, k) => candidate(`u${k}`, w, { active: active[k]! }));
    const chosen = balancer.pick(Object.freeze(candidates), requestNo(i));
    expect(chosen).toBeDefined();
    const index = candidates.indexOf(chosen!);
    expect(index).toBeGreaterThanOrEqual(0);
    counts[index]!++;
    active[index]!++;
    queue.push(index);
    if (queue.length >= inFlight) active[queue.shift()!]!--;
  }
  return counts.map((c) => c / total);
}

describe.each(BALANCER_NAMES)("balancer %s (shared suite)", (name) => {
  it("has its registry name", () => {
    expect(createBalancer(name).name).toBe(name);
  });

  it("always returns one of the candidates it was given, without mutating them", () => {
    const balancer = createBalancer(name, { random: seeded(1) });
    const candidates = Object.freeze([
      candidate("a", 1),
      candidate("b", 2),
      candidate("c", 3, { active: 4 }),
    ]);
    for (let i = 0; i < 200; i++) {
      expect(candidates).toContain(balancer.pick(candidates, requestNo(i)));
    }
  });

  it("returns the only candidate when there is one", () => {
    const balancer = createBalancer(name, { random: seeded(2) });
    const only = candidate("only", 5, { active: 99, ewmaMs: 500 });
    for (let i = 0; i < 10; i++) expect(balancer.pick([only], requestNo(i))).toBe(only);
  });

  it("never picks a candidate that was not offered (the pool filters the unhealthy out)", () => {
    const balancer = createBalancer(name, { random: seeded(3) });
    const all = [candidate("a", 1), candidate("b", 1), candidate("c", 1)];
    const offered = all.filter((c) => c.id !== "b");
    for (let i = 0; i < 100; i++) expect(balancer.pick(offered, requestNo(i))?.id).not.toBe("b");
  });

  if (FOLLOWS_WEIGHTS.has(name)) {
    it("gives weights 3:2:1 their shares within 2% over 6,000 picks", () => {
      const shares = simulateShares(name, [3, 2, 1], 6000);
      [3 / 6, 2 / 6, 1 / 6].forEach((expected, k) =>
        expect(Math.abs(shares[k]! - expected)).toBeLessThan(0.02),
      );
    });
    it("does not give equal shares when weights are 3:2:1 (negative half)", () => {
      const shares = simulateShares(name, [3, 2, 1], 6000);
      expect(shares[0]! - shares[2]!).toBeGreaterThan(0.25);
    });
  } else {
    it("spreads equal weights evenly within 2% over 6,000 picks", () => {
      const shares = simulateShares(name, [1, 1, 1], 6000);
      shares.forEach((share) => expect(Math.abs(share - 1 / 3)).toBeLessThan(0.02));
    });
  }

  if (HASHING.has(name)) {
    it("sends the same key to the same upstream every time", () => {
      const balancer = createBalancer(name);
      const candidates = [candidate("a", 1), candidate("b", 1), candidate("c", 1)];
      for (let i = 0; i < 50; i++) {
        const first = balancer.pick(candidates, requestNo(i));
        for (let k = 0; k < 3; k++) expect(balancer.pick(candidates, requestNo(i))).toBe(first);
      }
    });
  }
});

type SequenceCase = {
  readonly name: BalancerName;
  readonly why: string;
  readonly candidates: readonly Candidate[];
  readonly random?: readonly number[];
  readonly expected: string;
};

const SEQUENCES: readonly SequenceCase[] = [
  {
    name: "round-robin",
    why: "rotation ignores weight",
    candidates: [candidate("a", 5), candidate("b", 1), candidate("c", 1)],
    expected: "abcabcabc",
  },
  {
    name: "weighted-round-robin",
    why: "nginx's documented 5,1,1 sequence",
    candidates: [candidate("a", 5), candidate("b", 1), candidate("c", 1)],
    expected: "aabacaaaabacaa",
  },
  {
    name: "weighted-round-robin",
    why: "slow start halves a's effective weight",
    candidates: [candidate("a", 2, { effectiveWeight: 1 }), candidate("b", 1)],
    expected: "abab",
  },
  {
    name: "least-connections",
    why: "fewest in flight wins",
    candidates: [
      candidate("a", 1, { active: 3 }),
      candidate("b", 1, { active: 1 }),
      candidate("c", 1, { active: 2 }),
    ],
    expected: "bbbb",
  },
  {
    name: "least-connections",
    why: "per unit of weight: 4/4 < 2/1",
    candidates: [candidate("a", 4, { active: 4 }), candidate("b", 1, { active: 2 })],
    expected: "aaa",
  },
  {
    name: "least-connections",
    why: "ties rotate",
    candidates: [candidate("a", 1), candidate("b", 1), candidate("c", 1)],
    expected: "abcabc",
  },
  {
    name: "least-response-time",
    why: "the faster upstream wins at equal load",
    candidates: [candidate("a", 1, { ewmaMs: 40 }), candidate("b", 1, { ewmaMs: 10 })],
    expected: "bbb",
  },
  {
    name: "least-response-time",
    why: "a fast but busy upstream loses: (10+1)*(5+1) > (40+1)*(0+1)",
    candidates: [candidate("a", 1, { ewmaMs: 40 }), candidate("b", 1, { ewmaMs: 10, active: 5 })],
    expected: "aaa",
  },
  {
    name: "power-of-two",
    why: "samples (0,1) then (2,0): the less loaded of each pair",
    random: [0.0, 0.0, 0.9, 0.0],
    candidates: [
      candidate("a", 1, { active: 2 }),
      candidate("b", 1, { active: 1 }),
      candidate("c", 1, { active: 0 }),
    ],
    expected: "bcbc",
  },
  {
    name: "power-of-two",
    why: "equal load keeps the first sample",
    random: [0.5, 0.0],
    candidates: [candidate("a", 1), candidate("b", 1), candidate("c", 1)],
    expected: "bbb",
  },
  {
    name: "random",
    why: "weights 1,2,1 cut [0,4) at 1 and 3",
    random: [0.1, 0.3, 0.6, 0.8],
    candidates: [candidate("a", 1), candidate("b", 2), candidate("c", 1)],
    expected: "abbc",
  },
];

describe("exact pick sequences", () => {
  it.each(SEQUENCES)("$name: $why", ({ name, candidates, random, expected }) => {
    const balancer = createBalancer(name, { random: replay(random ?? [0]) });
    let got = "";
    for (let i = 0; i < expected.length; i++) got += balancer.pick(candidates, requestNo(0))!.id;
    expect(got).toBe(expected);
  });
});

describe("consistent-hash", () => {
  it("moves only the keys of the upstream that left", () => {
    const balancer = createBalancer("consistent-hash");
    const all = [candidate("a", 1), candidate("b", 1), candidate("c", 1), candidate("d", 1)];
    const without = all.filter((c) => c.id !== "c");
    let moved = 0;
    for (let i = 0; i < 2000; i++) {
      const before = balancer.pick(all, requestNo(i))!.id;
      const after = balancer.pick(without, requestNo(i))!.id;
      if (before !== "c" && before !== after) moved++;
    }
    expect(moved / 2000).toBeLessThan(0.02);
  });

  it("ip-hash, by contrast, remaps many keys when one upstream leaves", () => {
    const balancer = createBalancer("ip-hash");
    const all = [candidate("a", 1), candidate("b", 1), candidate("c", 1), candidate("d", 1)];
    const without = all.filter((c) => c.id !== "c");
    let moved = 0;
    for (let i = 0; i < 2000; i++) {
      const before = balancer.pick(all, requestNo(i))!.id;
      if (before !== "c" && before !== balancer.pick(without, requestNo(i))!.id) moved++;
    }
    expect(moved / 2000).toBeGreaterThan(0.2);
  });

  it("falls back to the client address when the hash key is empty", () => {
    const balancer = createBalancer("consistent-hash");
    const all = [candidate("a", 1), candidate("b", 1), candidate("c", 1)];
    const picks = new Set<string>();
    for (let i = 0; i < 60; i++) picks.add(balancer.pick(all, { clientIp: `192.0.2.${i}`, hashKey: "" })!.id);
    expect(picks.size).toBe(3);
    expect(balancer.pick(all, { clientIp: "192.0.2.9", hashKey: "" })).toBe(
      balancer.pick(all, { clientIp: "192.0.2.9", hashKey: "" }),
    );
  });
});

describe("ip-hash", () => {
  it("keeps one /24 on one upstream", () => {
    const balancer = createBalancer("ip-hash");
    const all = [candidate("a", 1), candidate("b", 1), candidate("c", 1)];
    const first = balancer.pick(all, { clientIp: "198.51.100.1", hashKey: "" });
    for (const host of [2, 77, 254])
      expect(balancer.pick(all, { clientIp: `198.51.100.${host}`, hashKey: "" })).toBe(first);
    expect(balancer.pick(all, { clientIp: "::ffff:198.51.100.9", hashKey: "" })).toBe(first);
  });
});
