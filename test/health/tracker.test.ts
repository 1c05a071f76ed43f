import { describe, expect, it } from "vitest";
import { probeFail, probeOk } from "../../src/health/probes/probe.ts";
import { Tracker, type TrackedState } from "../../src/health/tracker.ts";

/** Feeds a sequence like "++-+" (+ ok, - fail) and returns the state after each result. */
function states(sequence: string, initial: "unknown" | "up" = "unknown", rise = 2, fall = 3): TrackedState[] {
  const tracker = new Tracker({ rise, fall, initial }, 0);
  return [...sequence].map((c, i) => {
    tracker.record(c === "+" ? probeOk(10) : probeFail("x"), i + 1);
    return tracker.snapshot().state;
  });
}

const U = "up";
const D = "down";

describe("tracker, rise 2 / fall 3", () => {
  it.each([
    { seq: "+", initial: "unknown", want: [U] },
    { seq: "-", initial: "unknown", want: [D] },
    { seq: "+--", initial: "unknown", want: [U, U, U] },
    { seq: "+---", initial: "unknown", want: [U, U, U, D] },
    { seq: "-+", initial: "unknown", want: [D, D] },
    { seq: "-++", initial: "unknown", want: [D, D, U] },
    { seq: "+--+---", initial: "unknown", want: [U, U, U, U, U, U, D] },
    { seq: "-+-+-+-+", initial: "unknown", want: [D, D, D, D, D, D, D, D] },
    { seq: "+-+-+-+-", initial: "unknown", want: [U, U, U, U, U, U, U, U] },
    { seq: "+---++", initial: "unknown", want: [U, U, U, D, D, U] },
    { seq: "--", initial: "up", want: [U, U] },
    { seq: "---", initial: "up", want: [U, U, D] },
    { seq: "+", initial: "up", want: [U] },
  ] as const)("$initial then $seq", ({ seq, initial, want }) => {
    expect(states(seq, initial)).toEqual(want);
  });

  it("a flapping backend does not flap the state", () => {
    const tracker = new Tracker({ rise: 2, fall: 3, initial: "unknown" }, 0);
    const transitions = [..."+-+--+-+--+-+--+"].flatMap(
      (c, i) => tracker.record(c === "+" ? probeOk(1) : probeFail("x"), i) ?? [],
    );
    expect(transitions.map((t) => t.to)).toEqual(["up"]);
    expect(tracker.snapshot().flaps).toBe(0);
  });

  it("counts up↔down transitions as flaps, not the first verdict", () => {
    const tracker = new Tracker({ rise: 1, fall: 1, initial: "unknown" }, 0);
    for (const c of "+-+-") tracker.record(c === "+" ? probeOk(1) : probeFail("x"), 1);
    expect(tracker.snapshot().flaps).toBe(3);
  });

  it("reports each transition with its time and the failing detail", () => {
    const tracker = new Tracker({ rise: 2, fall: 1, initial: "unknown" }, 0);
    expect(tracker.record(probeOk(1), 100)).toEqual({ from: "unknown", to: "up", at: 100, detail: "ok" });
    expect(tracker.record(probeFail("status 503"), 200)).toEqual({
      from: "up",
      to: "down",
      at: 200,
      detail: "status 503",
    });
    expect(tracker.snapshot()).toMatchObject({
      state: "down",
      since: 200,
      detail: "status 503",
      provisional: false,
    });
  });

  it("smooths RTT as an EWMA of successful probes only", () => {
    const tracker = new Tracker({ rise: 1, fall: 1, initial: "unknown", rttAlpha: 0.5 }, 0);
    tracker.record(probeOk(100), 1);
    tracker.record(probeOk(200), 2);
    tracker.record(probeFail("x", 5000), 3);
    expect(tracker.snapshot().rttMs).toBe(150);
  });

  it("restores a saved state as provisional and keeps counting from it", () => {
    const saved = { state: "down", since: 42, rttMs: 12, flaps: 4, detail: "status 500" } as const;
    const tracker = new Tracker({ rise: 2, fall: 3, initial: "up" }, 1000, saved);
    expect(tracker.snapshot()).toMatchObject({ state: "down", since: 42, flaps: 4, provisional: true });
    tracker.record(probeOk(1), 1001);
    expect(tracker.snapshot().state).toBe("down");
    tracker.record(probeOk(1), 1002);
    expect(tracker.snapshot()).toMatchObject({ state: "up", since: 1002, flaps: 5 });
  });
});
