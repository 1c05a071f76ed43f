import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pino } from "pino";
import { parseServeOptions } from "../../src/config/serve-options.ts";
import { startServer, type RunningServer } from "../../src/main.ts";
import { tempDir } from "./temp-dir.ts";

export interface TestServer {
  readonly server: RunningServer;
  readonly host: string;
  readonly port: number;
  readonly zonesDir: string;
  stop(): Promise<void>;
}

/** Starts gslb in-process on 127.0.0.1 port 0 with the given zone files ({ "example.com.yaml": text }). */
export async function startTestServer(
  files: Readonly<Record<string, string>>,
  extra: Record<string, unknown> = {},
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
  const server = await startServer(options, pino({ level: "silent" }));
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
