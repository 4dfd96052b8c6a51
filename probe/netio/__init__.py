"""The only code that opens sockets: DNS transports, TCP connect, TLS handshakes, pinned HTTP.

Functions here do I/O and return raw facts or raise; they never judge. Every socket is bound to
`network.source_address` when one is set, so a multi-homed host (or the lab) controls the path.
"""
