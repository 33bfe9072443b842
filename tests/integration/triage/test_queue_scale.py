"""Issue 23, the queue at scale: every tab query is an index range on PostgreSQL (read from EXPLAIN),
page links carry a keyset cursor, the list reads no ciphertext, and "alle" is not counted on a large table.

The plan test seeds a realistic mix (``bench.seed``: three years, 85 % of older signals closed, 5 %
integrity track) of ``SEEDED`` signals by COPY and runs VACUUM ANALYZE, so the planner decides on
honest statistics; no planner setting is changed.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from bench.seed import row_kwargs, seed, signal_dicts
from meldpunt.extensions import db
from meldpunt.signals.models import Signal
from meldpunt.triage import queue
from meldpunt.triage.queue import Tab
from tests.conftest import make_users
from tests.support.logins import login_full
from tests.support.sql import captured_statements, module_database, plan_nodes

SEEDED = 12_000
CIPHERTEXT_COLUMNS = [c.name for c in Signal.__table__.columns if c.name.endswith("_ct")]


@pytest.fixture(scope="module")
def seeded_pg(pg_admin, tmp_path_factory):
    """One PostgreSQL database for the module with ``SEEDED`` signals, analysed."""
    with module_database(pg_admin, tmp_path_factory, "queue-scale") as app:
        users = make_users(app)
        make_users(app, suffix="2")
        make_users(app, suffix="3")
        seed(app, users, SEEDED, quiet=True)
        yield app, users


def _queue_statements(app, user_id: int, tab: Tab, sort: str) -> list[tuple[str, object]]:
    """The statements of page 1 and of a deep page (through the cursor of its "Volgende" link)."""
    with app.app_context(), captured_statements(db.engine) as seen:
        first = queue.load_queue(db.session, track="regulier", user_id=user_id, tab=tab, sort=sort)
        cursor = first.next_cursor
        for _ in range(3):  # three "Volgende" clicks
            if cursor is None:
                break
            page = queue.load_queue(db.session, track="regulier", user_id=user_id, tab=tab, sort=sort, after=cursor)
            cursor = page.next_cursor
        db.session.remove()
    return [(s, p) for s, p in seen if "signals" in s and not s.lstrip().upper().startswith("EXPLAIN")]


@pytest.mark.parametrize("tab", list(Tab))
def test_item_02_every_tab_query_is_an_index_range_that_sorts_in_memory(seeded_pg, tab):
    app, users = seeded_pg
    statements = []
    for sort in queue.SORTS:
        statements += _queue_statements(app, users["regisseur"].id, tab, sort)
    assert len(statements) >= len(queue.SORTS) * 3
    with app.app_context(), db.engine.connect() as conn:
        for statement, parameters in statements:
            plan = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", parameters).scalar_one()
            nodes = list(plan_nodes(plan[0]["Plan"]))
            scans = [n for n in nodes if n["Node Type"] == "Seq Scan" and n.get("Relation Name") == "signals"]
            assert not scans, f"sequential scan of signals for tab {tab.value}:\n{statement}\n{plan}"
            spilled = [n for n in nodes if n.get("Sort Space Type") == "Disk"]
            assert not spilled, f"sort spilled to disk for tab {tab.value}:\n{statement}\n{plan}"
            assert not any(column in statement for column in CIPHERTEXT_COLUMNS), statement


def test_item_01_alle_shows_the_planners_estimate_on_a_large_table(seeded_pg):
    app, users = seeded_pg
    client = app.test_client()
    login_full(client, users["regisseur"].email)
    with app.app_context(), captured_statements(db.engine) as seen:
        page = client.get("/behandelen/?tab=alle").get_data(as_text=True)
        exact = db.session.scalar(sa.select(sa.func.count()).select_from(Signal).where(Signal.track == "regulier"))
        db.session.remove()
    shown = re.search(r'tab=alle"[^>]*>Alle <span class="count">\(ruim ([\d.]+)\)', page)
    assert shown, "the 'alle' tab shows no estimate"
    estimate = int(shown.group(1).replace(".", ""))
    assert exact > queue.EXACT_COUNT_LIMIT and 0.9 * exact <= estimate <= 1.1 * exact
    assert any(s.startswith("EXPLAIN (FORMAT JSON)") for s, _ in seen)  # read from the planner, not counted


def _seed_small(app, count: int) -> list[str]:
    """``count`` signals by plain INSERT (any backend); returns the regisseur's "alle" references, newest first."""
    users = make_users(app)
    with app.app_context():
        rows = signal_dicts(count, **row_kwargs(db.session, reporter_id=users["melder"].id))
        db.session.execute(sa.insert(Signal.__table__), rows)
        db.session.commit()
        expected = list(db.session.scalars(sa.select(Signal.reference).where(Signal.track == "regulier")
                                           .order_by(Signal.created_at.desc(), Signal.id.desc())))
        db.session.remove()
    return users, expected


def _references(page: str) -> list[str]:
    return re.findall(r">(MO-\d{4}-\d+)</a>", page)


def _link(page: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', page)
    return found.group(1).replace("&amp;", "&") if found else None


def test_item_01_page_links_carry_a_keyset_cursor_and_walk_the_whole_tab(app_any_db):
    users, expected = _seed_small(app_any_db, 90)
    client = app_any_db.test_client()
    login_full(client, users["regisseur"].email)
    seen, pages, url = [], [], "/behandelen/?tab=alle"
    while url:
        response = client.get(url)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        pages.append(page)
        seen += _references(page)
        url = _link(page, "next")
        assert url is None or "na=" in url
    assert seen == expected and len(pages) == -(-len(expected) // 25)
    assert f"Pagina {len(pages)} van {len(pages)}" in pages[-1]
    # "Vorige" from the last page gives the page before it again, through a "voor" cursor.
    back = _link(pages[-1], "prev")
    assert back and ("voor=" in back or len(pages) == 2)
    assert _references(client.get(back).get_data(as_text=True)) == _references(pages[-2])


def test_item_01_queue_list_reads_no_ciphertext_columns(app_any_db):
    users, _ = _seed_small(app_any_db, 40)
    client = app_any_db.test_client()
    login_full(client, users["regisseur"].email)
    with app_any_db.app_context(), captured_statements(db.engine) as seen:
        first = client.get("/behandelen/?tab=alle").get_data(as_text=True)
        client.get(_link(first, "next"))
    queue = [s for s, _ in seen if "FROM signals" in s]
    assert queue and not [s for s in queue if any(column in s for column in CIPHERTEXT_COLUMNS)]


@pytest.mark.parametrize("query", ["na=bm9wZQ", "voor=%%%", "na=" + "A" * 400, "pagina=900"])
def test_item_01_a_broken_page_link_answers_400_in_dutch_with_the_first_page(app_any_db, query):
    users, expected = _seed_small(app_any_db, 30)
    client = app_any_db.test_client()
    login_full(client, users["regisseur"].email)
    response = client.get(f"/behandelen/?tab=alle&{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Deze paginalink klopt niet (meer)." in page
    assert _references(page) == expected[:25]


def test_item_01_queue_wait_condition_selects_the_same_rows_as_feedback(seeded_pg):
    """The queue's literal form of "wacht op terugkoppeling" (for the partial index) equals the feedback rule."""
    from meldpunt.feedback.service import awaiting_first_feedback
    from meldpunt.signals.models import queue_waiting_condition

    app, _ = seeded_pg
    with app.app_context():
        ids = [set(db.session.scalars(sa.select(Signal.id).where(condition)))
               for condition in (awaiting_first_feedback(), queue_waiting_condition())]
        db.session.remove()
    assert ids[0] and ids[0] == ids[1]
