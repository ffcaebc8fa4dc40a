"""`understudy profiles list|create`: the persona profiles, each with its own store."""

from __future__ import annotations

import argparse

from desktop.cli._registry import arg, command
from desktop.core.errors import KnownError
from desktop.core.paths import DEFAULT_PROFILE, Paths
from desktop.core.store import open_store


@command("profiles list", help="show the profiles")
def cmd_profiles_list(paths: Paths, args: argparse.Namespace) -> int:
    names = paths.list_profiles()
    if not names:
        print(f"No profiles yet; '{DEFAULT_PROFILE}' is created when the app first opens one.")
    for name in names:
        print(name)
    return 0


@command(
    "profiles create",
    help="create a profile with its own store",
    arguments=[arg("name", help="the new profile's name")],
)
def cmd_profiles_create(paths: Paths, args: argparse.Namespace) -> int:
    if args.name in paths.list_profiles():
        raise KnownError(f"A profile named '{args.name}' already exists.")
    profile = paths.create_profile(args.name)
    open_store(profile.store).close()
    print(f"Created profile '{args.name}' in {profile.root}.")
    return 0
