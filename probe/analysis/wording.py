"""Small wording helpers shared by every page, report and command that counts things in English."""

from __future__ import annotations


def plural(n: int, word: str, many: str | None = None) -> str:
    """`1 window`, `2 windows`, `0 windows`; `many` for irregular plurals (`1 probe`, `3 probes`)."""
    return f"{n} {word if n == 1 else many or word + 's'}"


def install_extra(extra: str) -> str:
    """How to install an extra from what a user has: the package is not on PyPI, so from the checkout
    (or the wheel built from it), never `pip install saksi-probe[...]`, which no index serves."""
    return (
        f"pip install '.[{extra}]' in a checkout of Saksi, or "
        f"pip install 'saksi_probe-<version>-py3-none-any.whl[{extra}]' from a built wheel"
    )
