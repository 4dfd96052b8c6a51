"""Query parameters an endpoint takes: anything else, or a parameter given twice, is refused with a 400,
because a filter that looks applied but is ignored misleads whoever reads the answer."""

from __future__ import annotations

from collections.abc import Iterable

from starlette.requests import Request


def query_problem(request: Request, allowed: Iterable[str] = ()) -> str | None:
    """One sentence saying what is wrong with the query string, or None."""
    known = frozenset(allowed)
    params = request.query_params
    for name in params:
        if name not in known:
            if not known:
                return f"this endpoint takes no parameters (got {name[:40]!r})"
            return f"unknown parameter {name[:40]!r}; known: {', '.join(sorted(known))}"
        if len(params.getlist(name)) > 1:
            return f"parameter {name!r} is given more than once"
    return None
