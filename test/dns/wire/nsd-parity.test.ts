/**
 * The guard clauses answer malformed queries with NSD's rcodes: the same packets go to a real NSD (Debian
 * `nsd`, started here on loopback) and through decodeQuery + writeError; drop-or-reply and the rcode must
 * agree. (NSD omits the question and the OPT on FORMERR/NOTIMP; we keep them — only rcodes are compared.)
 */
import dgram from "node:dgram";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeMessage } from "../../../src/dns/wire/message.ts";
import { decodeQuery } from "../../../src/dns/wire/reader.ts";
import { ResponseWriter } from "../../../src/dns/wire/writer.ts";
import { EXAMPLE_ZONE_MASTER } from "../../helpers/example-zone.ts";
import { startNsd, type NsdServer } from "../../helpers/nsd.ts";
import { u16 } from "../../helpers/dns-bytes.ts";
import { buildQuery, ecsOption } from "./packets.ts";

let nsd: NsdServer | undefined;
let port = 0;
const socket = dgram.createSocket("udp4");

/** One UDP exchange with NSD; null when it does not answer (a drop). */
function ask(packet: Uint8Array, timeoutMs = 700): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const id = packet.length >= 2 ? (packet[0]! << 8) | packet[1]! : -1;
    const onMessage = (reply: Buffer): void => {
      if (id >= 0 && reply.readUInt16BE(0) !== id) return;
      clearTimeout(timer);
      socket.off("message", onMessage);
      resolve(reply);
    };
    const timer = setTimeout(() => {
      socket.off("message", onMessage);
      resolve(null);
    }, timeoutMs);
    socket.on("message", onMessage);
    socket.send(packet, port, "127.0.0.1");
  });
}

beforeAll(async () => {
  nsd = await startNsd([{ origin: "example.com.", text: EXAMPLE_ZONE_MASTER }]);
  port = nsd.port;
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
}, 30_000);

afterAll(async () => {
  socket.close();
  await nsd?.stop();
});

/** Our answer to `packet`: "drop", or the reply's rcode (the full, extended one). */
function ours(packet: Uint8Array): number | "drop" {
  const outcome = decodeQuery(packet);
  if (outcome.kind === "drop") return "drop";
  if (outcome.kind === "query") return 0;
  const decoded = decodeMessage(new ResponseWriter().writeError(outcome, false));
  if (decoded.kind !== "message") throw new Error(decoded.reason);
  return decoded.rcode;
}

function theirs(reply: Buffer | null): number | "drop" {
  if (reply === null) return "drop";
  const decoded = decodeMessage(reply);
  if (decoded.kind !== "message") throw new Error(`NSD reply: ${decoded.reason}`);
  return decoded.rcode;
}

/** A well-formed TSIG RR (RFC 8945 4.2) for key "k." with a 32-byte MAC, for query id `id`. */
function tsig(id: number): number[] {
  const algorithm = [11, ...Buffer.from("hmac-sha256"), 0];
  const rdata = [
    ...algorithm,
    0,
    0,
    0x65,
    0,
    0,
    0,
    ...u16(300),
    ...u16(32),
    ...Array<number>(32).fill(7),
    ...u16(id),
    0,
    0,
    0,
    0,
  ];
  return [1, 0x6b, 0, ...u16(250), ...u16(255), 0, 0, 0, 0, ...u16(rdata.length), ...rdata];
}

