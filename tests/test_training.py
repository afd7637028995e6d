"""Training end to end on CPU with a tiny, randomly initialised BERT (no download)."""
import json
import random

import pytest

from zhaoshang_ner.evaluate import evaluate
from zhaoshang_ner.gold import GoldDoc, GoldEntity
from training.config import TrainConfig
from training.crossval import model_predictions
from training.train import allowed_set_loss, train

COMPANIES = ["比亚迪", "华为", "小鹏汽车", "瑞声科技", "中芯国际", "宁德时代"]
PARKS = ["肇庆高新区", "坪山高新区", "晋江经济开发区", "增城开发区"]


def synthetic_doc(i: int, rng: random.Random) -> GoldDoc:
    text, ents = "", []
    for _ in range(6):
        c, p, n = rng.choice(COMPANIES), rng.choice(PARKS), rng.randint(2, 99)
        parts = [(c, "company"), ("在", None), (p, "park"), ("投资", None), (f"{n}亿元", "amount"), ("。", None)]
        for piece, label in parts:
            if label:
                ents.append(GoldEntity(len(text), len(text) + len(piece), label))
            text += piece
    return GoldDoc(f"s{i}", text, ents)


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory):
    from transformers import BertConfig, BertModel

    d = tmp_path_factory.mktemp("tiny-bert")
    chars = sorted(set("".join(COMPANIES + PARKS) + "在投资亿元。0123456789"))
    vocab = ["<s>", "<pad>", "</s>", "<unk>", "<mask>", "▁"] + chars
    (d / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    cfg = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=128, pad_token_id=1)
    BertModel(cfg, add_pooling_layer=False).save_pretrained(d)
    return d


def test_tiny_model_learns_and_predicts_valid_spans(tiny_base, tmp_path):
    rng = random.Random(0)
    train_docs = [synthetic_doc(i, rng) for i in range(12)]
    test_docs = [synthetic_doc(100 + i, rng) for i in range(3)]
    cfg = TrainConfig(base_model=str(tiny_base), num_layers=None, max_chars=64, stride=48, epochs=12,
                      batch_size=8, learning_rate=3e-3, head_learning_rate=3e-3, seed=1, use_corpus=False)
    lines = []
    model = train(cfg, train_docs, tmp_path / "out", log=lines.append)
    epochs = [json.loads(x) for x in lines if '"epoch"' in x]
    assert epochs[-1]["loss"] < 0.5 * epochs[0]["loss"]
    vocab = {w: i for i, w in enumerate((tiny_base / "vocab.txt").read_text(encoding="utf-8").splitlines())}
    preds = model_predictions(model, vocab, test_docs)
    for d in test_docs:
        for s, e, label in preds[d.id]:
            assert 0 <= s < e <= len(d.text)
    result = evaluate("tiny", test_docs, preds)
    assert result.micro().f1 >= 0.5, result.micro().as_dict()
    # the saved folder is a loadable model for predict(): weights, vocab, config, training info
    saved = tmp_path / "out"
    assert {"config.json", "model.safetensors", "vocab.txt", "training_info.json"} <= {p.name for p in saved.iterdir()}
    from zhaoshang_ner.neural import Recognizer

    rec = Recognizer(saved)
    spans = rec.predict_spans([test_docs[0].text])[0]
    assert all(0 <= s < e <= len(test_docs[0].text) for s, e, *_ in spans)
    # inference windows are the training windows (longer ones reach positions fine-tuning never saw)
    assert (rec.max_chars, rec.stride) == (64, 16)
    assert Recognizer(saved, max_chars=40, stride=10).max_chars == 40


def test_allowed_set_loss_is_cross_entropy_for_single_tags():
    import torch

    logits = torch.randn(2, 5, 11)
    target = torch.randint(0, 11, (2, 5))
    allowed = torch.nn.functional.one_hot(target, 11).bool()
    mask = torch.ones(2, 5, dtype=torch.bool)
    expected = torch.nn.functional.cross_entropy(logits.reshape(-1, 11), target.reshape(-1))
    assert allowed_set_loss(logits, allowed, mask).item() == pytest.approx(expected.item(), rel=1e-5)
    # allowing every tag costs nothing
    assert allowed_set_loss(logits, torch.ones_like(allowed), mask).item() == pytest.approx(0.0, abs=1e-6)


