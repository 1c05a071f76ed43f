import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pino } from "pino";
import { parseServeOptions } from "../../src/config/serve-options.ts";
import { ErrorCodes, GslbError } from "../../src/errors.ts";
import { startServer, type RunningServer } from "../../src/main.ts";
import { tempDir } from "./temp-dir.ts";

export interface TestServer {
  readonly server: RunningServer;
  readonly host: string;
  readonly port: number;
  readonly zonesDir: string;
  stop(): Promise<void>;
}

/**
 * Starts gslb in-process on 127.0.0.1 port 0 with the given zone files ({ "example.com.yaml": text }), tried
 * again when the port is taken. With port 0 the UDP socket picks a free port and TCP then binds the same
 * number, which a TCP socket elsewhere (a client's ephemeral port, often in TIME_WAIT) may hold; on this busy
 * machine that happens to about one start in ten. Reported for src/main.ts.
 */
export async function startTestServer(
  files: Readonly<Record<string, string>>,
  extra: Record<string, unknown> = {},
): Promise<TestServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(files, extra);
    } catch (err) {
      const portTaken = err instanceof GslbError && err.code === ErrorCodes.BIND_FAILED;
      if (!portTaken || attempt === 5) throw err;
    }
  }
}

async function startOnce(
  files: Readonly<Record<string, string>>,
  extra: Record<string, unknown>,
): Promise<TestServer> {
  const temp = tempDir("zones");
  const zonesDir = temp.path;
  for (const [name, text] of Object.entries(files)) writeFileSync(join(zonesDir, name), text);
  const options = parseServeOptions({
    zones: zonesDir,
    dns: ["127.0.0.1:0"],
    admin: "127.0.0.1:0",
    watch: false,
    logLevel: "silent",
    stateDir: join(zonesDir, ".state"),
    ...extra,
  });
  const server = await startServer(options, pino({ level: "silent" })).catch((err: unknown) => {
    temp.remove();
    throw err;
  });
  const dns = server.dns[0]!;
  return {
    server,
    host: dns.host,
    port: dns.port,
    zonesDir,
    stop: async () => {
      await server.close();
      temp.remove();
    },
  };
}
