import { describe, expect, it } from "vitest";
import { createBalancer } from "../../src/proxy/balancers/registry.ts";
import { UpstreamGroup, type GroupPolicy } from "../../src/proxy/pool.ts";
import type { Outcome, Upstream, UpstreamSpec } from "../../src/proxy/upstream.ts";

const REQUEST = { clientIp: "192.0.2.1", hashKey: "" };
const OK: Outcome = { kind: "response", status: 200 };
const E500: Outcome = { kind: "response", status: 500 };
const E503: Outcome = { kind: "response", status: 503 };
const REFUSED: Outcome = { kind: "connect_error" };

function spec(id: string, extra: Partial<UpstreamSpec> = {}): UpstreamSpec {
  return {
    id,
    host: "127.0.0.1",
    port: 1,
    tls: false,
    weight: 1,
    backup: false,
    maxFails: 0,
    failTimeoutMs: 10_000,
    slowStartMs: 0,
    ...extra,
  };
}

const POLICY: GroupPolicy = {
  panicThresholdPercent: 0,
  minHealthy: 1,
  outlier: { consecutiveErrors: 0, baseEjectionMs: 30_000, maxEjectionMs: 300_000, maxEjectionPercent: 50 },
};

function group(specs: readonly UpstreamSpec[], policy: Partial<GroupPolicy> = {}) {
  const clock = { now: 1_000_000 };
  const removed: string[] = [];
  const g = new UpstreamGroup(
    "app",
    createBalancer("round-robin"),
    { ...POLICY, ...policy },
    () => clock.now,
    {
      onRemoved: (_name, u) => removed.push(u.id),
    },
  );
  for (const s of specs) g.add(s, true);
  return { g, clock, removed, u: (id: string) => g.find(id)! };
}

function ids(upstreams: readonly Upstream[]): string[] {
  return upstreams.map((u) => u.id);
}

/** One full request: pick, begin, end with `outcome`. */
function serve(g: UpstreamGroup, outcome: Outcome): string {
  const upstream = g.pick(REQUEST)!;
  g.begin(upstream);
  g.end(upstream, outcome, 5);
  return upstream.id;
}

describe("backup upstreams", () => {
  it.each([
    { down: [], expected: ["a", "b"] },
    { down: ["a"], expected: ["b"] },
    { down: ["a", "b"], expected: ["bk"] },
  ])("with $down down the candidates are $expected", ({ down, expected }) => {
    const { g, u, clock } = group([spec("a"), spec("b"), spec("bk", { backup: true })]);
    for (const id of down) g.setCheckState(u(id), false);
    expect(ids(g.candidates(clock.now))).toEqual(expected);
  });
});

describe("nginx max_fails / fail_timeout", () => {
  it("takes the upstream out after max_fails gateway failures within fail_timeout, and back after it", () => {
    const { g, u, clock } = group([spec("a", { maxFails: 2, failTimeoutMs: 10_000 }), spec("b")]);
    const a = u("a");
    g.begin(a);
    expect(g.end(a, REFUSED, 1)).toBe("failure");
    g.begin(a);
    expect(g.end(a, E503, 1)).toBe("failed");
    expect(ids(g.candidates(clock.now))).toEqual(["b"]);
    expect(a.state(clock.now)).toBe("failed");
    clock.now += 10_000;
    expect(ids(g.candidates(clock.now))).toEqual(["a", "b"]);
  });

  it.each([
    { name: "failures further apart than fail_timeout", outcomes: [REFUSED, "wait", REFUSED] as const },
    { name: "a success between failures", outcomes: [REFUSED, OK, REFUSED] as const },
    { name: "a plain 500 (the application's error, not the gateway's)", outcomes: [E500, E500] as const },
    { name: "client aborts", outcomes: [{ kind: "client_abort" }, { kind: "client_abort" }] as const },
  ])("does not trip on $name", ({ outcomes }) => {
    const { g, u, clock } = group([spec("a", { maxFails: 2, failTimeoutMs: 10_000 })]);
    const a = u("a");
    for (const outcome of outcomes) {
      if (outcome === "wait") {
        clock.now += 10_001;
        continue;
      }
      g.begin(a);
      g.end(a, outcome, 1);
    }
    expect(a.isAvailable(clock.now)).toBe(true);
  });
});

