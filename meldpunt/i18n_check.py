"""Is every string of the code and the templates in the catalogs, and is English complete? (``make check``)

Extracts the messages (``pybabel extract`` with ``babel.cfg``) to a temporary ``.pot`` and compares
them with the committed ``meldpunt/translations/<lang>/LC_MESSAGES/messages.po``:

- a message in the code that a catalog lacks, or a catalog entry the code no longer has: stale
  (run ``make translations`` to merge, then translate);
- an English entry that is empty or fuzzy: untranslated;
- a Dutch entry may stay empty (the Dutch source text is shown), but not fuzzy;
- placeholders that differ between the source and its translation (``%(name)s``).

``python -m meldpunt.i18n_check [--root DIR]`` exits 1 with one line per problem.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

#: Languages whose every entry must be translated (the source text is Dutch).
COMPLETE = ("en",)
#: Keywords beyond Babel's defaults: form labels and messages defined at import time.
KEYWORDS = ("lazy_gettext", "_l")


def extract(root: Path, pot: Path) -> None:
    from babel.messages.frontend import CommandLineInterface

    args = ["pybabel", "-q", "extract", "-F", str(root / "babel.cfg"), "--no-location", "--omit-header",
            "-o", str(pot)]
    for keyword in KEYWORDS:
        args += ["-k", keyword]
    CommandLineInterface().run([*args, str(root)])


def _key(message) -> tuple[str, str | None]:
    msgid = message.id[0] if isinstance(message.id, tuple) else message.id
    return msgid, message.context


def problems(root: Path) -> list[str]:
    from babel.messages.pofile import read_po

    with tempfile.TemporaryDirectory() as tmp:
        pot_path = Path(tmp) / "messages.pot"
        extract(root, pot_path)
        with pot_path.open("rb") as handle:
            template = read_po(handle)
    wanted = {_key(m) for m in template if m.id}
    found: list[str] = []
    catalogs = sorted((root / "meldpunt" / "translations").glob("*/LC_MESSAGES/messages.po"))
    if not catalogs:
        return ["no catalogs under meldpunt/translations"]
    for po_path in catalogs:
        language = po_path.parent.parent.name
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        have = {_key(m): m for m in catalog if m.id}
        for key in sorted(wanted - have.keys()):
            found.append(f"{language}: missing (catalog stale): {key[0]!r}")
        for key in sorted(have.keys() - wanted):
            found.append(f"{language}: no longer in the code (catalog stale): {key[0]!r}")
        for key, message in sorted(have.items()):
            if key not in wanted:
                continue
            if message.fuzzy:
                found.append(f"{language}: fuzzy: {key[0]!r}")
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if language in COMPLETE and not all(strings):
                found.append(f"{language}: untranslated: {key[0]!r}")
            if all(strings):
                for error in message.check(catalog):
                    found.append(f"{language}: {error}: {key[0]!r}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    found = problems(parser.parse_args(argv).root)
    for line in found:
        print(line, file=sys.stderr)
    if found:
        print(f"{len(found)} translation problem(s); see docs/i18n.md", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