def test_mention_replacement_keeps_spans_valid_and_draws_from_training_docs():
    from zhaoshang_ner.validate import check_doc
    from training.augment import mention_pool, mention_replaced_docs

    rng = random.Random(3)
    docs = [synthetic_doc(i, rng) for i in range(6)]
    out = mention_replaced_docs(docs, 1.0, seed=2, p_replace=1.0)
    assert len(out) == 6
    pool = mention_pool(docs)
    for d in out:
        assert check_doc(d.id, d.text, [{"start": e.start, "end": e.end, "label": e.label} for e in d.entities],
                         has_surface=False) == []
        for e in d.entities:
            if e.label in ("company", "park"):
                assert d.text[e.start:e.end] in pool[e.label]


def test_gazetteer_features_train_factored_and_save_as_one_plain_table(tiny_base, tmp_path):
    """The factored table (rule row + gazetteer row) and the saved plain table give the same logits."""
    import torch

    from zhaoshang_ner.features import FeatureSet
    from zhaoshang_ner.labels import TAGS
    from zhaoshang_ner.neural import Recognizer
    from training.train import save

    rng = random.Random(0)
    docs = [synthetic_doc(i, rng) for i in range(4)]
    cfg = TrainConfig(base_model=str(tiny_base), num_layers=None, max_chars=64, stride=48, epochs=1,
                      batch_size=8, seed=1, use_corpus=False, gazetteer_features=True, word_features=True)
    model = train(cfg, docs, None, log=lambda _: None, max_steps=3)
    assert len(model.bert.embeddings.token_type_embeddings.tables) == 3
    features = FeatureSet(rules=True, gazetteer=True, words=True)
    ids = torch.randint(6, 20, (2, 30))
    types = torch.randint(0, features.type_vocab_size, (2, 30))
    with torch.no_grad():
        before = model(input_ids=ids, token_type_ids=types).logits
    save(model, cfg, tmp_path / "out")
    cfg_json = json.loads((tmp_path / "out" / "config.json").read_text(encoding="utf-8"))
    assert cfg_json["gazetteer_features"] is True and cfg_json["type_vocab_size"] == features.type_vocab_size
    rec = Recognizer(tmp_path / "out")
    assert rec.features == features
    with torch.no_grad():
        after = rec.model(input_ids=ids, token_type_ids=types).logits
    assert torch.allclose(before, after, atol=1e-5)
    assert before.shape[-1] == len(TAGS)


def test_crf_loss_with_one_allowed_tag_is_the_crf_likelihood():
    """The allowed-paths numerator reduces to pytorch-crf's own log-likelihood of the gold path."""
    import torch

    CRF = pytest.importorskip("torchcrf").CRF

    from zhaoshang_ner.labels import TAGS
    from zhaoshang_ner.trainer import crf_allowed_loss

    torch.manual_seed(0)
    crf = CRF(len(TAGS), batch_first=True)
    torch.nn.init.normal_(crf.transitions)
    logits = torch.randn(2, 9, len(TAGS))
    gold = torch.randint(0, len(TAGS), (2, 9))
    mask = torch.zeros(2, 9, dtype=torch.bool)
    mask[0, 1:8], mask[1, 1:5] = True, True  # position 0 is [CLS]; then characters; then [SEP]/padding
    allowed = torch.nn.functional.one_hot(gold, len(TAGS)).bool()
    allowed[~mask] = True
    ours = crf_allowed_loss(crf, logits, allowed, mask)
    theirs = -crf(logits[:, 1:], gold[:, 1:], mask=mask[:, 1:], reduction="sum") / mask.sum()
    assert torch.allclose(ours, theirs, atol=1e-4)
    # every tag allowed everywhere: nothing to learn
    assert crf_allowed_loss(crf, logits, torch.ones_like(allowed), mask).abs() < 1e-4


