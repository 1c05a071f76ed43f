/** Loopback servers for probe tests: bound to 127.0.0.1 on port 0, closed by the caller. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Server as NetServer } from "node:net";
import { join } from "node:path";
import { tempDir } from "../helpers/temp-dir.ts";

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Binds any server (net, http, https) to 127.0.0.1 port 0; its port. */
export async function listen(server: NetServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

export async function startHttp(handler: Handler): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  return { server, port: await listen(server) };
}

export async function startHttps(handler: Handler): Promise<{ server: Server; port: number }> {
  const { key, cert } = selfSignedCert();
  const server = createHttpsServer({ key, cert }, handler);
  return { server, port: await listen(server) };
}

export async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** A throwaway self-signed certificate made with the openssl CLI. */
export function selfSignedCert(): { key: string; cert: string } {
  const { path: dir, remove } = tempDir("cert");
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
      ],
      { stdio: "ignore" },
    );
    return {
      key: readFileSync(join(dir, "key.pem"), "utf8"),
      cert: readFileSync(join(dir, "cert.pem"), "utf8"),
    };
  } finally {
    remove();
  }
}