describe("outlier ejection", () => {
  const outlier = {
    consecutiveErrors: 3,
    baseEjectionMs: 30_000,
    maxEjectionMs: 90_000,
    maxEjectionPercent: 50,
  };

  it("ejects after consecutive errors, with a growing ejection time on repeat", () => {
    const { g, u, clock } = group([spec("a"), spec("b"), spec("c"), spec("d")], { outlier });
    const a = u("a");
    const fail = () => {
      for (let i = 0; i < 3; i++) {
        g.begin(a);
        g.end(a, i === 1 ? REFUSED : E500, 1);
      }
    };
    fail();
    expect(a.state(clock.now)).toBe("ejected");
    expect(a.ejectedUntil - clock.now).toBe(30_000);
    clock.now += 30_000;
    expect(a.isAvailable(clock.now)).toBe(true);
    fail();
    expect(a.ejectedUntil - clock.now).toBe(60_000);
    clock.now += 60_000;
    fail();
    expect(a.ejectedUntil - clock.now).toBe(90_000);
    clock.now += 90_000;
    fail();
    expect(a.ejectedUntil - clock.now).toBe(90_000);
  });

  it("forgives earlier ejections after a long healthy stretch", () => {
    const { g, u, clock } = group([spec("a"), spec("b")], { outlier });
    const a = u("a");
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 3; i++) {
        g.begin(a);
        g.end(a, E500, 1);
      }
      clock.now = a.ejectedUntil + 1_000_000;
    }
    expect(a.ejections).toBe(1);
  });

  it("does not eject when a success breaks the run", () => {
    const { g, u, clock } = group([spec("a"), spec("b")], { outlier });
    const a = u("a");
    for (const outcome of [E500, E500, OK, E500, E500]) {
      g.begin(a);
      g.end(a, outcome, 1);
    }
    expect(a.isAvailable(clock.now)).toBe(true);
  });

  it.each([
    { size: 4, percent: 50, expectedEjected: 2 },
    { size: 4, percent: 10, expectedEjected: 1 },
    { size: 3, percent: 100, expectedEjected: 3 },
  ])("caps ejections at $percent% of $size (at least one)", ({ size, percent, expectedEjected }) => {
    const specs = Array.from({ length: size }, (_, i) => spec(`u${i}`));
    const { g, clock } = group(specs, { outlier: { ...outlier, maxEjectionPercent: percent } });
    for (const upstream of g.members) {
      for (let i = 0; i < 3; i++) {
        g.begin(upstream);
        g.end(upstream, E500, 1);
      }
    }
    expect(g.members.filter((m) => m.state(clock.now) === "ejected")).toHaveLength(expectedEjected);
  });
});

describe("slow start", () => {
  it.each([
    { after: 0, share: 0.1 },
    { after: 5_000, share: 0.5 },
    { after: 7_500, share: 0.75 },
    { after: 10_000, share: 1 },
  ])("an upstream back from a failed check has $share of its weight after $after ms", ({ after, share }) => {
    const { g, u, clock } = group([spec("a", { weight: 4, slowStartMs: 10_000 })]);
    const a = u("a");
    expect(a.weightAt(clock.now)).toBe(4);
    g.setCheckState(a, false);
    clock.now += 1_000;
    g.setCheckState(a, true);
    clock.now += after;
    expect(a.weightAt(clock.now)).toBeCloseTo(4 * share);
    expect(a.state(clock.now)).toBe(share < 1 ? "slow_start" : "up");
  });

  it("ramps after an ejection ends and for an upstream added at reload", () => {
    const { g, u, clock } = group([spec("a", { slowStartMs: 10_000, maxFails: 1, failTimeoutMs: 1_000 })]);
    const a = u("a");
    g.begin(a);
    g.end(a, REFUSED, 1);
    clock.now += 1_000 + 2_000;
    expect(a.weightAt(clock.now)).toBeCloseTo(0.2);
    const added = g.add(spec("b", { slowStartMs: 10_000 }), false);
    expect(added.weightAt(clock.now)).toBeCloseTo(0.1);
  });
});

