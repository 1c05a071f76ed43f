import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTcpProbe } from "../../../src/health/probes/tcp.ts";
import { freePort } from "../../helpers/free-port.ts";
import { listen } from "../helpers.ts";

let open: Server;
let openPort: number;
let closedPort: number;

beforeAll(async () => {
  open = createServer((socket) => socket.end());
  openPort = await listen(open);
  closedPort = await freePort();
});
afterAll(async () => {
  await new Promise<void>((resolve) => open.close(() => resolve()));
});

describe("tcp probe", () => {
  const cases = [
    { name: "listening port is up", port: () => openPort, ok: true, outcome: "ok" },
    { name: "closed port is down", port: () => closedPort, ok: false, outcome: "error" },
  ] as const;

  it.each(cases)("$name", async ({ port, ok, outcome }) => {
    const probe = createTcpProbe({ timeout: 1000, port: undefined });
    const result = await probe.run({ host: "127.0.0.1", port: port() }, new AbortController().signal);
    expect(result.ok).toBe(ok);
    expect(result.outcome).toBe(outcome);
  });

  it("uses the check port when the target has none", async () => {
    const result = await createTcpProbe({ timeout: 1000, port: openPort }).run(
      { host: "127.0.0.1" },
      new AbortController().signal,
    );
    expect(result.ok).toBe(true);
  });

  it("fails without any port", async () => {
    const result = await createTcpProbe({ timeout: 1000, port: undefined }).run(
      { host: "127.0.0.1" },
      new AbortController().signal,
    );
    expect(result).toMatchObject({ ok: false, outcome: "error" });
    expect(result.detail).toMatch(/needs a port/);
  });

  it("stops when the caller aborts", async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await createTcpProbe({ timeout: 1000, port: openPort }).run(
      { host: "127.0.0.1" },
      controller.signal,
    );
    expect(result.ok).toBe(false);
  });
});