const long = (n: number): number[] => [n, ...Array<number>(n).fill(0x61)];
const BATTERY: [string, Buffer][] = [
  ["valid", buildQuery({ id: 1 })],
  ["valid EDNS", buildQuery({ id: 2, opts: [{ dnssecOk: true }] })],
  ["mixed case", buildQuery({ id: 3, qname: "WwW.ExAmple.cOm." })],
  ["QR set", buildQuery({ id: 4, flags: 0x8100 })],
  ["TC set in the query", buildQuery({ id: 5, flags: 0x0300 })],
  ["qdcount 0", buildQuery({ id: 6, qdcount: 0, question: [] })],
  ["qdcount 0 with a question", buildQuery({ id: 7, qdcount: 0 })],
  ["qdcount 2", buildQuery({ id: 8, qdcount: 2 })],
  ["question cut short", buildQuery({ id: 9, question: [3, 0x77, 0x77, 0x77, 0, 0, 1] })],
  ["label of 64", buildQuery({ id: 10, question: [...long(64), 0, 0, 1, 0, 1] })],
  [
    "name of 256",
    buildQuery({ id: 11, question: [...long(63), ...long(63), ...long(63), ...long(62), 0, 0, 1, 0, 1] }),
  ],
  ["pointer loop", buildQuery({ id: 12, question: [0xc0, 12, 0, 1, 0, 1] })],
  ["forward pointer", buildQuery({ id: 13, question: [0xc0, 18, 0, 1, 0, 1, 3, 0x61, 0x62, 0x63, 0] })],
  ["label type 0x40", buildQuery({ id: 14, question: [0x40, 0, 0, 1, 0, 1] })],
  ["label type 0x80", buildQuery({ id: 15, question: [0x81, 0x61, 0, 0, 1, 0, 1] })],
  ["an answer record", buildQuery({ id: 16, ancount: 1 })],
  ["an authority record", buildQuery({ id: 17, nscount: 1 })],
  ["trailing garbage", buildQuery({ id: 18, tail: [1, 2, 3] })],
  ["EDNS and trailing garbage", buildQuery({ id: 19, opts: [{}], tail: [9] })],
  ["two OPT", buildQuery({ id: 20, opts: [{}, {}] })],
  ["OPT not at root", buildQuery({ id: 21, opts: [{ owner: [1, 0x61, 0] }] })],
  [
    "option longer than the OPT",
    buildQuery({
      id: 22,
      arcount: 1,
      tail: [0, ...u16(41), ...u16(1232), 0, 0, 0, 0, ...u16(4), ...u16(3), ...u16(9)],
    }),
  ],
  ["EDNS version 1", buildQuery({ id: 23, opts: [{ version: 1 }] })],
  ["EDNS version 255", buildQuery({ id: 24, opts: [{ version: 255, dnssecOk: true }] })],
  [
    "A record in additional",
    buildQuery({ id: 25, arcount: 1, tail: [0, ...u16(1), ...u16(1), 0, 0, 0, 0, ...u16(4), 1, 2, 3, 4] }),
  ],
  ["arcount past the end", buildQuery({ id: 26, arcount: 3 })],
  ["NSID request", buildQuery({ id: 27, opts: [{ options: [[3, []]] }] })],
  ["cookie", buildQuery({ id: 28, opts: [{ options: [[10, [1, 2, 3, 4, 5, 6, 7, 8]]] }] })],
  ["valid ECS", buildQuery({ id: 29, opts: [{ options: [ecsOption(1, 24, 0, [192, 0, 2])] }] })],
  ...[1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15].map((op): [string, Buffer] => [
    `opcode ${op}`,
    buildQuery({ id: 100 + op, flags: 0x0100 | (op << 11) }),
  ]),
  ["opcode 2 with a bad question", buildQuery({ id: 120, flags: 0x1100, question: [70, 1] })],
  ["TSIG with a key NSD does not have", buildQuery({ id: 30, arcount: 1, tail: tsig(1) })],
  [
    "TSIG with empty RDATA",
    buildQuery({ id: 31, arcount: 1, tail: [1, 0x6b, 0, ...u16(250), ...u16(255), 0, 0, 0, 0, ...u16(0)] }),
  ],
  ["11 bytes", Buffer.from([0, 130, 1, 0, 0, 1, 0, 0, 0, 0, 0])],
];

/** Where we differ on purpose: [name, packet, our rcode, NSD's rcode, why]. */
const ACCEPTED_DIFFERENCES: [string, Buffer, number, number, string][] = [
  [
    "NOTIFY (opcode 4) for a name that is no zone",
    buildQuery({ id: 104, flags: 0x2100 }),
    4,
    3,
    "NSD processes NOTIFY (a secondary); gslb serves no secondaries and answers NOTIMP to every opcode but QUERY",
  ],
];

describe("decodeQuery gives NSD's rcodes", () => {
  it.each(BATTERY)("%s", async (_name, packet) => {
    expect(ours(packet)).toBe(theirs(await ask(packet)));
  });

  it.each(ACCEPTED_DIFFERENCES)("accepted difference: %s", async (_name, packet, our, their) => {
    expect([ours(packet), theirs(await ask(packet))]).toEqual([our, their]);
  });
});
