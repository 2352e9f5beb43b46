"""propose: the hard facts every proposal must respect, valid specs, a conda solve, and its own check.

The matrix is tests/golden/propose/targets.yaml; each assertion below is a fact from the tables
(driver floors, architecture lists, Python ranges) restated in code, so a regression fails here even
if someone regenerates the goldens.
"""

from __future__ import annotations

import re

import pytest
from packaging.requirements import Requirement

from envadvisor.check import check
from envadvisor.envfile import parse
from envadvisor.errors import UsageError
from envadvisor.knowledge.tables import arch_covers, variant_cuda, version_ge
from envadvisor.propose import Proposal, ProposeOptions, propose
from envadvisor.propose.phrases import render
from tests.propose_matrix import CHANNEL, case_ids, cases, knowledge, proposal

# Warnings a proposal knowingly accepts for its target (said in its header), by case.
ACKNOWLEDGED = {
    "windows-rtx3080-tensorflow": {"EA100"},  # GPU TensorFlow on native Windows needs an EOL Python
}


def specs(p: Proposal, source: str) -> list[str]:
    return [d.spec for d in p.dependencies if d.source == source]


def torch_pin(p: Proposal) -> tuple[str, str] | None:
    for d in p.pip:
        m = re.fullmatch(r"torch==(\d+\.\d+\.\d+)\+(\w+)", d.spec)
        if m:
            return m.group(1), m.group(2)
    return None


def conda_cuda(p: Proposal) -> str | None:
    for s in specs(p, "conda"):
        if s.startswith("cuda-version="):
            return s.split("=", 1)[1]
    return None


@pytest.mark.parametrize("case_id", case_ids())
def test_structure_every_file_must_have(case_id: str) -> None:
    p = proposal(case_id)
    assert p.channels == ("conda-forge", "nodefaults")
    names = [d.name for d in p.conda]
    assert "python" in names
    assert all(render(d.why, lang).strip() for d in p.dependencies for lang in ("en", "zh"))
    assert not {"pytorch-cuda", "cpuonly", "pytorch-mutex", "tensorflow-gpu"} & set(names)
    assert all(not s.startswith("pytorch::") for s in specs(p, "conda"))
    if p.pip:
        assert "pip" in names
    text = p.to_yaml()
    assert text.count("- pip:") <= 1
    assert "defaults" not in [c for c in p.channels if c != "nodefaults"]
    for line in text.splitlines():
        if line.strip().startswith("- "):
            assert "  # " in line, f"no '# why' on {line!r}"
    if "cudatoolkit" in names:  # only the TensorFlow 2.10 native-Windows route, asked for with --python
        assert case_id == "windows-rtx3080-tensorflow-py310"


@pytest.mark.parametrize("case_id", case_ids())
def test_every_spec_parses(case_id: str) -> None:
    rattler = pytest.importorskip("rattler")
    p = proposal(case_id)
    for d in p.conda:
        rattler.MatchSpec(d.spec)  # lenient parser, as conda reads environment.yml
        assert "[" not in d.spec and "+" not in d.spec
    for d in p.pip:
        if d.kind == "option":
            assert d.spec.startswith("--extra-index-url https://download.pytorch.org/whl/")
            continue
        Requirement(d.spec)
    env = parse(p.to_yaml(), "environment.yml")  # and the file reads back to the same lines
    assert [e.text for e in env.conda] == specs(p, "conda")
    assert [e.text for e in env.pip] == specs(p, "pip")


