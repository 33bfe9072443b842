"""Issue 22 item 4 (part): long texts get a character counter and are never cut off silently."""

from __future__ import annotations

import re

from meldpunt.intake.service import DESCRIPTION_MAX
from tests.support.forms import post_form


def test_item_04_long_text_fields_have_a_counter_limit_and_no_maxlength(app):
    page = app.test_client().get("/melden/anoniem").get_data(as_text=True)
    textarea = re.search(r"<textarea[^>]*id=\"description\"[^>]*>", page).group(0)
    assert f'data-maxlength="{DESCRIPTION_MAX}"' in textarea
    assert "maxlength=" not in textarea.replace("data-maxlength=", "")  # a browser would cut a paste off
    assert "js/counter.js" in page
    assert "maxlength=" not in re.sub(r"data-maxlength=", "", page)


def test_item_04_too_long_text_is_refused_with_a_message_and_kept_whole(app):
    text = "Lange melding. " * (DESCRIPTION_MAX // 15 + 10)
    assert len(text) > DESCRIPTION_MAX
    response = post_form(app.test_client(), "/melden/anoniem", {"description": text})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Dit is te lang: hoogstens 20.000 tekens." in page
    kept = re.search(r'<textarea[^>]*id="description"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    assert kept.strip() == text.strip()  # nothing cut off
