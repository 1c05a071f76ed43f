import { parseArgs } from "node:util";
import type { Command } from "../cli.ts";
import { ErrorCodes, GslbError } from "../errors.ts";
import { readFileSync } from "node:fs";
import { formatMasterProblem, importMasterFile, importMasterText } from "../zones/import.ts";

const USAGE = `Usage: gslb import FILE|- --origin NAME

Convert an RFC 1035 master file (BIND, NSD, Knot; - reads stdin) to a gslb YAML zone file on stdout.
Understands $ORIGIN, $TTL, $INCLUDE, relative names, @, parentheses, comments and multi-string TXT.
Save the output as zones/<origin>.yaml, e.g.: gslb import db.example.com --origin example.com > zones/example.com.yaml

Options:
  --origin NAME   the zone's origin (the initial $ORIGIN)
  -h, --help      this help
`;

export const importCommand: Command = {
  summary: "convert an RFC 1035 master file to a YAML zone file",
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: { origin: { type: "string" } },
    });
    const [file, ...extra] = positionals;
    if (file === undefined || extra.length > 0 || values.origin === undefined) {
      throw new GslbError(ErrorCodes.USAGE, `expected FILE and --origin NAME\n\n${USAGE}`);
    }
    const result =
      file === "-"
        ? importMasterText(readFileSync(0, "utf8"), "<stdin>", { origin: values.origin })
        : importMasterFile(file, { origin: values.origin });
    if (!result.ok) {
      for (const p of result.problems) process.stderr.write(`${formatMasterProblem(p)}\n`);
      return 1;
    }
    process.stdout.write(result.yaml);
    return 0;
  },
};
