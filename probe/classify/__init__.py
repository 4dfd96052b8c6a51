"""Classification: observations + control + fingerprints -> verdict. Pure functions, no I/O.

May import probe.models, probe.failures, probe.addresses and probe.config types; never probe.netio,
probe.measure or anything that touches the network or the disk.
"""

from probe.classify.context import Context
from probe.classify.rules import RULES, RULES_VERSION
from probe.classify.verdict import classify

__all__ = ["RULES", "RULES_VERSION", "Context", "classify"]
