import { parseArgs } from "node:util";
import type { Command } from "../cli.ts";
import { ErrorCodes, GslbError, formatProblem } from "../errors.ts";
import { checkPath } from "../zones/loader.ts";

const USAGE = `Usage: gslb check DIR|FILE

Validate zone files without serving them (for CI). Prints every problem as file:line: path: reason.
Exit status: 0 valid, 1 problems found, 2 usage error.
`;

export const checkCommand: Command = {
  summary: "validate zone files (exit 1 listing every problem)",
  usage: USAGE,
  async run(argv) {
    const { positionals } = parseArgs({ args: argv, strict: true, allowPositionals: true, options: {} });
    const [path, ...extra] = positionals;
    if (path === undefined || extra.length > 0)
      throw new GslbError(ErrorCodes.USAGE, `expected one DIR or FILE\n\n${USAGE}`);
    const problems = await checkPath(path);
    for (const p of problems) process.stderr.write(`${formatProblem(p)}\n`);
    if (problems.length > 0) {
      process.stderr.write(`${problems.length} problem${problems.length === 1 ? "" : "s"} in ${path}\n`);
      return 1;
    }
    process.stdout.write(`${path}: ok\n`);
    return 0;
  },
};
