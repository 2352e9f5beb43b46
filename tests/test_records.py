"""@record behaves like a frozen, slotted dataclass for the engine's internal types."""

from __future__ import annotations

import pytest

from envadvisor.records import FrozenInstanceError, field, record, record_fields


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
    [((), {}, "missing required argument 'name'"), (("a", "b", (), {}, "x"), {}, "takes 4 arguments"),
     (("a",), {"name": "b"}, "multiple values"), (("a",), {"nope": 1}, "unexpected argument 'nope'")],
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
