/**
 * Regression: a TCP message trickled in many chunks was re-joined on every chunk (Buffer.concat of all bytes so
 * far), so a 60 KB message sent in 300-byte pieces cost the server megabytes of copying — quadratic work a
 * client gets for linear effort. The listener must copy each byte a bounded number of times.
 */
import { Buffer } from "node:buffer";
import net from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { listenTcp, type TcpListener } from "../../../src/dns/server/tcp.ts";
import { newListenerStats } from "../../../src/dns/server/transport.ts";
import { hangUp } from "./raw.ts";

const received: number[] = [];
let listener: TcpListener;

beforeAll(async () => {
  listener = await listenTcp(
    "127.0.0.1",
    0,
    (message) => {
      received.push(message.length);
      return Buffer.from([message[0]!, message[1]!]);
    },
    newListenerStats(),
  );
});

afterAll(async () => {
  await listener?.close();
});

afterEach(() => {
  vi.restoreAllMocks();
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function sendInPieces(message: Buffer, piece: number): Promise<void> {
  const socket = net.connect({ host: "127.0.0.1", port: listener.address.port, noDelay: true });
  socket.on("error", () => undefined);
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  const answered = new Promise<void>((resolve) => socket.once("data", () => resolve()));
  const framed = Buffer.alloc(2 + message.length);
  framed.writeUInt16BE(message.length, 0);
  message.copy(framed, 2);
  try {
    for (let at = 0; at < framed.length; at += piece) {
      await new Promise<void>((resolve) => socket.write(framed.subarray(at, at + piece), () => resolve()));
      await sleep(1);
    }
    await answered;
  } finally {
    hangUp(socket);
  }
}

describe("a message trickled in many chunks", () => {
  it.each([
    { size: 60_000, piece: 300 },
    { size: 512, piece: 1 },
  ])(
    "arrives whole ($size bytes in $piece-byte pieces) with each byte copied at most twice",
    async ({ size, piece }) => {
      let copied = 0;
      const concat = Buffer.concat.bind(Buffer);
      vi.spyOn(Buffer, "concat").mockImplementation((list: readonly Uint8Array[], total?: number) => {
        const joined = concat(list, total);
        copied += joined.length;
        return joined;
      });
      received.length = 0;
      await sendInPieces(Buffer.alloc(size, 7), piece);
      expect(received).toEqual([size]);
      expect(copied).toBeLessThanOrEqual(2 * (size + 2));
    },
  );
});
