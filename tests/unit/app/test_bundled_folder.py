"""Issue 16 item 10: where the app finds its templates and migrations (``meldpunt.bundled_folder``)."""

from __future__ import annotations

from pathlib import Path

import meldpunt
from meldpunt import PROJECT_ROOT, bundled_folder

PACKAGE = Path(meldpunt.__file__).resolve().parent


def test_item_10_a_checkout_uses_its_top_level_folders():
    assert bundled_folder("templates") == PROJECT_ROOT / "templates"
    assert bundled_folder("migrations") == PROJECT_ROOT / "migrations"
    assert (bundled_folder("templates") / "base.html").is_file()


def test_item_10_without_the_top_level_folder_the_copy_inside_the_package_is_used(tmp_path):
    assert bundled_folder("templates", root=tmp_path) == PACKAGE / "_bundled" / "templates"
    assert bundled_folder("migrations", root=tmp_path) == PACKAGE / "_bundled" / "migrations"
    (tmp_path / "templates").mkdir()
    assert bundled_folder("templates", root=tmp_path) == tmp_path / "templates"
    (tmp_path / "migrations").write_text("a file, not a folder")
    assert bundled_folder("migrations", root=tmp_path) == PACKAGE / "_bundled" / "migrations"
