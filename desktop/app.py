"""Composition root: parse the arguments, resolve paths, then run a CLI command or the GUI."""

from __future__ import annotations

import logging
import sys

from desktop import APP_NAME
from desktop.cli import parse_args, run_command
from desktop.core.errors import KnownError
from desktop.core.models.bundled import link_bundled_models_at_start
from desktop.core.models.probe import PROBE_FLAG, run_probe_child
from desktop.core.paths import Paths

log = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == [PROBE_FLAG] and len(argv) == 2:
        # The child that loads a new model before the app does (models.probe): nothing else runs.
        return run_probe_child(argv[1])
    args = parse_args(argv)
    try:
        paths = Paths.resolve(args.basedir).ensure()
    except KnownError as error:
        print(f"{APP_NAME}: {error}", file=sys.stderr)
        return 1
    # The packaged app's default models are linked into the models folder before anything looks
    # there, so its first start needs no set-up step. A no-op in a source checkout.
    for problem in link_bundled_models_at_start(paths.models):
        log.warning("%s", problem)
    if args.command:
        return run_command(paths, args)
    from desktop.ui.gui import run_gui  # Qt is imported only when the window is wanted

    # --smoke-test checks a build end to end: the window, then the demo archive through the core.
    return run_gui(paths, args.profile, smoke_test=args.smoke_test, smoke_pipeline=args.smoke_test)


if __name__ == "__main__":
    sys.exit(main())
