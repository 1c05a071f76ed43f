/** One suite every probe kind runs (STYLE §13): failures are typed results, never exceptions. */
import { beforeAll, describe, expect, it } from "vitest";
import { checkSchema } from "../../../src/health/check-schema.ts";
import { createProbe } from "../../../src/health/probes/registry.ts";
import { freePort } from "../../helpers/free-port.ts";

let closedPort: number;

beforeAll(async () => {
  closedPort = await freePort();
});

const kinds = [
  { kind: "http" },
  { kind: "https" },
  { kind: "tcp" },
  { kind: "dns", name: "example.test." },
  { kind: "proxy" },
] as const;

describe.each(kinds)("$kind probe (common cases)", (def) => {
  const checks = new Map([["c", checkSchema.parse({ ...def, timeout: "300ms", interval: "1s" })]]);

  it("reports a dead address as a failed result", async () => {
    const probe = createProbe("c", checks);
    const result = await probe.run({ host: "127.0.0.1", port: closedPort }, new AbortController().signal);
    await probe.close?.();
    expect(result.ok).toBe(false);
    expect(["error", "timeout"]).toContain(result.outcome);
    expect(result.detail).not.toBe("");
    expect(probe.kind).toBe(def.kind);
  });

  it("resolves (does not throw) when cancelled", async () => {
    const probe = createProbe("c", checks);
    const controller = new AbortController();
    controller.abort();
    const result = await probe.run({ host: "127.0.0.1", port: closedPort }, controller.signal);
    await probe.close?.();
    expect(result.ok).toBe(false);
  });
});
