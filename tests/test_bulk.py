"""``zhaoshang-ner table``: a folder of mixed reports to one table, streamed, resumable."""
import hashlib
import sqlite3
import sys

import pytest

from zhaoshang_ner import api
from zhaoshang_ner.bulk import expand_inputs, run_table
from zhaoshang_ner.cli import main
from zhaoshang_ner.readers import html_text, read_any
from zhaoshang_ner.writers import to_frame

docx = pytest.importorskip("docx")
pytest.importorskip("pypdf")

#: Made-up sentences in the reports' style (never corpus text).
REPORT = ("2023年5月，广东瑞庆时代新能源科技有限公司在肇庆高新区签约，项目总投资约16亿元，占地200亩，"
          "主要生产锂电池。\n该项目建成后年产值超30亿元。")
OTHER = "今年3月，星河智能装备有限公司落户高要区金利工业园，计划投资5亿元，用地80亩，建设智能装备生产基地。"
GOOD = {"a_utf8.txt", "b_bom.txt", "c_gbk.txt", "d_utf16.txt", "e_word.docx", "f_scan.pdf", "g_page.html",
        "sub/h_more.txt"}


def cjk_pdf(text: str) -> bytes:
    """A one-page PDF whose text layer is ``text``: a Type0 font with a ToUnicode map (no glyphs needed)."""
    chars = sorted(set(text) - {"\n"})
    cid = {c: i + 1 for i, c in enumerate(chars)}
    ops = ["BT", "/F1 12 Tf", "14 TL", "50 780 Td"]
    ops += ["<" + "".join(f"{cid[c]:04X}" for c in line) + "> Tj T*" for line in text.split("\n")]
    content = "\n".join(ops + ["ET"]).encode("ascii")
    bf = "\n".join(f"<{cid[c]:04X}> <{c.encode('utf-16-be').hex().upper()}>" for c in chars)
    cmap = ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /Custom def "
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def "
            "1 begincodespacerange <0000> <FFFF> endcodespacerange "
            f"{len(chars)} beginbfchar\n{bf}\nendbfchar endcmap CMapName currentdict /CMap defineresource pop "
            "end end").encode("ascii")
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /NoFont /Encoding /Identity-H /DescendantFonts [6 0 R] "
        b"/ToUnicode 7 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /NoFont /CIDSystemInfo << /Registry (Adobe) "
        b"/Ordering (Identity) /Supplement 0 >> /FontDescriptor 8 0 R /DW 1000 >>",
        b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream",
        b"<< /Type /FontDescriptor /FontName /NoFont /Flags 4 /FontBBox [0 0 1000 1000] /ItalicAngle 0 "
        b"/Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


