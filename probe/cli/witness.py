"""`probe witness`: run an independent C2SP tlog-witness, print its key, list the conflicts it refused."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from probe.cli.common import ConfigOption, err, fail, out, settings
from probe.sign.keys import KeyFileError

app = typer.Typer(
    help="A witness: cosigns a log's checkpoints only when consistent with what it cosigned before.",
    no_args_is_help=True,
)


@app.command("key")
def key(config: ConfigOption = None) -> None:
    """Print the witness's cosignature/v1 verifier key (give it to collectors as collector.witnesses.key).

    The key is made on first use in witness.data_dir/witness.key (Ed25519, readable by its owner only).
    """
    from probe.witness.server import load_signer

    s = settings(config)
    try:
        out.print(load_signer(s.witness.data_dir, s.witness.name, create=True).verifier_key())
    except KeyFileError as exc:
        fail(str(exc))


@app.command("serve")
def serve(
    config: ConfigOption = None,
    host: Annotated[str | None, typer.Option(help="Listen address (default: witness.listen_host).")] = None,
    port: Annotated[int | None, typer.Option(help="Listen port (default: witness.listen_port).")] = None,
) -> None:
    """Serve the C2SP tlog-witness protocol (POST /add-checkpoint) for the logs in witness.logs.

    It cosigns a checkpoint only if it is consistent with the last one it cosigned for that log, keeps
    that state durably in witness.data_dir/witness.db, and records every conflicting checkpoint it
    refused (GET /conflicts, `probe witness conflicts`).
    """
    import uvicorn

    from probe.witness.server import create_app, open_state

    s = settings(config)
    if not s.witness.logs:
        fail(
            "witness.logs is empty: add the verifier key of each log it cosigns (`probe collector key` on the collector)"
        )
    try:
        state = open_state(s.witness)
    except KeyFileError as exc:
        fail(str(exc))
    listen_host = host or s.witness.listen_host
    listen_port = s.witness.listen_port if port is None else port
    err.print(
        f"witness {state.signer.verifier_key()} on http://{listen_host}:{listen_port}/ for "
        f"{len(state.logs)} log(s), state in {s.witness.data_dir}"
    )
    options = {"host": listen_host, "port": listen_port, "access_log": False, "log_level": "warning"}
    try:
        uvicorn.Server(uvicorn.Config(create_app(state), server_header=False, **options)).run()  # type: ignore[arg-type]
    finally:
        state.close()


@app.command("conflicts")
def conflicts(
    config: ConfigOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON with both signed checkpoints.")] = False,
) -> None:
    """List the conflicting checkpoints this witness refused: each with the checkpoint it had cosigned.

    'same-size-different-root' is a fork proven by the two signed checkpoints alone;
    'consistency-proof-failed' is a checkpoint the log could not show to extend the one cosigned before.
    """
    from probe.witness.server import open_state

    s = settings(config)
    try:
        state = open_state(s.witness)
    except KeyFileError as exc:
        fail(str(exc))
    try:
        found = state.conflicts()
    finally:
        state.close()
    if as_json:
        out.print(json.dumps([c.__dict__ for c in found], indent=1), markup=False)
        return
    if not found:
        out.print("no conflicting checkpoint was ever submitted")
        return
    for c in found:
        out.print(f"{c.recorded_at}  {c.origin}  {c.kind}  (old size {c.old_size})", markup=False)
