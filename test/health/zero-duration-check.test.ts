/**
 * Regression: a check with `interval: 0` or `timeout: 0` was accepted (0 ≤ 0 passed "timeout must not exceed
 * interval"). An interval of 0 re-probes a target back to back, flooding it; a timeout of 0 disables the TCP
 * probe's socket timeout (a blackholed address then holds a probe slot until the kernel gives up, minutes)
 * and makes every HTTP/DNS probe time out at once. Both must be positive.
 */
import { describe, expect, it } from "vitest";
import { checkSchema } from "../../src/health/check-schema.ts";

describe("check durations must be positive", () => {
  it.each([
    ["tcp interval 0", { kind: "tcp", port: 80, interval: 0, timeout: 0 }, "interval"],
    ["tcp timeout 0", { kind: "tcp", port: 80, timeout: 0 }, "timeout"],
    ["http timeout 0s", { kind: "http", timeout: "0s" }, "timeout"],
    ["dns interval 0ms", { kind: "dns", name: "example.com.", interval: "0ms", timeout: "0ms" }, "interval"],
    ["timeout rounding to 0 ms", { kind: "tcp", port: 80, timeout: "0.2ms" }, "timeout"],
    ["http connect timeout 0", { kind: "http", connectTimeout: 0 }, "connectTimeout"],
  ])("%s is rejected at %s", (_label, check, path) => {
    const parsed = checkSchema.safeParse(check);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join("."))).toContain(path);
  });

  it.each([
    ["tcp 1ms/1ms", { kind: "tcp", port: 80, interval: "1ms", timeout: "1ms" }, 1, 1],
    ["http 1s/500ms", { kind: "http", interval: "1s", timeout: "500ms" }, 1000, 500],
  ])("%s is accepted", (_label, check, interval, timeout) => {
    expect(checkSchema.parse(check)).toMatchObject({ interval, timeout });
  });
});
