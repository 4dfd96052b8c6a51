"""A C2SP tlog-witness: cosigns a log's checkpoints that are consistent with what it cosigned before.

`protocol` parses add-checkpoint requests (pure), `state` keeps per log the latest cosigned checkpoint
and every refused conflict in SQLite (each answer is durable before it is sent), `server` is the HTTP
service (`probe witness serve`), `client` is what a collector uses to ask for cosignatures.
"""
