"""Issue 16 item 10: the product docs name only code that exists, and cite nothing outside this repository.

Every ``meldpunt/…`` path and every dotted ``meldpunt.x.y`` name in ``docs/**/*.md`` and ``README.md``
must exist: a path as a file or folder, a dotted name as a module (or a module and a name defined at
its top level). Paths into the other top-level folders (``tests/``, ``templates/``, ``workers/``, …)
must exist too, so a rename there cannot leave a stale reference behind.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
DOCS = sorted([*(ROOT / "docs").rglob("*.md"), ROOT / "README.md"])

#: ``meldpunt.x.y`` not inside a host name or e-mail address (``demo.meldpunt.local``) or a longer word.
DOTTED = re.compile(r"(?<![\w./@-])meldpunt(?:\.[A-Za-z_]\w*)+")
#: Last parts that make a dotted name a file or host name, not a module (``meldpunt.error.log``).
NOT_A_MODULE = {"log", "css", "js", "local", "nl", "test", "toml", "json", "txt", "md", "sqlite"}
#: Paths into the repository's folders; a trailing ``::test_name`` or ``:line`` is dropped.
REPO_PATH = re.compile(
    r"(?<![\w./-])((?:meldpunt|workers|tests|templates|migrations|bench|docs)/[\w./*-]*)"
)
#: Folders that a command writes, not in the checkout: ``make bench`` writes ``bench/results/<time>.json``,
#: the wheel build (setup.py) writes ``meldpunt/_bundled/`` into the wheel only.
GENERATED = {"bench/results/", "meldpunt/_bundled/"}
#: Keys of ``app.extensions`` that the docs may name (``app.extensions["meldpunt.clock"]``).
EXTENSION_KEY = re.compile(r"""extensions(?:\.get|\.setdefault)?[\[(]\s*["'](meldpunt\.[\w.]+)["']""")
#: Hosts that are no citation: this machine and the documentation domains of RFC 2606.
LOCAL_HOST = re.compile(r"^https?://(localhost|127\.0\.0\.1|\[::1\]|([\w-]+\.)*example(\.\w+)?|([\w-]+\.)*test)([:/]|$)")


def _references(pattern: re.Pattern[str]) -> list[tuple[str, int, str]]:
    found = []
    for doc in DOCS:
        for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), start=1):
            for match in pattern.finditer(line):
                found.append((str(doc.relative_to(ROOT)), number, match.group(match.lastindex or 0)))
    return found


@functools.cache
def _top_level_names(module: Path) -> frozenset[str]:
    names: set[str] = set()
    for node in ast.parse(module.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return frozenset(names)


@functools.cache
def _extension_keys() -> frozenset[str]:
    return frozenset(key for path in (ROOT / "meldpunt").rglob("*.py")
                     for key in EXTENSION_KEY.findall(path.read_text(encoding="utf-8")))


def dotted_name_exists(dotted: str, root: Path = ROOT) -> bool:
    """``meldpunt.a.b.c``: packages and modules as far as they go, then one name at the module's top level."""
    parts = dotted.split(".")
    here = root / parts[0]
    for index, part in enumerate(parts[1:], start=1):
        if (here / part / "__init__.py").is_file():
            here = here / part
        elif (here / f"{part}.py").is_file():
            here = here / f"{part}.py"
            rest = parts[index + 1:]
            break
        else:
            here, rest = here / "__init__.py", parts[index:]
            break
    else:
        return True
    if not rest:
        return True
    return here.is_file() and rest[0] in _top_level_names(here)


def test_item_10_docs_name_only_existing_modules():
    missing = []
    for doc, line, dotted in _references(DOTTED):
        if dotted.rsplit(".", 1)[-1] in NOT_A_MODULE or dotted in _extension_keys():
            continue
        if not dotted_name_exists(dotted):
            missing.append(f"{doc}:{line}: {dotted}")
    for doc, line, path in _references(REPO_PATH):
        path = path.rstrip(".").split("::")[0]
        if path in GENERATED:
            continue
        if "*" in path:
            exists = any(ROOT.glob(path))
        else:
            exists = (ROOT / path).exists()
        if not exists:
            missing.append(f"{doc}:{line}: {path}")
    assert missing == [], "the docs name code that does not exist:\n" + "\n".join(missing)


def test_item_10_the_reference_check_itself_tells_modules_from_stale_names():
    assert dotted_name_exists("meldpunt.policy")  # a module
    assert dotted_name_exists("meldpunt.intake.messages.post_message")  # a function in it
    assert dotted_name_exists("meldpunt.taxonomy.models.TermKind.PHENOMENON")  # a class, then its member
    assert dotted_name_exists("meldpunt.create_app")  # a name in a package's __init__
    assert not dotted_name_exists("meldpunt.triage.messages")  # the messages live in intake
    assert not dotted_name_exists("meldpunt.intake.messages.no_such_function")
    assert "meldpunt.keyring" in _extension_keys()


def test_item_10_docs_stand_alone():
    """The product docs cite nothing outside this repository: no links to other sites."""
    links = [(doc, line, url) for doc, line, url in _references(re.compile(r"(https?://[^\s)>`\"'\]]+|\bwww\.[\w.-]+)"))
             if not LOCAL_HOST.match(url)]
    assert links == [], "links to outside sources in the docs:\n" + "\n".join(f"{d}:{n}: {u}" for d, n, u in links)
    assert LOCAL_HOST.match("http://127.0.0.1:5000") and LOCAL_HOST.match("https://meldpunt.example.nl/melden")
    assert not LOCAL_HOST.match("https://owasp.org/asvs") and not LOCAL_HOST.match("https://example-blog.com/")


def test_item_10_access_doc_names_every_view_and_template_that_reads_the_role():
    """docs/security/access.md lists where views and templates read the role (to choose what to show):
    every module and template that compares the role must be on that list, so the doc stays true."""
    text = (ROOT / "docs" / "security" / "access.md").read_text(encoding="utf-8")
    section = text.split("### Where views and templates still read the role", 1)[1].split("\n### ", 1)[0]
    reads = re.compile(r"current_user\.role\b|\buser\.role\s*(==|!=|in\b|not in\b)")
    views = {f"{path.parent.name}.views" for path in (ROOT / "meldpunt").glob("*/views.py")
             if reads.search(path.read_text(encoding="utf-8"))}
    templates = {path.relative_to(ROOT / "templates").as_posix() for path in (ROOT / "templates").rglob("*.html")
                 if reads.search(path.read_text(encoding="utf-8"))}
    assert views  # templates ask can() instead (tests/unit/app/test_one_place_per_rule.py)
    unnamed = sorted(name for name in views | templates if f"`{name}`" not in section)
    assert unnamed == [], f"read the role but are not named in access.md: {unnamed}"