@pytest.fixture
def reports(tmp_path, monkeypatch):
    """A folder as users have them: every encoding, Word, PDF, HTML, an empty file and two broken ones."""
    monkeypatch.chdir(tmp_path)
    d = tmp_path / "reports"
    (d / "sub").mkdir(parents=True)
    (d / "a_utf8.txt").write_bytes(REPORT.encode("utf-8"))
    (d / "b_bom.txt").write_bytes(b"\xef\xbb\xbf" + (OTHER + "\r\n" + REPORT).encode("utf-8"))
    (d / "c_gbk.txt").write_bytes((OTHER + "\n" + REPORT).encode("gbk"))
    (d / "d_utf16.txt").write_bytes(REPORT.encode("utf-16"))
    word = docx.Document()
    word.add_paragraph(OTHER)
    table = word.add_table(rows=1, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "投资方", "星河智能装备有限公司"
    word.save(d / "e_word.docx")
    (d / "f_scan.pdf").write_bytes(cjk_pdf(REPORT))
    (d / "g_page.html").write_bytes(
        ('<html><head><meta charset="gb2312"><title>招商快讯</title><script>var a = "肇庆高新区";</script>'
         f"<style>p {{}}</style></head><body><h1>签约&amp;落户</h1><p>{OTHER}</p></body></html>").encode("gbk"))
    (d / "sub" / "h_more.txt").write_text(REPORT, encoding="utf-8")
    (d / "sub" / "i_empty.txt").write_bytes(b"")
    (d / "z_broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog")
    (d / "z_broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (d / "notes.md").write_text("not a report format", encoding="utf-8")
    return d


def _docs(out, fmt=None):
    return {r["doc"]: r for r in to_frame(out, "documents", format=fmt).to_dict("records")}


def _check_tables(out, folder_name="reports"):
    """Every table, linked by doc, with offsets into the text the reader returns."""
    docs = _docs(out)
    assert set(docs) == {f"{folder_name}/{n}" for n in GOOD | {"sub/i_empty.txt", "z_broken.pdf", "z_broken.docx"}}
    assert {d for d, r in docs.items() if r["status"] == "ok"} == {f"{folder_name}/{n}" for n in GOOD}
    assert docs[f"{folder_name}/sub/i_empty.txt"]["status"] == "empty"
    assert docs[f"{folder_name}/z_broken.pdf"]["status"] == "error"
    assert "PDF" in docs[f"{folder_name}/z_broken.pdf"]["error"]
    assert docs[f"{folder_name}/z_broken.docx"]["status"] == "error"
    assert docs[f"{folder_name}/c_gbk.txt"]["encoding"] == "gb18030"
    assert docs[f"{folder_name}/d_utf16.txt"]["encoding"].startswith("utf-16")
    entities = to_frame(out, "entities").to_dict("records")
    projects = to_frame(out, "projects").to_dict("records")
    assert {e["doc"] for e in entities} <= {d for d, r in docs.items() if r["status"] == "ok"}
    for doc, row in docs.items():
        if row["status"] == "error":
            continue
        text = read_any(doc).text
        assert row["sha256"] == hashlib.sha256(text.encode("utf-8")).hexdigest()
        assert row["chars"] == len(text)
        mine = [e for e in entities if e["doc"] == doc]
        assert len(mine) == row["entities"]
        for e in mine:
            assert text[int(e["start"]):int(e["end"])] == e["text"]
        for p in (p for p in projects if p["doc"] == doc):
            assert text[int(p["evidence_start"]):int(p["evidence_end"])] == p["evidence"]
    return docs, entities, projects


def test_folder_to_csv_in_one_command(reports, capsys):
    assert main(["table", "reports", "--out", "out.csv", "--engine", "rules"]) == 1  # 1: some files failed
    captured = capsys.readouterr()
    assert captured.out == ""  # the results are in the file
    err = captured.err.splitlines()
    assert sum("z_broken.pdf" in line for line in err) == 1 and sum("z_broken.docx" in line for line in err) == 1
    assert "2 FAILED" in err[-1] and "11 document(s)" in err[-1]
    docs, entities, projects = _check_tables("out.csv")
    # the BOM file's CRLFs stay: offsets index the text exactly as decoded
    assert "\r\n" in read_any("reports/b_bom.txt").text
    # the rows users want: company, park, money with its role, land with its role, from every format
    signed = [p for p in projects if p["doc"] in ("reports/a_utf8.txt", "reports/f_scan.pdf", "reports/d_utf16.txt")]
    assert len(signed) >= 3
    for p in signed:
        assert p["company"] == "广东瑞庆时代新能源科技有限公司" and p["park"] == "肇庆高新区"
        assert p["total_investment_cny"] == 1_600_000_000 and p["land_m2"] > 0
        assert "总投资 16亿元 (1600000000 CNY, approximate)" in p["amounts"]
    assert any(p["doc"] == "reports/e_word.docx" and p["company"] == "星河智能装备有限公司" for p in projects)
    assert any(p["doc"] == "reports/g_page.html" and p["company"] == "星河智能装备有限公司" for p in projects)
    assert not any("notes.md" in d for d in docs)


def test_folder_to_xlsx_and_sqlite(reports, capsys):
    pytest.importorskip("openpyxl")
    assert main(["table", "reports", "--out", "out.xlsx", "--engine", "rules"]) == 1
    assert "z_broken.pdf" in capsys.readouterr().err
    assert not list(reports.parent.glob("*.journal.jsonl"))  # a finished run leaves only the workbook
    xlsx = _check_tables("out.xlsx")

    assert main(["table", "reports/**", "--out", "out.sqlite", "--engine", "rules"]) == 1  # a glob works too
    db_docs, db_entities, db_projects = _check_tables("out.sqlite")
    assert len(db_projects) == len(xlsx[2]) and len(db_entities) == len(xlsx[1])
    with sqlite3.connect("out.sqlite") as db:  # three tables linked by doc
        joined = db.execute("SELECT d.encoding, p.company FROM projects p JOIN documents d ON d.doc = p.doc "
                            "WHERE d.doc = 'reports/c_gbk.txt'").fetchall()
        bad = db.execute("SELECT status, error FROM documents WHERE doc = 'reports/z_broken.docx'").fetchone()
    assert joined and all(enc == "gb18030" for enc, _ in joined)
    assert bad[0] == "error" and ".docx" in bad[1]


@pytest.mark.parametrize("out", ["out.csv", "out.jsonl", "out.sqlite", "out.xlsx", "out.parquet", "out/"])
def test_interrupted_run_resumes_without_duplicates(reports, monkeypatch, capsys, out):
    if out.endswith(".xlsx"):
        pytest.importorskip("openpyxl")
    if out.endswith((".parquet", "/")):
        pytest.importorskip("pyarrow")
    pytest.importorskip("pandas")
    assert main(["table", "reports", "--out", "clean" + out[3:], "--engine", "rules"]) == 1
    real = api.ENGINES["rules"]
    calls = []

    def flaky(texts, lexicon):
        calls.append(texts)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return real(texts, lexicon)

    monkeypatch.setitem(api.ENGINES, "rules", flaky)
    assert main(["table", "reports", "--out", out, "--engine", "rules"]) == 130
    assert "--resume" in capsys.readouterr().err
    partial = _docs(out)
    assert 0 < len(partial) < 11  # what finished before Ctrl-C is kept, in every format
    monkeypatch.setitem(api.ENGINES, "rules", real)

    assert main(["table", "reports", "--out", out, "--engine", "rules"]) == 2  # never appended to by accident
    assert "--resume" in capsys.readouterr().err
    assert main(["table", "reports", "--out", out, "--engine", "rules", "--resume"]) == 1
    assert "already written" in capsys.readouterr().err
    for table in ("documents", "entities", "projects"):
        got = to_frame(out, table).sort_values(list(to_frame(out, table).columns[:3])).reset_index(drop=True)
        want = to_frame("clean" + out[3:], table)
        want = want.sort_values(list(want.columns[:3])).reset_index(drop=True)
        assert len(got) == len(want), table
        assert got["doc"].tolist() == want["doc"].tolist(), table
    assert to_frame(out, "documents")["doc"].is_unique

    # a second resume has nothing left but the broken files (retried: they may have been fixed)
    calls.clear()
    monkeypatch.setitem(api.ENGINES, "rules", flaky)
    assert main(["table", "reports", "--out", out, "--engine", "rules", "--resume"]) == 1
    assert calls == []
    assert len(_docs(out)) == 11


def test_resume_redoes_a_changed_or_fixed_file(reports, capsys):
    assert main(["table", "reports", "--out", "out.csv", "--engine", "rules"]) == 1
    (reports / "a_utf8.txt").write_text(OTHER, encoding="utf-8")
    (reports / "z_broken.pdf").write_bytes(cjk_pdf(OTHER))
    (reports / "z_broken.docx").unlink()
    assert main(["table", "reports", "--out", "out.csv", "--engine", "rules", "--resume"]) == 0
    docs = _docs("out.csv")
    assert docs["reports/z_broken.pdf"]["status"] == "ok"
    assert docs["reports/z_broken.docx"]["status"] == "error"  # no longer an input: its row stays as it was
    projects = to_frame("out.csv").to_dict("records")
    mine = [p for p in projects if p["doc"] == "reports/a_utf8.txt"]
    assert mine and all(p["company"] == "星河智能装备有限公司" for p in mine)  # old rows replaced, not added to
    assert len(docs) == 11


def test_half_written_document_is_dropped_on_resume(reports, capsys):
    """A crash between a document's rows and its documents row leaves rows that must not count twice."""
    assert main(["table", "reports/a_utf8.txt", "--out", "out.jsonl", "--engine", "rules"]) == 0
    n = len(to_frame("out.jsonl"))
    with open("out.jsonl", "a", encoding="utf-8") as fh:  # rows of a document whose run died
        fh.write('{"doc": "reports/d_utf16.txt", "record": 0}\n{"doc": "reports/d_utf')
    assert main(["table", "reports/a_utf8.txt", "reports/d_utf16.txt", "--out", "out.jsonl", "--engine", "rules",
                 "--resume"]) == 0
    frame = to_frame("out.jsonl")
    assert len(frame) == 2 * n and sorted(frame["doc"]) == ["reports/a_utf8.txt"] * n + ["reports/d_utf16.txt"] * n


def test_inputs_files_folders_and_globs(reports):
    given = ["reports/sub", "reports/*.docx", "reports/a_utf8.txt", "reports/sub/h_more.txt"]
    ids = [d for d, _ in expand_inputs(given)]
    assert ids == ["reports/sub/h_more.txt", "reports/sub/i_empty.txt", "reports/e_word.docx", "reports/z_broken.docx",
                   "reports/a_utf8.txt"]
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        expand_inputs(["reports/nope.txt"])
    with pytest.raises(FileNotFoundError, match="no file matches"):
        expand_inputs(["reports/*.xls"])
    assert [d for d, _ in expand_inputs(["reports/*.md"])] == ["reports/notes.md"]  # named by extension: taken
    assert "reports/notes.md" not in [d for d, _ in expand_inputs(["reports/**"])]


def test_output_inside_the_input_folder_is_not_read_back(reports, capsys):
    assert main(["--quiet", "table", "reports", "--out", "reports/out.csv", "--engine", "rules"]) == 1
    err = capsys.readouterr().err
    assert "z_broken.pdf" in err  # --quiet keeps the failures, drops the summary
    assert main(["table", "reports", "--out", "reports/out.csv", "--engine", "rules", "--resume"]) == 1
    assert not any("out." in d for d in _docs("reports/out.csv"))


def test_user_errors_are_one_line(reports, capsys):
    assert main(["table", "reports", "--out", "out.txt"]) == 2
    assert "--format" in capsys.readouterr().err
    assert main(["table", "missing_folder", "--out", "out.csv"]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    assert main(["table", "reports", "--out", "out.csv", "--engine", "nope"]) == 2
    assert "unknown engine" in capsys.readouterr().err
    assert not (reports.parent / "out.csv").exists()


def test_progress_bar_only_when_asked(reports, capsys):
    pytest.importorskip("tqdm")
    run_table(["reports/a_utf8.txt", "reports/c_gbk.txt"], "bar.csv", engine="rules", progress=True)
    assert "2/2" in capsys.readouterr().err
    run_table(["reports/a_utf8.txt"], "quiet.csv", engine="rules", progress=None)  # stderr is no terminal here
    assert "1/1" not in capsys.readouterr().err


def test_to_frame_needs_pandas_and_says_so(reports, monkeypatch):
    run_table(["reports/a_utf8.txt"], "out.csv", engine="rules", progress=False)
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="pip install pandas"):
        to_frame("out.csv")


def test_html_text_keeps_what_a_reader_sees():
    page = ("<html><head><title>标题</title><style>.a{}</style><script>x = '<p>no</p>'</script></head>"
            "<body><p>第一段  文字&amp;符号</p><table><tr><td>甲</td><td>乙</td></tr></table><br>末</body></html>")
    assert html_text(page) == "标题\n\n第一段 文字&符号\n\n甲\t乙\n\n末"


def test_a_pdf_without_text_is_an_error_not_an_empty_report(tmp_path):
    from zhaoshang_ner.bulk import read_one

    (tmp_path / "scan.pdf").write_bytes(cjk_pdf(" "))
    doc = read_one("scan.pdf", tmp_path / "scan.pdf")
    assert doc.status == "error" and "no text layer" in doc.error and "OCR" in doc.error
    (tmp_path / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    assert "save it as .docx" in read_one("old.doc", tmp_path / "old.doc").error


def test_a_parquet_folder_is_written_in_parts_and_a_cut_part_is_redone(reports, monkeypatch, capsys):
    """out/ holds one Parquet dataset per table; a part whose documents file never came is dropped on resume."""
    pytest.importorskip("pyarrow")
    from zhaoshang_ner.writers import ParquetDatasetWriter

    monkeypatch.setattr(ParquetDatasetWriter, "part_docs", 3)
    assert main(["table", "reports", "--out", "out/", "--engine", "rules"]) == 1
    parts = sorted(p.name for p in (reports.parent / "out" / "documents").iterdir())
    assert parts == [f"part-{i:06d}.parquet" for i in range(4)]  # 11 documents, 3 per part
    whole = {t: to_frame("out/", t) for t in ("projects", "entities", "documents")}
    assert whole["documents"]["doc"].is_unique and len(whole["documents"]) == 11
    assert main(["table", "reports", "--out", "clean.csv", "--engine", "rules"]) == 1
    assert whole["entities"]["text"].tolist() == to_frame("clean.csv", "entities")["text"].tolist()

    (reports.parent / "out" / "documents" / "part-000003.parquet").unlink()  # died before the part's last file
    assert main(["table", "reports", "--out", "out/", "--engine", "rules", "--resume"]) == 1
    kept = (whole["documents"]["status"][:9] != "error").sum()  # failed documents are always tried again
    assert f"{kept} already written" in capsys.readouterr().err
    again = to_frame("out/", "entities")
    assert sorted(again["doc"] + again["start"].astype(str)) == sorted(whole["entities"]["doc"] + whole["entities"]["start"].astype(str))
