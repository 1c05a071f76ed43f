/** What the listeners hand to the query handler, and what they get back. I/O lives in udp.ts / tcp.ts only. */
export type Transport = "udp" | "tcp";

export interface Remote {
  readonly address: string;
  readonly port: number;
  readonly family: 4 | 6;
}

/**
 * Answers one DNS message. Returns the response bytes — a view into a buffer the handler reuses, valid only
 * until the next call — or null to send nothing (drop). Never throws for any input.
 */
export type QueryHandler = (message: Buffer, transport: Transport, remote: Remote) => Uint8Array | null;

/** Counters the listeners keep; read by the metrics collector. Plain numbers: no cost on the hot path. */
export interface ListenerStats {
  udpReceived: number;
  udpSent: number;
  udpSendErrors: number;
  udpDropped: number;
  tcpConnectionsAccepted: number;
  tcpConnectionsRejected: number;
  tcpConnectionsOpen: number;
  tcpQueries: number;
  tcpIdleTimeouts: number;
  tcpReadDeadlines: number;
  handlerFailures: number;
}

export function newListenerStats(): ListenerStats {
  return {
    udpReceived: 0,
    udpSent: 0,
    udpSendErrors: 0,
    udpDropped: 0,
    tcpConnectionsAccepted: 0,
    tcpConnectionsRejected: 0,
    tcpConnectionsOpen: 0,
    tcpQueries: 0,
    tcpIdleTimeouts: 0,
    tcpReadDeadlines: 0,
    handlerFailures: 0,
  };
}

/** "127.0.0.1:5353", "[::1]:53", "::1:53" is ambiguous and rejected. */
export function parseHostPort(text: string): { host: string; port: number } | null {
  const bracketed = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text);
  const plain = /^([^:[\]]+):(\d{1,5})$/.exec(text);
  const m = bracketed ?? plain;
  if (m === null) return null;
  const port = Number(m[2]);
  if (port > 65535) return null;
  return { host: m[1]!, port };
}
