"""How a dashboard page is rendered: its Jinja2 templates, its words in English or Khmer
(probe.i18n.catalogue, `?lang=km`), the links that keep the language, and how times are written.

Templates autoescape everything; pages need no JavaScript. What the probe or the collector signed in English
is said in the page's language from the catalogue (by rule id, by reason code), the signed text beside it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import jinja2
from markupsafe import Markup, escape

from probe.analysis.chart import COLOURS, STATE_LABELS
from probe.analysis.rules import PUBLISH_AFTER, TIMELINE_RULES_VERSION
from probe.analysis.timeline import WINDOW_HOURS, Cell
from probe.analysis.wording import plural
from probe.collector.attest import why_reasons
from probe.i18n import explained
from probe.i18n.catalogue import MESSAGES

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("probe.analysis.dashboard", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def with_lang(link: str, lang: str) -> str:
    """A link of the dashboard that keeps the page's language (`?lang=km`); English links carry none."""
    if lang == "en" or not link.startswith("/") or link.startswith("/api/") or link.startswith("/static/"):
        return link
    path, hashmark, fragment = link.partition("#")
    joiner = "&" if "?" in path else "?"
    return f"{path}{joiner}lang={lang}{hashmark}{fragment}"


def words(lang: str) -> Callable[..., str]:
    """`tr(key, **values)`: the catalogue's message `key` (probe.i18n.catalogue) in `lang`."""

    def tr(key: str, /, **values: object) -> str:
        english, khmer = MESSAGES[key]
        return (khmer if lang == "km" else english).format(**values)

    return tr


LABEL_KEYS = {  # the labels incomplete_label gives, to their catalogue keys
    "incomplete (today)": "dash_incomplete_today",
    "incomplete (this hour)": "dash_incomplete_hour",
    "incomplete (cut at the end of the period)": "dash_incomplete_cut",
}


def render(
    template: str, *, lab: bool, lang: str = "en", other_lang: str | None = None, **context: Any
) -> str:
    """A page; `lab` (probe.lab.history.is_lab of the database shown) puts the lab-data banner on top;
    `lang` (en or km) chooses its words and is kept in every link it makes; `other_lang` is the link to
    the same page in the other language (the overview's when not given)."""
    tr = words(lang)
    base = {
        "other_lang": other_lang or ("/?lang=km" if lang == "en" else "/"),
        "rules_version": TIMELINE_RULES_VERSION,
        "state_labels": {state: tr(f"chart_state_{state}") for state in STATE_LABELS},
        "colours": COLOURS,
        "publish_after": PUBLISH_AFTER,
        "lab": lab,
        "lang": lang,
        "tr": tr,
        "href": lambda link: with_lang(str(link), lang),
        "label": lambda text: tr(LABEL_KEYS[text]) if text in LABEL_KEYS else text,
        "confidence_word": lambda c: tr(f"report_conf_{c}") if f"report_conf_{c}" in MESSAGES else c,
        # what the probe or the collector signed, said in the page's language (the signed text stays beside)
        "explain": lambda rule_id, signed: explained(rule_id, signed, lang),
        "why_words": lambda text: network_why_words(text, lang),
        "evidence_word": lambda e: (
            tr(f"attest_{e.replace(' ', '_')}")
            if lang != "en" and f"attest_{e.replace(' ', '_')}" in MESSAGES
            else e
        ),
    }
    return _env.get_template(template).render(**base, **context)


def network_why_words(text: str, lang: str) -> str | None:
    """A receipt's network_why in `lang`, reason by reason (probe.collector.attest.why_reasons); None when
    a part is not one this collector knows (the signed English is then shown, marked as English)."""
    if lang == "en":
        return text
    reasons = why_reasons(text)
    if reasons is None:
        return None
    return "; ".join(MESSAGES[f"attest_why_{code}"][1].format(**values) for code, values in reasons)


def iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def short(at: str | None) -> str:
    """An ISO time as "YYYY-MM-DD HH:MM" (UTC), for tables."""
    return at[:16].replace("T", " ") if at else ""


def exact(at: str | None) -> str:
    """An ISO time as "YYYY-MM-DD HH:MM", with ":SS" when the seconds are not zero: what a permalink holds."""
    if not at:
        return ""
    text = at[:19].replace("T", " ")
    return text[:16] if text.endswith(":00") else text


DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?Z?)?")


def nowrap(text: object) -> Markup:
    """Escaped text with every date or time in it kept on one line (a browser would break at the '-')."""
    safe = str(escape(str(text)))
    return Markup(DATE.sub(lambda m: f'<span class="date">{m.group(0)}</span>', safe))


_env.filters["short"] = short
_env.filters["exact"] = exact
_env.filters["nowrap"] = nowrap
_env.globals["plural"] = plural


def incomplete_label(cell: Cell, now: datetime) -> str:
    """How a window that reaches past the time of the query is labelled."""
    hour = int(now.timestamp()) // 3600
    if cell.start <= hour < cell.start + WINDOW_HOURS[cell.window]:
        return "incomplete (today)" if cell.window == "day" else "incomplete (this hour)"
    return "incomplete (cut at the end of the period)"
