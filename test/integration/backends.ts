/** Real HTTP backends on loopback for health checks: up, down (port closed), failing or flapping, restartable. */
import http from "node:http";
import { freePort } from "../helpers/free-port.ts";

export type BackendMode = "ok" | "fail" | "flap";

export interface Backend {
  readonly port: number;
  /** Probe requests seen, and how many were answered with 500. */
  readonly seen: { requests: number; failed: number };
  mode: BackendMode;
  /** Delay before each answer (ms). */
  delayMs: number;
  /** Close the port (a dead backend: connection refused). */
  kill(): Promise<void>;
  /** Listen again on the same port. */
  restore(): Promise<void>;
}

/**
 * `flap` answers ok, ok, then alternates fail / ok: it fails every other probe but never three in a row, so
 * with fall 3 a target that is up must stay up.
 */
export async function startBackend(mode: BackendMode = "ok"): Promise<Backend> {
  const port = await freePort();
  let server: http.Server | null = null;
  const backend: Backend = {
    port,
    seen: { requests: 0, failed: 0 },
    mode,
    delayMs: 0,
    kill: async () => {
      const s = server;
      server = null;
      if (s === null) return;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    restore: async () => {
      if (server !== null) return;
      server = http.createServer((req, res) => {
        const n = backend.seen.requests++;
        const fail = backend.mode === "fail" || (backend.mode === "flap" && n >= 2 && n % 2 === 0);
        if (fail) backend.seen.failed++;
        setTimeout(() => {
          res.writeHead(fail ? 500 : 200, { connection: "close" });
          res.end(fail ? "down\n" : "ok\n");
        }, backend.delayMs);
      });
      const s = server;
      await new Promise<void>((resolve, reject) => {
        s.once("error", reject);
        s.listen(port, "127.0.0.1", () => resolve());
      });
    },
  };
  await backend.restore();
  return backend;
}
