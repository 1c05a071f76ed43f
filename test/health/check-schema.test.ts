import { describe, expect, it } from "vitest";
import { checkSchema, checksSchema, parseDurationMs } from "../../src/health/check-schema.ts";
import { GslbError } from "../../src/errors.ts";
import { checkReferenceProblems, createProbe } from "../../src/health/probes/registry.ts";

describe("durations", () => {
  it.each([
    ["250ms", 250],
    ["1s", 1000],
    ["1.5s", 1500],
    ["2m", 120_000],
    ["1h", 3_600_000],
  ])("%s = %d ms", (text, ms) => expect(parseDurationMs(text)).toBe(ms));
  it.each(["1", "s", "-1s", "1 d", ""])("%s is rejected", (text) =>
    expect(parseDurationMs(text)).toBeUndefined(),
  );
});

describe("check schema", () => {
  it("fills defaults, in milliseconds", () => {
    expect(checkSchema.parse({ kind: "http" })).toMatchObject({
      interval: 10_000,
      timeout: 5_000,
      rise: 2,
      fall: 3,
      jitter: 0.1,
      method: "GET",
      path: "/",
      expect: [[200, 399]],
      tlsVerify: true,
    });
  });

  it("reads numbers as seconds and ranges as pairs", () => {
    expect(
      checkSchema.parse({ kind: "https", interval: 2, timeout: "500ms", expect: [200, "301-302"] }),
    ).toMatchObject({
      interval: 2000,
      timeout: 500,
      expect: [
        [200, 200],
        [301, 302],
      ],
    });
  });

  it.each([
    [{ kind: "http", expect: ["600"] }, "expect.0"],
    [{ kind: "http", expect: [200, "399-200"] }, "expect.1"],
    [{ kind: "http", interval: "1s", timeout: "2s" }, "timeout"],
    [{ kind: "http", bodyRegex: "(" }, "bodyRegex"],
    [{ kind: "http", interval: "soon" }, "interval"],
    [{ kind: "tcp", port: 70000 }, "port"],
    [{ kind: "dns" }, "name"],
    [{ kind: "composite", mode: "at-least", checks: ["a"] }, "n"],
    [{ kind: "composite", mode: "at-least", n: 3, checks: ["a", "b"] }, "n"],
    [{ kind: "smtp" }, "kind"],
    [{ kind: "tcp", typo: 1 }, ""],
  ])("rejects %j at %s", (input, path) => {
    const result = checkSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join("."))).toContain(path);
  });
});

describe("check references", () => {
  const parse = (input: unknown) => new Map(Object.entries(checksSchema.parse(input)));

  it("accepts a composite of known checks and builds its probe", async () => {
    const checks = parse({
      a: { kind: "tcp", port: 1 },
      b: { kind: "tcp", port: 2 },
      both: { kind: "composite", checks: ["a", "b"] },
    });
    expect(checkReferenceProblems(checks)).toEqual([]);
    const probe = createProbe("both", checks);
    expect(probe.kind).toBe("composite");
    await probe.close?.();
  });

  it.each([
    [{ c: { kind: "composite", checks: ["nope"] } }, /unknown check "nope"/],
    [
      { x: { kind: "composite", checks: ["y"] }, y: { kind: "composite", checks: ["x"] } },
      /cycle x -> y -> x/,
    ],
  ])("rejects %j", (input, reason) => {
    const checks = parse(input);
    expect(
      checkReferenceProblems(checks)
        .map((p) => p.reason)
        .join("\n"),
    ).toMatch(reason);
    expect(() => createProbe([...checks.keys()][0]!, checks)).toThrow(GslbError);
  });
});

describe("checkDefinitionIssues", () => {
  it("is empty for a valid check and locates each problem of a bad one", async () => {
    const { checkDefinitionIssues } = await import("../../src/health/check-schema.ts");
    expect(checkDefinitionIssues({ kind: "tcp", port: 80 })).toEqual([]);
    expect(
      checkDefinitionIssues({ kind: "http", expect: [200, "9"], rise: 0 }).map((i) => i.path.join(".")),
    ).toEqual(expect.arrayContaining(["expect.1", "rise"]));
  });
});
