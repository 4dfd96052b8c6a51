"""`probe keys show`: this probe's public signing key for a network and quarter, in every form needed."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Annotated

import typer

from probe.cli.common import ConfigOption, fail, out, settings
from probe.log import NoteSigner
from probe.sign.keys import (
    SEED_FILE,
    DeviceSeed,
    KeyFileError,
    derive_key,
    key_id,
    public_pem,
    quarter_of,
    raw_public,
)

VKEY_NAME = "saksi-probe"  # the key name in the probe key's C2SP verifier-key line

app = typer.Typer(help="This probe's signing keys (one per network and quarter).", no_args_is_help=True)


@app.command("show")
def show(
    config: ConfigOption = None,
    asn: Annotated[
        int | None,
        typer.Option("--asn", help="The network's AS number (default: probe.asn).", min=1, max=4294967295),
    ] = None,
) -> None:
    """Show the public key that signs this network's measurements this quarter.

    Prints its key id (the DSSE keyid: hex SHA-256 of the raw key), the PEM that `openssl pkeyutl`
    takes, the raw key in base64, and a C2SP verifier-key line. The private key is never shown.
    """
    from probe.i18n import t

    s = settings(config)
    network = asn if asn is not None else s.probe.asn
    when = datetime.now(UTC)
    try:
        seed = DeviceSeed(s.store.seed_folder / SEED_FILE).load(create=False)
    except KeyFileError as exc:
        fail(str(exc))
    key = derive_key(seed, network, quarter_of(when))
    public = key.public_key()
    raw = raw_public(public)
    out.print(_label(t("key_network")) + f"AS{network or 0} ({quarter_of(when)})", highlight=False)
    if network is None:
        out.print(_label("") + t("key_unknown"))
    out.print(_label(t("key_id")) + key_id(public))
    out.print(_label(t("key_raw")) + base64.b64encode(raw).decode())
    out.print(_label(t("key_vkey")) + NoteSigner(VKEY_NAME, key).verifier_key())
    out.print(public_pem(public).rstrip("\n"), markup=False)


def _label(text: str) -> str:
    """`text` padded to the value column (10 cells, wider labels get one space)."""
    from rich.cells import cell_len

    return text + " " * max(1, 10 - cell_len(text))
