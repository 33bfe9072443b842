"""Issue 22 item 7: one word for one thing. docs/glossary.md names the words; pages, e-mails and
labels in the code follow it, and the retired words stay out."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = ROOT / "templates"

#: Retired word -> the word to use instead (docs/glossary.md, "Retired words").
RETIRED = {
    r"\bverschijnsel(en|s)?\b": "verschijningsvorm",
    r"waar lijkt het op": "verschijningsvorm",
    r"\bsubject(en)?\b": "betrokkene",
    r"\bkwetsba(ar|re) proces(sen)?\b": "werkproces (kwetsbaar werkproces)",
}
_JINJA = re.compile(r"{#.*?#}|{%.*?%}|{{.*?}}", re.S)
_TAGS = re.compile(r"<[^>]*>", re.S)


def visible_text(source: str) -> str:
    """What a reader sees of a template: without Jinja statements, expressions, comments and tags."""
    return _TAGS.sub(" ", _JINJA.sub(" ", source))


def _hits(text: str) -> list[str]:
    return [f"{match.group(0)!r} (use {use})" for pattern, use in RETIRED.items()
            for match in re.finditer(pattern, text, re.I)]


def test_item_07_glossary_lists_the_words_and_the_retired_ones():
    glossary = (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8")
    for word in ("verschijningsvorm", "werkproces", "betrokkene", "Aan mij toegewezen", "Retired words"):
        assert word in glossary


def test_item_07_templates_and_emails_use_no_retired_words():
    bad = []
    for path in sorted(TEMPLATES.rglob("*")):
        if path.suffix in (".html", ".txt"):
            bad += [f"{path.relative_to(ROOT)}: {hit}" for hit in _hits(visible_text(path.read_text(encoding="utf-8")))]
    assert not bad, "retired words on pages or in e-mails:\n" + "\n".join(bad)


def _ui_strings(path: Path) -> list[str]:
    """String literals of a module that are Dutch text for people (have a space; not docstrings)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and node.body
                  and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and " " in node.value
            and id(node) not in docstrings]


def test_item_07_labels_and_messages_in_the_code_use_no_retired_words():
    """Form labels, flash and error messages, audit labels, tab labels: the code's Dutch strings."""
    modules = [p for p in sorted((ROOT / "meldpunt").rglob("*.py"))
               if p.name in ("forms.py", "views.py", "labels.py", "service.py", "packs.py")]
    bad = []
    for path in modules:
        for text in _ui_strings(path):
            if re.search(r"[a-z] (de|het|een|is|van|uit|aan|toegevoegd)\b|^[A-Z][a-z]+", text):
                bad += [f"{path.relative_to(ROOT)}: {hit}" for hit in _hits(text)]
    assert not bad, "retired words in labels or messages:\n" + "\n".join(bad)


def test_item_07_queue_tab_for_assigned_signals_does_not_clash_with_the_menu():
    from meldpunt.triage.queue import Tab

    assert Tab.MINE.label == "Aan mij toegewezen"
    assert "Mijn meldingen" not in {tab.label for tab in Tab}
