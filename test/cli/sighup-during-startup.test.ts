/**
 * Regression: SIGHUP during start-up (while `--health-start wait` waits for the first probe round) killed
 * `gslb serve`, because its handler was installed only after start-up. Now the reload is done once serving.
 */
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { CLI } from "../helpers/gslb-cli.ts";
import { digShort } from "../helpers/dig.ts";
import { freePort } from "../helpers/free-port.ts";
import { stopChild } from "../helpers/processes.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const dir = tempDir("sighup-start");
afterAll(dir.remove);

it("a SIGHUP while waiting for the first health round does not kill the server", async () => {
  // A backend that accepts and never answers: the first round lasts the check's 2 s timeout.
  const silent: Server = createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const backendPort = (silent.address() as { port: number }).port;
  writeFileSync(
    join(dir.path, "slow.test.yaml"),
    `zone: slow.test.
records:
  "@": { SOA: ns1 hostmaster 1 7200 3600 1209600 60, NS: ns1 }
  ns1: { A: 192.0.2.53 }
  www: { A: { policy: app } }
checks:
  web: { kind: http, port: ${backendPort}, interval: 5s, timeout: 2s }
pools:
  primary: { targets: [{ address: 192.0.2.10, check: web, probe: 127.0.0.1 }] }
policies:
  app: { type: failover, members: [primary] }
`,
  );
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      CLI,
      "serve",
      "--zones",
      dir.path,
      "--dns",
      `127.0.0.1:${port}`,
      "--admin",
      "off",
      "--state-dir",
      join(dir.path, "state"),
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let log = "";
  child.stderr.on("data", (d: Buffer) => (log += d.toString()));
  try {
    const deadline = Date.now() + 10_000;
    while (!log.includes("waiting for the first health check round") && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(log).toContain("waiting for the first health check round");
    child.kill("SIGHUP");
    let answer: string[] | null = null;
    while (answer === null && child.exitCode === null && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      answer = await digShort(port, "ns1.slow.test");
    }
    expect(child.exitCode).toBeNull();
    expect(child.signalCode).toBeNull();
    expect(answer).toEqual(["192.0.2.53"]);
    expect(log).toContain("SIGHUP: reloading zones");
  } finally {
    await stopChild(child);
    silent.closeAllConnections();
    silent.close();
  }
}, 20_000);
