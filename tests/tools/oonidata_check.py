"""Run under a Python that has OONI's `oonidata` package (CI installs it from PyPI into .venv-oonidata,
apart from the project's, whose pins it conflicts with). Reads OONI JSON Lines on standard input and
prints, per line, what OONI's parser made of it as one JSON object: `ok`, the parsed class, the typed
test keys that matter, or the parser's error. Not part of the project's code: a probe for the tests."""

from __future__ import annotations

import json
import sys

from oonidata.dataclient import load_measurement  # type: ignore[import-not-found]

KEYS = (
    "blocking",
    "accessible",
    "dns_consistency",
    "control_failure",
    "http_experiment_failure",
    "dns_experiment_failure",
    "body_length_match",
    "body_proportion",
    "headers_match",
    "status_code_match",
    "title_match",
)

for line in sys.stdin:
    if not line.strip():
        continue
    try:
        msmt = load_measurement(msmt=json.loads(line))
        tk = msmt.test_keys
        found = {k: getattr(tk, k, "<absent>") for k in KEYS}
        queries = [(q.engine, q.failure, q.hostname) for q in (getattr(tk, "queries", None) or [])]
        tls = [(t.server_name, t.no_tls_verify) for t in (getattr(tk, "tls_handshakes", None) or [])]
        print(
            json.dumps(
                {
                    "ok": True,
                    "class": type(msmt).__name__,
                    "keys_class": type(tk).__name__,
                    "test_keys": found,
                    "queries": queries,
                    "tls": tls,
                    "input": msmt.input,
                    "test_version": msmt.test_version,
                },
                default=str,
            )
        )
    except Exception as exc:  # every parser error is the answer
        print(json.dumps({"ok": False, "error": f"{type(exc).__name__}: {exc}"}))
