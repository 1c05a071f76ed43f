/**
 * DNS probe: one UDP query (no recursion desired) to the probe address; up when the rcode is the expected
 * one and, if asked, one answer's data equals the expected value. dns2 serves only as the message codec here,
 * off the hot path (DESIGN §7); the socket is ours so the timeout and cancel are exact.
 */
import { createSocket } from "node:dgram";
import { isIPv6 } from "node:net";
import { randomInt } from "node:crypto";
import { Packet, type Resource } from "dns2";
import { RCODES, type DnsCheck } from "../check-schema.ts";
import {
  deadline,
  probeErrorResult,
  probeFail,
  probeOk,
  type Probe,
  type ProbeResult,
  type ProbeTarget,
} from "./probe.ts";

export function createDnsProbe(check: DnsCheck): Probe {
  return { kind: "dns", run: (target, signal) => runDns(check, target, signal) };
}

async function runDns(check: DnsCheck, target: ProbeTarget, signal: AbortSignal): Promise<ProbeResult> {
  const started = performance.now();
  const limit = deadline(signal, check.timeout);
  const id = randomInt(0, 0x10000);
  try {
    const reply = await exchange(
      buildQuery(check, id),
      id,
      target.host,
      target.port ?? check.port ?? 53,
      limit.signal,
    );
    return judge(check, Packet.parse(reply), performance.now() - started);
  } catch (error) {
    return probeErrorResult(error, limit.timedOut(), check.timeout);
  }
}

function buildQuery(check: DnsCheck, id: number): Buffer {
  const packet = new Packet();
  packet.header.id = id;
  packet.header.rd = 0;
  packet.questions.push(new Packet.Question(check.name, Packet.TYPE[check.type], Packet.CLASS.IN));
  return packet.toBuffer();
}

function exchange(
  query: Buffer,
  id: number,
  host: string,
  port: number,
  signal: AbortSignal,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(isIPv6(host) ? "udp6" : "udp4");
    const finish = (): void => {
      signal.removeEventListener("abort", onAbort);
      socket.close();
    };
    const onAbort = (): void => {
      finish();
      reject(signal.reason);
    };
    if (signal.aborted) return void onAbort();
    signal.addEventListener("abort", onAbort);
    socket.on("error", (error) => {
      finish();
      reject(error);
    });
    // QR set and our ID; the socket is connected, so the kernel drops datagrams from any other address or port
    // (a spoofed or stray reply cannot mark a dead server up), and an ICMP port unreachable fails the probe at once.
    socket.on("message", (message) => {
      if (message.length < 3 || message.readUInt16BE(0) !== id || (message[2]! & 0x80) === 0) return;
      finish();
      resolve(message);
    });
    socket.connect(port, host, () => socket.send(query));
  });
}

function judge(check: DnsCheck, reply: Packet, rttMs: number): ProbeResult {
  const rcode = RCODES[reply.header.rcode] ?? `RCODE${reply.header.rcode}`;
  if (rcode !== check.expectRcode) return probeFail(`rcode ${rcode}, expected ${check.expectRcode}`, rttMs);
  if (check.expectAnswer === undefined) return probeOk(rttMs, `rcode ${rcode}`);
  const wanted = normalise(check.expectAnswer);
  const values = reply.answers.filter((rr) => rr.type === Packet.TYPE[check.type]).map(answerValue);
  if (values.includes(wanted)) return probeOk(rttMs, `answer ${check.expectAnswer}`);
  return probeFail(`no answer equals ${check.expectAnswer} (got ${values.join(", ") || "none"})`, rttMs);
}

function answerValue(rr: Resource): string {
  const data = Array.isArray(rr.data)
    ? rr.data.join("")
    : Buffer.isBuffer(rr.data)
      ? rr.data.toString()
      : rr.data;
  return normalise(rr.address ?? rr.domain ?? rr.ns ?? rr.exchange ?? rr.target ?? rr.primary ?? data ?? "");
}

function normalise(value: string): string {
  return value.toLowerCase().replace(/\.$/, "");
}
