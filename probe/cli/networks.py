"""`probe networks`: the networks the volunteer approved; the probe measures on no other."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated

import typer

from probe.cli.common import ConfigOption, err, fail, out, say, settings
from probe.config import Settings
from probe.i18n import t

if TYPE_CHECKING:
    from probe.consent import Consent

app = typer.Typer(
    help="List, allow and forget the networks the probe may measure on (it measures on no other).",
    no_args_is_help=False,
    invoke_without_command=True,
)

NetworkArg = Annotated[
    str,
    typer.Argument(
        help="A network number (AS38623), `this` (the network the collector sees now) or `any`.",
        show_default=False,
    ),
]


@app.callback(invoke_without_command=True)
def networks(ctx: typer.Context, config: ConfigOption = None) -> None:
    """List the approved networks, and whether the probe may measure on the network it is on now."""
    if ctx.invoked_subcommand is not None:
        return
    from probe.consent import ConsentMissing, load_consent
    from probe.consent.networks import refusal

    s = settings(config)
    consent = load_consent(s)
    if consent is None:
        raise ConsentMissing("no consent on record: run `probe init` first")
    listed = [f"AS{n}" for n in consent.networks]
    approved = t("net_any") if consent.any_network else ", ".join(listed) or t("st_none")
    say(out, t("net_approved", networks=approved))
    asn = _ask(s)
    why = refusal(consent, asn)
    where = f"AS{asn}" if asn is not None else t("unknown")
    say(out, t("net_here_ok", where=where) if why is None else t("net_here_not", where=where, why=why))


def _ask(s: Settings) -> int | None:
    """The network the probe is on now, saying so while the collector is asked (a bounded wait)."""
    from probe.consent.networks import NETWORK_CHECK_S, network_now

    if s.probe.asn is None and s.upload.url and not s.upload.socks5:
        wait = min(NETWORK_CHECK_S, s.upload.timeout_s)
        say(err, t("asking_network", url=s.upload.url, seconds=f"{wait:g}"))
    return asyncio.run(network_now(s))


def _target(s: Settings, network: str) -> int | None:
    from probe.consent.networks import parse_asn

    word = network.strip().lower()
    if word == "any":
        return None
    if word == "this":
        asn = _ask(s)
        if asn is None:
            fail(t("net_this_unknown"))
        return asn
    try:
        return parse_asn(network)
    except ValueError:
        fail(t("net_bad", value=network))


@app.command("allow")
def allow_command(network: NetworkArg, config: ConfigOption = None) -> None:
    """Let the probe measure on this network (AS number, `this` or `any`)."""
    from probe.consent.networks import allow

    s = settings(config)
    asn = _target(s, network)
    consent = allow(s, asn)
    _clear_network_problem(s, consent)
    say(out, t("net_allowed", network=t("net_any") if asn is None else f"AS{asn}"))


def _clear_network_problem(s: Settings, consent: Consent) -> None:
    """Once the network the probe last saw is approved, its "not approved" problem is stale: `probe status`
    must not keep showing it (and exit 1) until the next run. A problem about another network stays."""
    from probe.cli.common import open_store
    from probe.consent.networks import refusal
    from probe.daemon.jobs import ASN_KEY

    if not s.store.path.exists():
        return
    with open_store(s) as store:
        if "network" not in store.problems():
            return
        seen = store.kv_get(ASN_KEY)
        asn = s.probe.asn if s.probe.asn is not None else (int(seen) if seen else None)
        if refusal(consent, asn) is None:
            store.clear_problem("network")


@app.command("forget")
def forget_command(network: NetworkArg, config: ConfigOption = None) -> None:
    """Stop measuring on this network (AS number, `this` or `any`)."""
    from probe.consent import load_consent
    from probe.consent.networks import forget

    s = settings(config)
    asn = _target(s, network)
    before = load_consent(s)
    was_approved = before is not None and (before.any_network if asn is None else asn in before.networks)
    left = forget(s, asn)
    gone = t("net_any") if asn is None else f"AS{asn}"
    rest = t("net_any") if left.any_network else ", ".join(f"AS{n}" for n in left.networks) or t("st_none")
    say(out, t("net_forgotten" if was_approved else "net_not_approved", network=gone, rest=rest))
