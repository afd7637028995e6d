import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from zhaoshang_ner.bio import tags_to_spans
from zhaoshang_ner.encoding import BREAKS, char_to_token, decode, encode_chars, sentence_windows, viterbi, windows
from zhaoshang_ner.labels import TAGS


@settings(max_examples=200)
@given(st.integers(0, 2000), st.integers(1, 300), st.data())
def test_windows_cover_every_character(length, max_chars, data):
    stride = data.draw(st.integers(1, max_chars))
    ws = windows(length, max_chars, stride)
    covered = set()
    for s, e in ws:
        assert 0 <= s < e <= length or length == 0
        assert e - s <= max_chars
        covered.update(range(s, e))
    assert covered == set(range(length))


@settings(max_examples=300)
@given(st.text(alphabet="甲乙丙，。；\n", max_size=600), st.integers(2, 80), st.data())
def test_sentence_windows_cover_every_character_and_end_at_sentence_ends(text, max_chars, data):
    stride = data.draw(st.integers(1, max_chars))
    ws = sentence_windows(text, max_chars, stride)
    covered = set()
    for k, (s, e) in enumerate(ws):
        assert e - s <= max_chars and (s < e or len(text) == 0)
        covered.update(range(s, e))
        nxt = ws[k + 1][0] if k + 1 < len(ws) else None
        if nxt is None:
            continue
        if text[e - 1] in BREAKS and nxt == e:  # cut after a sentence end, no overlap
            continue
        # no sentence end in the window's second half: the overlapping fallback
        assert nxt == s + stride and not any(c in BREAKS for c in text[s + max_chars // 2:e])
    assert covered == set(range(len(text)))
    assert ws[-1][1] == len(text)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 30), st.integers(0, 10_000))
def test_viterbi_emits_valid_iob2(length, seed):
    rng = np.random.default_rng(seed)
    probs = rng.dirichlet(np.ones(len(TAGS)), size=length)
    ids = viterbi(np.log(probs))
    tags = [TAGS[i] for i in ids]
    for prev, cur in zip(["O"] + tags, tags):
        if cur.startswith("I-"):
            assert prev[2:] == cur[2:] and prev != "O"
    spans = decode(probs)
    assert [(s, e, lab) for s, e, lab, _ in spans] == tags_to_spans(tags)
    assert all(0 <= score <= 1 for *_, score in spans)


def test_every_character_is_one_token():
    vocab = {"<unk>": 0, "▁": 1, "中": 2, "A": 3}
    assert char_to_token(" ", vocab) == "▁" and char_to_token("\u3000", vocab) == "▁"
    assert char_to_token("龘", vocab) == "<unk>"
    assert encode_chars("中 A龘", vocab) == [2, 1, 3, 0]


def test_crf_marginals_are_distributions_and_follow_the_emissions():
    import numpy as np

    from zhaoshang_ner.encoding import CrfScores, decode, marginals
    from zhaoshang_ner.labels import TAGS

    rng = np.random.default_rng(0)
    n = len(TAGS)
    crf = CrfScores(start=rng.normal(size=n), end=rng.normal(size=n), transitions=rng.normal(size=(n, n)))
    probs = rng.dirichlet(np.ones(n), size=12)
    m = marginals(np.log(probs), crf)
    assert np.allclose(m.sum(1), 1.0)
    assert (m[:, [TAGS.index(t) for t in TAGS if t.startswith("I-")]][0] < 1e-6).all()  # no I- opens a text
    # confident emissions of one entity: its span is found with a confidence near 1
    sharp = np.full((4, n), 1e-6)
    for k, t in enumerate(["O", "B-park", "I-park", "O"]):
        sharp[k, TAGS.index(t)] = 1.0
    flat = CrfScores(start=np.zeros(n), end=np.zeros(n), transitions=np.zeros((n, n)))
    (span,) = decode(sharp / sharp.sum(1, keepdims=True), flat)
    assert span[:3] == (1, 3, "park") and span[3] > 0.99


def test_a_tagger_cuts_an_area_the_model_ran_past_its_unit():
    from zhaoshang_ner.encoding import WindowedTagger
    from zhaoshang_ner.features import FeatureSet

    text = "征地1000亩地建设"

    class Fixed(WindowedTagger):
        # a forward pass that tags 1000亩地 (characters 2-7) as one area
        def __init__(self):
            self.vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3, "▁": 4}
            self._configure({"window_chars": 32}, None, None, 8, False)
            self.features = FeatureSet(rules=False)

        def _forward(self, input_ids, types, mask):
            logits = np.zeros((*input_ids.shape, len(TAGS)))
            logits[:, :, TAGS.index("O")] = 5
            for k in range(input_ids.shape[0]):
                logits[k, 1 + 2, TAGS.index("B-area")] = 10
                logits[k, 1 + 3:1 + 8, TAGS.index("I-area")] = 10
            return logits

    spans = Fixed().predict_spans([text])[0]
    assert [(text[s:e], label) for s, e, label, _ in spans] == [("1000亩", "area")]
