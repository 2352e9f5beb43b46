"""Frozen record classes: the one value-class system of envadvisor, at a fraction of a dataclass's cost.

``@dataclass`` compiles generated source for every method of every class (``__init__``, ``__eq__``,
``__hash__``, ``__repr__``, ``__setattr__``, ``__delattr__``): about 1.8 ms a class on the 2-core test
machine, and the model, the knowledge tables, the conditions, the glossary, the importers and the fleet
summary define some ninety small frozen types. ``@record`` builds the same behaviour from shared
functions instead: frozen, slotted, compared and hashed by value, keyword or positional construction,
picklable (fleet's worker processes send records), ``match`` by position. docs/performance.md has the
measured comparison with dataclasses, NamedTuple and plain slotted classes (bench/bench_records.py).

:func:`record_fields`, :func:`is_record` and :func:`replace` stand in for their ``dataclasses``
namesakes, and :func:`field` for ``dataclasses.field`` (``default``, ``default_factory``, ``repr``).
Type hints stay on the class, so ``typing.get_type_hints`` works as for a dataclass; a ``ClassVar``
annotation is not a field.
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
_R = TypeVar("_R")


class FrozenInstanceError(AttributeError):
    """Assigning to a field of a frozen record (as ``dataclasses.FrozenInstanceError`` for dataclasses)."""


class _Factory:
    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make


class _Hidden:
    """A field's default, marked to be left out of ``repr``."""

    __slots__ = ("default",)

    def __init__(self, default: Any) -> None:
        self.default = default


_MISSING: Any = object()  # a field without a default
_set = object.__setattr__


def field(
    *,
    default: Any = _MISSING,
    default_factory: Callable[[], Any] | None = None,
    repr: bool = True,
) -> Any:
    """A field's default: ``default``, or ``default_factory()`` made fresh for each record; ``repr=False``
    leaves the field out of ``repr`` (like ``dataclasses.field``)."""
    if default is not _MISSING and default_factory is not None:
        raise TypeError("field() takes a default or a default_factory, not both")
    value = _Factory(default_factory) if default_factory is not None else default
    return value if repr else _Hidden(value)


def _init(self: Any, *args: Any, **kwargs: Any) -> None:
    # One __init__ shared by every record (a generated one per class is what makes dataclasses slow to
    # define); it walks the class's plan, (name, default) per field, prepared when the class was made.
    cls = type(self)
    if args:
        names: tuple[str, ...] = cls.__record_fields__
        if len(args) > len(names):
            raise TypeError(f"{cls.__name__}() takes {len(names)} arguments but {len(args)} were given")
        for name, value in zip(names, args, strict=False):  # fewer args than fields: defaults fill in
            if name in kwargs:
                raise TypeError(f"{cls.__name__}() got multiple values for argument {name!r}")
            kwargs[name] = value
    if not cls.__record_index__.issuperset(kwargs):
        unknown = sorted(set(kwargs) - cls.__record_index__)[0]
        raise TypeError(f"{cls.__name__}() got an unexpected argument {unknown!r}")
    for name, default in cls.__record_plan__:
        if name in kwargs:
            _set(self, name, kwargs[name])
        elif default is _MISSING:
            raise TypeError(f"{cls.__name__}() missing required argument {name!r}")
        elif type(default) is _Factory:
            _set(self, name, default.make())
        else:
            _set(self, name, default)
    if cls.__record_post_init__:
        self.__post_init__()


def _values(self: Any) -> tuple[Any, ...]:
    return tuple(getattr(self, name) for name in type(self).__record_fields__)


def _eq(self: Any, other: Any) -> Any:  # bool, or NotImplemented for other types
    if type(other) is not type(self):
        return NotImplemented
    return _values(self) == _values(other)


def _hash(self: Any) -> int:
    return hash((type(self).__name__, _values(self)))


def _repr(self: Any) -> str:
    cls = type(self)
    shown = (name for name in cls.__record_fields__ if name not in cls.__record_hidden__)
    return f"{cls.__qualname__}({', '.join(f'{name}={getattr(self, name)!r}' for name in shown)})"


def _getstate(self: Any) -> tuple[Any, ...]:
    return _values(self)


def _setstate(self: Any, state: tuple[Any, ...]) -> None:
    for name, value in zip(type(self).__record_fields__, state, strict=True):
        _set(self, name, value)


def _frozen_setattr(self: Any, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


def _is_class_var(hint: Any) -> bool:
    """``ClassVar[...]`` (as the string a ``from __future__ import annotations`` module keeps, or the
    object): a class attribute, not a field."""
    text = hint if isinstance(hint, str) else str(hint)
    return text.split("[", 1)[0].rsplit(".", 1)[-1] == "ClassVar"


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(cls: _T) -> _T:
    """Make ``cls`` a frozen, slotted record of its annotated fields (in declaration order)."""
    # the class's own annotations, in declaration order, unevaluated (inspect would cost an import)
    annotations = cls.__dict__.get("__annotations__", {})  # noqa: RUF063
    own = tuple(name for name, hint in annotations.items() if not _is_class_var(hint))
    inherited: tuple[str, ...] = getattr(cls, "__record_fields__", ())
    defaults: dict[str, Any] = dict(getattr(cls, "__record_defaults__", {}))
    hidden: set[str] = set(getattr(cls, "__record_hidden__", ()))
    for name in own:
        if name in cls.__dict__:
            value = cls.__dict__[name]
            if isinstance(value, _Hidden):
                hidden.add(name)
                value = value.default
            if value is not _MISSING:
                defaults[name] = value
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
        __record_plan__=tuple((name, defaults.get(name, _MISSING)) for name in names),
        __record_hidden__=frozenset(hidden),
        __record_post_init__=any("__post_init__" in vars(c) for c in cls.__mro__ if c is not object),
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

    A dataclass instance goes to ``dataclasses.replace``: propose/*, lint.py and envfile.py still define
    dataclasses (their rewrite converts them); once they are records this path goes.
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
