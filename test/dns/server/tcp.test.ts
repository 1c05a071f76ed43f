/**
 * RFC 7766 behaviour of the TCP listener, end to end on 127.0.0.1: framing across chunks, pipelining,
 * interleaved connections, the slow-message deadline, the idle timeout, the connection limit, and a client
 * that never reads its answers.
 */
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXAMPLE_ZONE_YAML } from "../../helpers/example-zone.ts";
import { startTestServer, type TestServer } from "../../helpers/gslb-server.ts";
import { query, u16 } from "../../helpers/dns-bytes.ts";
import { FrameReader, frame, hangUp, summarise } from "./raw.ts";

const BIG_TXT = Array.from({ length: 32 }, (_, i) => `'"${String(i).padStart(2, "0")}${"x".repeat(240)}"'`);
const ZONE = `${EXAMPLE_ZONE_YAML}  big:
    TXT: [${BIG_TXT.join(", ")}]
`;

const MESSAGE_DEADLINE_MS = 300;
const IDLE_TIMEOUT_MS = 800;
const MAX_CONNECTIONS = 4;

/** A TCP client that collects framed answers and tells when the server closed. */
class Client {
  readonly socket: net.Socket;
  private readonly reader = new FrameReader();
  private waiters: (() => void)[] = [];
  closedByServer = false;
  readonly closed: Promise<void>;
  readonly connected: Promise<void>;

