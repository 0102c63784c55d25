"""The run layer writes what render made (``run/publish.py``, choix C-152): documents in
place atomically, the files a family replaces moved to history, an identical rerun
leaving files untouched, xlsxwriter's scratch folder removed however rendering ends."""

from __future__ import annotations

import datetime as dt

import pytest

from reconcile.core.model import Document
from reconcile.core.safeio import scratch
from reconcile.render.xlsx import Book
from reconcile.run.publish import write_family, write_titres

PATTERN = "releves/releve_*.xlsx"


def _documents(*names: str, data: bytes = b"v1") -> list[Document]:
    return [Document(f"releves/releve_{n}.xlsx", data) for n in names]


def test_a_family_replaces_what_it_no_longer_makes(tmp_path):
    write_family(tmp_path, _documents("A", "B"), PATTERN)
    before = (tmp_path / "releves" / "releve_A.xlsx").stat().st_mtime_ns
    written = write_family(tmp_path, iter(_documents("A")), PATTERN)  # lazy, as render gives
    folder = tmp_path / "releves"
    assert written == [folder / "releve_A.xlsx"]
    assert (folder / "releve_A.xlsx").stat().st_mtime_ns == before  # identical: untouched
    assert not (folder / "releve_B.xlsx").exists()
    assert [p.name.startswith("releve_B_") for p in (folder / "historique").iterdir()] == [True]
    assert not list(folder.glob(".*.tmp"))


def test_a_changed_document_keeps_the_previous_version(tmp_path):
    write_family(tmp_path, _documents("A"), PATTERN)
    write_family(tmp_path, _documents("A", data=b"v2"), PATTERN)
    folder = tmp_path / "releves"
    assert (folder / "releve_A.xlsx").read_bytes() == b"v2"
    assert [p.read_bytes() for p in (folder / "historique").iterdir()] == [b"v1"]


def test_the_titres_to_issue_keep_or_replace_the_month_s_pes_aller(tmp_path):
    workbook = Document("titres_a_emettre_2026-11.xlsx", b"xlsx")
    (tmp_path / "PESALR2_2026-11_T10.xml").write_bytes(b"sent")
    kept = write_titres(tmp_path, (workbook, Document("PESALR2_2026-11_T12.xml", b"new")),
                        "PESALR2_2026-11*.xml", keep=True)
    assert [p.name for p in kept] == ["titres_a_emettre_2026-11.xlsx"]
    assert (tmp_path / "PESALR2_2026-11_T10.xml").read_bytes() == b"sent"
    replaced = write_titres(tmp_path, (workbook, Document("PESALR2_2026-11_T12.xml", b"new")),
                            "PESALR2_2026-11*.xml", keep=False)
    assert [p.name for p in replaced] == ["titres_a_emettre_2026-11.xlsx",
                                          "PESALR2_2026-11_T12.xml"]
    assert not (tmp_path / "PESALR2_2026-11_T10.xml").exists()
    assert [p.read_bytes() for p in (tmp_path / "historique").iterdir()] == [b"sent"]


def test_a_streamed_book_leaves_no_scratch_folder_behind(tmp_path):
    """A large book streams through the scratch folder, which is gone afterwards, even
    when rendering fails half way; the bytes are a workbook."""
    created = dt.datetime(2026, 11, 30)
    with scratch(tmp_path) as room:
        book = Book(created, room)
        book.text(book.sheet("Feuille"), 0, 0, "=1+1")
        data = book.close()
    assert data[:2] == b"PK" and list(tmp_path.iterdir()) == []
    with pytest.raises(RuntimeError), scratch(tmp_path) as room:
        book = Book(created, room)
        book.text(book.sheet("Feuille"), 0, 0, "x")
        raise RuntimeError("rendering failed")
    assert list(tmp_path.iterdir()) == []
