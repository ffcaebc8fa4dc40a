"""Composition root: parse the arguments, resolve paths, then run a CLI command or the GUI."""

from __future__ import annotations

import sys

from desktop import APP_NAME
from desktop.cli import build_parser, run_command
from desktop.core.errors import KnownError
from desktop.core.paths import Paths


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    try:
        paths = Paths.resolve(args.basedir).ensure()
    except KnownError as error:
        print(f"{APP_NAME}: {error}", file=sys.stderr)
        return 1
    if args.command:
        return run_command(paths, args)
    from desktop.ui.gui import run_gui  # Qt is imported only when the window is wanted

    return run_gui(paths, args.profile, smoke_test=args.smoke_test)


if __name__ == "__main__":
    sys.exit(main())
