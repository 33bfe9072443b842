"""Meldpunt with field encryption switched off: only for the "encryption on vs off" figure of ``bench http``.

The very same application (``meldpunt.create_app``) in which every field cipher is ``NullFieldCipher``
(version byte 0 + plaintext): the signal's fields, the check page's draft and the receipt display.
Data keys are still made and wrapped per signal, as ``bench/bench_crypto.py`` does, so the figure is
the cost of field encryption itself. Never used outside bench/::

    gunicorn 'bench.nocrypto:create_app()'
"""

from __future__ import annotations

from typing import Any


def create_app() -> Any:
    from meldpunt import create_app as create_meldpunt
    from meldpunt.crypto import NullFieldCipher
    from meldpunt.intake import drafts, receipts
    from meldpunt.vault import service

    for function in (service.create_data_key, service.cipher_for):
        function.__kwdefaults__["cipher_class"] = NullFieldCipher  # the parameter bench_crypto uses too
    drafts.FieldCipher = NullFieldCipher  # type: ignore[misc]  # the draft of "Controleer uw melding"
    receipts.FieldCipher = NullFieldCipher  # type: ignore[misc]
    return create_meldpunt()
