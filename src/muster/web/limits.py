"""Input limits every request is held to, in one place, the same on SQLite and PostgreSQL.

- Integers in the path, the query or a JSON body fit a signed 64-bit column: SQLite cannot
  bind a larger one (a server error) and PostgreSQL refuses it ("integer out of range").
- Text carries no NUL character, wherever it comes from (path, query, a header the route
  takes such as ``Idempotency-Key``, JSON body, a form field, a text body such as a CSV or
  a CAP alert): PostgreSQL cannot store one, and
  SQLite would store it silently.

``check_input_limits`` is a dependency of the whole app. Like a body's size and its JSON
syntax it judges the request as it arrives, before sign-in and before any lookup, so it
reveals nothing about what is stored. A refusal is a 422 problem that names each field
("path.number: must be at most 9223372036854775807").
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from typing import Any

from fastapi.dependencies.utils import get_flat_params
from fastapi.exceptions import RequestValidationError, WebSocketRequestValidationError
from pydantic import TypeAdapter, ValidationError
from starlette.datastructures import UploadFile
from starlette.requests import HTTPConnection, Request

from muster.schemas import INT64_MAX, INT64_MIN

NUL = "\x00"
NUL_MESSAGE = "must not contain a NUL character"
# Bodies read as text (checked for NUL); others (audio clips, photos) are bytes.
TEXT_TYPES = ("text/", "application/xml", "application/csv")
_AS_INT: TypeAdapter[int] = TypeAdapter(int)

Loc = tuple[str | int, ...]


def _error(loc: Loc, message: str, kind: str) -> dict[str, Any]:
    return {"loc": loc, "msg": message, "type": kind, "input": None}


def integer_error(
    loc: Loc, value: int, bounds: tuple[int, int] = (INT64_MIN, INT64_MAX)
) -> dict[str, Any] | None:
    """The refusal of an integer outside the signed 64-bit range, or None.

    ``bounds`` are the field's own, when it declares tighter ones: the message then gives
    those, so the caller fixes the value once.
    """
    low, high = bounds
    if value > INT64_MAX:
        return _error(loc, f"must be at most {high}", "less_than_equal")
    if value < INT64_MIN:
        return _error(loc, f"must be at least {low}", "greater_than_equal")
    return None


def declared_bounds(metadata: list[Any]) -> tuple[int, int]:
    """The tightest integer bounds in a field's constraints, within the 64-bit range."""
    low, high = INT64_MIN, INT64_MAX
    for item in metadata:
        for name, shift, pick in (("ge", 0, max), ("gt", 1, max), ("le", 0, min), ("lt", -1, min)):
            bound = getattr(item, name, None)
            if isinstance(bound, int):
                if pick is max:
                    low = max(low, bound + shift)
                else:
                    high = min(high, bound + shift)
    return low, high


def value_errors(value: Any, loc: Loc) -> Iterator[dict[str, Any]]:
    """Every limit a decoded value breaks: NUL in text, out-of-range integers, nested."""
    if isinstance(value, str):
        if NUL in value:
            yield _error(loc, NUL_MESSAGE, "string_nul")
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        found = integer_error(loc, value)
        if found is not None:
            yield found
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and NUL in key:
                yield _error((*loc, key), "field name " + NUL_MESSAGE, "string_nul")
            yield from value_errors(item, (*loc, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from value_errors(item, (*loc, index))


def accepts_int(annotation: Any) -> bool:
    """True when a parameter's type takes an integer (``int``, ``int | None``, ``list[int]``)."""
    if annotation is int:
        return True
    if annotation is bool or annotation is None:
        return False
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return accepts_int(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType, list, tuple, set, frozenset):
        return any(accepts_int(arg) for arg in typing.get_args(annotation))
    return False


def _integer_params(connection: HTTPConnection) -> dict[tuple[str, str], tuple[int, int]]:
    """The route's integer path and query parameters, by (where, name), with their bounds."""
    dependant = getattr(connection.scope.get("route"), "dependant", None)
    if dependant is None:
        return {}
    found = {}
    for field in get_flat_params(dependant):
        info = field.field_info
        where = getattr(info, "in_", None)
        if where is not None and accepts_int(info.annotation):
            key = (str(getattr(where, "value", where)), field.alias)
            found[key] = declared_bounds(info.metadata)
    return found


def _declared_headers(connection: HTTPConnection) -> list[tuple[str, str]]:
    """The values of the headers the route takes as parameters (an ``Idempotency-Key``),
    by the name FastAPI reports them under; other headers are the server's to judge."""
    dependant = getattr(connection.scope.get("route"), "dependant", None)
    if dependant is None:
        return []
    found: list[tuple[str, str]] = []
    for field in get_flat_params(dependant):
        info = field.field_info
        if str(getattr(getattr(info, "in_", None), "value", "")) != "header":
            continue
        name = field.alias
        if getattr(info, "convert_underscores", True) and name == field.name:
            name = name.replace("_", "-")
        found.extend((name, value) for value in connection.headers.getlist(name))
    return found


def _parameter_errors(connection: HTTPConnection) -> Iterator[dict[str, Any]]:
    integers = _integer_params(connection)
    sources: list[tuple[str, list[tuple[str, str]]]] = [
        ("path", [(k, str(v)) for k, v in connection.path_params.items()]),
        ("query", connection.query_params.multi_items()),
        ("header", _declared_headers(connection)),
    ]
    for where, items in sources:
        for name, raw in items:
            if NUL in name:
                yield _error((where, name), "parameter name " + NUL_MESSAGE, "string_nul")
            elif NUL in raw:
                yield _error((where, name), NUL_MESSAGE, "string_nul")
            elif (where, name) in integers:
                try:
                    number = _AS_INT.validate_python(raw)
                except ValidationError:
                    continue  # not an integer at all: the route's own validation says so
                found = integer_error((where, name), number, integers[(where, name)])
                if found is not None:
                    yield found


async def _body_errors(request: Request) -> list[dict[str, Any]]:
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return []
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json" or kind.endswith("+json"):
        try:
            body = await request.json()
        except ValueError:
            return []  # not JSON: answered 400 by the route's own parsing
        return list(value_errors(body, ("body",)))
    if kind in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.form()
        errors: list[dict[str, Any]] = []
        for name, item in form.multi_items():
            if isinstance(item, UploadFile):
                if NUL in (item.filename or ""):
                    errors.append(_error(("body", name), "file name " + NUL_MESSAGE, "string_nul"))
                continue
            errors.extend(value_errors({name: item}, ("body",)))
        return errors
    if kind.startswith(TEXT_TYPES) and b"\x00" in await request.body():
        return [_error(("body",), NUL_MESSAGE, "string_nul")]
    return []


async def check_input_limits(connection: HTTPConnection) -> None:
    """Refuse a request whose path, query or body breaks a limit (422, naming each field)."""
    errors = list(_parameter_errors(connection))
    if isinstance(connection, Request):
        errors.extend(await _body_errors(connection))
        if errors:
            raise RequestValidationError(errors)
    elif errors:
        raise WebSocketRequestValidationError(errors)