@pytest.mark.parametrize("case_id", case_ids())
def test_driver_gpu_and_cudnn_fit(case_id: str) -> None:
    """Restated from the tables: the CUDA build runs on the driver and has code for every GPU."""
    t = knowledge().tables
    p = proposal(case_id)
    target = p.target
    pin = torch_pin(p)
    cuda = conda_cuda(p)
    platform = f"{target.system}-{target.arch}"
    if pin and pin[1].startswith("cu"):
        version, variant = pin
        assert t.driver_runs_cuda(target.driver or "", variant_cuda(variant) or "", target.system) is True
        arch = t.torch_arch_list(version, variant, platform)
        assert arch is not None
        assert all(arch_covers(arch, g.compute_capability) for g in target.gpus)
        cudnn = t.torch_variant_cudnn(version, variant)
        assert cudnn is not None and all(
            t.cudnn_supports_cc(cudnn, g.compute_capability) for g in target.gpus
        )
        index = [d.spec for d in p.pip if d.kind == "option"]
        assert index == [f"--extra-index-url https://download.pytorch.org/whl/{variant}"]
    if cuda:
        assert target.system != "macos" and target.gpus
        assert int(cuda.split(".")[0]) <= int((target.driver_cuda or "0").split(".")[0])
        release = (
            next(s for s in specs(p, "conda") if s.startswith("pytorch-gpu=")).split("=")[1].rstrip(".*")
        )
        arch = t.conda_forge_arch_list(release, cuda, target.arch)
        assert arch is not None and all(arch_covers(arch, g.compute_capability) for g in target.gpus)
        if target.system == "linux":
            need = t.conda_forge_glibc_min(cuda)
            assert need is not None and version_ge(target.glibc or "2.17", need)
        if any(not t.cudnn_supports_cc("9.99", g.compute_capability) for g in target.gpus):
            assert any(s.startswith("cudnn") for s in specs(p, "conda"))  # pinned below the drop


def test_hard_facts_of_the_matrix() -> None:
    # never a CUDA 13 build for a 535 driver
    for cid in ("a100-535", "gtx1080ti-535", "gtx1080ti-535-conda-forge", "a100-535-tensorflow"):
        p = proposal(cid)
        assert conda_cuda(p) != "13.0" and not (torch_pin(p) or ("", ""))[1].startswith("cu13")
        assert "cuda13" not in p.to_yaml()
    # never cu126 (or any pre-12.8 CUDA) for an RTX 5090
    for cid in ("rtx5090-570", "rtx5090-570-pip"):
        p = proposal(cid)
        pin = torch_pin(p)
        assert pin is None or pin[1] not in ("cu126", "cu118", "cu124")
        assert pin is None or version_ge(variant_cuda(pin[1]), "12.8")
        assert conda_cuda(p) is None or version_ge(conda_cuda(p), "12.8")
    assert torch_pin(proposal("rtx5090-570-pip")) == ("2.11.0", "cu128")
    # no cu13x wheel or CUDA 13 build for Volta / Pascal
    for cid in ("v100-580", "gtx1080ti-535", "gtx1080ti-535-conda-forge"):
        p = proposal(cid)
        assert conda_cuda(p) != "13.0" and not (torch_pin(p) or ("", ""))[1].startswith("cu13")
    # the 580 driver gets CUDA 13 on a Hopper GPU with glibc >= 2.28
    assert conda_cuda(proposal("h100-580")) == "13.0"
    assert conda_cuda(proposal("a100-535")) == "12.9"
    # Kepler: nothing current fits; the honest fallback is the last wheel with sm_37 and a cuDNN for it
    k80 = proposal("k80-470")
    # the newest patch release of the line (2.3.1), as PyPI's release list has it
    assert torch_pin(k80) == ("2.3.1", "cu118") and k80.fallback and "2.3" in render(k80.fallback)
    assert k80.python == "3.11"
    # transformers < 5 whenever TensorFlow is wanted, with tf-keras for Keras-3 TensorFlow
    for case in cases():
        p = proposal(case.id)
        tr = [d.spec for d in p.dependencies if d.name == "transformers"]
        if "tensorflow" in case.wants and tr:
            assert tr == ["transformers>=4.57,<5"] and all(
                d.source == "pip" for d in p.dependencies if d.name == "transformers"
            )
            tf = next(d.spec for d in p.pip if d.name == "tensorflow")
            if not tf.startswith("tensorflow==2.10"):
                assert "tf-keras" in specs(p, "pip")
    # no CUDA on macOS; arm64 gets the MPS build, Intel Macs end at torch 2.2
    mac = proposal("macos-arm64")
    assert "pytorch=2.13.*" in specs(mac, "conda") and mac.variables == {"PYTORCH_ENABLE_MPS_FALLBACK": "1"}
    assert "cuda" not in " ".join(specs(mac, "conda"))
    assert "torch==2.2.2" in specs(proposal("macos-x86_64"), "pip")  # the line's newest patch
    # CPU builds without a GPU
    assert "pytorch-cpu=2.13.*" in specs(proposal("no-gpu-linux"), "conda")
    assert torch_pin(proposal("no-gpu-linux-pip")) == ("2.15.0", "cpu")  # the newest release (2.15 is known)
    # TensorFlow: and-cuda on a Linux GPU, CUDA 11.8 libraries (2.14) for a 470 driver, never on Windows
    assert "tensorflow[and-cuda]==2.21.*" in specs(proposal("a100-535-tensorflow"), "pip")
    assert "tensorflow[and-cuda]==2.14.*" in specs(proposal("k80-470-tensorflow"), "pip")
    for cid in ("windows-rtx3080-tensorflow", "windows-rtx3080-tensorflow-py310", "macos-arm64-tensorflow"):
        assert not any("and-cuda" in s for s in specs(proposal(cid), "pip"))
    assert "tensorflow==2.10.*" in specs(proposal("windows-rtx3080-tensorflow-py310"), "pip")
    # JAX: the CUDA 13 wheels for a 580 driver
    assert specs(proposal("h100-580-jax"), "pip") == ["jax[cuda13]"]


