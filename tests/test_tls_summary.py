"""The two ways a certificate is summarised (the ssl module's dict for validated ones, cryptography's
parser for ones that failed) must give the same evidence for the same certificate."""

from __future__ import annotations

import ssl
from pathlib import Path

import trustme
from hypothesis import given, settings
from hypothesis import strategies as st

from probe.netio.tls import summarise, summarise_verified

names = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=20
).filter(lambda s: s.strip() == s)


def _both(tmp: Path, ca: trustme.CA, *identities: str, org: str | None = None) -> None:
    leaf = ca.issue_cert(*identities, organization_name=org)
    pem = tmp / "leaf.pem"
    leaf.cert_chain_pems[0].write_to_path(str(pem))
    der = ssl.PEM_cert_to_DER_cert(pem.read_text())
    decoded = ssl._ssl._test_decode_cert(str(pem))  # type: ignore[attr-defined]  # getpeercert()'s format
    assert summarise_verified(decoded, der) == summarise(der)


def test_names_and_addresses_agree(tmp_path: Path) -> None:
    ca = trustme.CA(organization_name="Saksi Test CA")
    _both(tmp_path, ca, "www.rfa.org", "*.rfa.org", "203.0.113.7", "2001:db8::1", org="Radio, Free + Asia")


@settings(max_examples=25, deadline=None)
@given(org=names)
def test_any_organisation_name_agrees(org: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        _both(Path(tmp), trustme.CA(organization_name=org), "kamnotra.io", org=org)
