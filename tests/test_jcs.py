"""The fast canonical path must give exactly rfc8785's bytes wherever it is taken."""

from __future__ import annotations

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from probe.sign.jcs import canonical

text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=12)
scalars = st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | text
values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(text, children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=500)
@given(st.dictionaries(text, values, max_size=6))
def test_canonical_equals_rfc8785(data: dict[str, object]) -> None:
    assert canonical(data) == rfc8785.dumps(data)


def test_floats_take_the_reference_path() -> None:
    data = {"t": 1.0, "big": 1e21, "small": 0.0352}
    assert canonical(data) == rfc8785.dumps(data) == b'{"big":1e+21,"small":0.0352,"t":1}'


floats = st.floats(allow_nan=False, allow_infinity=False)
with_floats = st.recursive(
    scalars | floats,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(text, children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=500)
@given(st.dictionaries(text, with_floats, max_size=6))
def test_canonical_equals_rfc8785_with_floats(data: dict[str, object]) -> None:
    """Plain floats take the fast path (probe.sign.jcs.plain_float); every float must still print as JCS."""
    assert canonical(data) == rfc8785.dumps(data)


@given(floats)
def test_a_plain_float_prints_as_jcs(value: float) -> None:
    from probe.sign.jcs import plain_float

    if plain_float(value):
        assert repr(value).encode() == rfc8785.dumps(value)
