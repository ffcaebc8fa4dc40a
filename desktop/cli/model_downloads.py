"""`understudy models catalogue` and `models download`: the curated models, and fetching one.

They call the same core (``catalogue_rows``, ``download_model``) the Settings page does. The
download is the only command that goes online, and only when typed.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from desktop import APP_NAME
from desktop.cli._registry import arg, command
from desktop.cli._support import ctrl_c_cancels, drain, format_size, print_table
from desktop.core.errors import Cancelled
from desktop.core.models.catalogue import catalogue_rows, load_catalogue
from desktop.core.models.download import DownloadProgress, download_model
from desktop.core.models.hub import source_for
from desktop.core.paths import Paths
from desktop.core.tasks import CancelToken, Progress


@command(
    "models catalogue",
    help="curated models to download: size, whether each fits this computer, its speed here",
)
def cmd_models_catalogue(paths: Paths, args: argparse.Namespace) -> int:
    catalogue = load_catalogue()
    rows = []
    for row in catalogue_rows(paths, catalogue):
        entry, verdict = row.entry, row.verdict
        rows.append(
            [
                ("* " if entry.recommended else "  ") + entry.id,
                entry.name,
                format_size(entry.size_bytes),
                verdict.verdict,
                f"{verdict.tokens_per_s:.0f}",
                entry.licence.name + (" (accept on the Hub)" if entry.licence.gated else ""),
                "yes" if row.downloaded else "no",
            ]
        )
    print_table(["  ID", "MODEL", "SIZE", "HERE", "TOKENS/S", "LICENCE", "DOWNLOADED"], rows)
    print(
        f"\n* recommended: {catalogue.recommended.name}. TOKENS/S is an upper bound from this computer's "
        "measured memory speed.\nDownload one with `understudy models download ID`."
    )
    return 0


@command(
    "models download",
    help="download a model (resumable, sha256-verified): the only command that goes online",
    arguments=[
        arg("model", metavar="ID|URL", help="an id from `models catalogue`, or an https:// .gguf address"),
        arg(
            "--sha256",
            metavar="HEX",
            help="the file's expected sha256 (needed for an address that publishes none)",
        ),
    ],
)
def cmd_models_download(paths: Paths, args: argparse.Namespace) -> int:
    """Download on the creator's explicit request; Ctrl+C pauses, keeping the part for a resume."""
    source = source_for(args.model, load_catalogue(), sha256=args.sha256)
    if source.licence is not None:
        print(
            f"{source.file_name} from {source.repo}; licence: {source.licence.name} ({source.licence.url})",
            file=sys.stderr,
        )
    cancel = CancelToken()
    # Our own "back to the line start, clear it" goes to the raw stream: the CLI's stderr escapes
    # every control character (a fan's message must not drive the terminal). Piped, one line per 10%.
    raw = getattr(sys.stderr, "_inner", sys.stderr)
    rewrite = bool(getattr(raw, "isatty", lambda: False)())
    on_one_line, last_tenth = False, -1

    def show(step: Any) -> None:
        nonlocal on_one_line, last_tenth
        if isinstance(step, DownloadProgress) and rewrite:  # one line, rewritten in place
            raw.write("\r\033[K")
            print(_download_line(step), end="", file=sys.stderr, flush=True)
            on_one_line = True
        elif isinstance(step, DownloadProgress):
            tenth = int((step.fraction or 0) * 10)
            if tenth != last_tenth:
                print(_download_line(step), file=sys.stderr, flush=True)
                last_tenth = tenth
        elif isinstance(step, Progress):
            print(("\n" if on_one_line else "") + step.message, file=sys.stderr, flush=True)
            on_one_line = False

    with ctrl_c_cancels(cancel):
        try:
            facts = drain(download_model(paths, source, cancel=cancel), show=show)
        except Cancelled as paused:
            print(("\n" if on_one_line else "") + f"{APP_NAME}: {paused}", file=sys.stderr)
            return 130
        except BaseException:
            if on_one_line:
                print(file=sys.stderr)
            raise
    print(
        f"Downloaded and verified {facts.file_name}: {facts.architecture}, {facts.quantization}, "
        f"context {facts.context_length}. Draft with it: `understudy models use {facts.file_name}`."
    )
    return 0


def _download_line(step: DownloadProgress) -> str:
    """One progress line: share, speed, time left."""
    share = f" ({step.fraction:.0%})" if step.fraction is not None else ""
    speed = f", {step.bytes_per_s / 1e6:.1f} MB/s" if step.bytes_per_s else ""
    left = step.seconds_left
    if left is None:
        eta = ""
    elif left >= 60:
        eta = f", {int(left // 60)} min {int(left % 60):02d} s left"
    else:
        eta = f", {left:.0f} s left"
    return f"{step.message}{share}{speed}{eta}"
