"""Uploading the outbox to a collector: the drain (`client`), the way to the collector, direct or SOCKS5
(`connection`), key pinning, whoami and enrolment (`identity`), the exceptions (`errors`) and a pure retry
policy (`policy`). `probe.upload.client` says what is checked before an item leaves the outbox.
"""

from probe.upload.client import UploadReport, upload
from probe.upload.connection import collector_client, collector_problem
from probe.upload.errors import (
    CollectorKeyError,
    CollectorUnreachable,
    EnrolError,
    NoCollectorError,
    ReceiptError,
    UploadError,
)
from probe.upload.identity import check_receipt, collector_keys, enrol, enrol_request, pin_log_key, whoami
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
