"""Which network addresses are this computer: where plain ``http://`` is acceptable.

Why one place: the webhook, the model server and the live connectors all refuse to send a token
or a reply unencrypted to another computer, and must agree on what "this computer" is.
"""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback IP address (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
