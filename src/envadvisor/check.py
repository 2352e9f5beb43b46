"""``envadvisor check FILE``: what an environment file installs, judged by the same rules as diagnose.

``check(env, facts, knowledge)`` runs three steps:

1. **File lints** (:mod:`envadvisor.lint`, codes EA940-EA989 documented in ``data/lint.yaml``): what is
   wrong with the file on any machine: legacy channels and packages, MatchSpec pitfalls, pip/conda
   mixing, two pip blocks, two CUDA runtimes that disagree, unknown keys.
2. **Resolution** (:mod:`envadvisor.resolve`): every spec becomes the release it installs on the target,
   or is listed as *not checked* with the reason; the result becomes the target's facts with that
   environment installed.
3. **The diagnose engine** over those facts: every rule diagnose has (driver vs CUDA, GPU architecture vs
   build, torch/torchvision/torchaudio pairing, Transformers vs torch/TensorFlow/Keras, NumPy ABI,
   Python ranges) judges the file too; its fixes are written as lines to put in the file. A few
   questions only conda packaging raises (CUDA packages in a file for macOS, the glibc conda-forge's
   CUDA 13 builds need, a CUDA line conda-forge does not build, and-cuda on native Windows) stay
   file-only lints (EA994-EA999).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from envadvisor.model import Category, Finding, NotEvaluated, Severity
from envadvisor.records import record

if TYPE_CHECKING:
    from envadvisor.envfile import EnvFile
    from envadvisor.knowledge import Knowledge
    from envadvisor.knowledge.tables import Tables
    from envadvisor.lint import Decoded
    from envadvisor.model import Facts
    from envadvisor.resolve import Installed
    from envadvisor.target import Target

# Keys of the resolved facts that the file decides; an engine finding that rests on none of them is
# about the machine, not the file, and is left to `diagnose`.
FILE_FACT_PREFIXES = ("python.", "frameworks.", "packages.", "cudnn.", "conda.", "cuda_runtime.")
_FILE_ONLY_CATEGORIES = frozenset({Category.ENV_FILE, Category.DUPLICATE_INSTALL})
# What only a running environment shows (a pasted report states it): a file cannot decide it, so a rule
# that needs it is not "not evaluated" for the file, it is about the machine later.
OBSERVED_AT_RUN_TIME = frozenset(
    {"frameworks.torch.cuda_available", "frameworks.tensorflow.gpu_available", "frameworks.torch.arch_list"}
)


@record
class CheckResult:
    findings: tuple[Finding, ...]
    not_evaluated: tuple[NotEvaluated, ...]
    installed: Installed
    env_facts: Facts

    def worst(self) -> Severity | None:
        return max((f.severity for f in self.findings), key=lambda s: s.rank, default=None)


def check(
    env: EnvFile, facts: Facts, knowledge: Knowledge, *, lang: str = "en", today: _dt.date | None = None
) -> CheckResult:
    """The file's lints plus the findings diagnose would report on ``facts``' machine after creating it."""
    from envadvisor.engine import evaluate
    from envadvisor.lint import decode, lint_decoded
    from envadvisor.resolve import as_facts, resolve
    from envadvisor.target import describe_target

    tables = knowledge.tables
    d = decode(env)
    installed = resolve(d, facts, tables)
    target = describe_target(facts, tables)
    findings = list(lint_decoded(d, lang, tables, installed=installed, target=target))
    env_facts = as_facts(installed, facts, tables, [c.text for c in env.channels])
    day = today or _dt.date.fromisoformat(knowledge.checked)
    evaluation = evaluate(knowledge, env_facts, today=day, lang=lang, remedies="file")
    engine = [f for f in evaluation.findings if any(k.startswith(FILE_FACT_PREFIXES) for k in f.evidence)]
    covered = {f.category for f in engine}
    # A file lint about what the file resolves to (Transformers 5 with TensorFlow, no tf-keras) yields
    # to the rules engine's finding of the same category: one finding per problem, diagnose's code.
    findings = [
        f
        for f in findings
        if f.category in _FILE_ONLY_CATEGORIES or f.category not in covered or f.code.startswith("EA94")
    ]
    findings.extend(engine)
    findings.extend(packaging_lints(d, installed, target, tables, lang))
    not_evaluated = tuple(
        n
        for n in evaluation.not_evaluated
        if any(k.startswith(FILE_FACT_PREFIXES) and k not in OBSERVED_AT_RUN_TIME for k in n.missing)
    )
    return CheckResult(tuple(_sorted(findings)), not_evaluated, installed, env_facts)


# --------------------------------------------------------------------------------------------------
# What only conda packaging decides (the engine has no facts for it)
# --------------------------------------------------------------------------------------------------


def packaging_lints(
    d: Decoded, installed: Installed, target: Target, tables: Tables, lang: str
) -> Iterable[Finding]:
    from envadvisor.lint import TF_NAMES, finding
    from envadvisor.resolve import describe

    torch = installed.get("torch")
    what = next((x for x in describe(installed) if "torch" in x or "pytorch" in x), "the file")
    if target.system == "macos":
        cuda_things = d.conda_named("pytorch-gpu", "cuda-version", "pytorch-cuda", "cudatoolkit")
        if cuda_things or (torch is not None and (torch.local or "").startswith("cu")):
            label = cuda_things[0].entry.text if cuda_things else what
            yield finding("EA994", lang, {"what": label})
        return
    tf = installed.get("tensorflow")
    if (
        target.system == "windows"
        and tf is not None
        and ("and-cuda" in tf.extras or tf.package == "tensorflow-gpu")
        and not tables.tf_native_windows_gpu(tf.version)
    ):
        spec = d.pip_named(*TF_NAMES)[0].entry.text if d.pip_named(*TF_NAMES) else tf.spec
        yield finding(
            "EA995",
            lang,
            {
                "spec": spec,
                "version": ".".join(tf.version.split(".")[:2]),
                "last": tables.tf_windows_gpu_last,
            },
        )
    if torch is None or torch.source != "conda" or (torch.channel or "").lower() != "conda-forge":
        return
    branch = tables.conda_forge_pytorch_branch(torch.version)
    built = tuple(branch.cuda.get(target.subdir, ())) if branch else ()
    pin = next((r for r in installed.runtimes if r.what == "cuda-version"), None)
    if pin is not None and built and not any(c == pin.cuda or c.split(".")[0] == pin.cuda for c in built):
        yield finding(
            "EA999",
            lang,
            {
                "spec": pin.spec,
                "line": pin.line,
                "version": torch.version,
                "subdir": target.subdir,
                "available": ", ".join(built),
                "suggest": _newest_fitting(built, target, tables) or built[-1],
            },
        )
    cuda = pin.cuda if pin is not None else None
    if cuda and target.system == "linux" and target.glibc:
        from envadvisor.knowledge.tables import version_ge

        need = tables.conda_forge_glibc_min(cuda)
        if need and not version_ge(target.glibc, need):
            ok = [c for c in built if (tables.conda_forge_glibc_min(c) or "0") <= target.glibc]
            yield finding(
                "EA996",
                lang,
                {
                    "what": what,
                    "glibc": target.glibc,
                    "needs": need,
                    "suggest": _newest_fitting(tuple(ok), target, tables) or (ok[-1] if ok else "12.9"),
                },
            )


def _newest_fitting(cudas: Sequence[str], target: Target, tables: Tables) -> str | None:
    """The newest CUDA line of ``cudas`` the target's driver runs (the newest of them when unknown)."""
    from envadvisor.knowledge.tables import vtuple

    ordered = sorted(cudas, key=lambda c: vtuple(c) or (0,), reverse=True)
    for cuda in ordered:
        if target.driver is None or tables.driver_runs_cuda(target.driver, cuda, target.system) is not False:
            return cuda
    return None


def _sorted(findings: Iterable[Finding]) -> list[Finding]:
    def line(f: Finding) -> int:
        value = f.evidence.get("line")
        return value if isinstance(value, int) else 0

    return sorted(findings, key=lambda f: (-f.severity.rank, f.code, line(f)))


def to_data(result: CheckResult) -> dict[str, Any]:
    from envadvisor.model import to_data as model_data

    return {
        "findings": [model_data(f) for f in result.findings],
        "not_evaluated": [model_data(n) for n in result.not_evaluated],
        "installs": model_data(result.installed),
    }
