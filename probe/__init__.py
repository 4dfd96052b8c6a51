"""Saksi (សាក្សី, "witness"): measure whether websites are blocked, and prove it.

The package is laid out by pipeline stage; see ../shared/docs/DESIGN.md. A package may import from the
stages above it, never below (classify never imports netio).
"""

__version__ = "0.1.0"
SOFTWARE_NAME = "saksi-probe"
