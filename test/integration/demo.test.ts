/** Issue 5's two-region demo (`make demo`) as a test: region A's backends stop, A's /ready fails, DNS moves to B. */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { expect, it } from "vitest";

it("make demo: stopping every backend of region A moves the DNS answer to region B", async () => {
  const child = spawn(process.execPath, [join(import.meta.dirname, "../../scripts/demo/two-regions.ts")], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  expect(out).toMatch(/region A \/ready → 503, region B \/ready → 200/);
  expect(out).toMatch(/app\.demo\.example A → 198\.51\.100\.10 \(region B\)/);
  expect(out).toContain("OK: the region failed over");
  expect(code).toBe(0);
}, 60_000);
