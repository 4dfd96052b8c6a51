"""The censorship lab: fake resolvers, origins and middleboxes on loopback that censor the probe only.

Used by the tests, `probe demo` and the benchmark. See `probe.lab.scenarios` for the scenarios and the address
plan, and `Lab` for how to run it.
"""

from probe.lab.lab import Lab, ScenarioInstance
from probe.lab.network import LabError, Ports
from probe.lab.scenarios import SCENARIOS, Expected, Scenario

__all__ = ["SCENARIOS", "Expected", "Lab", "LabError", "Ports", "Scenario", "ScenarioInstance"]