def test_a_crf_model_saves_its_scores_and_the_decoder_reads_them(tiny_base, tmp_path):
    import numpy as np

    from zhaoshang_ner.encoding import CrfScores, allowed_transitions, viterbi
    from zhaoshang_ner.labels import TAGS
    from zhaoshang_ner.neural import Recognizer

    rng = random.Random(0)
    cfg = TrainConfig(base_model=str(tiny_base), num_layers=None, max_chars=64, stride=48, epochs=1,
                      batch_size=8, seed=1, use_corpus=False, crf=True)
    model = train(cfg, [synthetic_doc(i, rng) for i in range(4)], tmp_path / "out", log=lambda _: None, max_steps=3)
    assert not hasattr(model, "crf")
    forbidden = ~allowed_transitions()[:len(TAGS)]
    stored = np.array(json.loads((tmp_path / "out" / "config.json").read_text(encoding="utf-8"))["crf"]["transitions"])
    assert (stored[forbidden] == -1e4).all() and (stored[~forbidden] > -100).all()  # the grammar is pinned
    rec = Recognizer(tmp_path / "out")
    assert rec.crf is not None and rec.crf.transitions.shape == (len(TAGS), len(TAGS))
    text = synthetic_doc(50, rng).text
    assert all(0 <= s < e <= len(text) for s, e, *_ in rec.predict_spans([text])[0])
    # the scores steer the path: a huge O -> B-park score wins over flat emissions
    flat = np.log(np.full((3, len(TAGS)), 1 / len(TAGS)))
    trans = np.zeros((len(TAGS), len(TAGS)))
    trans[TAGS.index("O"), TAGS.index("B-park")] = 50.0
    start = np.full(len(TAGS), -50.0)
    start[TAGS.index("O")] = 0.0
    scores = CrfScores(start=start, end=np.zeros(len(TAGS)), transitions=trans)
    assert [TAGS[i] for i in viterbi(flat, crf=scores)][:2] == ["O", "B-park"]
    assert CrfScores.from_config({}) is None
    with pytest.raises(ValueError, match="crf"):
        CrfScores.from_config({"crf": {"start": [0.0]}})
    # trained on without a CRF, the model drops the old scores rather than decode with them
    from zhaoshang_ner.trainer import train as train_from

    cfg_plain = TrainConfig(**{**cfg.to_dict(), "crf": False})
    train_from(cfg_plain, [synthetic_doc(i, rng) for i in range(2)], tmp_path / "plain", log=lambda _: None, max_steps=1,
          model=rec.model)
    assert Recognizer(tmp_path / "plain").crf is None


def test_word_features_alone_get_their_own_table(tiny_base, tmp_path):
    from zhaoshang_ner.features import FeatureSet
    from zhaoshang_ner.neural import Recognizer

    rng = random.Random(0)
    cfg = TrainConfig(base_model=str(tiny_base), num_layers=None, max_chars=64, stride=48, epochs=1,
                      batch_size=8, seed=1, use_corpus=False, rule_features=False, word_features=True)
    train(cfg, [synthetic_doc(i, rng) for i in range(2)], tmp_path / "out", log=lambda _: None, max_steps=2)
    rec = Recognizer(tmp_path / "out")
    assert rec.features == FeatureSet(words=True)
    assert rec.model.config.type_vocab_size == FeatureSet(words=True).type_vocab_size


def test_char_dropout_replaces_only_real_characters_at_about_the_rate():
    import torch

    from zhaoshang_ner.trainer import drop_chars

    ids = torch.arange(10, 10 + 4 * 200).reshape(4, 200)
    mask = torch.zeros_like(ids, dtype=torch.bool)
    mask[:, 1:150] = True  # CLS at 0, SEP and padding after 150
    g = torch.Generator().manual_seed(0)
    out = drop_chars(ids, mask, 0.2, 3, g)
    dropped = out == 3
    assert not dropped[~mask].any()  # special tokens and padding untouched
    assert 0.15 < dropped[mask].float().mean().item() < 0.25
    assert torch.equal(out[~dropped], ids[~dropped])
    assert drop_chars(ids, mask, 0.0, 3, g) is ids


