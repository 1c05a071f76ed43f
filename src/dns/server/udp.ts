import dgram from "node:dgram";
import { isIPv6 } from "node:net";
import type { ListenerStats, QueryHandler, Remote } from "./transport.ts";

export interface UdpListener {
  readonly address: { host: string; port: number };
  close(): Promise<void>;
}

/**
 * Binds one UDP socket and answers every datagram synchronously. A failing send or a handler bug never stops
 * the socket: errors are counted, the packet is dropped.
 */
export async function listenUdp(
  host: string,
  port: number,
  handler: QueryHandler,
  stats: ListenerStats,
): Promise<UdpListener> {
  const family = isIPv6(host) ? 6 : 4;
  const socket = dgram.createSocket({ type: family === 6 ? "udp6" : "udp4", ipv6Only: family === 6 });
  const onSendDone = (err: Error | null): void => {
    if (err !== null) stats.udpSendErrors++;
  };

  socket.on("message", (msg, rinfo) => {
    stats.udpReceived++;
    // Port 0 cannot be replied to (and is a classic reflection trick): drop.
    if (rinfo.port === 0) {
      stats.udpDropped++;
      return;
    }
    const remote: Remote = { address: rinfo.address, port: rinfo.port, family };
    let response: Uint8Array | null;
    try {
      response = handler(msg, "udp", remote);
    } catch {
      stats.handlerFailures++;
      return;
    }
    if (response === null) {
      stats.udpDropped++;
      return;
    }
    // The handler's buffer is reused by the next query; dgram keeps a reference until the send completes.
    const copy = Buffer.from(response);
    try {
      socket.send(copy, rinfo.port, rinfo.address, onSendDone);
      stats.udpSent++;
    } catch {
      stats.udpSendErrors++;
    }
  });
  socket.on("error", () => {
    stats.udpSendErrors++;
  });

  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(port, host, () => {
      socket.off("error", reject);
      resolve();
    });
  });
  trySetBufferSizes(socket);
  const bound = socket.address();
  return {
    address: { host: bound.address, port: bound.port },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** Large kernel buffers absorb bursts; the kernel may cap them (net.core.rmem_max), which is fine. */
function trySetBufferSizes(socket: dgram.Socket): void {
  try {
    socket.setRecvBufferSize(4 * 1024 * 1024);
    socket.setSendBufferSize(4 * 1024 * 1024);
  } catch {
    // Capped or refused by the kernel: the defaults still work.
  }
}