describe("panic mode", () => {
  it.each([
    { threshold: 50, down: ["a", "b", "c"], expected: ["a", "b", "c", "d"] },
    { threshold: 50, down: ["a", "b"], expected: ["c", "d"] },
    { threshold: 0, down: ["a", "b", "c"], expected: ["d"] },
    { threshold: 50, down: ["a", "b", "c", "d"], expected: ["a", "b", "c", "d"] },
  ])("threshold $threshold% with $down down serves $expected", ({ threshold, down, expected }) => {
    const { g, u, clock } = group([spec("a"), spec("b"), spec("c"), spec("d")], {
      panicThresholdPercent: threshold,
    });
    for (const id of down) g.setCheckState(u(id), false);
    expect(ids(g.candidates(clock.now))).toEqual(expected);
  });
});

describe("draining", () => {
  it("stops new requests at once, and removes the upstream when its last request ends", () => {
    const { g, u, removed } = group([spec("a"), spec("b")]);
    const a = u("a");
    g.begin(a);
    g.drain(a);
    expect([serve(g, OK), serve(g, OK), serve(g, OK)]).toEqual(["b", "b", "b"]);
    expect(removed).toEqual([]);
    g.end(a, OK, 1);
    expect(removed).toEqual(["a"]);
    expect(ids(g.members)).toEqual(["b"]);
  });

  it("removes an idle upstream immediately", () => {
    const { g, u, removed } = group([spec("a"), spec("b")]);
    g.drain(u("a"));
    expect(removed).toEqual(["a"]);
  });
});

describe("retries skip the upstreams already tried", () => {
  it.each([
    { tried: ["a"], expected: "b" },
    { tried: ["a", "b"], expected: "c" },
    { tried: ["a", "b", "c"], expected: undefined },
  ])("tried $tried → $expected", ({ tried, expected }) => {
    const { g, u } = group([spec("a"), spec("b"), spec("c")]);
    expect(g.pick(REQUEST, tried.map(u))?.id).toBe(expected);
  });
});

describe("readiness", () => {
  it.each([
    { down: [], minHealthy: 2, expected: { healthy: 3, total: 3, capacity: 1, ready: true } },
    { down: ["a"], minHealthy: 2, expected: { healthy: 2, total: 3, capacity: 0.5, ready: true } },
    { down: ["a", "b"], minHealthy: 2, expected: { healthy: 1, total: 3, capacity: 0.25, ready: false } },
    { down: ["a", "b", "c"], minHealthy: 1, expected: { healthy: 0, total: 3, capacity: 0, ready: false } },
  ])("$down down, min $minHealthy → $expected", ({ down, minHealthy, expected }) => {
    const { g, u } = group([spec("a", { weight: 2 }), spec("b", { weight: 1 }), spec("c", { weight: 1 })], {
      minHealthy,
    });
    for (const id of down) g.setCheckState(u(id), false);
    expect(g.readiness()).toEqual(expected);
  });
});

describe("waiting for the first active check", () => {
  it.each([
    { pending: ["a", "b", "c"], expected: { healthy: 0, total: 3, capacity: 0, ready: false } },
    { pending: ["a"], expected: { healthy: 2, total: 3, capacity: 0.5, ready: true } },
    { pending: [], expected: { healthy: 3, total: 3, capacity: 1, ready: true } },
  ])("$pending pending → $expected", ({ pending, expected }) => {
    const { g, u, clock } = group([spec("a", { weight: 2 }), spec("b"), spec("c")], { minHealthy: 2 });
    for (const id of pending) g.awaitFirstCheck(u(id));
    expect(g.readiness()).toEqual(expected);
    for (const id of pending) expect(u(id).state(clock.now)).toBe("unknown");
    expect(ids(g.candidates(clock.now))).toEqual(["a", "b", "c"].filter((id) => !pending.includes(id)));
  });

  it.each([
    { initial: true, share: 1 },
    { initial: false, share: 0.5 },
  ])(
    "a first passing check does not restart slow start (added at boot: $initial → share $share, 5 s after joining)",
    ({ initial, share }) => {
      const { g, clock } = group([]);
      const a = g.add(spec("a", { weight: 4, slowStartMs: 10_000 }), initial);
      g.awaitFirstCheck(a);
      clock.now += 5_000;
      g.setCheckState(a, true);
      expect(a.state(clock.now)).toBe(share === 1 ? "up" : "slow_start");
      expect(a.weightAt(clock.now)).toBeCloseTo(4 * share);
    },
  );
});
