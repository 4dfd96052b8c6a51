"""The control (test helper): measures a URL from an uncensored vantage point, and the probe's client.

The service reuses probe.measure's layers with its own settings (its own resolvers and source address).
It never stores or returns the caller's address: only the network it maps to.
"""
