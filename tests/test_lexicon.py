"""User lexicons in the rule engine: names the shipped word lists lack (made-up
names in hand-made sentences, not corpus text), the TSV format, and jieba's logger."""
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from zhaoshang_ner import rules
from zhaoshang_ner.normalize import normalize
from zhaoshang_ner.rules import Lexicon

#: Invented names the engine cannot know: no trade word, suffix or park head gives them away.
COMPANY = "澜沧星辰"
PARK = "洱海数智湾"
SENTENCE = f"{COMPANY}在园区投资建设新项目，落户{PARK}。"
USER = {"company": [COMPANY], "park": [PARK]}


def found(text: str, lexicon=None) -> list[tuple[str, str]]:
    norm = normalize(text).text
    return [(norm[s:e], label) for s, e, label in rules.extract(norm, lexicon=lexicon)]


def test_user_names_are_found_only_with_the_lexicon():
    assert (COMPANY, "company") not in found(SENTENCE)
    assert (PARK, "park") not in found(SENTENCE)
    with_lexicon = found(SENTENCE, Lexicon.from_mapping(USER))
    assert (COMPANY, "company") in with_lexicon
    assert (PARK, "park") in with_lexicon


def test_extract_takes_anything_load_takes(tmp_path):
    tsv = tmp_path / "mine.tsv"
    tsv.write_text(f"{COMPANY}\tcompany\n{PARK}\tpark\n", encoding="utf-8")
    expected = found(SENTENCE, Lexicon.from_mapping(USER))
    for source in (USER, tsv, str(tsv), Lexicon.from_file(tsv)):
        assert found(SENTENCE, source) == expected


@pytest.mark.parametrize("text", [
    "项目总投资约192.8亿元，占地1200多亩。",
    "深港生物医药产业园引进比亚迪，发展生物医药。",
    SENTENCE,
])
def test_no_lexicon_and_an_empty_one_change_nothing(text):
    assert found(text, None) == found(text, Lexicon()) == found(text, {}) == found(text)


def test_seed_reports_unchanged_by_an_unrelated_lexicon(seed_texts):
    unrelated = Lexicon.from_mapping({"company": ["不会出现的名字甲乙丙"]})
    for text in seed_texts.values():
        norm = normalize(text).text
        assert rules.extract(norm, lexicon=unrelated) == rules.extract(norm)


def test_user_entry_wins_where_it_overlaps_the_engine():
    text = "落户苍山智造谷，澜沧江光电在园区投资建设新项目。"
    engine = found(text)
    assert ("苍山智造谷", "park") in engine and ("澜沧江光电", "company") in engine
    # relabel one engine name, and cut across another
    mine = found(text, {"company": ["苍山智造谷"], "park": ["江光电在园区"]})
    assert ("苍山智造谷", "company") in mine
    assert ("江光电在园区", "park") in mine
    assert ("澜沧江光电", "company") not in mine
    norm = normalize(text).text
    spans = rules.extract(norm, lexicon={"company": ["苍山智造谷"], "park": ["江光电在园区"]})
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))


def test_longest_user_name_first_and_every_occurrence():
    lex = Lexicon.from_mapping({"company": ["澜沧星辰", "澜沧星辰科技"], "park": ["星辰科技园"]})
    text = "澜沧星辰科技园区内，澜沧星辰科技与澜沧星辰签约。"
    spans = lex.find(text)
    assert [(text[s:e], lab) for s, e, lab in spans] == [
        ("澜沧星辰科技", "company"), ("澜沧星辰科技", "company"), ("澜沧星辰", "company")]
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))


def test_traditional_text_matches_a_simplified_entry_and_back():
    traditional = "瀾滄星辰在園區投資建設新項目，落戶洱海數智灣。"
    assert (COMPANY, "company") in found(traditional, USER)
    assert (PARK, "park") in found(traditional, USER)
    # an entry written in traditional characters matches simplified text
    assert (COMPANY, "company") in found(SENTENCE, {"company": ["瀾滄星辰"]})
    assert Lexicon.from_mapping({"company": ["瀾滄星辰"]}).names("company") == {COMPANY}


def test_full_width_entry_is_normalised():
    lex = Lexicon.from_mapping({"company": ["ＡＢＣ光电"]})
    assert lex.names("company") == {"ABC光电"}
    assert "ＡＢＣ光电" in lex and "ABC光电" in lex


# ---------------------------------------------------------------- building and loading


