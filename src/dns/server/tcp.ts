import net from "node:net";
import type { ListenerStats, QueryHandler, Remote } from "./transport.ts";

/** RFC 7766 limits. Defaults follow NSD/Knot practice. */
export interface TcpLimits {
  /** Close a connection with no complete message for this long (RFC 7766 §6.2.3). */
  readonly idleTimeoutMs: number;
  /** A message whose length prefix arrived must be complete within this long (slow-sender defence). */
  readonly messageDeadlineMs: number;
  /** Global cap on open connections; further ones are closed at once. */
  readonly maxConnections: number;
  /** Queries answered on one connection before it is closed (0 = unlimited). */
  readonly maxQueriesPerConnection: number;
  /** Pause reading while this many response bytes wait to be written (a client that does not read). */
  readonly maxPendingWriteBytes: number;
}

export const DEFAULT_TCP_LIMITS: TcpLimits = Object.freeze({
  idleTimeoutMs: 10_000,
  messageDeadlineMs: 5_000,
  maxConnections: 1_000,
  maxQueriesPerConnection: 0,
  maxPendingWriteBytes: 1024 * 1024,
});

export interface TcpListener {
  readonly address: { host: string; port: number };
  close(): Promise<void>;
}

export async function listenTcp(
  host: string,
  port: number,
  handler: QueryHandler,
  stats: ListenerStats,
  limits: TcpLimits = DEFAULT_TCP_LIMITS,
): Promise<TcpListener> {
  const connections = new Set<net.Socket>();
  const server = net.createServer({ noDelay: true, allowHalfOpen: false }, (socket) => {
    if (connections.size >= limits.maxConnections) {
      stats.tcpConnectionsRejected++;
      socket.destroy();
      return;
    }
    stats.tcpConnectionsAccepted++;
    stats.tcpConnectionsOpen++;
    connections.add(socket);
    socket.once("close", () => {
      connections.delete(socket);
      stats.tcpConnectionsOpen--;
    });
    serveConnection(socket, handler, stats, limits);
  });
  server.on("error", () => {
    stats.handlerFailures++;
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port, ipv6Only: net.isIPv6(host) }, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = server.address() as net.AddressInfo;
  return {
    address: { host: bound.address, port: bound.port },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of connections) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const EMPTY = Buffer.alloc(0);

/**
 * Length-framed messages (RFC 1035 4.2.2) across arbitrary chunking, answered in order (pipelining).
 * Two bounds hold per connection: a message must arrive whole within `messageDeadlineMs` of its first byte
 * (more bytes of the same message do not extend it), and no more answers are produced while more than
 * `maxPendingWriteBytes` wait to be written — checked before every answer, not per chunk, since one 64 KiB
 * chunk of small queries can ask for megabytes of answers.
 */
function serveConnection(
  socket: net.Socket,
  handler: QueryHandler,
  stats: ListenerStats,
  limits: TcpLimits,
): void {
  const remote: Remote = {
    address: socket.remoteAddress ?? "",
    port: socket.remotePort ?? 0,
    family: socket.remoteFamily === "IPv6" ? 6 : 4,
  };
  /** Received bytes from a message boundary on, joined; `parts` are later chunks not joined yet. */
  let pending: Buffer = EMPTY;
  const parts: Buffer[] = [];
  let buffered = 0;
  /** Bytes `pending` must hold before the next step can be taken: a length prefix, then its message. */
  let wanted = 2;
  let answered = 0;
  let waitingForDrain = false;
  let deadline: NodeJS.Timeout | null = null;

  const clearDeadline = (): void => {
    if (deadline !== null) {
      clearTimeout(deadline);
      deadline = null;
    }
  };
  const armDeadline = (): void => {
    if (deadline !== null) return;
    deadline = setTimeout(() => {
      stats.tcpReadDeadlines++;
      socket.destroy();
    }, limits.messageDeadlineMs);
    deadline.unref();
  };

  /** Answers every whole message in `pending`, until the write backlog is too large. */
  const answerPending = (): void => {
    let offset = 0;
    while (pending.length - offset >= 2) {
      if (socket.writableLength > limits.maxPendingWriteBytes) {
        // Stop reading until the client has taken its answers; 'drain' picks up where this left off.
        waitingForDrain = true;
        socket.pause();
        break;
      }
      const length = pending.readUInt16BE(offset);
      if (pending.length - offset - 2 < length) break;
      const message = pending.subarray(offset + 2, offset + 2 + length);
      offset += 2 + length;
      stats.tcpQueries++;
      if (!answerOne(socket, handler, message, remote, stats)) return;
      answered++;
      if (limits.maxQueriesPerConnection > 0 && answered >= limits.maxQueriesPerConnection) {
        socket.end();
        return;
      }
    }
    pending = offset === pending.length ? EMPTY : pending.subarray(offset);
    buffered = pending.length;
    wanted = pending.length < 2 ? 2 : 2 + pending.readUInt16BE(0);
    // The deadline runs from a message's first byte: restart it only when a message was completed.
    if (waitingForDrain || offset > 0 || pending.length === 0) clearDeadline();
    if (!waitingForDrain && pending.length > 0) armDeadline();
  };

  socket.setTimeout(limits.idleTimeoutMs, () => {
    stats.tcpIdleTimeouts++;
    socket.destroy();
  });
  socket.on("error", () => {
    // ECONNRESET and friends: the close handler cleans up.
  });
  socket.on("close", clearDeadline);
  /** Joins the chunks once: copying `pending` on every chunk is quadratic in a trickled 64 KiB message. */
  const join = (): void => {
    if (parts.length === 0) return;
    pending =
      pending.length === 0 && parts.length === 1 ? parts[0]! : Buffer.concat([pending, ...parts], buffered);
    parts.length = 0;
  };

  socket.on("drain", () => {
    if (!waitingForDrain) return;
    waitingForDrain = false;
    socket.resume();
    join();
    answerPending();
  });
  socket.on("data", (chunk: Buffer) => {
    parts.push(chunk);
    buffered += chunk.length;
    if (buffered < wanted) {
      if (!waitingForDrain) armDeadline();
      return;
    }
    join();
    answerPending();
  });
}

/** Returns false when the connection was closed. */
function answerOne(
  socket: net.Socket,
  handler: QueryHandler,
  message: Buffer,
  remote: Remote,
  stats: ListenerStats,
): boolean {
  let response: Uint8Array | null;
  try {
    response = handler(message, "tcp", remote);
  } catch {
    stats.handlerFailures++;
    socket.destroy();
    return false;
  }
  if (response === null) {
    // A message we drop (e.g. QR=1) on a stream: RFC 7766 lets us close; NSD closes too.
    socket.destroy();
    return false;
  }
  const framed = Buffer.allocUnsafe(response.length + 2);
  framed.writeUInt16BE(response.length, 0);
  framed.set(response, 2);
  socket.write(framed);
  return true;
}
