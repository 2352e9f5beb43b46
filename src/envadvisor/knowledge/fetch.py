"""Reading the registry: HTTPS with timeouts (stdlib urllib), or recorded responses for tests.

The only network code in envadvisor, used only by ``envadvisor knowledge refresh``. urllib is enough:
a few hundred GET requests of JSON and small text files, no sessions, no auth; a third-party client
would be a new dependency for no gain.

* :class:`HttpFetcher` - HTTPS only (a redirect to another scheme is refused), a timeout per request,
  a size cap, one retry on a timeout or a 5xx. A host that cannot be reached raises
  :class:`RegistryUnreachable` (the command prints one line and exits 2).
* :class:`RecordedFetcher` - replays a folder of recorded responses (``index.json`` + gzip bodies);
  a URL that was not recorded is "unreachable", as offline.
* :class:`RecordingFetcher` - wraps a live fetcher and records what it reads, trimmed to what the
  refresh reads: the JSON API documents keep the fields of :mod:`registry`, metadata files their
  header (the long description is dropped).
"""

from __future__ import annotations

import datetime as _dt
import gzip
import json
import os
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from envadvisor import __version__
from envadvisor.errors import EnvAdvisorError
from envadvisor.records import record

DEFAULT_TIMEOUT_S = 20.0
MAX_BODY_BYTES = 64 * 1024 * 1024  # numpy's JSON document is ~4 MB; refuse anything absurd
USER_AGENT = f"envadvisor/{__version__} (knowledge refresh; +https://pypi.org/project/envadvisor/)"


class RegistryUnreachable(EnvAdvisorError):
    """The registry could not be read at all (offline, DNS, TLS, refused, timed out)."""


class RegistryError(EnvAdvisorError):
    """The registry answered, but not with something usable (an HTTP error, a wrong content)."""


@record
class Response:
    url: str
    status: int  # 200, or 404 for "not there" (a metadata file the registry does not serve)
    body: bytes
    read_at: str  # ISO 8601 UTC, seconds


class Fetcher(Protocol):
    def get(self, url: str) -> Response: ...


def utc_now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class _HttpsOnlyRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> Any:
        if urllib.parse.urlsplit(newurl).scheme != "https":
            raise RegistryError(f"{req.full_url}: redirected to a non-HTTPS address ({newurl}); refused")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class HttpFetcher:
    def __init__(self, *, timeout: float = DEFAULT_TIMEOUT_S, retries: int = 1) -> None:
        self.timeout = timeout
        self.retries = retries
        self._opener = urllib.request.build_opener(_HttpsOnlyRedirects())

    def get(self, url: str) -> Response:
        if urllib.parse.urlsplit(url).scheme != "https":
            raise RegistryError(f"{url}: only HTTPS addresses are read")
        attempt = 0
        while True:
            try:
                return self._get_once(url)
            except _Transient as exc:
                attempt += 1
                if attempt > self.retries:
                    raise exc.final from None

    def _get_once(self, url: str) -> Response:
        host = urllib.parse.urlsplit(url).netloc
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip"})
        try:
            with self._opener.open(request, timeout=self.timeout) as reply:
                raw = reply.read(MAX_BODY_BYTES + 1)
                if len(raw) > MAX_BODY_BYTES:
                    raise RegistryError(f"{url}: more than {MAX_BODY_BYTES // (1024 * 1024)} MiB; refused")
                if (reply.headers.get("Content-Encoding") or "").lower() == "gzip":
                    raw = _gunzip(raw, url)
                return Response(url, int(reply.status), raw, utc_now())
        except urllib.error.HTTPError as exc:
            if exc.code in (404, 410):
                return Response(url, 404, b"", utc_now())
            if exc.code >= 500 or exc.code == 429:
                raise _Transient(RegistryError(f"{url}: the registry answered HTTP {exc.code}")) from None
            raise RegistryError(f"{url}: the registry answered HTTP {exc.code}") from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError) or "timed out" in str(reason):
                raise _Transient(RegistryUnreachable(
                    f"cannot reach {host}: no answer within {self.timeout:g} s")) from None
            raise RegistryUnreachable(f"cannot reach {host}: {_reason_text(reason)}") from None
        except TimeoutError:
            raise _Transient(RegistryUnreachable(
                f"cannot reach {host}: no answer within {self.timeout:g} s")) from None
        except OSError as exc:  # a connection reset mid-body, an SSL error after connecting
            raise _Transient(RegistryUnreachable(f"cannot read from {host}: {_reason_text(exc)}")) from None


class _Transient(Exception):
    def __init__(self, final: EnvAdvisorError) -> None:
        super().__init__(str(final))
        self.final = final


