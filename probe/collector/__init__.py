"""The collector: verifies signed measurements, stores them verbatim, appends them to a transparency log,
and answers with signed receipts; also serves whoami, enrolment, proofs, targets and the control.

Storage sits behind one narrow interface (storage.Storage) so that PostgreSQL can be a second backend.
The caller's IP address is used in memory to find its network and then dropped; it is never stored or
logged (uvicorn's access log is off).
"""
