"""Receipt codes and file checks: pure functions, no I/O beyond in-memory buffers."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meldpunt.crypto import generate_keyring
from meldpunt.intake.attachments import AttachmentError, check_filename, detect_type
from meldpunt.intake.receipts import (
    ALPHABET,
    CODE_LENGTH,
    candidate_digests,
    format_code,
    generate_code,
    normalise_code,
    receipt_digest,
)
from tests.support.forms import EXE, PDF, PNG, office_zip


def test_code_has_at_least_80_bits_and_reads_in_groups():
    code = generate_code()
    assert len(code) == CODE_LENGTH and len(ALPHABET) == 32 and CODE_LENGTH * 5 >= 80
    assert set(code) <= set(ALPHABET)
    shown = format_code(code)
    assert shown.count(" ") == 4 and all(len(group) == 4 for group in shown.split(" "))
    assert len({generate_code() for _ in range(1000)}) == 1000


@given(st.text(alphabet=ALPHABET, min_size=CODE_LENGTH, max_size=CODE_LENGTH))
def test_entry_ignores_case_spaces_and_dashes(code):
    assert normalise_code(format_code(code).lower().replace(" ", " - ")) == code


def test_lookalike_letters_count_as_digits_and_junk_is_refused():
    assert normalise_code("O" * 20) == "0" * 20 and normalise_code("il" * 10) == "1" * 20
    assert normalise_code("ABC") is None and normalise_code("!" * 20) is None and normalise_code("") is None


def test_digest_carries_the_key_id_fits_the_column_and_tries_every_key():
    keyring = generate_keyring()
    code = generate_code()
    digest = receipt_digest(keyring, code)
    assert digest.startswith(keyring.active_index_key_id + ":") and len(digest) <= 100 and code not in digest
    rotated = keyring.with_new_index_key()
    assert digest in candidate_digests(rotated, code) and receipt_digest(rotated, code) != digest


@pytest.mark.parametrize(
    "name", ["../x.pdf", "a/b.pdf", "..\\x.pdf", ".htaccess", "", " ", "a\x00.pdf", "x\n.pdf", "x" * 201 + ".pdf", "a..pdf"]
)
def test_path_like_or_hidden_file_names_are_refused(name):
    with pytest.raises(AttachmentError, match="kunnen wij niet aannemen"):
        check_filename(name)


def test_ordinary_names_pass():
    assert check_filename("Foto van de loods (2).JPG") == "Foto van de loods (2).JPG"
    assert check_filename("verslag café.docx") == "verslag café.docx"


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (PDF, "pdf"), (PNG, "png"), (b"\xff\xd8\xff\xdb", "jpeg"), (b"GIF87a...", "gif"), (EXE, None),
        (b"gewone tekst\n", "txt"), (b"Received: from x\r\nFrom: a@b\r\n\r\nhoi", "eml"),
        (office_zip("docx"), "docx"), (office_zip("xlsx"), "xlsx"), (office_zip("odt"), "odt"),
        (b"PK\x03\x04 not really a zip", None), (b"\xff\xfe\x00\x00", None),
    ],
)
def test_type_is_detected_from_content(content, kind):
    assert detect_type(content[:8192], io.BytesIO(content)) == kind
