"""Messages a volunteer sees, in English and Khmer, and text wrapped without tearing Khmer letters.

The language is `probe --lang km|en`, else the locale (LC_ALL, LC_MESSAGES, LANG: `km_KH.UTF-8` gives
Khmer), else English. `t(key, **values)` is the message `key` of `probe.i18n.catalogue` in that language.
"""

from __future__ import annotations

import os

LANGS = ("en", "km")
_chosen: list[str] = []


def set_lang(lang: str | None) -> None:
    """Use `lang` (en or km) from now on; None goes back to the locale. ValueError for another language."""
    _chosen.clear()
    if lang is None:
        return
    code = lang.strip().lower()
    if code not in LANGS:
        raise ValueError(f"unknown language {lang!r}: use one of {', '.join(LANGS)}")
    _chosen.append(code)


def chosen() -> str | None:
    """The language set by `probe --lang` (or `set_lang`), None when it comes from the locale."""
    return _chosen[0] if _chosen else None


def current() -> str:
    if _chosen:
        return _chosen[0]
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            return "km" if value.lower().startswith("km") else "en"
    return "en"


def t(key: str, **values: object) -> str:
    """The message `key` in the current language, with `values` filled in."""
    from probe.i18n.catalogue import MESSAGES

    english, khmer = MESSAGES[key]
    return (khmer if current() == "km" else english).format(**values)


def explained(rule_id: str | None, signed: str, lang: str) -> str:
    """A verdict's explanation for a reader of `lang`: the signed English, or in Khmer the catalogue's words
    for its rule (`rule.<rule_id>`, probe.classify.rules), the signed English when it has none."""
    from probe.i18n.catalogue import MESSAGES

    key = f"rule.{rule_id}"
    return MESSAGES[key][1] if lang == "km" and key in MESSAGES else signed
