import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from "yaml";
import { describe, expect, it } from "vitest";
import { checkSchema } from "../../src/health/check-schema.ts";
import { compilePolicies, type CompileResult, type Path, policyForRecord } from "../../src/policy/compile.ts";
import { policySectionsSchema } from "../../src/policy/schema.ts";

const dir = join(import.meta.dirname, "../../docs/policies/examples");
const files = readdirSync(dir).filter((f) => f.endsWith(".yaml"));

function load(
  file: string,
  text = readFileSync(join(dir, file), "utf8"),
): { result: CompileResult; records: unknown } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const lineOf = (path: Path): number => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true);
      if ((isMap(node) || isSeq(node) || isScalar(node)) && node.range)
        return lines.linePos(node.range[0]).line;
    }
    return 1;
  };
  const raw = doc.toJS() as Record<string, unknown>;
  const sections = policySectionsSchema.parse(raw);
  const result = compilePolicies(sections, {
    file,
    lineOf,
    validateCheck: (name, definition, path) => {
      const parsed = checkSchema.safeParse(definition);
      return parsed.success
        ? []
        : [
            {
              file,
              line: lineOf(path),
              path: path.join("."),
              reason: `check ${name}: ${parsed.error.message}`,
            },
          ];
    },
  });
  return { result, records: raw["records"] };
}

describe("docs/policies/examples", () => {
  it("has one example per use case", () => {
    expect(files.sort()).toEqual([
      "canary.yaml",
      "failover.yaml",
      "geo.yaml",
      "latency.yaml",
      "multivalue.yaml",
      "srv.yaml",
    ]);
  });

  it.each(files)("%s compiles and every { policy } record references a policy of its type", (file) => {
    const { result, records } = load(file);
    if (!result.ok)
      throw new Error(result.problems.map((p) => `${p.line}: ${p.path}: ${p.reason}`).join("\n"));
    let references = 0;
    for (const owner of Object.values(records as Record<string, Record<string, unknown>>)) {
      for (const [type, value] of Object.entries(owner)) {
        if (typeof value === "object" && value !== null && "policy" in value) {
          references++;
          expect(policyForRecord(result.compiled, String(value.policy), type)).toMatchObject({ ok: true });
        }
      }
    }
    expect(references).toBeGreaterThan(0);
  });

  it.each([
    [
      "failover.yaml",
      "members: [primary, secondary]",
      "members: [primary, secondry]",
      "policies.api.members[1]",
      /unknown pool or policy "secondry"/,
    ],
    [
      "canary.yaml",
      "check: web }   # stable",
      "check: webb }   # stable",
      "pools.app-fleet.targets[0].check",
      /unknown check "webb"/,
    ],
    [
      "geo.yaml",
      "default: [us-east, eu-central]",
      "default: [us-east, www-geo]",
      "policies.www-geo.default[1]",
      /policy cycle/,
    ],
  ])("negative half: a typo in %s is reported with its line", (file, from, to, path, reason) => {
    const original = readFileSync(join(dir, file), "utf8");
    const edited = original.replace(from, to);
    expect(edited).not.toBe(original);
    const { result } = load(file, edited);
    expect(result.ok).toBe(false);
    const problem = !result.ok ? result.problems.find((p) => p.path === path) : undefined;
    expect(problem?.reason).toMatch(reason);
    expect(problem?.line).toBe(edited.split("\n").findIndex((l) => l.includes(to)) + 1);
  });
});
