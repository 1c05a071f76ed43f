import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RRType } from "../../../src/dns/types.ts";
import type { Query } from "../../../src/dns/types.ts";
import { decodeMessage } from "../../../src/dns/wire/message.ts";
import { nameToWire, newNameSink, readName } from "../../../src/dns/wire/name.ts";
import { decodeQuery } from "../../../src/dns/wire/reader.ts";
import { ResponseWriter, Section } from "../../../src/dns/wire/writer.ts";
import { buildQuery, ecsOption } from "./packets.ts";

const writer = new ResponseWriter({ nsid: Buffer.from("prop") });

/** Replies to whatever decodeQuery made of `packet`, and checks the reply with decodeMessage. */
function replyDecodes(packet: Uint8Array): void {
  const outcome = decodeQuery(packet);
  if (outcome.kind === "drop") return;
  let reply: Uint8Array;
  if (outcome.kind === "error") {
    reply = writer.writeError(outcome, false);
  } else {
    writer.begin(outcome, false);
    writer.setAuthoritative(true);
    writer.addRRset(Section.ANSWER, {
      name: outcome.qnameLower,
      type: RRType.A,
      class: 1,
      ttl: 60,
      rdata: [{ kind: "A", address: "192.0.2.1", bytes: Uint8Array.of(192, 0, 2, 1) }],
    });
    reply = writer.finish();
  }
  const decoded = decodeMessage(reply);
  if (decoded.kind !== "message") throw new Error(`reply does not decode: ${decoded.reason}`);
  expect(decoded.id).toBe(outcome.id);
  expect(decoded.rcode).toBe(outcome.kind === "error" ? outcome.rcode : 0);
  if (outcome.kind === "query") expectEcho(outcome, decoded.questions[0]?.qname, decoded.answer.length);
}

function expectEcho(query: Query, echoed: string | undefined, answers: number): void {
  expect(echoed).toBe(query.qname);
  expect(answers).toBe(1);
}

const label = fc.uint8Array({ minLength: 1, maxLength: 12 });
const wireName = fc
  .array(label, { maxLength: 5 })
  .map((labels) => [...labels.flatMap((l) => [l.length, ...l]), 0]);

const validQuery = fc
  .record({
    id: fc.integer({ min: 0, max: 0xffff }),
    name: wireName,
    qtype: fc.constantFrom(1, 2, 5, 6, 15, 16, 28, 33, 255, 257),
    edns: fc.boolean(),
    payload: fc.integer({ min: 0, max: 0xffff }),
    dnssecOk: fc.boolean(),
    ecs: fc.boolean(),
    nsid: fc.boolean(),
  })
  .map((r) =>
    buildQuery({
      id: r.id,
      question: [...r.name, 0, r.qtype, 0, 1],
      opts: r.edns
        ? [
            {
              payload: r.payload,
              dnssecOk: r.dnssecOk,
              options: [
                ...(r.ecs ? [ecsOption(1, 24, 0, [10, 20, 30])] : []),
                ...(r.nsid ? [[3, []] as [number, number[]]] : []),
              ],
            },
          ]
        : [],
    }),
  );

describe("property: the decoders never throw, and every reply decodes", () => {
  it("random byte strings", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        decodeMessage(bytes);
        replyDecodes(bytes);
      }),
      { numRuns: 3000 },
    );
  });

  it("random bytes behind a plausible query header", () => {
    const header = fc.tuple(
      fc.integer({ min: 0, max: 0xffff }),
      fc.integer({ min: 0, max: 0x7fff }),
      fc.constantFrom(0, 1, 2),
      fc.constantFrom(0, 1),
      fc.uint8Array({ maxLength: 300 }),
    );
    fc.assert(
      fc.property(header, ([id, flags, qd, ar, body]) => {
        const packet = Buffer.from([
          id >> 8,
          id & 255,
          flags >> 8,
          flags & 255,
          0,
          qd,
          0,
          0,
          0,
          0,
          0,
          ar,
          ...body,
        ]);
        decodeMessage(packet);
        replyDecodes(packet);
      }),
      { numRuns: 3000 },
    );
  });

  it("bit-flipped valid queries", () => {
    fc.assert(
      fc.property(validQuery, fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), (packet, flips) => {
        const mutated = Buffer.from(packet);
        for (const f of flips) mutated[(f >> 3) % mutated.length]! ^= 1 << (f & 7);
        decodeMessage(mutated);
        replyDecodes(mutated);
      }),
      { numRuns: 3000 },
    );
  });

  it("truncated valid queries", () => {
    fc.assert(
      fc.property(validQuery, fc.nat(), (packet, cut) => {
        const short = packet.subarray(0, cut % (packet.length + 1));
        decodeMessage(short);
        replyDecodes(short);
      }),
      { numRuns: 1000 },
    );
  });

  it("valid queries decode, and their reply echoes the question", () => {
    fc.assert(
      fc.property(validQuery, (packet) => {
        expect(decodeQuery(packet).kind).toBe("query");
        replyDecodes(packet);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("property: names", () => {
  it("wire → presentation → wire is the identity for any labels", () => {
    fc.assert(
      fc.property(wireName, (wire) => {
        const sink = newNameSink();
        expect(readName(Uint8Array.from(wire), 0, sink)).toBe(wire.length);
        expect([...nameToWire(sink.text)!]).toEqual(wire);
      }),
      { numRuns: 2000 },
    );
  });
});