@pytest.mark.parametrize("case_id", case_ids())
def test_one_source_for_torch_and_its_dependents(case_id: str) -> None:
    p = proposal(case_id)
    pip_torch = any(d.name == "torch" for d in p.pip)
    dependents = [
        d for d in p.dependencies if d.name in ("accelerate", "torchvision", "torchaudio", "transformers")
    ]
    if pip_torch:
        assert all(d.source == "pip" for d in dependents), dependents
    if any(d.name.startswith("pytorch") for d in p.conda):
        assert all(
            d.source == "conda" for d in dependents if d.name != "transformers" or "tensorflow" not in p.wants
        )


@pytest.mark.parametrize("case_id", case_ids())
def test_own_proposal_passes_check(case_id: str) -> None:
    case = next(c for c in cases() if c.id == case_id)
    p = proposal(case_id)
    result = check(parse(p.to_yaml(), "environment.yml"), case.facts, knowledge())
    serious = {f.code for f in result.findings if f.severity.value != "info"}
    assert serious == ACKNOWLEDGED.get(case_id, set()), [f.message for f in result.findings]
    assert {f.code for f in p.check_findings} == serious  # and the proposal says so in its header
    for code in serious:
        assert f"# check: warning {code}" in p.to_yaml()


@pytest.mark.parametrize("case_id", [c for c in case_ids() if not proposal(c).pip or proposal(c).conda])
def test_conda_part_solves_against_the_local_channel(case_id: str) -> None:
    pytest.importorskip("rattler")
    from envadvisor.propose.verify import verify

    p = proposal(case_id)
    result = verify(p, str(CHANNEL))
    assert result.ok, result.error
    assert result.seconds < 5
    solved = {s.split("=")[0]: s for s in result.packages}
    if conda_cuda(p):
        assert solved["pytorch"].split("=")[2].startswith("cuda" + conda_cuda(p).replace(".", ""))
        assert solved["cuda-version"].startswith(f"cuda-version={conda_cuda(p)}=")
    if "pytorch-cpu" in [d.name for d in p.conda]:
        assert solved["pytorch"].split("=")[2].startswith("cpu")
    assert solved["python"].startswith(f"python={p.python}.")


def test_without_cuda_virtual_package_the_gpu_file_does_not_solve() -> None:
    """The reason for CONDA_OVERRIDE_CUDA in the header: no __cuda, no pytorch-gpu."""
    pytest.importorskip("rattler")
    from envadvisor.model import replace
    from envadvisor.propose.verify import verify

    p = proposal("a100-535")
    assert p.conda_override_cuda == "12.2" and "CONDA_OVERRIDE_CUDA=12.2 conda env create" in p.to_yaml()
    no_driver = replace(p, target=replace(p.target, gpus=()), conda_override_cuda=None)
    result = verify(no_driver, str(CHANNEL))
    assert not result.ok and "__cuda" in (result.error or "")


