"""Informed consent before the first run: the text and quiz (`texts`), and the record of consent (`record`).

`probe init` shows the text and asks the quiz; `require_consent(settings)` is what `probe run` and
`probe daemon` call before they measure anything. `configfile` writes the settings file `probe init` makes.
"""

from probe.consent.record import (
    CONSENT_FILE,
    Consent,
    ConsentMissing,
    consent_path,
    load_consent,
    record_consent,
    require_consent,
)
from probe.consent.texts import CONSENT_VERSION, TEXTS, ConsentText, Lang, Question, parse_yes_no, text_for

__all__ = [
    "CONSENT_FILE",
    "CONSENT_VERSION",
    "TEXTS",
    "Consent",
    "ConsentMissing",
    "ConsentText",
    "Lang",
    "Question",
    "consent_path",
    "load_consent",
    "parse_yes_no",
    "record_consent",
    "require_consent",
    "text_for",
]
