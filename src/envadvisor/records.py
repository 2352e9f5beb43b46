"""Frozen record classes for the knowledge base's internal types, at a fraction of a dataclass's cost.

``@dataclass`` compiles generated source for every method of every class (``__init__``, ``__eq__``,
``__hash__``, ``__repr__``, ``__setattr__``, ``__delattr__``): about 1.8 ms a class on the 2-core test
machine. The rules engine defines some thirty small row and condition types, so dataclasses alone cost
more than every probe of ``diagnose`` together. ``@record`` builds the same behaviour from shared
functions instead: frozen, slotted, compared and hashed by value, keyword or positional construction.

The frozen data model (:mod:`envadvisor.model`) and the engine's internal types are records;
:func:`record_fields`, :func:`is_record` and :func:`replace` stand in for their ``dataclasses``
namesakes. Type hints stay on the class, so ``typing.get_type_hints`` works as for a dataclass.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
elif sys.version_info >= (3, 11):
    from typing import dataclass_transform
else:  # pragma: no cover - Python 3.10: only type checkers read the transform

    def dataclass_transform(**_: Any) -> Callable[[Any], Any]:
        return lambda decorator: decorator

_T = TypeVar("_T", bound=type)


class FrozenInstanceError(AttributeError):
    """Assigning to a field of a frozen record (as ``dataclasses.FrozenInstanceError`` for dataclasses)."""

_R = TypeVar("_R")


class _Factory:
    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make


def field(*, default_factory: Callable[[], Any]) -> Any:
    """A field whose default is made fresh for each record (like ``dataclasses.field``)."""
    return _Factory(default_factory)


def _init(self: Any, *args: Any, **kwargs: Any) -> None:
    cls = type(self)
    names: tuple[str, ...] = cls.__record_fields__
    if len(args) > len(names):
        raise TypeError(f"{cls.__name__}() takes {len(names)} arguments but {len(args)} were given")
    values = dict(zip(names, args, strict=False))  # fewer args than fields: defaults fill in
    for key, value in kwargs.items():
        if key not in cls.__record_index__:
            raise TypeError(f"{cls.__name__}() got an unexpected argument {key!r}")
        if key in values:
            raise TypeError(f"{cls.__name__}() got multiple values for argument {key!r}")
        values[key] = value
    defaults: dict[str, Any] = cls.__record_defaults__
    for name in names:
        if name in values:
            value = values[name]
        elif name in defaults:
            value = defaults[name]
            if isinstance(value, _Factory):
                value = value.make()
        else:
            raise TypeError(f"{cls.__name__}() missing required argument {name!r}")
        object.__setattr__(self, name, value)
    post_init = getattr(self, "__post_init__", None)
    if post_init is not None:
        post_init()


def _values(self: Any) -> tuple[Any, ...]:
    return tuple(getattr(self, name) for name in type(self).__record_fields__)


def _eq(self: Any, other: Any) -> Any:  # bool, or NotImplemented for other types
    if type(other) is not type(self):
        return NotImplemented
    return _values(self) == _values(other)


def _hash(self: Any) -> int:
    return hash((type(self).__name__, _values(self)))


def _repr(self: Any) -> str:
    inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in type(self).__record_fields__)
    return f"{type(self).__qualname__}({inner})"


def _getstate(self: Any) -> tuple[Any, ...]:
    return _values(self)


def _setstate(self: Any, state: tuple[Any, ...]) -> None:
    for name, value in zip(type(self).__record_fields__, state, strict=True):
        object.__setattr__(self, name, value)


def _frozen_setattr(self: Any, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(cls: _T) -> _T:
    """Make ``cls`` a frozen, slotted record of its annotated fields (in declaration order)."""
    # the class's own annotations, in declaration order, unevaluated (inspect would cost an import)
    own = tuple(cls.__dict__.get("__annotations__", {}))  # noqa: RUF063
    inherited: tuple[str, ...] = getattr(cls, "__record_fields__", ())
    defaults: dict[str, Any] = dict(getattr(cls, "__record_defaults__", {}))
    for name in own:
        if name in cls.__dict__:
            defaults[name] = cls.__dict__[name]
    names = (*inherited, *own)
    namespace = {
        key: value
        for key, value in cls.__dict__.items()
        if key not in own and key not in ("__dict__", "__weakref__")
    }
    namespace.update(
        __slots__=own,
        __record_fields__=names,
        __record_index__=frozenset(names),
        __record_defaults__=defaults,
        __match_args__=names,
    )
    for name, function in (("__init__", _init), ("__eq__", _eq), ("__hash__", _hash), ("__repr__", _repr)):
        if name not in cls.__dict__:
            namespace[name] = function
    namespace["__setattr__"] = _frozen_setattr
    namespace["__delattr__"] = _frozen_delattr
    namespace["__getstate__"] = _getstate  # pickle and copy restore through __setstate__, not setattr
    namespace["__setstate__"] = _setstate
    new_cls = type(cls)(cls.__name__, cls.__bases__, namespace)
    new_cls.__qualname__ = cls.__qualname__
    return new_cls


def record_fields(obj: Any) -> tuple[str, ...]:
    """The field names of a record (class or instance), in declaration order."""
    return tuple(getattr(obj, "__record_fields__", ()))


def is_record(obj: Any) -> bool:
    """Whether ``obj`` is a record class or a record instance."""
    return hasattr(obj, "__record_fields__")


def replace(obj: _R, **changes: Any) -> _R:
    """A copy of the record ``obj`` with some fields changed (like ``dataclasses.replace``).

    A dataclass instance is passed to ``dataclasses.replace``, so callers need not know which it is.
    """
    cls: Any = type(obj)
    if not is_record(cls):
        import dataclasses

        copied: _R = dataclasses.replace(obj, **changes)  # type: ignore[type-var]
        return copied
    unknown = set(changes) - cls.__record_index__
    if unknown:
        raise TypeError(f"{cls.__name__} has no field {sorted(unknown)[0]!r}")
    values = {name: getattr(obj, name) for name in cls.__record_fields__}
    values.update(changes)
    new: _R = cls(**values)
    return new