def test_a_cuda_13_build_for_a_535_driver_does_not_solve() -> None:
    pytest.importorskip("rattler")
    from envadvisor.model import replace
    from envadvisor.propose import Dependency
    from envadvisor.propose.verify import verify

    p = proposal("a100-535")
    deps = tuple(
        Dependency(d.name, "cuda-version=13.0", d.source, d.why) if d.name == "cuda-version" else d
        for d in p.dependencies
    )
    result = verify(replace(p, dependencies=deps), str(CHANNEL))
    assert not result.ok and "__cuda >=13" in (result.error or "")


@pytest.mark.parametrize("python", ["4", "3", "3.x", "2.7.1", "banana", "3.99"])
def test_bad_python_is_a_usage_error(python: str) -> None:
    case = cases()[0]
    with pytest.raises(UsageError, match="--python"):
        propose(case.facts, ["torch"], ProposeOptions(python=python), knowledge())


def test_python_outside_a_package_range_is_a_usage_error() -> None:
    case = next(c for c in cases() if c.id == "a100-535-tensorflow")
    with pytest.raises(UsageError, match=r"TensorFlow 2\.21 supports Python 3\.10-3\.13, not 3\.14"):
        propose(case.facts, ["tensorflow"], ProposeOptions(python="3.14"), knowledge())


def test_forced_python_picks_a_release_that_supports_it() -> None:
    case = next(c for c in cases() if c.id == "v100-580")
    p = propose(case.facts, ["pytorch"], ProposeOptions(python="3.9"), knowledge())
    pin = torch_pin(p)
    assert p.python == "3.9" and pin is not None
    release = knowledge().tables.torch_release(pin[0])
    assert release is not None and release.python.contains("3.9")


def test_source_conda_forge_refuses_when_no_conda_forge_build_fits() -> None:
    case = next(c for c in cases() if c.id == "k80-470")
    with pytest.raises(UsageError, match="no conda-forge PyTorch build fits Tesla K80"):
        propose(case.facts, ["pytorch"], ProposeOptions(source="conda-forge"), knowledge())


def test_bad_package_names_are_usage_errors() -> None:
    case = cases()[0]
    for bad in ("torch>=2", "a b", "-x"):
        with pytest.raises(UsageError):
            propose(case.facts, [bad], ProposeOptions(), knowledge())


def test_aliases_and_implied_torch_with_chain() -> None:
    case = next(c for c in cases() if c.id == "a100-535")
    p = propose(case.facts, ["accelerate", "numpy"], ProposeOptions(), knowledge())
    assert p.wants == ("pytorch", "accelerate", "numpy")
    torch = next(d for d in p.dependencies if d.name == "pytorch-gpu")
    assert torch.chain == ("pytorch",) and torch.based_on
    assert any(d.name == "numpy" and d.source == "conda" for d in p.dependencies)
    p2 = propose(case.facts, ["torch"], ProposeOptions(), knowledge())
    assert p2.wants == ("pytorch",)


def test_decision_record_names_rows_and_chain() -> None:
    data = proposal("gtx1080ti-535").to_data()
    torch = next(d for d in data["dependencies"] if d["name"] == "torch")
    assert torch["spec"] == "torch==2.14.1+cu126" and torch["source"] == "pip"
    assert "torch_arch_lists[2.14 cu126 linux-x86_64]" in torch["based_on"]
    assert "torch_releases[2.14]" in torch["based_on"] and torch["chain"] == ["pytorch", "torch"]
    assert data["target"]["subdir"] == "linux-64" and data["tables_checked"] == knowledge().checked
    assert any("conda-forge" in n["text"] for n in data["notes"])


def test_legacy_names_mean_the_framework_and_cuda_is_not_a_package() -> None:
    case = next(c for c in cases() if c.id == "a100-535")
    p = propose(case.facts, ["pytorch-cuda", "tensorflow-gpu"], ProposeOptions(), knowledge())
    assert p.wants == ("pytorch", "tensorflow")
    assert not {"pytorch-cuda", "tensorflow-gpu"} & {d.name for d in p.dependencies}
    with pytest.raises(UsageError, match="CUDA comes with the framework"):
        propose(case.facts, ["cudatoolkit"], ProposeOptions(), knowledge())
