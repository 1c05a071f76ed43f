/**
 * Byte-level DNS for the listener tests: packets are written byte by byte (test/helpers/dns-bytes.ts, not with
 * our codec, which is what is under test), replies are summarised by a reader independent of src/dns/wire,
 * and one exchange over UDP or TCP reports "no reply" without guessing a timeout: a valid query (the
 * sentinel) follows the packet under test on the same socket, and a server that answers in order has
 * answered (or not) the first before the second.
 */
import dgram from "node:dgram";
import net from "node:net";
import { query, u16 } from "../../helpers/dns-bytes.ts";

/** What the comparisons look at in a reply. */
export interface Summary {
  readonly id: number;
  /** The full rcode: header's 4 bits plus the OPT's extended 8 bits (RFC 6891 6.1.3). */
  readonly rcode: number;
  readonly tc: boolean;
  readonly aa: boolean;
  readonly opt: boolean;
  readonly qdcount: number;
  readonly ancount: number;
}

/** Skips a (possibly compressed) name; -1 when it runs off the end. */
function skipName(msg: Buffer, pos: number): number {
  while (pos < msg.length) {
    const len = msg[pos]!;
    if (len === 0) return pos + 1;
    if ((len & 0xc0) === 0xc0) return pos + 2;
    pos += 1 + len;
  }
  return -1;
}

/** Reads the header and looks for an OPT in the additional section. Throws on a reply it cannot walk. */
export function summarise(msg: Buffer): Summary {
  if (msg.length < 12) throw new Error(`reply of ${msg.length} bytes`);
  const flags = msg.readUInt16BE(2);
  const [qd, an, ns, ar] = [
    msg.readUInt16BE(4),
    msg.readUInt16BE(6),
    msg.readUInt16BE(8),
    msg.readUInt16BE(10),
  ];
  let pos = 12;
  for (let i = 0; i < qd; i++) pos = skipName(msg, pos) + 4;
  let extended = 0;
  let hasOpt = false;
  for (let i = 0; i < an + ns + ar; i++) {
    const afterName = skipName(msg, pos);
    if (afterName < 0 || afterName + 10 > msg.length) throw new Error(`reply cut short in record ${i}`);
    if (i >= an + ns && msg.readUInt16BE(afterName) === 41) {
      hasOpt = true;
      extended = msg[afterName + 4]!;
    }
    pos = afterName + 10 + msg.readUInt16BE(afterName + 8);
  }
  if (pos > msg.length) throw new Error("reply cut short");
  return {
    id: msg.readUInt16BE(0),
    rcode: (extended << 4) | (flags & 0xf),
    tc: (flags & 0x0200) !== 0,
    aa: (flags & 0x0400) !== 0,
    opt: hasOpt,
    qdcount: qd,
    ancount: an,
  };
}

export interface Target {
  readonly host: string;
  readonly port: number;
}

/** The sentinel: a valid query with an id no packet under test uses. */
export const SENTINEL_ID = 0xfeed;

const isSentinel = (msg: Buffer): boolean => msg.length >= 2 && msg.readUInt16BE(0) === SENTINEL_ID;

/** The reply to `packet` over UDP, or null when the server sent none before it answered the sentinel. */
export async function udpExchange(
  target: Target,
  packet: Buffer,
  sentinelName: string,
): Promise<Buffer | null> {
  const socket = dgram.createSocket(net.isIPv6(target.host) ? "udp6" : "udp4");
  try {
    await new Promise<void>((resolve) => socket.bind(0, target.host, resolve));
    const replies: Buffer[] = [];
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no answer to the sentinel from ${target.port}`)),
        3000,
      );
      socket.on("message", (msg) => {
        if (isSentinel(msg)) {
          clearTimeout(timer);
          resolve();
        } else {
          replies.push(msg);
        }
      });
    });
    socket.send(packet, target.port, target.host);
    socket.send(query(SENTINEL_ID, sentinelName), target.port, target.host);
    await done;
    if (replies.length > 1) throw new Error(`${replies.length} replies to one packet`);
    return replies[0] ?? null;
  } finally {
    socket.close();
  }
}

export function frame(message: Buffer | readonly number[]): Buffer {
  const body = Buffer.from(message);
  return Buffer.concat([Buffer.from(u16(body.length)), body]);
}

/** Splits a TCP byte stream into messages (complete ones only). */
export class FrameReader {
  private buffered = Buffer.alloc(0);
  readonly messages: Buffer[] = [];

  push(chunk: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 2) {
      const length = this.buffered.readUInt16BE(0);
      if (this.buffered.length < 2 + length) return;
      this.messages.push(this.buffered.subarray(2, 2 + length));
      this.buffered = this.buffered.subarray(2 + length);
    }
  }
}

/**
 * Ends a test connection with a reset: the closing side of a FIN holds its port in TIME_WAIT for a minute,
 * and a client's ephemeral port in TIME_WAIT can be the port a server under test is about to get.
 */
export function hangUp(socket: net.Socket): void {
  if (socket.destroyed) return;
  if (socket.readyState === "open") socket.resetAndDestroy();
  else socket.destroy();
}

export interface TcpOutcome {
  /** The reply to the packet under test, if any came before the sentinel's or the close. */
  readonly reply: Buffer | null;
  /** The server closed the connection instead of answering the sentinel. */
  readonly closed: boolean;
}

/** Sends the framed packet and a framed sentinel in one write; reports the reply and whether it closed. */
export function tcpExchange(target: Target, packet: Buffer, sentinelName: string): Promise<TcpOutcome> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: target.host, port: target.port });
    const reader = new FrameReader();
    const finish = (closed: boolean): void => {
      clearTimeout(timer);
      hangUp(socket);
      const first = reader.messages[0];
      const reply = first !== undefined && !isSentinel(first) ? first : null;
      resolve({ reply, closed });
    };
    const timer = setTimeout(() => {
      hangUp(socket);
      reject(new Error(`TCP exchange with ${target.port} neither answered nor closed`));
    }, 3000);
    socket.on("connect", () =>
      socket.write(Buffer.concat([frame(packet), frame(query(SENTINEL_ID, sentinelName))])),
    );
    socket.on("data", (chunk: Buffer) => {
      reader.push(chunk);
      if (reader.messages.some(isSentinel)) finish(false);
    });
    socket.on("error", () => undefined);
    socket.on("close", () => finish(true));
  });
}