def test_from_file_skips_comments_and_blank_lines(tmp_path):
    path = tmp_path / "lex.tsv"
    path.write_text(
        "\ufeff# my parks and firms\n"
        "\n"
        f"{COMPANY}\tcompany\n"
        "   \n"
        f"  {PARK}\tpark   # a comment after the label\n"
        "# 澜沧江\tcompany\n"
        "十亿元\tamount\n",
        encoding="utf-8",
    )
    lex = Lexicon.from_file(path)
    assert lex.to_dict() == {"company": {COMPANY}, "park": {PARK}, "amount": {"十亿元"}}
    assert len(lex) == 3
    assert lex == Lexicon.from_mapping({"company": COMPANY, "park": [PARK], "amount": ["十亿元"]})


@pytest.mark.parametrize("body, line, words", [
    (f"{COMPANY}\tcompany\n{PARK}\tplace\n", 2, "unknown label 'place'"),
    (f"# header\n\n{COMPANY} company\n", 3, "expected 'name<TAB>label'"),
    (f"{COMPANY}\n", 1, "expected 'name<TAB>label'"),
    (f"\tcompany\n", 1, "expected 'name<TAB>label'"),
    (f"{COMPANY}\t\n{PARK}\tpark\n", 1, "expected 'name<TAB>label'"),
    (f"{COMPANY}\tcompany\tpark\n", 1, "expected 'name<TAB>label'"),
    (f"{COMPANY}\tcompany\n{COMPANY}\tpark\n", 2, "'company' on line 1"),
])
def test_from_file_errors_name_the_file_and_line(tmp_path, body, line, words):
    path = tmp_path / "bad.tsv"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ValueError) as err:
        Lexicon.from_file(path)
    message = str(err.value)
    assert "\n" not in message
    assert f"{path}, line {line}:" in message
    assert words in message


def test_from_mapping_errors():
    with pytest.raises(ValueError, match="unknown label 'firm'"):
        Lexicon.from_mapping({"firm": ["澜沧星辰"]})
    with pytest.raises(ValueError, match="both"):
        Lexicon.from_mapping({"company": ["瀾滄星辰"], "park": ["澜沧星辰"]})
    with pytest.raises(ValueError, match="empty"):
        Lexicon.from_mapping({"company": ["  "]})
    with pytest.raises(TypeError):
        Lexicon.from_mapping({"company": [3]})


def test_load():
    lex = Lexicon.from_mapping(USER)
    assert Lexicon.load(lex) is lex
    assert len(Lexicon.load(None)) == 0 and not Lexicon.load(None)
    assert Lexicon.load(USER) == lex
    with pytest.raises(TypeError, match="lexicon"):
        Lexicon.load(42)
    with pytest.raises(FileNotFoundError):
        Lexicon.load(Path("/nonexistent/lexicon.tsv"))


def test_names_and_repr():
    lex = Lexicon.from_mapping(USER)
    assert lex.names("company") == {COMPANY}
    assert lex.names("industry") == frozenset()
    with pytest.raises(ValueError):
        lex.names("firm")
    assert "company: 1" in repr(lex) and "park: 1" in repr(lex)


# ---------------------------------------------------------------- jieba's logger


def test_jieba_logger_level_is_left_alone():
    import jieba  # noqa: F401  (importing jieba sets its own level; that is jieba's doing)

    logger = logging.getLogger("jieba")
    before = logger.level
    try:
        logger.setLevel(logging.ERROR)
        rules._tokenizer.cache_clear()  # the next call loads jieba's dictionary again
        rules.extract("澜沧江光电在苍山智造谷投资建设新项目。")
        assert logger.level == logging.ERROR
    finally:
        logger.setLevel(before)


def test_jieba_logger_untouched_in_a_fresh_process():
    """Even jieba's import-time level and its dictionary-loading chatter stay out of the caller's way."""
    code = (
        "import logging\n"
        "logging.getLogger('jieba').setLevel(logging.INFO)\n"
        "from zhaoshang_ner import rules\n"
        "rules.extract('澜沧江光电在苍山智造谷投资建设新项目。')\n"
        "assert logging.getLogger('jieba').level == logging.INFO, logging.getLogger('jieba').level\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "prefix dict" not in run.stderr


@pytest.mark.skipif(not __import__("zhaoshang_ner.neural", fromlist=["x"]).shipped_model_available(),
                    reason="no shipped model")
def test_a_user_lexicon_reaches_the_model_through_its_rule_features():
    from zhaoshang_ner import predict

    sentence = "澜沧星辰在洱海数智湾投资建设新项目。"
    without = {(e.label, e.text) for e in predict(sentence, engine="model").entities}
    with_lex = {(e.label, e.text) for e in predict(sentence, engine="model",
                                                   lexicon={"park": ["洱海数智湾"]}).entities}
    assert ("park", "洱海数智湾") not in without
    assert ("park", "洱海数智湾") in with_lex
