"""Walk the pages a person can reach: every same-site link from where they start, GET only."""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urljoin, urlsplit


def walk(client, starts: list[str], *, limit: int = 300) -> dict[str, str]:
    """GET every same-site page reachable from ``starts`` by links (and redirects); returns url -> body.

    Static files are skipped (they are the same for everyone). Only GET: nothing is changed.
    """
    seen: dict[str, str] = {}
    queue = deque(starts)
    while queue and len(seen) < limit:
        url = queue.popleft()
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path in seen or path.startswith("/static/"):
            continue
        response = client.get(path)
        if not (response.mimetype or "").startswith("text/"):  # a PDF, CSV or zip export: kept, no links to follow
            seen[path] = response.get_data().decode("utf-8", errors="replace")
            continue
        body = response.get_data(as_text=True)
        seen[path] = body
        if response.status_code in (301, 302, 303, 307, 308):
            queue.append(urljoin(path, response.headers["Location"]))
            continue
        for href in re.findall(r'href="([^"#]*)', body):
            if href:
                queue.append(urljoin(path, href.replace("&amp;", "&")))
    return seen
