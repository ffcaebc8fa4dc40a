"""Where a model file is downloaded from, and what the server says about it before we start.

For a Hugging Face file, a HEAD request to ``{hub}/{repo}/resolve/main/{file}`` answers with a
redirect that carries the file's size (``X-Linked-Size``) and its sha256, the Git LFS oid
(``X-Linked-Etag``): the hash the download is verified against. The Hub's address is
``$HF_ENDPOINT`` when set (a mirror; the same variable huggingface_hub reads), else
https://huggingface.co; tests point it at a server on 127.0.0.1.

Every HTTP failure becomes a ``KnownError`` in plain words here (not found, licence to accept,
no connection, timeout), so the CLI and the GUI show the same sentence.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

import httpx

from desktop.core.errors import KnownError
from desktop.core.models.catalogue import Catalogue, Licence

HUB_BASE = "https://huggingface.co"
HUB_ENDPOINT_ENV = "HF_ENDPOINT"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
TIMEOUT = httpx.Timeout(20.0, connect=15.0)  # per read, not for the whole file


def hub_base() -> str:
    return (os.environ.get(HUB_ENDPOINT_ENV, "").strip() or HUB_BASE).rstrip("/")


def hub_file_url(repo: str, file: str, base: str | None = None, revision: str = "main") -> str:
    return f"{(base or hub_base()).rstrip('/')}/{repo}/resolve/{revision}/{quote(file)}"


def normalise_sha256(value: str | None) -> str | None:
    """A sha256 in lower-case hex, from an ETag too (quotes and a weak ``W/`` stripped); else None."""
    if not value:
        return None
    value = value.strip()
    if value.startswith("W/"):
        value = value[2:]
    value = value.strip('"').lower()
    return value if _SHA256.match(value) else None


@dataclass(frozen=True)
class DownloadSource:
    """What to fetch and under which name; ``sha256`` is the creator's own hash, if given."""

    url: str
    file_name: str
    sha256: str | None = None
    approx_size: int | None = None
    repo: str | None = None  # a Hugging Face repository, for messages (licence page)
    licence: Licence | None = None


def source_for(
    spec: str, catalogue: Catalogue, *, sha256: str | None = None, base: str | None = None
) -> DownloadSource:
    """A catalogue id or a direct http(s) URL, as the creator typed it, made into a source."""
    given = None
    if sha256 is not None:
        given = normalise_sha256(sha256)
        if given is None:
            raise KnownError(f"'{sha256}' is not a sha256 hash.", hint="It is 64 hexadecimal characters.")
    entry = catalogue.get(spec)
    if entry is not None:
        return DownloadSource(
            hub_file_url(entry.repo, entry.file, base),
            entry.file,
            given,
            entry.size_bytes,
            entry.repo,
            entry.licence,
        )
    parts = urlsplit(spec.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        known = ", ".join(e.id for e in catalogue.entries)
        raise KnownError(
            f"'{spec}' is neither a model of the catalogue nor a web address.",
            hint=f"Use one of: {known}; or an https:// address of a .gguf file.",
        )
    file_name = unquote(parts.path.rsplit("/", 1)[-1])
    if not file_name.lower().endswith(".gguf"):
        raise KnownError(f"{spec} does not name a .gguf file.", hint="Understudy runs GGUF models only.")
    repo = None
    match = re.match(r"^/([^/]+/[^/]+)/resolve/", parts.path)
    if match and spec.startswith((base or hub_base()) + "/"):
        repo = match.group(1)
    return DownloadSource(spec.strip(), file_name, given, None, repo)


@dataclass(frozen=True)
class RemoteFile:
    size: int | None
    sha256: str | None  # the Hub's LFS oid (or a sha256 ETag from the Hub itself)


def _int_header(headers: httpx.Headers, name: str) -> int | None:
    try:
        value = int(headers.get(name, ""))
    except ValueError:
        return None
    return value if value >= 0 else None


def read_remote_file(client: httpx.Client, source: DownloadSource, base: str | None = None) -> RemoteFile:
    """HEAD the file (following redirects) and read its size and sha256 from the way there."""
    try:
        response = client.head(source.url, follow_redirects=True)
    except httpx.HTTPError as exc:
        raise transport_error(exc, source) from None
    if response.status_code >= 400:
        raise status_error(response.status_code, source)
    chain = [*response.history, response]
    sha256 = size = None
    on_hub = source.url.startswith((base or hub_base()) + "/")
    for step in chain:
        sha256 = sha256 or normalise_sha256(step.headers.get("x-linked-etag"))
        size = size if size is not None else _int_header(step.headers, "x-linked-size")
    if sha256 is None and on_hub:
        sha256 = normalise_sha256(chain[0].headers.get("etag"))
    if size is None:
        size = _int_header(response.headers, "content-length")
    return RemoteFile(size=size, sha256=sha256)


def _what(source: DownloadSource) -> str:
    return f"{source.file_name} from {source.repo}" if source.repo else source.url


def status_error(status: int, source: DownloadSource) -> KnownError:
    """An HTTP error status in plain words: what happened and what to do."""
    what = _what(source)
    if status in (401, 403):
        page = f"{hub_base()}/{source.repo}" if source.repo else source.url
        licence = f" ({source.licence.name})" if source.licence else ""
        return KnownError(
            f"The server refused {what} ({status}): the model's licence{licence} probably has to be "
            "accepted first.",
            hint=f"Open {page} while logged in to Hugging Face, accept the licence, then try again.",
        )
    if status == 404:
        return KnownError(
            f"{what} was not found on the server (404).",
            hint="The file may have been renamed or removed; check the address or the model's page.",
        )
    if status == 429 or status >= 500:
        return KnownError(
            f"The server could not send {what} just now ({status}).", hint="Try again in a few minutes."
        )
    return KnownError(f"The server answered {status} for {what}.", hint="Check the address.")


# What a request that got no answer ran into, tried in this order: (httpx error, what happened, what to do).
_NO_ANSWER: tuple[tuple[type[httpx.HTTPError], str, str], ...] = (
    (
        httpx.ProxyError,
        "The proxy set for this computer refused the connection to {host}.",
        "Check the HTTPS_PROXY / HTTP_PROXY settings.",
    ),
    (
        httpx.TimeoutException,
        "{host} did not answer in time.",
        "Check the internet connection and try again.",
    ),
    (
        httpx.ConnectError,
        "Understudy could not connect to {host}.",
        "Check the internet connection (and any proxy), then try again.",
    ),
)


def transport_error(exc: httpx.HTTPError, source: DownloadSource) -> KnownError:
    """No answer at all, in plain words (refused, unreachable, timed out, proxy)."""
    host = urlsplit(source.url).netloc
    for kind, happened, to_do in _NO_ANSWER:
        if isinstance(exc, kind):
            return KnownError(happened.format(host=host), hint=to_do)
    return KnownError(f"The connection to {host} failed ({exc.__class__.__name__}).", hint="Try again.")
