/** The real DNS clients `dig` (BIND) and `kdig` (Knot), run as child processes against servers under test. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/** `dig ARGS` (or `kdig ARGS`): its output; rejects when it exits non-zero or runs over 10 s. */
export async function dig(args: readonly string[], tool: "dig" | "kdig" = "dig"): Promise<string> {
  const { stdout } = await run(tool, [...args], { timeout: 10_000 });
  return stdout;
}

/** `dig +short` against 127.0.0.1:`port`, one try of 1 s: the answer lines sorted, or null when it did not answer. */
export async function digShort(port: number, name: string, type = "A"): Promise<string[] | null> {
  const out = await dig([
    "@127.0.0.1",
    "-p",
    String(port),
    "+short",
    "+time=1",
    "+tries=1",
    name,
    type,
  ]).catch(() => null);
  if (out === null) return null;
  return out
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith(";;"))
    .sort();
}
