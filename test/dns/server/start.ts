import { ErrorCodes, GslbError } from "../../../src/errors.ts";
import { startTestServer, type TestServer } from "../../helpers/gslb-server.ts";

/**
 * startTestServer, tried again when the port is taken. With port 0 the UDP socket picks a free port and
 * TCP then binds the same number, which a TCP socket elsewhere (a client's ephemeral port, often in
 * TIME_WAIT) may hold; on this busy machine that happens to about one start in ten. Reported for src/main.ts.
 */
export async function startGslb(files: Readonly<Record<string, string>>, extra: Record<string, unknown> = {}): Promise<TestServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startTestServer(files, extra);
    } catch (err) {
      const portTaken = err instanceof GslbError && err.code === ErrorCodes.BIND_FAILED;
      if (!portTaken || attempt === 5) throw err;
    }
  }
}
