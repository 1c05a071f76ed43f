import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ErrorCodes, GslbError, InputError } from "../../src/errors.ts";
import { runProxyCommand } from "../../src/proxy/cli.ts";
import { eventually, get, startBackend, type Backend } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "gslb-proxy-cli-"));
const backends: Backend[] = [];
afterAll(async () => {
  for (const b of backends) await b.close();
  rmSync(dir, { recursive: true, force: true });
});

function configFor(address: string): string {
  return `listeners: [{ address: 127.0.0.1:0 }]
admin: { address: 127.0.0.1:0 }
routes: [{ upstream: app }]
upstreams: { app: { servers: [{ address: ${address} }] } }
`;
}

describe("runProxyCommand", () => {
  it("--check accepts a valid file", async () => {
    const file = join(dir, "ok.yaml");
    writeFileSync(file, configFor("127.0.0.1:9"));
    expect(await runProxyCommand(["--config", file, "--check"])).toBe(0);
  });

  it("--check rejects an invalid file with file:line: path: reason", async () => {
    const file = join(dir, "bad.yaml");
    writeFileSync(file, configFor("127.0.0.1"));
    const error = await runProxyCommand(["--config", file, "--check"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toContain(`${file}:4: upstreams.app.servers[0].address`);
  });

  it("needs --config", async () => {
    const error = await runProxyCommand([]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GslbError);
    expect((error as GslbError).code).toBe(ErrorCodes.USAGE);
  });

  it("rejects unknown flags", async () => {
    await expect(runProxyCommand(["--bogus"])).rejects.toThrow(/bogus/);
  });
});

describe("gslb proxy as a process", () => {
  it("serves, reloads on SIGHUP (keeping the old config when the new one is bad), and exits 0 on SIGTERM", async () => {
    const a = await startBackend("a");
    const b = await startBackend("b");
    backends.push(a, b);
    const file = join(dir, "live.yaml");
    writeFileSync(file, configFor(a.address));
    const code =
      "const m = await import(process.argv[1]); process.exitCode = await m.runProxyCommand(process.argv.slice(2));";
    const child = spawn(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        code,
        "--",
        new URL("../../src/proxy/cli.ts", import.meta.url).href,
        "--config",
        file,
      ],
      {
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    try {
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      expect(await eventually(() => stderr.includes("proxy listening"), 10_000)).toBe(true);
      const line = JSON.parse(stderr.split("\n").find((l) => l.includes("proxy listening"))!) as {
        listeners: { port: number }[];
      };
      const port = line.listeners[0]!.port;
      expect((await get(port, "/")).body).toBe("a");

      writeFileSync(file, configFor(b.address));
      child.kill("SIGHUP");
      expect(await eventually(async () => (await get(port, "/")).body === "b")).toBe(true);

      writeFileSync(file, "upstreams: [");
      child.kill("SIGHUP");
      expect(await eventually(() => stderr.includes("reload failed"))).toBe(true);
      expect((await get(port, "/")).body).toBe("b");

      const exited = new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