def _reason_text(reason: object) -> str:
    text = getattr(reason, "strerror", None) or str(reason)
    return " ".join(str(text).split()) or type(reason).__name__


def _gunzip(raw: bytes, url: str) -> bytes:
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError) as exc:
        raise RegistryError(f"{url}: a damaged gzip body ({exc})") from None


# --------------------------------------------------------------------------------------------------
# Recorded responses
# --------------------------------------------------------------------------------------------------

INDEX_FILE = "index.json"
RUN_FILE = "run.json"  # the refresh's parameters when it was recorded (lines, extra lines per package)


def _fixture_name(url: str) -> str:
    """A readable, collision-free file name for a URL: the JSON API by package, metadata by wheel."""
    path = urllib.parse.urlsplit(url).path
    m = re.fullmatch(r"/pypi/([^/]+)/json", path)
    if m:
        return f"json/{m.group(1)}.json.gz"
    base = path.rsplit("/", 1)[-1]
    safe = re.sub(r"[^A-Za-z0-9._+-]", "_", base) or "response"
    return f"files/{safe}.gz"


class RecordedFetcher:
    """Responses recorded by :class:`RecordingFetcher`, replayed with their original read times."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        try:
            self.index: Mapping[str, Mapping[str, Any]] = json.loads(
                (self.folder / INDEX_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise RegistryUnreachable(f"no recorded responses in {self.folder}: {exc}") from None
        try:
            run = json.loads((self.folder / RUN_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            run = {}
        self.run: Mapping[str, Any] = run if isinstance(run, Mapping) else {}

    def extra_lines(self, package: str) -> list[str]:
        """The extra lines the recorded run read for ``package`` (replays ask for the same URLs)."""
        extra = self.run.get("extra_lines")
        lines = extra.get(package) if isinstance(extra, Mapping) else None
        return [str(x) for x in lines] if isinstance(lines, list) else []

    def get(self, url: str) -> Response:
        entry = self.index.get(url)
        if entry is None:
            host = urllib.parse.urlsplit(url).netloc
            raise RegistryUnreachable(f"cannot reach {host}: {url} was not recorded")
        body = b""
        if entry.get("file"):
            body = gzip.decompress((self.folder / str(entry["file"])).read_bytes())
        return Response(url, int(entry["status"]), body, str(entry["read_at"]))


class RecordingFetcher:
    """A live fetcher whose responses are also written to ``folder`` (trimmed; see the module text)."""

    def __init__(self, inner: Fetcher, folder: Path) -> None:
        self.inner = inner
        self.folder = Path(folder)
        self._lock = threading.Lock()
        self.index: dict[str, dict[str, Any]] = {}

    def get(self, url: str) -> Response:
        response = self.inner.get(url)
        body = trim_for_record(url, response.body) if response.status == 200 else b""
        entry: dict[str, Any] = {"status": response.status, "read_at": response.read_at}
        if response.status == 200:
            name = _fixture_name(url)
            entry["file"] = name
            path = self.folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(gzip.compress(body, 9, mtime=0))
        with self._lock:
            self.index[url] = entry
        return Response(url, response.status, body, response.read_at)

    def save_index(self, run: Mapping[str, Any] | None = None) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        files = {INDEX_FILE: dict(sorted(self.index.items())), RUN_FILE: dict(run or {})}
        for name, data in files.items():
            tmp = self.folder / (name + ".tmp")
            tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
            os.replace(tmp, self.folder / name)


# fields of the JSON API document the refresh reads (registry.registry_releases / _file)
_KEPT_INFO = ("name", "version", "requires_python", "requires_dist", "provides_extra")
_KEPT_FILE = ("filename", "packagetype", "requires_python", "upload_time_iso_8601", "yanked", "url",
              "core-metadata", "data-dist-info-metadata")


def trim_for_record(url: str, body: bytes) -> bytes:
    """What a fixture keeps of a response: the fields the refresh reads, nothing else."""
    if urllib.parse.urlsplit(url).path.endswith("/json"):
        doc = json.loads(body)
        trimmed = {
            "info": {k: doc["info"].get(k) for k in _KEPT_INFO},
            "last_serial": doc.get("last_serial"),
            "releases": {v: [{k: f.get(k) for k in _KEPT_FILE if k in f} for f in files]
                         for v, files in doc["releases"].items()},
        }
        return json.dumps(trimmed, separators=(",", ":"), sort_keys=False).encode("utf-8")
    if url.endswith(".metadata"):
        text = body.decode("utf-8", "replace")
        return (text.split("\n\n", 1)[0] + "\n").encode("utf-8")
    return body
