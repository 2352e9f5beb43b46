"""@record behaves like a frozen, slotted dataclass for the engine's internal types."""

from __future__ import annotations

import pickle
from typing import ClassVar

import pytest

from envadvisor.records import FrozenInstanceError, field, record, record_fields, replace


@record
class Row:
    name: str
    version: str | None = None
    tags: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)

    def label(self) -> str:
        return f"{self.name} {self.version or '?'}"


def test_construction_positional_keyword_and_defaults() -> None:
    row = Row("torch", version="2.9")
    assert (row.name, row.version, row.tags, row.extra) == ("torch", "2.9", (), {})
    assert Row("torch").extra is not Row("torch").extra  # a fresh default per record
    assert row.label() == "torch 2.9"
    assert record_fields(Row) == ("name", "version", "tags", "extra")


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((), {}, "missing required argument 'name'"),
        (("a", "b", (), {}, "x"), {}, "takes 4 arguments"),
        (("a",), {"name": "b"}, "multiple values"),
        (("a",), {"nope": 1}, "unexpected argument 'nope'"),
    ],
)
def test_bad_construction_is_a_type_error(args: tuple, kwargs: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(TypeError, match=message):
        Row(*args, **kwargs)


def test_frozen_and_slotted() -> None:
    row = Row("torch")
    with pytest.raises(FrozenInstanceError):
        row.name = "tf"  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        del row.name  # type: ignore[misc]
    assert not hasattr(row, "__dict__")


@record
class Pair:
    left: str
    right: tuple[str, ...] = ()


def test_equality_hash_and_repr_by_value() -> None:
    assert Row("a", "1", ("x",)) == Row("a", "1", ("x",))
    assert Row("a", "1") != Row("a", "2")
    assert hash(Pair("a", ("x",))) == hash(Pair("a", ("x",)))
    assert len({Pair("a"), Pair("a"), Pair("b")}) == 2
    with pytest.raises(TypeError, match="unhashable"):  # like a dataclass with a dict field
        hash(Row("a"))
    assert Row("a") != ("a", None, (), {})
    assert repr(Row("a", "1")) == "Row(name='a', version='1', tags=(), extra={})"


def test_match_args_allow_structural_matching() -> None:
    match Row("torch", "2.9"):
        case Row(name, version):
            assert (name, version) == ("torch", "2.9")


@record
class _Summary:
    """What fleet's summary needs of field(): a plain default left out of repr, and a class variable."""

    LIMIT: ClassVar[int] = 8
    name: str
    classes: tuple[str, ...] = field(default=(), repr=False)
    seen: list[str] = field(default_factory=list)


@record
class _Checked:
    value: int

    def __post_init__(self) -> None:
        if self.value < 0:
            raise ValueError("negative")


@record
class _CheckedChild(_Checked):
    extra: str = ""


def test_field_default_repr_and_class_variables() -> None:
    one = _Summary("a")
    assert one.classes == () and one.seen == [] and _Summary.LIMIT == 8
    assert record_fields(_Summary) == ("name", "classes", "seen")
    assert _Summary("a").seen is not _Summary("a").seen  # a factory makes a fresh list each time
    assert repr(_Summary("a", ("x",))) == "_Summary(name='a', seen=[])"
    with pytest.raises(TypeError, match="not both"):
        field(default=(), default_factory=tuple)


def test_post_init_runs_for_subclasses_too() -> None:
    with pytest.raises(ValueError, match="negative"):
        _Checked(-1)
    with pytest.raises(ValueError, match="negative"):
        _CheckedChild(-1, "x")
    assert _CheckedChild(1, "x").extra == "x"


def test_records_pickle_for_worker_processes() -> None:
    """fleet's worker processes send NodeRecord and Unreadable back whole (no tuple rows any more)."""
    from envadvisor.fleet import NodeFinding, NodeGpu, NodeRecord, Unreadable

    node = NodeRecord(
        name="gpu01",
        source="r.json",
        gpus=(NodeGpu("NVIDIA H100", "9.0"),),
        findings=(NodeFinding("EA1", "x", "error"),),
    )
    for value in (node, Unreadable("r.json", "not JSON")):
        back = pickle.loads(pickle.dumps(value))
        assert back == value and hash(back) == hash(value) and type(back) is type(value)
    summary = _Summary("a", ("x",), ["y"])
    assert pickle.loads(pickle.dumps(summary)) == summary


def test_replace_takes_records() -> None:
    one = _Summary("a")
    assert replace(one, name="b") == _Summary("b")
    with pytest.raises(TypeError, match="no field 'nope'"):
        replace(one, nope=1)