  constructor(port: number) {
    this.socket = net.connect({ host: "127.0.0.1", port, noDelay: true });
    this.connected = new Promise((resolve) => this.socket.once("connect", () => resolve()));
    this.closed = new Promise((resolve) => this.socket.once("close", () => resolve()));
    this.socket.on("error", () => undefined);
    this.socket.on("end", () => (this.closedByServer = true));
    this.socket.on("close", () => this.wake());
    this.socket.on("data", (chunk: Buffer) => {
      this.reader.push(chunk);
      this.wake();
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  get answers(): readonly Buffer[] {
    return this.reader.messages;
  }

  /** Resolves once `count` answers arrived; rejects if the connection closes first or after `ms`. */
  async waitForAnswers(count: number, ms = 3000): Promise<readonly Buffer[]> {
    const until = Date.now() + ms;
    while (this.answers.length < count) {
      if (this.socket.destroyed) throw new Error(`closed after ${this.answers.length} of ${count} answers`);
      if (Date.now() > until) throw new Error(`${this.answers.length} of ${count} answers after ${ms} ms`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return this.answers;
  }

  write(bytes: Buffer): Promise<void> {
    return new Promise((resolve, reject) =>
      this.socket.write(bytes, (err) => (err ? reject(err) : resolve())),
    );
  }

  destroy(): void {
    hangUp(this.socket);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function poll(condition: () => boolean, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error("condition not met in time");
    await sleep(20);
  }
}

function expectAnswer(answer: Buffer | undefined, id: number, ancount = 1): void {
  expect(answer).toBeDefined();
  expect(summarise(answer!)).toMatchObject({ id, rcode: 0, ancount });
}

let server: TestServer;
const clients: Client[] = [];
function connect(port = server.port): Client {
  const client = new Client(port);
  clients.push(client);
  return client;
}

beforeAll(async () => {
  server = await startTestServer(
    { "example.com.yaml": ZONE },
    {
      tcpMessageDeadlineMs: MESSAGE_DEADLINE_MS,
      tcpIdleTimeoutMs: IDLE_TIMEOUT_MS,
      tcpMaxConnections: MAX_CONNECTIONS,
    },
  );
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await server?.stop();
});

describe("TCP framing and pipelining (RFC 7766 6.2.1)", () => {
  it("reassembles a message sent one byte at a time", async () => {
    const client = connect();
    await client.connected;
    for (const byte of frame(query(0x0101, "www.example.com."))) {
      await client.write(Buffer.from([byte]));
      await sleep(1);
    }
    expectAnswer((await client.waitForAnswers(1))[0], 0x0101);
    client.destroy();
  });

  it("answers 100 queries pipelined in one write, in order, with their ids", async () => {
    const client = connect();
    const ids = Array.from({ length: 100 }, (_, i) => 0x1000 + i);
    await client.write(
      Buffer.concat(
        ids.map((id) => frame(query(id, id % 2 === 0 ? "www.example.com." : "ns1.example.com."))),
      ),
    );
    const answers = await client.waitForAnswers(100);
    expect(answers.map((a) => summarise(a).id)).toEqual(ids);
    for (const a of answers) expect(summarise(a)).toMatchObject({ rcode: 0, ancount: 1 });
    client.destroy();
  });

  it("keeps two connections apart when their messages interleave", async () => {
    const [a, b] = [connect(), connect()];
    const qa = frame(query(0x0a0a, "www.example.com."));
    const qb = frame(query(0x0b0b, "ns1.example.com."));
    await a.write(qa.subarray(0, 7));
    await b.write(qb.subarray(0, 1));
    await a.write(qa.subarray(7, 20));
    await b.write(qb.subarray(1));
    expectAnswer((await b.waitForAnswers(1))[0], 0x0b0b);
    expect(a.answers).toHaveLength(0);
    await a.write(Buffer.concat([qa.subarray(20), frame(query(0x0a0b, "www.example.com."))]));
    const answers = await a.waitForAnswers(2);
    expect(answers.map((m) => summarise(m).id)).toEqual([0x0a0a, 0x0a0b]);
    a.destroy();
    b.destroy();
  });
});

describe("TCP limits", () => {
  it("closes a connection whose length prefix lies (200 announced, 20 sent), while others keep working", async () => {
    const before = server.server.listeners.tcpReadDeadlines;
    const liar = connect();
    const honest = connect();
    await liar.write(Buffer.from([...u16(200), ...Array<number>(20).fill(0)]));
    let id = 0x2000;
    // Ask on the honest connection until the liar is closed, and once more after.
    while (!liar.socket.destroyed) {
      await honest.write(frame(query(id, "www.example.com.")));
      expectAnswer((await honest.waitForAnswers(id - 0x2000 + 1)).at(-1), id);
      id++;
      await sleep(50);
    }
    await honest.write(frame(query(id, "www.example.com.")));
    expectAnswer((await honest.waitForAnswers(id - 0x2000 + 1)).at(-1), id);
    expect(liar.answers).toHaveLength(0);
    expect(server.server.listeners.tcpReadDeadlines).toBe(before + 1);
    honest.destroy();
  });

  it("closes a connection that trickles one message a byte at a time past the deadline", async () => {
    const before = server.server.listeners.tcpReadDeadlines;
    const slow = connect();
    await slow.connected;
    const bytes = frame(query(0x2100, "www.example.com."));
    // Each byte comes well within the idle timeout, the whole message well after the message deadline.
    for (const byte of bytes) {
      if (slow.socket.destroyed) break;
      await slow.write(Buffer.from([byte])).catch(() => undefined);
      await sleep(MESSAGE_DEADLINE_MS / 4);
    }
    await slow.closed;
    expect(slow.answers).toHaveLength(0);
    expect(server.server.listeners.tcpReadDeadlines).toBe(before + 1);
  });

  it("closes an idle connection after the idle timeout, one that was answered or not", async () => {
    const before = server.server.listeners.tcpIdleTimeouts;
    const silent = connect();
    const answered = connect();
    await answered.write(frame(query(0x2200, "www.example.com.")));
    expectAnswer((await answered.waitForAnswers(1))[0], 0x2200);
    await Promise.all([silent.closed, answered.closed]);
    expect([silent.closedByServer, answered.closedByServer]).toEqual([true, true]);
    expect(server.server.listeners.tcpIdleTimeouts).toBe(before + 2);
  });

  it(`rejects connection ${MAX_CONNECTIONS + 1} and accepts again once one closes`, async () => {
    await poll(() => server.server.listeners.tcpConnectionsOpen === 0);
    const rejectedBefore = server.server.listeners.tcpConnectionsRejected;
    const open = Array.from({ length: MAX_CONNECTIONS }, () => connect());
    for (const [i, c] of open.entries()) {
      await c.write(frame(query(0x2300 + i, "www.example.com.")));
      expectAnswer((await c.waitForAnswers(1))[0], 0x2300 + i);
    }
    const extra = connect();
    await extra.write(frame(query(0x23ff, "www.example.com."))).catch(() => undefined);
    await extra.closed;
    expect(extra.answers).toHaveLength(0);
    expect(server.server.listeners.tcpConnectionsRejected).toBe(rejectedBefore + 1);

    open[0]!.destroy();
    await poll(() => server.server.listeners.tcpConnectionsOpen === MAX_CONNECTIONS - 1);
    const next = connect();
    await next.write(frame(query(0x2400, "www.example.com.")));
    expectAnswer((await next.waitForAnswers(1))[0], 0x2400);
    for (const c of [...open, next]) c.destroy();
  });
});

describe("a client that never reads its answers", () => {
  let quiet: TestServer;
  beforeAll(async () => {
    quiet = await startTestServer({ "example.com.yaml": ZONE });
  });
  afterAll(async () => {
    await quiet?.stop();
  });

  it("stops being answered once its answers back up, while others are answered; nothing is lost when it reads", async () => {
    const count = 3000; // 3000 × ~8 KiB answers: ~24 MiB if the server did not hold back
    const stuck = connect(quiet.port);
    stuck.socket.pause();
    await stuck.write(
      Buffer.concat(Array.from({ length: count }, (_, i) => frame(query(i, "big.example.com.", 16)))),
    );
    // Wait until the server has stopped taking its queries.
    let seen = -1;
    while (quiet.server.listeners.tcpQueries !== seen) {
      seen = quiet.server.listeners.tcpQueries;
      await sleep(200);
    }
    expect(seen).toBeGreaterThan(0);
    expect(seen).toBeLessThan(count / 2);

    const other = connect(quiet.port);
    await other.write(frame(query(0x3000, "www.example.com.")));
    expectAnswer((await other.waitForAnswers(1))[0], 0x3000);
    other.destroy();

    stuck.socket.resume();
    const answers = await stuck.waitForAnswers(count, 10_000);
    expect(answers.map((a) => summarise(a).id)).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(summarise(answers[0]!)).toMatchObject({ rcode: 0, ancount: 32, tc: false });
    stuck.destroy();
  });
});
