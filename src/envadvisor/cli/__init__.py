"""The command line: the only layer that reads argv, prints, and picks exit codes.

Each subcommand lives in its own module here and exposes ``register(subparsers)``; the module's
``run(args) -> int`` is set as the parser's ``func``. Command modules import their heavy machinery
inside ``run`` so ``envadvisor --help`` stays fast.

Exit codes: 0 nothing reached ``--fail-on``; 1 something did; 2 usage or input error (one line on
stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from envadvisor import __version__
from envadvisor.errors import EnvAdvisorError

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2

# subcommand modules, in the order --help lists them
COMMANDS: tuple[str, ...] = ("diagnose", "rules", "explain", "map", "why", "propose", "check", "fleet",
                             "knowledge")


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line with exit code 2 (argparse's own code too)."""

    def error(self, message: str) -> NoReturn:
        command = self.prog.removeprefix("envadvisor").strip()
        raise EnvAdvisorUsage(f"{command}: {message}" if command else message)

    def _get_values(self, action: argparse.Action, arg_strings: list[str]) -> Any:
        value = super()._get_values(action, arg_strings)
        if action.nargs in (None, "?") and isinstance(value, list):
            # Python 3.11's argparse turns "--driver=--" into [] instead of "--": the commands expect
            # text, so say it here rather than fail on a list later
            self.error(f"argument {'/'.join(action.option_strings) or action.dest}: expected one value")
        return value


class EnvAdvisorUsage(EnvAdvisorError):
    pass


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The full parser, or (``only``) one whose single subcommand is the one being run.

    Building every subcommand's options costs more than some commands take to run, so ``main`` asks
    only for the command on the command line; ``--help`` and errors get the full parser.
    """
    import importlib

    parser = _Parser(
        prog="envadvisor",
        description="Diagnose, explain and propose deep-learning environments (CUDA, PyTorch, "
        "TensorFlow, Transformers, conda).",
    )
    parser.add_argument("--version", action="version", version=f"envadvisor {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in (only,) if only in COMMANDS else COMMANDS:
        importlib.import_module(f"envadvisor.cli.{name}").register(sub)
        sub.choices[name].add_argument("--version", action="version", version=f"envadvisor {__version__}")
    return parser


def _command_in(args: Sequence[str]) -> str | None:
    first = next((a for a in args if not a.startswith("-")), None)
    return first if first in COMMANDS else None


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    global _redact_errors
    _redact_errors = "--redact" in args_list
    if sys.stdout is None:  # started with stdout closed (`envadvisor diagnose >&-`)
        _fail("standard output is closed; run it with somewhere to print (a terminal, a file, a pipe)")
        return EXIT_USAGE
    try:
        parser = build_parser(only=_command_in(args_list))
        args = parser.parse_args(args_list)
        if not getattr(args, "func", None):
            # no command: the usage goes to stderr (stdout stays for a command's output) and it is an
            # error, as for any other missing argument
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        _ascii_fallback(args)
        exit_code = int(args.func(args))
        sys.stdout.flush()  # a full disk fails here, inside the handlers below, not at exit
        return exit_code
    except EnvAdvisorError as exc:
        _fail(str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        _fail("interrupted")
        return 130
    except BrokenPipeError:
        # `envadvisor diagnose | head`: the reader went away. Point stdout at /dev/null so the
        # interpreter's final flush does not raise a second time.
        devnull = os.open(os.devnull, os.O_WRONLY)
        with contextlib.suppress(OSError, ValueError):
            os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except SystemExit as exc:  # --help / --version
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else EXIT_USAGE)
    except MemoryError:
        _fail("out of memory")
        return EXIT_USAGE
    except UnicodeError as exc:
        # argv from a non-UTF-8 terminal or file name arrives with surrogate escapes that cannot be
        # written to a UTF-8 file or stream
        encoding = getattr(exc, "encoding", "utf-8").lower().replace("-", "").replace("_", "")
        if isinstance(exc, UnicodeEncodeError) and encoding != "utf8":  # PYTHONIOENCODING=ascii ...
            _fail(f"the output's encoding ({exc.encoding}) cannot show this text; set PYTHONIOENCODING=utf-8")
        else:
            _fail(f"text that is not valid UTF-8 (an argument or file name?): {exc}")
        return EXIT_USAGE
    except OSError as exc:
        # `envadvisor diagnose --json > report.json` on a full disk: one line, and stdout pointed at
        # /dev/null so the interpreter's final flush does not fail a second time
        where = f"{exc.filename}: " if exc.filename else "cannot write the output: "
        _fail(f"{where}{exc.strerror or exc}")
        devnull = os.open(os.devnull, os.O_WRONLY)
        with contextlib.suppress(OSError, ValueError):
            os.dup2(devnull, sys.stdout.fileno())
        return EXIT_USAGE


# `--redact` promises no identifier or secret in any output: the error line is output too
_redact_errors = False


# What English output holds beyond ASCII, and its ASCII spelling for an output that cannot show it
_ASCII_SPELLING = {
    "\u2014": "-", "\u2013": "-", "\u2192": "->", "\u2190": "<-", "\u2265": ">=", "\u2264": "<=",
    "\u2260": "!=", "\u00b7": "*", "\u2022": "*", "\u2026": "...", "\u201c": '"', "\u201d": '"',
    "\u2018": "'", "\u2019": "'", "\u00d7": "x", "\u2713": "ok", "\u2717": "x", "\u00a0": " ",
}  # fmt: skip


def _ascii_fallback(args: Any) -> None:
    """English on an output that cannot show non-ASCII text (``PYTHONIOENCODING=ascii``, a C locale):
    dashes, arrows and bullets are spelled in ASCII and anything else becomes ``?``, instead of the
    command failing. Chinese output still says the encoding cannot show it (it would be all ``?``)."""
    import codecs

    stream = sys.stdout
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        "\u2014\u2192".encode(encoding)
        return
    except (UnicodeError, LookupError):
        pass
    lang = getattr(args, "lang", None) or ""
    if lang == "zh" or (not lang and os.environ.get("LC_ALL", os.environ.get("LANG", "")).startswith("zh")):
        return
    if not hasattr(stream, "reconfigure"):
        return

    def spell(exc: UnicodeError) -> tuple[str, int]:
        if not isinstance(exc, UnicodeEncodeError):
            raise exc
        text = exc.object[exc.start : exc.end]
        return "".join(_ASCII_SPELLING.get(ch, "?") for ch in text), exc.end

    with contextlib.suppress(LookupError):
        codecs.lookup_error("envadvisor-ascii")
        stream.reconfigure(errors="envadvisor-ascii")
        return
    codecs.register_error("envadvisor-ascii", spell)
    stream.reconfigure(errors="envadvisor-ascii")


def _fail(message: str) -> None:
    # the first line at \n or \r only: splitlines() would also cut at NEL or U+2028 quoted from the input,
    # leaving a fragment; those are cleaned below like any other control character
    first_line = message.strip().replace("\r", "\n").split("\n", 1)[0] if message.strip() else "error"
    if _redact_errors:  # `--redact` promises no identifier or secret in any output, error lines included
        from envadvisor.redact import redact_message

        first_line = redact_message(first_line)
    # a file name from a non-UTF-8 system holds surrogate escapes; a strict stderr would raise on them
    first_line = first_line.encode("utf-8", "backslashreplace").decode("utf-8")
    if not first_line.isprintable():  # text quoted from a report or a file: no escape sequence passes
        from envadvisor.safetext import printable

        first_line = printable(first_line) or "error"
    if sys.stderr is not None:
        print(f"envadvisor: error: {first_line}", file=sys.stderr)
