"""The exceptions of probe.upload: what a person must fix (one sentence each).

Exception
 └── UploadError            base of everything raised here
      ├── NoCollectorError  upload.url is not set
      ├── CollectorKeyError the collector's key is malformed, not the configured one, or changed since pinned
      ├── CollectorUnreachable  (enrolment and whoami only) no answer from the collector
      └── EnrolError        the collector refused an enrolment, or the device key is missing
"""

from __future__ import annotations


class UploadError(Exception):
    """Something a person must fix before uploads can work; the message says what, in one sentence."""


class NoCollectorError(UploadError):
    pass


class CollectorKeyError(UploadError):
    pass


class CollectorUnreachable(UploadError):
    pass


class EnrolError(UploadError):
    pass


class ReceiptError(ValueError):
    """A receipt that must not be trusted: wrong signer, altered, or about another measurement."""
