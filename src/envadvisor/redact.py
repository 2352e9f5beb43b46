"""``--redact``: remove what identifies a person or a machine before a report is pasted in public.

Redaction works on the report as data, so every output format (terminal, JSON, environment.yml
headers) is redacted the same way: host names, user names, home paths, GPU UUIDs and serial numbers,
and values that look like secrets.
"""

from __future__ import annotations

import getpass
import os
import re
import socket
from collections.abc import Iterable
from typing import Any

from envadvisor.model import Report, from_data, to_data

REDACTED = "[redacted]"

# Field names whose whole value identifies a machine or a device.
_IDENTIFYING_FIELDS = frozenset({"hostname", "uuid", "serial"})

_SECRET_PATTERNS = (
    re.compile(r"\bhf_[A-Za-z0-9]{20,}\b"),  # Hugging Face token
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{20,}\b"),  # GitHub token
    re.compile(r"\bAKIA[0-9A-Z]{16}\b"),  # AWS access key id
    re.compile(r"\bsk-[A-Za-z0-9_-]{20,}\b"),  # OpenAI-style key
    re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b"),  # Slack token
    # NAME=value where the name says it is secret (vLLM's filter words)
    re.compile(
        r"(?i)\b([A-Z0-9_]*(?:SECRET|TOKEN|PASSWORD|PASSWD|API_?KEY|ACCESS_?KEY)[A-Z0-9_]*)\s*[=:]\s*(\S+)"
    ),
)
_GPU_UUID = re.compile(r"\b(?:GPU|MIG)-[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\b")
_HOME_PATH = re.compile(r"(?P<root>/home|/Users|/root(?=/)|[A-Za-z]:\\Users)[/\\](?P<user>[^/\\\s'\"]+)")


def _local_identities() -> tuple[list[str], list[str]]:
    names: list[str] = []
    for getter in (getpass.getuser, socket.gethostname):
        try:
            value = getter()
        except Exception:
            continue
        if value and len(value) >= 3 and value not in ("root", "localhost"):
            names.append(value)
    homes = [h for h in {os.path.expanduser("~")} if h and h not in ("/", "/root")]
    return names, homes


def redact_text(text: str, *, names: Iterable[str] = (), homes: Iterable[str] = ()) -> str:
    for home in sorted(homes, key=len, reverse=True):
        text = text.replace(home, "~")
    text = _HOME_PATH.sub(
        lambda m: f"{m.group('root')}{'/' if '/' in m.group(0) else chr(92)}{REDACTED}", text
    )
    text = _GPU_UUID.sub(REDACTED, text)
    for pattern in _SECRET_PATTERNS:
        if pattern.groups == 2:
            text = pattern.sub(lambda m: f"{m.group(1)}={REDACTED}", text)
        else:
            text = pattern.sub(REDACTED, text)
    for name in names:
        text = re.sub(rf"(?<![\w.-]){re.escape(name)}(?![\w-])", REDACTED, text)
    return text


def redact_data(data: Any, *, names: Iterable[str] | None = None, homes: Iterable[str] | None = None) -> Any:
    """Redact a JSON-ready structure (as made by :func:`envadvisor.model.to_data`)."""
    if names is None or homes is None:
        local_names, local_homes = _local_identities()
        names = local_names if names is None else names
        homes = local_homes if homes is None else homes
    names, homes = list(names), list(homes)

    def walk(value: Any, field: str | None) -> Any:
        if isinstance(value, dict):
            return {k: walk(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, field) for v in value]
        if isinstance(value, str):
            if field in _IDENTIFYING_FIELDS:
                return REDACTED
            return redact_text(value, names=names, homes=homes)
        return value

    return walk(data, None)


def redact_report(report: Report) -> Report:
    return from_data(Report, redact_data(to_data(report)))
