"""A tiny local SMTP catcher for ``make run``: accepts mail and logs that it arrived, never its content.

Messages are kept in memory only (the last 100), so nothing reaches the disk.
"""

from __future__ import annotations

import sys
import time


class _Handler:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
        self.count += 1
        print(f"mailcatcher: message {self.count} for {len(envelope.rcpt_tos)} recipient(s), "
              f"{len(envelope.content)} bytes", flush=True)
        return "250 OK"


def main(argv: list[str]) -> int:
    from aiosmtpd.controller import Controller

    host, port = argv[1], int(argv[2])
    controller = Controller(_Handler(), hostname=host, port=port)
    controller.start()
    print(f"mailcatcher: listening on {host}:{port}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
