import { createServer, type Server } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTcpProbe } from "../../../src/health/probes/tcp.ts";

let open: Server;
let openPort: number;
let closedPort: number;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  open = createServer((socket) => socket.end());
  openPort = await listen(open);
  const gone = createServer();
  closedPort = await listen(gone);
  await new Promise<void>((resolve) => gone.close(() => resolve()));
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
    const result = await createTcpProbe({ timeout: 1000, port: openPort }).run({ host: "127.0.0.1" }, new AbortController().signal);
    expect(result.ok).toBe(true);
  });

  it("fails without any port", async () => {
    const result = await createTcpProbe({ timeout: 1000, port: undefined }).run({ host: "127.0.0.1" }, new AbortController().signal);
    expect(result).toMatchObject({ ok: false, outcome: "error" });
    expect(result.detail).toMatch(/needs a port/);
  });

  it("stops when the caller aborts", async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await createTcpProbe({ timeout: 1000, port: openPort }).run({ host: "127.0.0.1" }, controller.signal);
    expect(result.ok).toBe(false);
  });
});