def test_weight_averaging_saves_the_average_not_the_last_weights(tiny_base, tmp_path):
    import torch

    rng = random.Random(0)
    docs = [synthetic_doc(i, rng) for i in range(4)]
    base = dict(base_model=str(tiny_base), num_layers=None, max_chars=64, stride=48, epochs=1, batch_size=4,
                learning_rate=3e-3, head_learning_rate=3e-3, seed=1, use_corpus=False)
    quiet = lambda _: None  # noqa: E731
    first = train(TrainConfig(**base), docs, log=quiet, max_steps=1).state_dict()
    last = train(TrainConfig(**base), docs, log=quiet, max_steps=3).state_dict()
    # decay 1: the average never moves from its first copy, the weights after step 1
    frozen = train(TrainConfig(**base, ema_decay=1.0), docs, log=quiet, max_steps=3).state_dict()
    # decay 0.5: strictly between (a blend of the steps' weights)
    blend = train(TrainConfig(**base, ema_decay=0.5), docs, log=quiet, max_steps=3).state_dict()
    key = "classifier.weight"
    assert not torch.allclose(first[key], last[key])
    assert torch.allclose(frozen[key], first[key])
    assert not torch.allclose(blend[key], last[key]) and not torch.allclose(blend[key], first[key])
    # characters dropped to <unk> change what the steps see, so the weights
    dropped = train(TrainConfig(**base, char_dropout=0.5), docs, log=quiet, max_steps=3).state_dict()
    assert not torch.allclose(dropped[key], last[key])
    with pytest.raises(ValueError, match="char_dropout"):
        train(TrainConfig(**base, char_dropout=1.0), docs, log=quiet, max_steps=1)


@pytest.mark.parametrize("length,offset", [(300, 0), (300, 57), (300, 127), (100, 40), (129, 128), (5, 3)])
def test_shifted_windows_cover_every_character_once_and_move_only_the_edges(length, offset):
    from zhaoshang_ner.trainer import shifted_windows

    cut = shifted_windows(length, 128, 128, offset)
    covered = [0] * length
    for s, e in cut:
        assert 0 <= s < e <= length and e - s <= 128
        for k in range(s, e):
            covered[k] += 1
    assert covered == [1] * length
    if 0 < offset < length:
        assert cut[0] == (0, offset) and cut[1][0] == offset


