import { describe, expect, it } from "vitest";
import { createCompositeProbe } from "../../../src/health/probes/composite.ts";
import { probeFail, probeOk, type Probe } from "../../../src/health/probes/probe.ts";

function fixed(ok: boolean): Probe {
  return { kind: "fixed", run: () => Promise.resolve(ok ? probeOk(5) : probeFail("down")) };
}

describe("composite probe", () => {
  it.each([
    { mode: "all", n: undefined, members: [true, true, true], ok: true },
    { mode: "all", n: undefined, members: [true, false, true], ok: false },
    { mode: "any", n: undefined, members: [false, false, true], ok: true },
    { mode: "any", n: undefined, members: [false, false, false], ok: false },
    { mode: "at-least", n: 2, members: [true, false, true], ok: true },
    { mode: "at-least", n: 2, members: [true, false, false], ok: false },
  ] as const)("$mode $n of $members → $ok", async ({ mode, n, members, ok }) => {
    const probe = createCompositeProbe(
      { mode, n },
      members.map((up, i) => ({ name: `m${i}`, probe: fixed(up) })),
    );
    const result = await probe.run({ host: "127.0.0.1" }, new AbortController().signal);
    expect(result.ok).toBe(ok);
    if (!ok) expect(result.detail).toMatch(/m\d: down/);
  });
});
