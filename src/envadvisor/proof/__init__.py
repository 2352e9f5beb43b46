"""``diagnose --deep``: prove the prediction by running each installed framework on this machine.

This package is the only place envadvisor runs torch, TensorFlow or JAX, and it never imports them
itself: each framework runs in a child process of the diagnosed environment's own interpreter
(:mod:`.runner`, the program in ``_child.py``), one after the other, each within its time limit. What
the static report expected (:mod:`.predict`) is held against what happened; the child's stderr goes
through the error-signature library, so a known message becomes evidence the rules explain.

:func:`prove` returns the facts with ``proof.<framework>`` filled, the facts the frameworks stated
(``frameworks.torch.cuda_available``, ``frameworks.tensorflow.gpu_available``, torch's arch list) where
the static probes could not know them, and the signature ids with the stderr lines behind them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence

from envadvisor.model import Facts, Finding, FrameworkProof, ProofFacts, replace
from envadvisor.proof.predict import FRAMEWORKS, installed, predict
from envadvisor.records import record

__all__ = ["DEFAULT_TIMEOUT", "Proven", "prove"]

DEFAULT_TIMEOUT = 60.0
MAX_QUOTED_LINES = 5


@record
class Proven:
    facts: Facts
    quotes: Mapping[str, tuple[str, ...]]  # signature id -> "[torch] line" quoted in findings


Progress = Callable[[str], None]


def prove(
    facts: Facts,
    findings: Sequence[Finding],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    python: str | None = None,
    environ: Mapping[str, str] | None = None,
    frameworks: Sequence[str] = FRAMEWORKS,
    progress: Progress | None = None,
) -> Proven:
    """Run the proof of every installed framework; ``findings`` are the static report's.

    ``python`` is the interpreter of the diagnosed environment (default: this one, which is what the
    probes read); ``environ`` the environment the child gets (default: this process's)."""
    from envadvisor.proof.runner import run_child

    interpreter = sys.executable if python is None else python
    env = os.environ if environ is None else environ
    proofs: dict[str, FrameworkProof | None] = {}
    quotes: dict[str, list[str]] = {}
    seen_signatures: list[str] = list(facts.evidence.signatures)
    for framework in frameworks:
        if not installed(facts, framework):
            continue
        if progress is not None:
            progress(framework)
        prediction = predict(facts, findings, framework)
        proof, stderr = run_child(framework, python=interpreter, timeout=timeout, environ=env)
        ids = _signatures(stderr, framework, quotes)
        agrees = (
            None
            if prediction.gpu_usable is None or proof.gpu_usable is None
            else prediction.gpu_usable == proof.gpu_usable
        )
        proofs[framework] = replace(proof, prediction=prediction, agrees=agrees, signatures=ids)
        seen_signatures.extend(i for i in ids if i not in seen_signatures)
    proof_facts = ProofFacts(timeout=timeout, **proofs)
    new_facts = _stated_facts(replace(facts, proof=proof_facts), proof_facts)
    if seen_signatures != list(facts.evidence.signatures):
        new_facts = replace(
            new_facts, evidence=replace(new_facts.evidence, signatures=tuple(seen_signatures))
        )
    return Proven(facts=new_facts, quotes={k: tuple(v) for k, v in quotes.items()})


def _signatures(stderr: str, framework: str, quotes: dict[str, list[str]]) -> tuple[str, ...]:
    """Error signatures in a child's stderr; the matching lines are kept as quotes."""
    if not stderr.strip():
        return ()
    from envadvisor.importers._base import clean_lines
    from envadvisor.importers.signatures import parse

    lines = clean_lines(stderr)
    ids: list[str] = []
    for observation in parse(lines).observations:
        if observation.key != "evidence.signatures":
            continue  # the facts a message implies are known better on a live machine
        sig_id = str(observation.value)
        if sig_id not in ids:
            ids.append(sig_id)
        if observation.line is not None:
            quoted = f"[{framework}] {observation.line.text.strip()[:300]}"
            bucket = quotes.setdefault(sig_id, [])
            if quoted not in bucket and len(bucket) < MAX_QUOTED_LINES:
                bucket.append(quoted)
    return tuple(ids)


_SOURCE = "diagnose --deep: {what} in a child process"


def _stated_facts(facts: Facts, proofs: ProofFacts) -> Facts:
    """The facts a framework stated about itself, where the static probes could not know them."""
    frameworks = facts.frameworks
    sources = dict(facts.sources)
    reasons = dict(facts.reasons)
    torch = proofs.torch
    if torch is not None and torch.cuda_available is not None and frameworks.torch.cuda_available is None:
        frameworks = replace(frameworks, torch=replace(frameworks.torch, cuda_available=torch.cuda_available))
        sources["frameworks.torch.cuda_available"] = _SOURCE.format(what="torch.cuda.is_available()")
        reasons.pop("frameworks.torch.cuda_available", None)
    if torch is not None and torch.arch_list and not frameworks.torch.arch_list:
        frameworks = replace(frameworks, torch=replace(frameworks.torch, arch_list=torch.arch_list))
        sources["frameworks.torch.arch_list"] = _SOURCE.format(what="torch.cuda.get_arch_list()")
        reasons.pop("frameworks.torch.arch_list", None)
    tf = proofs.tensorflow
    if tf is not None and tf.cuda_available is not None and frameworks.tensorflow.gpu_available is None:
        frameworks = replace(
            frameworks, tensorflow=replace(frameworks.tensorflow, gpu_available=tf.cuda_available)
        )
        sources["frameworks.tensorflow.gpu_available"] = _SOURCE.format(
            what="tf.config.list_physical_devices('GPU')"
        )
        reasons.pop("frameworks.tensorflow.gpu_available", None)
    return replace(facts, frameworks=frameworks, sources=sources, reasons=reasons)
