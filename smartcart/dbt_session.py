"""Run dbt commands one after another in one process that parses the project once: the dbt
child of smartcart-build (``dbt build``, then ``dbt docs generate``), so the docs cost neither
dbt's start-up nor a second parse.

    python -m smartcart.dbt_session '[["build", ...], ["docs", "generate", ...]]' [FLAG ...]

Each command gets the FLAGs (project and profiles folders, vars) after its own arguments, as
``dbt parse`` does first. Stops at the first command that does not succeed. Exit status as
dbt's command line: 0 success, 1 a node failed, 2 dbt could not run.
"""

from __future__ import annotations

import json
import sys

from dbt.cli.main import dbtRunner


def main(argv: list[str] | None = None) -> int:
    commands, *flags = sys.argv[1:] if argv is None else argv
    # --no-write-json: the commands write manifest.json themselves (with their compilation);
    # the parse still saves dbt's partial-parse state for the next build.
    parsed = dbtRunner().invoke(["parse", "--no-write-json", *flags])
    if not parsed.success:
        return 2
    runner = dbtRunner(manifest=parsed.result)
    for command in json.loads(commands):
        result = runner.invoke([*command, *flags])
        if not result.success:
            return 1 if result.exception is None else 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
