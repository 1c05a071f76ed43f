/** Test fixture: the real prober worker, which also exits (a crash) when asked to probe host "crash.invalid". */
import { parentPort } from "node:worker_threads";
import "../../../src/health/worker/entry.ts";

parentPort?.on("message", (message: unknown) => {
  if (JSON.stringify(message).includes("crash.invalid")) process.exit(3);
});
