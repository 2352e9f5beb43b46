"""What a proposal is: the decided dependencies, each with its reason, and how it is written out.

A :class:`Proposal` is a frozen value; :meth:`Proposal.to_yaml` writes the environment.yml (every
dependency line with a ``# why`` comment, a header naming the target, the tables' date and the create
command) and :meth:`Proposal.to_data` the decision record for ``propose --json``.

Every reason is a phrase (:mod:`envadvisor.propose.phrases`), said in the proposal's language
(``lang``, English or Chinese) only when it is written: the comments change with the language, the
YAML keys and the lines themselves never do.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from envadvisor.propose.phrases import Value, gpus, machine, phrase, render, target_note
from envadvisor.propose.phrases import driver as driver_phrase
from envadvisor.records import field, record
from envadvisor.target import Target

if TYPE_CHECKING:
    from envadvisor.model import Finding
    from envadvisor.propose.choices import Decision

CONDA = "conda"
PIP = "pip"


@record
class Dependency:
    """One line of the environment file and why it is there.

    ``spec`` is the exact text of the line; ``kind`` is ``package`` or ``option`` (a pip option such as
    ``--extra-index-url URL``). ``based_on`` names the table rows or rules behind the choice
    (``torch_releases[2.14]``, ``torch_arch_lists[2.14 cu126 linux-x86_64]``), ``chain`` how a wanted
    package led to this line (``("accelerate", "pytorch")``: accelerate needs PyTorch).
    """

    name: str
    spec: str
    source: str  # conda | pip
    why: Value
    based_on: tuple[str, ...] = ()
    chain: tuple[str, ...] = ()
    kind: str = "package"


@record
class Note:
    severity: str  # info | warning
    text: Value


@record
class Proposal:
    name: str
    wants: tuple[str, ...]
    python: str
    python_why: Value
    target: Target
    channels: tuple[str, ...]
    dependencies: tuple[Dependency, ...]
    tables_checked: str
    tool_version: str
    variables: Mapping[str, str] = field(default_factory=dict)
    variable_why: Mapping[str, Value] = field(default_factory=dict)
    notes: tuple[Note, ...] = ()
    fallback: Value | None = None  # set when nothing current fits and an older or CPU stack was chosen
    conda_override_cuda: str | None = None  # value for CONDA_OVERRIDE_CUDA when created off-target
    needs_target_host: bool = False  # created for another OS: create it on the target itself
    check_findings: tuple[Finding, ...] = ()  # what `check` still reports for this file on the target
    decision: Decision | None = None  # the typed choices this file writes out
    lang: str = "en"  # the language its comments (and its check findings) are written in

    @property
    def conda(self) -> tuple[Dependency, ...]:
        return tuple(d for d in self.dependencies if d.source == CONDA)

    @property
    def pip(self) -> tuple[Dependency, ...]:
        return tuple(d for d in self.dependencies if d.source == PIP)

    def create_commands(self, filename: str = "environment.yml") -> tuple[str, ...]:
        import shlex

        plain = f"conda env create -f {shlex.quote(filename)}"
        cmds = [plain]
        if self.conda_override_cuda:
            override = f"CONDA_OVERRIDE_CUDA={self.conda_override_cuda} {plain}"
            cmds.append(phrase("head.create_override", cmd=override).text(self.lang))
        return tuple(cmds)

    # ------------------------------------------------------------------------------- environment.yml
    def to_yaml(self, filename: str = "environment.yml") -> str:
        # every header line goes through _comment: a value from a report (a GPU or host name, a
        # glibc version) can never break out of its comment and add a key to the file
        lang = self.lang
        t = self.target

        def say(key: str, **values: Value) -> str:
            return phrase(key, **values).text(lang)

        header = [say("head.title", filename=filename, version=self.tool_version)]
        header.append(say("head.target", machine=machine(t), gpus=gpus(t)))
        if t.gpus:
            header.append(say("head.driver", driver=driver_phrase(t)))
        header.append(say("head.python", python=self.python, why=self.python_why))
        header.append(say("head.tables", date=self.tables_checked))
        for assumed in t.assumed:
            header.append(say("head.assumed", text=target_note(assumed)))
        if self.fallback:
            header.append(say("head.fallback", text=self.fallback))
        header.append(say("head.create_on_target" if self.needs_target_host else "head.create"))
        for cmd in self.create_commands(filename):
            header.append(f"  {cmd}")
        for note in self.notes:
            key = "head.note_warning" if note.severity == "warning" else "head.note"
            header.append(say(key, text=note.text))
        for finding in self.check_findings:
            header.append(
                say(
                    "head.check",
                    severity=phrase(f"severity.{finding.severity.value}"),
                    code=finding.code,
                    name=finding.name,
                    message=finding.message,
                )
            )
        lines = [comment(text) for text in header]
        lines.append(f"name: {_scalar(self.name)}")
        lines.append("channels:")
        channel_why = {"conda-forge": say("channel.conda_forge"), "nodefaults": say("channel.nodefaults")}
        lines.extend(_commented([(f"  - {_scalar(c)}", channel_why.get(c, "")) for c in self.channels]))
        lines.append("dependencies:")
        rows = [(f"  - {_scalar(d.spec)}", render(d.why, lang)) for d in self.conda]
        pip_rows = [(f"      - {_scalar(d.spec)}", render(d.why, lang)) for d in self.pip]
        if pip_rows:
            rows.append(("  - pip:", say("pip.block")))
            rows.extend(pip_rows)
        lines.extend(_commented(rows))
        if self.variables:
            lines.append("variables:")
            lines.extend(
                _commented(
                    [
                        (f"  {_scalar(k)}: {json.dumps(v)}", render(self.variable_why.get(k), lang))
                        for k, v in self.variables.items()
                    ]
                )
            )
        return "\n".join(lines) + "\n"

    def check_written(self, text: str) -> str:
        """``text`` (this proposal's file, perhaps with more header comments) when it reads back as
        exactly what was decided: the name, channels, conda dependencies, one pip block and variables,
        in order, and no other key. Anything else means a value escaped its place; refuse to write it.
        """
        from envadvisor.envfile import parse
        from envadvisor.errors import EnvAdvisorError

        written = parse(text, "<proposal>")
        meant = (
            self.name,
            self.channels,
            tuple(d.spec.strip() for d in self.conda),
            (tuple(d.spec.strip() for d in self.pip),) if self.pip else (),
            dict(self.variables),
        )
        read_back = (
            written.name,
            tuple(e.text for e in written.channels),
            tuple(e.text for e in written.conda),
            tuple(tuple(e.text for e in block.entries) for block in written.pip_blocks),
            dict(written.variables),
        )
        extra = [e.text for e in (*written.unknown_keys, *written.lock_keys, *written.other_installers)]
        if read_back != meant or extra or written.prefix is not None or written.duplicate_keys:
            raise EnvAdvisorError(
                "internal error: the proposed environment file does not read back as what was decided "
                f"(unexpected {', '.join(extra) or 'content'}); refusing to write it"
            )
        return text

    # ------------------------------------------------------------------------------- decision record
    def to_data(self, filename: str = "environment.yml") -> dict[str, Any]:
        from envadvisor.model import to_data

        lang = self.lang
        return {
            "name": self.name,
            "wants": list(self.wants),
            "python": self.python,
            "python_why": render(self.python_why, lang),
            "target": to_data(self.target) | {"subdir": self.target.subdir},
            "channels": list(self.channels),
            "dependencies": [to_data(d) | {"why": render(d.why, lang)} for d in self.dependencies],
            "variables": dict(self.variables),
            "notes": [to_data(n) | {"text": render(n.text, lang)} for n in self.notes],
            "fallback": render(self.fallback, lang) if self.fallback is not None else None,
            "check_findings": [to_data(f) for f in self.check_findings],
            "create": list(self.create_commands(filename)),
            "conda_override_cuda": self.conda_override_cuda,
            "tables_checked": self.tables_checked,
            "tool_version": self.tool_version,
        }


def _commented(rows: list[tuple[str, str]]) -> list[str]:
    """Lines with their ``# why`` comments aligned in one column."""
    width = max((len(text) for text, why in rows if why), default=0)
    out = []
    for text, why in rows:
        out.append(f"{text.ljust(width)}  # {_one_line(why)}" if why else text)
    return out


def _one_line(text: str) -> str:
    from envadvisor.safetext import one_line

    return one_line(text)


def comment(text: str) -> str:
    """``text`` as one YAML comment line (``# ...``), whatever line breaks or controls it holds.
    Indentation after the ``#`` is kept (the create commands are indented under their heading)."""
    from envadvisor.safetext import one_line

    indent = len(text) - len(text.lstrip(" "))
    return f"# {' ' * indent}{one_line(text)}".rstrip()


def _scalar(value: str) -> str:
    """``value`` as a YAML scalar: plain when it reads back unchanged, double-quoted otherwise."""
    from envadvisor.errors import DataFileError
    from envadvisor.resources import load_yaml_text

    try:
        back = load_yaml_text(f"- {value}", path="<scalar>")
    except DataFileError:
        back = None
    if back == [value] and "#" not in value and value.isprintable():
        return value
    return json.dumps(value)