def test_shifted_windows_give_later_epochs_new_cuts_and_a_schedule_for_them(tiny_base, tmp_path):
    rng = random.Random(0)
    docs = [synthetic_doc(i, rng) for i in range(3)]
    cfg = TrainConfig(base_model=str(tiny_base), num_layers=None, max_chars=32, stride=32, epochs=3, batch_size=4,
                      seed=1, use_corpus=False, shift_windows=True)
    lines = []
    train(cfg, docs, tmp_path / "out", log=lines.append)
    info = json.loads((tmp_path / "out" / "training_info.json").read_text(encoding="utf-8"))
    start = json.loads(lines[0])
    # the unshifted first epoch has len/32 windows per document; a shifted one has one more (its head)
    assert info["steps"] > 3 * ((start["examples"] + 3) // 4)
    from zhaoshang_ner.trainer import doc_examples
    from zhaoshang_ner.neural import read_vocab

    vocab = read_vocab(tiny_base)
    plain = doc_examples(docs, vocab, 32, 32, cfg.features)
    shifted = doc_examples(docs, vocab, 32, 32, cfg.features, random.Random(5))
    assert sum(len(x["allowed"]) for x in shifted) == sum(len(x["allowed"]) for x in plain)  # no text lost or doubled
    assert [x["input_ids"] for x in shifted] != [x["input_ids"] for x in plain]


def test_cpu_bf16_falls_back_to_float32_where_the_cpu_has_no_bf16_kernels(tiny_base, tmp_path, monkeypatch):
    import zhaoshang_ner.trainer as trainer

    monkeypatch.setattr(trainer, "cpu_has_bf16_kernels", lambda: False)
    rng = random.Random(0)
    cfg = TrainConfig(base_model=str(tiny_base), num_layers=None, max_chars=64, stride=48, epochs=1, batch_size=4,
                      seed=1, use_corpus=False, cpu_bf16=True)
    lines = []
    train(cfg, [synthetic_doc(0, rng)], log=lines.append, max_steps=1)
    events = [json.loads(x) for x in lines]
    assert any(e["event"] == "note" and "float32" in e["message"] for e in events)
    assert next(e for e in events if e["event"] == "start")["bf16"] is False


def test_an_o_bias_in_the_crf_scores_equals_lowering_every_o_emission():
    import numpy as np

    from zhaoshang_ner.encoding import CrfScores, viterbi
    from zhaoshang_ner.labels import TAGS
    from training.decode_bias import O, biased

    rng = np.random.default_rng(0)
    n = len(TAGS)
    crf = CrfScores(start=rng.normal(size=n), end=rng.normal(size=n), transitions=rng.normal(size=(n, n)))
    for bias in (0.5, 2.0, -1.0):
        changed = 0
        for _ in range(20):
            log_probs = np.log(rng.dirichlet(np.ones(n) * 0.3, size=30))
            lowered = log_probs.copy()
            lowered[:, O] -= bias
            path = viterbi(log_probs, crf=biased(crf, bias))
            assert path == viterbi(lowered, crf=crf)
            changed += path != viterbi(log_probs, crf=crf)
        assert changed  # the bias does move paths


def test_decode_bias_apply_writes_the_scores_once_and_the_model_still_loads(tiny_base, tmp_path):
    import numpy as np

    from zhaoshang_ner.neural import Recognizer
    from training.decode_bias import O, main

    rng = random.Random(0)
    cfg = TrainConfig(base_model=str(tiny_base), num_layers=None, max_chars=64, stride=48, epochs=1,
                      batch_size=8, seed=1, use_corpus=False, crf=True)
    train(cfg, [synthetic_doc(i, rng) for i in range(2)], tmp_path / "m", log=lambda _: None, max_steps=1)
    before = Recognizer(tmp_path / "m").crf
    assert main(["--apply", "0.75", "--model", str(tmp_path / "m")]) == 0
    after = Recognizer(tmp_path / "m").crf  # the manifest was renewed, so the folder still loads
    assert np.allclose(after.transitions[:, O], before.transitions[:, O] - 0.75)
    assert np.allclose(np.delete(after.transitions, O, axis=1), np.delete(before.transitions, O, axis=1))
    assert after.start[O] == pytest.approx(before.start[O] - 0.75)
    info = json.loads((tmp_path / "m" / "training_info.json").read_text(encoding="utf-8"))
    assert info["decode_o_bias"] == 0.75
    with pytest.raises(SystemExit, match="already applied"):
        main(["--apply", "0.75", "--model", str(tmp_path / "m")])


def test_each_fold_gets_the_bias_that_won_on_the_other():
    from training.decode_bias import choose

    f1 = {(0, 0.0): 0.60, (0, 0.5): 0.62, (0, 1.0): 0.61,
          (1, 0.0): 0.70, (1, 0.5): 0.69, (1, 1.0): 0.72}
    biases = [0.0, 0.5, 1.0]
    assert choose(f1, biases, [1]) == 1.0  # fold 0 is decoded with fold 1's best
    assert choose(f1, biases, [0]) == 0.5
    assert choose(f1, biases, [0, 1]) == 1.0
    assert choose({(0, 0.0): 0.5, (0, 0.5): 0.5}, [0.0, 0.5], [0]) == 0.0  # a tie keeps the decoder as trained


def test_the_model_card_names_a_decoding_bias_only_when_one_was_applied():
    from training.ship import decode_bias_text

    assert decode_bias_text({}) == "" and decode_bias_text({"decode_o_bias": 0.0}) == ""
    text = decode_bias_text({"decode_o_bias": 0.5})
    assert "0.5" in text and "training.decode_bias" in text
