"""``--redact``: remove what identifies a person or a machine before a report is pasted in public.

Redaction works on the report as data, so every output format (terminal, JSON, environment.yml
headers) is redacted the same way. Three kinds of thing are removed:

- **secrets**, recognised by their shape wherever they are: tokens (Hugging Face, GitHub classic and
  fine-grained, GitLab, PyPI, OpenAI, Slack, npm, Google API keys, AWS key ids, JWTs), credentials in
  URLs (``https://user:pass@host``), ``Authorization:``/``Bearer`` values, ``--token``/``--password``
  options and ``NAME=value`` where the name says it is secret;
- **identifiers in an identifying place**: home folders (``/home/U``, ``/Users/U``, ``C:\\Users\\U`` in
  any case, with doubled backslashes as in a repr), shell prompts (``alice@dgx-node-42:~$``),
  ``USER=``/``HOSTNAME=`` assignments, e-mail addresses, GPU UUIDs and serial numbers, and the fields
  that are an identifier as a whole (host name, UUID, serial);
- **the names behind them, everywhere**: this machine's user and host names and home folder (wherever
  it is: ``/mnt/alice``), and every user or host name learned from the identifying places of the report
  itself, so ``/mnt/alice`` or ``alice_env`` in a pasted report goes too once ``/home/alice`` said who
  ``alice`` is. A name is matched as a whole word (letters and digits on neither side; ``_``, ``-`` and
  ``.`` separate words).

Redaction never corrupts the report's own vocabulary. Fields whose values come from envadvisor's
closed sets (severity, category, rule code and name, OS, architecture, probe status, sources ...) are
never touched, and a name that is also a word of that vocabulary (a user called ``error``, a host
called ``linux`` or ``report``) is removed only in its identifying places, not as a bare word.

Every pattern here reads untrusted text, so each is linear: bounded repetitions, no nested or adjacent
unbounded quantifiers over the same characters.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from typing import Any

from envadvisor.model import Report, from_data, to_data

REDACTED = "[redacted]"

# Field names whose whole value identifies a machine or a device.
_IDENTIFYING_FIELDS = frozenset({"hostname", "uuid", "serial"})

# Fields whose values are envadvisor's own vocabulary (closed sets, rule codes and names, table keys):
# never redacted, and their words are never removed from free text as bare words.
_VOCABULARY_FIELDS = frozenset(
    {
        "code", "severity", "category", "status", "kind", "formats", "missing", "terms", "references",
        "system", "arch", "container", "implementation", "env_kind", "nvml_state", "driver_source",
        "compute_capability_source", "source", "installer", "variant", "distribution", "signatures",
        "overridden", "tool_version", "tables_checked", "schema_version", "recorded",
    }
)  # fmt: skip
# ``name`` is vocabulary in these lists (a rule or a probe), free text elsewhere (a GPU, a library file).
_NAMED_BY_VOCABULARY = frozenset({"findings", "not_evaluated", "probes"})

# Words a report is made of, whatever this report holds: the closed sets of the model and the words of
# its fixed texts. A user or host with one of these names is removed only where it identifies someone.
_BASE_VOCABULARY = frozenset(
    (
        "error", "warning", "info", "ok", "partial", "absent", "failed", "timeout", "skipped",
        "machine", "report", "fleet", "node", "linux", "windows", "macos", "darwin", "x86_64",
        "aarch64", "arm64", "amd64", "ppc64le", "s390x", "cpu", "gpu", "cuda", "cudnn", "nccl", "nvcc",
        "nvidia", "driver", "python", "conda", "pip", "uv", "poetry", "pdm", "pipx", "mamba",
        "micromamba", "venv", "virtualenv", "system", "wheel", "pypi", "docker", "podman", "kubernetes",
        "container", "none", "null", "true", "false", "unknown", "torch", "pytorch", "tensorflow",
        "jax", "jaxlib", "transformers", "ubuntu", "debian", "fedora", "centos", "rocky", "rhel",
        "alma", "arch", "opensuse", "alpine", "wsl", "base", "home", "users", "root", "user", "admin",
        "test", "default", "public", "local", "build", "main", "master", "nvml", "smi", "toolkit",
        "version", "the", "and", "for", "not", "are", "you",
    )
)  # fmt: skip

# Names that never identify anyone (well-known accounts and placeholders).
_NOT_A_NAME = frozenset(
    {"root", "localhost", "public", "default", "all users", "default user", "administrator", "admin",
     "user", "users", "runner", "ubuntu", "nobody", "redacted", "[redacted]", "~"}
)  # fmt: skip

_MIN_NAME = 3  # shorter names ("vm", "a") would match inside everything

# ---------------------------------------------------------------------------------------- secrets
_SECRET_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # credentials in a URL: scheme://user:password@host or scheme://token@host
    (
        re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]{0,20}://)[^\s/@:\[\]]{1,256}(?::[^\s/@]{0,256})?@"),
        r"\1" + REDACTED + "@",
    ),
    # an Authorization header (any scheme), a bare Bearer token
    (
        re.compile(
            r"(?i)\b((?:proxy-)?authorization\s{0,8}[:=]\s{0,8}(?:(?:bearer|basic|token|digest)\s{1,8})?)"
            r"(?!\[redacted\])\S{1,4096}"
        ),
        r"\1" + REDACTED,
    ),
    (re.compile(r"(?i)\b(bearer\s{1,8})(?!\[redacted\])[A-Za-z0-9._~+/=-]{8,4096}"), r"\1" + REDACTED),
    # --token VALUE, --password=VALUE, --api-key 'VALUE' ...
    (
        re.compile(
            r"(?i)(?<![\w-])(--?(?:[a-z]{1,20}[-_])?(?:token|password|passwd|pass|secret|api[-_]?key"
            r"|access[-_]?key|auth)(?:\s{1,8}|=))"
            r"(?!\[redacted\])(?:\"[^\"\n]{0,4096}\"|'[^'\n]{0,4096}'|[^\s\"']{1,4096})"
        ),
        r"\1" + REDACTED,
    ),
    # NAME=value / NAME: value where NAME says it is secret (vLLM's filter words); the word must end
    # the name or be followed by "_" (TOKENIZERS, max_tokens are not secrets); "==" is a version pin
    (
        re.compile(
            r"(?i)\b([A-Z0-9_]{0,64}(?:SECRET|TOKEN|PASSWORD|PASSWD|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIALS?)"
            r"(?:_[A-Z0-9_]{0,64})?\b[\"']?\s{0,8}[=:]\s{0,8})(?![=\s]|\[redacted\])"
            r"(?:\"[^\"\n]{0,4096}\"|'[^'\n]{0,4096}'|[^\s\"',;]{1,4096})"
        ),
        r"\1" + REDACTED,
    ),
    (re.compile(r"\bhf_(?=[a-z]{0,255}[A-Z0-9])[A-Za-z0-9]{8,255}\b"), REDACTED),  # Hugging Face token
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{20,255}\b"), REDACTED),  # GitHub classic token
    (re.compile(r"\bgithub_pat_[A-Za-z0-9_]{20,255}"), REDACTED),  # GitHub fine-grained token
    (re.compile(r"\bglpat-[A-Za-z0-9_-]{20,255}"), REDACTED),  # GitLab token
    (re.compile(r"\bpypi-[A-Za-z0-9_-]{40,4096}"), REDACTED),  # PyPI API token
    (re.compile(r"\bnpm_[A-Za-z0-9]{36}\b"), REDACTED),  # npm token
    (re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), REDACTED),  # AWS access key id
    (re.compile(r"\bAIza[0-9A-Za-z_-]{30,64}"), REDACTED),  # Google API key
    (re.compile(r"\bsk-[A-Za-z0-9_-]{20,255}"), REDACTED),  # OpenAI / Anthropic-style key
    (re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,255}"), REDACTED),  # Slack token
    (
        re.compile(r"\beyJ[A-Za-z0-9_-]{4,4096}\.eyJ[A-Za-z0-9_-]{4,4096}\.[A-Za-z0-9_-]{0,4096}"),
        REDACTED,
    ),  # JWT
)

# ---------------------------------------------------------------------------------- identifiers
_GPU_UUID = re.compile(r"\b(?:GPU|MIG)-[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\b")
_SERIAL = re.compile(
    r"(?i)\b((?:board\s{0,4})?serial(?:\s{0,4}(?:number|no\.?))?\s{0,16}[:=]\s{0,16})[A-Za-z0-9-]{4,64}\b"
)
_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}\b"
)
# A home folder: /home/U, /Users/U, /export/home/U, /var/home/U, /nfs/home/U, /scratch/U, and Windows'
# C:\Users\U (any case: pip lowercases it; doubled backslashes in a repr; forward slashes).
_HOME_PATH = re.compile(
    r"(?P<root>/(?:home|Users|users|export/home|var/home|nfs/home|scratch)"
    r"|\b[A-Za-z]:(?:\\{1,2}|/)(?i:users|documents and settings))"
    r"(?P<sep>\\{1,2}|/)(?P<user>[^/\\\s'\"`:;,()\[\]<>|*?]{1,64})"
)
# A shell prompt: alice@dgx-node-42:~$, alice@host:/data$, [alice@node ~]$, alice@mac ~ %, root@x#
_PROMPT = re.compile(
    r"(?<![\w.@/:+%-])(?P<user>[A-Za-z_][A-Za-z0-9_.-]{0,31})@(?P<host>[A-Za-z0-9][A-Za-z0-9.-]{0,252})"
    r"(?=:[~/]|[ \t]{1,4}~|[ \t][^\]\n]{0,64}\][$#%]|[$#%>](?:\s|$))"
)
# USER=alice, HOSTNAME: dgx-node-42, "USERNAME": "alice" ...
_ASSIGNMENT = re.compile(
    r"(?i)(?<![\w-])(?P<key>USER|USERNAME|LOGNAME|HOSTNAME|HOST|COMPUTERNAME|USERDOMAIN|NODENAME"
    r"|SLURMD_NODENAME|SLURM_JOB_USER)(?P<sep>[\"']?\s{0,4}[=:]\s{0,4}[\"']?)"
    r"(?P<value>(?!\[redacted\])[A-Za-z0-9_][A-Za-z0-9_.-]{0,252})"
)
_WORD = re.compile(r"[A-Za-z0-9_]{1,64}")


class Redactor:
    """Redacts text with a fixed set of names and homes; learns names from identifying places."""

    def __init__(self, names: Iterable[str] = (), homes: Iterable[str] = (), vocabulary: Iterable[str] = ()):
        self.vocabulary = set(_BASE_VOCABULARY) | {v.lower() for v in vocabulary}
        self.names: set[str] = set()
        self.homes = sorted(
            {h.rstrip("/\\") for h in homes if len(h.rstrip("/\\")) > 1}, key=len, reverse=True
        )
        for name in names:
            self.learn(name)
        self._name_pattern: re.Pattern[str] | None = None
        self._path_pattern: re.Pattern[str] | None = None
        self._home_pattern: re.Pattern[str] | None = None

    def learn(self, name: str) -> None:
        """Remember a user or host name to remove everywhere (a host's short name too)."""
        name = name.strip().strip("\"'")
        if len(name) < _MIN_NAME or name.lower() in _NOT_A_NAME or REDACTED in name:
            return
        if not any(ch.isalpha() for ch in name):  # 1.2.3, 550.54: a version, not a name
            return
        if name not in self.names:
            self.names.add(name)
            self._name_pattern = self._path_pattern = None
        short = name.split(".", 1)[0]
        if short != name and len(short) >= _MIN_NAME and not short.isdigit():
            self.learn(short)

    def learn_from(self, text: str) -> None:
        """Learn the names that text shows in identifying places (home folders, prompts, USER=...)."""
        for m in _HOME_PATH.finditer(text):
            self.learn(m.group("user"))
        for m in _PROMPT.finditer(text):
            self.learn(m.group("user"))
            self.learn(m.group("host"))
        for m in _ASSIGNMENT.finditer(text):
            self.learn(m.group("value"))

    # -------------------------------------------------------------------------------------------
    def text(self, text: str) -> str:
        if not text:
            return text
        text = self._homes(text)
        for pattern, replacement in _SECRET_PATTERNS:
            text = pattern.sub(replacement, text)
        text = _HOME_PATH.sub(lambda m: f"{m.group('root')}{m.group('sep')}{REDACTED}", text)
        text = _PROMPT.sub(f"{REDACTED}@{REDACTED}", text)
        text = _ASSIGNMENT.sub(lambda m: f"{m.group('key')}{m.group('sep')}{REDACTED}", text)
        text = _EMAIL.sub(REDACTED, text)
        text = _GPU_UUID.sub(REDACTED, text)
        text = _SERIAL.sub(lambda m: m.group(1) + REDACTED, text)
        return self._names(text)

    def _homes(self, text: str) -> str:
        if not self.homes:
            return text
        if self._home_pattern is None:
            # the home folder as a whole path component: /home/al must not eat /home/alice
            alternatives = "|".join(re.escape(h) for h in self.homes)
            self._home_pattern = re.compile(rf"(?:{alternatives})(?![^/\\\s'\"`:;,)\]])")
        return self._home_pattern.sub("~", text)

    def _names(self, text: str) -> str:
        if not self.names:
            return text
        if self._name_pattern is None:
            self._compile_names()
        assert self._name_pattern is not None and self._path_pattern is not None
        if self._name_pattern.pattern:
            text = self._name_pattern.sub(REDACTED, text)
        if self._path_pattern.pattern:
            text = self._path_pattern.sub(REDACTED, text)
        return text

    def _compile_names(self) -> None:
        words = sorted((n for n in self.names if not self._is_vocabulary(n)), key=len, reverse=True)
        vocab = sorted((n for n in self.names if self._is_vocabulary(n)), key=len, reverse=True)
        # a distinctive name goes wherever it is a whole word; a vocabulary word only as a whole path
        # component (/mnt/error/...), never in running text
        self._name_pattern = re.compile(
            rf"(?i)(?<![A-Za-z0-9])(?:{'|'.join(map(re.escape, words))})(?![A-Za-z0-9])" if words else ""
        )
        self._path_pattern = re.compile(
            rf"(?<=[/\\])(?:{'|'.join(map(re.escape, vocab))})(?=[/\\])" if vocab else ""
        )

    def _is_vocabulary(self, name: str) -> bool:
        # only the whole name: replacing "linux-box" everywhere never touches the word "linux"
        return name.lower() in self.vocabulary


def _local_identities() -> tuple[list[str], list[str]]:
    """This machine's user and host names and the user's home folder, however they are known."""
    import getpass
    import socket

    names: list[str] = []
    getters: list[Callable[[], str]] = [getpass.getuser, socket.gethostname]
    for getter in getters:
        try:
            names.append(getter())
        except Exception:
            continue
    for key in ("USER", "LOGNAME", "USERNAME", "HOSTNAME", "SUDO_USER"):
        if os.environ.get(key):
            names.append(os.environ[key])
    homes = {os.path.expanduser("~"), os.environ.get("HOME", ""), os.environ.get("USERPROFILE", "")}
    try:
        import pwd

        entry = pwd.getpwuid(os.getuid())
        names.append(entry.pw_name)
        homes.add(entry.pw_dir)
    except (ImportError, KeyError, OSError):
        pass
    homes = {h for h in homes if h and h.rstrip("/\\") not in ("", "/root", "/")}
    for home in homes:
        names.append(os.path.basename(home.rstrip("/\\")))
    return names, sorted(homes)


def redact_text(text: str, *, names: Iterable[str] = (), homes: Iterable[str] = ()) -> str:
    """One text with the given names and homes (and the names the text itself shows)."""
    redactor = Redactor(names, homes)
    redactor.learn_from(text)
    return redactor.text(text)


def redact_data(
    data: Any,
    *,
    names: Iterable[str] | None = None,
    homes: Iterable[str] | None = None,
    learn_from: Iterable[str] = (),
) -> Any:
    """Redact a JSON-ready structure (as made by :func:`envadvisor.model.to_data`), or a text.

    ``names``/``homes`` default to this machine's; the names the data itself shows in identifying
    places (its host name field, home folders, prompts, ``USER=``) are added, and those of the
    ``learn_from`` texts (the pasted report the data was read from: its prompt names the user).
    """
    if names is None or homes is None:
        local_names, local_homes = _local_identities()
        names = local_names if names is None else names
        homes = local_homes if homes is None else homes
    vocabulary: set[str] = set()
    texts: list[str] = []
    identifiers: list[str] = []

    def survey(value: Any, field: str | None, parent: str | None) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                survey(v, k, field)
        elif isinstance(value, list):
            for v in value:
                survey(v, field, parent)
        elif isinstance(value, str):
            if _is_vocabulary_field(field, parent):
                vocabulary.add(value.lower())
                vocabulary.update(w.lower() for w in _WORD.findall(value))
            elif field in _IDENTIFYING_FIELDS:
                identifiers.append(value)
            else:
                texts.append(value)

    survey(data, None, None)
    redactor = Redactor(names, homes, vocabulary)
    for value in identifiers:
        redactor.learn(value)
    for value in (*texts, *learn_from):
        redactor.learn_from(value)

    def walk(value: Any, field: str | None, parent: str | None) -> Any:
        if isinstance(value, dict):
            return {k: walk(v, k, field) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, field, parent) for v in value]
        if isinstance(value, str):
            if _is_vocabulary_field(field, parent):
                return value
            if field in _IDENTIFYING_FIELDS:
                return REDACTED
            return redactor.text(value)
        return value

    return walk(data, None, None)


def _is_vocabulary_field(field: str | None, parent: str | None) -> bool:
    if field in _VOCABULARY_FIELDS:
        return True
    return field == "name" and parent in _NAMED_BY_VOCABULARY


def redact_report(report: Report, *, learn_from: Iterable[str] = ()) -> Report:
    return from_data(Report, redact_data(to_data(report), learn_from=learn_from))


def redact_message(text: str) -> str:
    """An error line under ``--redact``: this machine's identifiers and any secret removed."""
    return str(redact_data(text))
