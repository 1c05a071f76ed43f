import { createSocket, type Socket } from "node:dgram";
import type { AddressInfo } from "node:net";
import { Packet } from "dns2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dnsCheckSchema } from "../../../src/health/check-schema.ts";
import { createDnsProbe } from "../../../src/health/probes/dns.ts";

/**
 * A tiny authoritative responder: app.test. A 192.0.2.10, txt.test. TXT "v=ok", slow.test. never answers,
 * spoof.test. is answered from another port (as an off-path spoofer or a stray reply would be), echo.test. gets
 * its own query back (QR clear, same ID).
 */
let server: Socket;
let other: Socket;
let port: number;

function answer(query: Buffer): Buffer | undefined {
  const request = Packet.parse(query);
  const question = request.questions[0]!;
  if (question.name === "slow.test") return undefined;
  const response = new Packet(request);
  response.header.qr = 1;
  response.header.aa = 1;
  if (question.name === "app.test" && question.type === Packet.TYPE.A) {
    response.answers.push(
      Object.assign(new Packet.Resource(question.name, Packet.TYPE.A, Packet.CLASS.IN, 60), {
        address: "192.0.2.10",
      }),
    );
  } else if (question.name === "txt.test") {
    response.answers.push(
      Object.assign(new Packet.Resource(question.name, Packet.TYPE.TXT, Packet.CLASS.IN, 60), {
        data: "v=ok",
      }),
    );
  } else if (question.name !== "app.test") {
    response.header.rcode = 3;
  }
  return response.toBuffer();
}

beforeAll(async () => {
  server = createSocket("udp4");
  other = createSocket("udp4");
  server.on("message", (msg, rinfo) => {
    const name = Packet.parse(msg).questions[0]!.name;
    if (name === "echo.test") return void server.send(msg, rinfo.port, rinfo.address);
    const reply = answer(msg);
    if (reply === undefined) return;
    (name === "spoof.test" ? other : server).send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => server.bind(0, "127.0.0.1", resolve));
  await new Promise<void>((resolve) => other.bind(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => {
  server.close();
  other.close();
});

describe("dns probe", () => {
  it.each([
    { name: "NOERROR expected", check: { name: "app.test" }, outcome: "ok" },
    { name: "answer value matches", check: { name: "app.test", expectAnswer: "192.0.2.10" }, outcome: "ok" },
    {
      name: "answer value differs",
      check: { name: "app.test", expectAnswer: "192.0.2.11" },
      outcome: "fail",
    },
    {
      name: "TXT value matches",
      check: { name: "txt.test", type: "TXT", expectAnswer: "v=ok" },
      outcome: "ok",
    },
    {
      name: "NODATA has no answer",
      check: { name: "app.test", type: "AAAA", expectAnswer: "::1" },
      outcome: "fail",
    },
    { name: "NXDOMAIN when NOERROR expected", check: { name: "missing.test" }, outcome: "fail" },
    { name: "NXDOMAIN expected", check: { name: "missing.test", expectRcode: "NXDOMAIN" }, outcome: "ok" },
    { name: "no reply is a timeout", check: { name: "slow.test", timeout: "200ms" }, outcome: "timeout" },
    {
      name: "a reply from another port does not count",
      check: { name: "spoof.test", timeout: "300ms" },
      outcome: "timeout",
    },
    {
      name: "a query echoed back (QR clear) does not count",
      check: { name: "echo.test", timeout: "300ms" },
      outcome: "timeout",
    },
  ] as const)("$name", async ({ check, outcome }) => {
    const probe = createDnsProbe(dnsCheckSchema.parse({ kind: "dns", ...check }));
    const result = await probe.run({ host: "127.0.0.1", port }, new AbortController().signal);
    expect(result.outcome, result.detail).toBe(outcome);
    expect(result.ok).toBe(outcome === "ok");
  });

  it("fails at once, not at the timeout, when nothing listens on the port (ICMP port unreachable)", async () => {
    const closed = createSocket("udp4");
    await new Promise<void>((resolve) => closed.bind(0, "127.0.0.1", resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const probe = createDnsProbe(dnsCheckSchema.parse({ kind: "dns", name: "app.test", timeout: "5s" }));
    const started = performance.now();
    const result = await probe.run({ host: "127.0.0.1", port: closedPort }, new AbortController().signal);
    expect(result.outcome).toBe("error");
    expect(result.detail).toMatch(/ECONNREFUSED/);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
