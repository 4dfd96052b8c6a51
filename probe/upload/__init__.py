"""Uploading the outbox to a collector: a pure retry policy (`policy`) and the HTTP client (`client`).

See `probe.upload.client` for what is checked before an item leaves the outbox and for the exception tree.
"""

from probe.upload.client import (
    CollectorKeyError,
    CollectorUnreachable,
    EnrolError,
    NoCollectorError,
    ReceiptError,
    UploadError,
    UploadReport,
    check_receipt,
    collector_client,
    collector_keys,
    collector_problem,
    enrol,
    enrol_request,
    pin_log_key,
    upload,
    whoami,
)
from probe.upload.policy import classify_status, next_attempt

__all__ = [
    "CollectorKeyError",
    "CollectorUnreachable",
    "EnrolError",
    "NoCollectorError",
    "ReceiptError",
    "UploadError",
    "UploadReport",
    "check_receipt",
    "classify_status",
    "collector_client",
    "collector_keys",
    "collector_problem",
    "enrol",
    "enrol_request",
    "next_attempt",
    "pin_log_key",
    "upload",
    "whoami",
]
