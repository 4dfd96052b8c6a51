"""Measurement: one module per layer (dns, tcp, tls, http), the per-URL flow and the concurrent sweep.

Produces observations (facts). It never judges: the verdict and the control are injected by the
caller (probe.runner), so this package imports neither probe.classify nor probe.control.
"""
