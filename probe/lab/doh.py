"""The lab's DNS-over-HTTPS resolver (RFC 8484, GET ?dns= and POST): honest for everyone, as encryption
keeps the ISP from reading or forging its answers."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import parse_qs, urlsplit

from probe.lab.dns import Zone
from probe.lab.web import Request, Response

DOH_PATH = "/dns-query"
MEDIA_TYPE = "application/dns-message"


class DohApp:
    def __init__(self, zone: Zone) -> None:
        self._zone = zone

    def __call__(self, request: Request) -> Response:
        url = urlsplit(request.target)
        if url.path != DOH_PATH:
            return Response(404, b"not found\n")
        if request.method == "POST":
            if request.headers.get("content-type", "").split(";")[0].strip() != MEDIA_TYPE:
                return Response(415, b"content-type must be application/dns-message\n")
            wire = request.body
        elif request.method == "GET":
            values = parse_qs(url.query).get("dns")
            if not values:
                return Response(400, b"missing dns parameter\n")
            try:
                wire = base64.urlsafe_b64decode(values[0] + "=" * (-len(values[0]) % 4))
            except (binascii.Error, ValueError):
                return Response(400, b"dns parameter is not base64url\n")
        else:
            return Response(405, b"GET or POST\n", [("allow", "GET, POST")])
        reply = self._zone.honest_reply(wire)
        if reply is None:
            return Response(400, b"not a DNS query\n")
        return Response(200, reply, [("content-type", MEDIA_TYPE), ("cache-control", "max-age=60")])
