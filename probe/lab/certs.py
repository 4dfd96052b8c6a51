"""The lab's certificates: a trusted CA (written to the CA bundle the probe is told to trust) and a rogue one.

The trusted CA signs the origins' `*.lab.test` certificate and the DoH server's IP-address certificate; the
rogue CA, which is in no bundle, signs the interception proxy's `*.lab.test` certificate. Keys live only in
memory.
"""

from __future__ import annotations

import ssl
from pathlib import Path

import trustme

from probe.lab.scenarios import DOH_IP, LAB_DOMAIN


class LabCerts:
    """Certificates and server-side TLS contexts for one lab."""

    def __init__(self, ca_bundle: Path) -> None:
        self.ca = trustme.CA(organization_name="Saksi Lab CA")
        self.rogue_ca = trustme.CA(organization_name="Interception Appliance CA")
        self._origin = self.ca.issue_cert(f"*.{LAB_DOMAIN}", LAB_DOMAIN)
        self._doh = self.ca.issue_cert(DOH_IP)
        self._rogue = self.rogue_ca.issue_cert(f"*.{LAB_DOMAIN}", LAB_DOMAIN)
        self.ca_bundle = ca_bundle
        self.ca.cert_pem.write_to_path(str(ca_bundle))

    def origin_context(self) -> ssl.SSLContext:
        return self._server_context(self._origin)

    def doh_context(self) -> ssl.SSLContext:
        return self._server_context(self._doh)

    def rogue_context(self) -> ssl.SSLContext:
        return self._server_context(self._rogue)

    @staticmethod
    def _server_context(cert: trustme.LeafCert) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(context)
        return context
