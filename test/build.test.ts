/**
 * The compiled package (what the `gslb` bin and the Docker image run) works, not only the sources:
 * regression for the probe worker's entry, which was looked up as entry.ts beside the compiled client.js.
 */
import { spawn, spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");
const OUT = join(ROOT, ".build-test");
const TSC = join(ROOT, "node_modules/typescript/bin/tsc");

describe("the compiled package", () => {
  beforeAll(() => {
    rmSync(OUT, { recursive: true, force: true });
    const built = spawnSync(
      process.execPath,
      [TSC, "-p", "tsconfig.build.json", "--outDir", OUT, "--sourceMap", "false"],
      {
        cwd: ROOT,
        encoding: "utf8",
      },
    );
    expect(built.stdout + built.stderr).toBe("");
    expect(built.status).toBe(0);
  }, 120_000);
  afterAll(() => rmSync(OUT, { recursive: true, force: true }));

  it("runs the CLI: check the bundled zones", () => {
    const run = spawnSync(process.execPath, [join(OUT, "cli.js"), "check", "zones"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(run.stdout).toBe("zones: ok\n");
    expect(run.status).toBe(0);
  });

  it("starts its probe worker thread (gslb-prober) when serving", async () => {
    const child = spawn(
      process.execPath,
      [
        join(OUT, "cli.js"),
        "serve",
        "--zones",
        "zones",
        "--dns",
        "127.0.0.1:0",
        "--admin",
        "off",
        "--state-dir",
        join(OUT, "state"),
        "--health-start",
        "assume-up",
      ],
      { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] },
    );
    let log = "";
    child.stderr.on("data", (d: Buffer) => (log += d.toString()));
    try {
      const deadline = Date.now() + 10_000;
      while (!/"msg":"serving"/.test(log) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      expect(log).toMatch(/"msg":"serving"/);
      // The first probe round starts the worker: wait for the thread, then look for errors in the log.
      const threads = (): string[] => {
        const tasks = spawnSync("ps", ["-L", "-o", "comm=", "-p", String(child.pid)], { encoding: "utf8" });
        return tasks.stdout.split("\n").map((s) => s.trim());
      };
      while (!threads().includes("gslb-prober") && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      expect(threads()).toContain("gslb-prober");
      expect(log).not.toMatch(/"level":(40|50|60)/);
    } finally {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
  });
});
