"""training.convert_e5 on hand-made data: no network, no wheels."""
from __future__ import annotations

import json
import struct
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # also runnable as bare `pytest`, not only `python -m pytest`
    sys.path.insert(0, str(ROOT))

from training import convert_e5 as ce  # noqa: E402

# ----------------------------------------------------------------- helpers


def q4_block(d: float, nibbles: list[int]) -> bytes:
    """One Q4_0 block: float16 scale, then byte j = value j (low nibble) | value j+16 (high nibble)."""
    assert len(nibbles) == 32 and all(0 <= n < 16 for n in nibbles)
    return np.float16(d).tobytes() + bytes(nibbles[j] | (nibbles[j + 16] << 4) for j in range(16))


def q4_matrix(rows: int, cols: int, rng: np.random.Generator) -> tuple[bytes, np.ndarray]:
    """Random Q4_0 payload for a (rows, cols) matrix and the values it must decode to."""
    raw, vals = b"", []
    for _ in range(rows * cols // 32):
        d = float(np.float16(rng.uniform(0.01, 0.1)))
        nib = [int(x) for x in rng.integers(0, 16, 32)]
        raw += q4_block(d, nib)
        vals += [(n - 8) * d for n in nib]
    return raw, np.asarray(vals, dtype=np.float32).reshape(rows, cols)


def write_bin(path: Path, dims: dict, pieces: list[str], tensors: list[tuple[str, int, int, bytes]]) -> None:
    """Write a .bin with the documented layout; tensors are (name, dtype, count, payload)."""
    blob = b"".join(p.encode() for p in pieces)
    offs, acc = [0], 0
    for p in pieces:
        acc += len(p.encode())
        offs.append(acc)
    head = b"E5S1" + struct.pack("<I", 1)
    head += struct.pack("<7i", dims["hidden"], dims["layers"], dims["heads"], dims["intermediate"],
                        dims["vocab"], dims["max_positions"], dims["type_vocab"])
    head += struct.pack("<fi", 1e-12, 32)
    head += struct.pack("<5i", len(pieces), 0, 2, 1, 3)
    head += struct.pack("<Q", len(blob))
    head += struct.pack(f"<{len(offs)}I", *offs)
    head += struct.pack(f"<{len(pieces)}f", *[-float(i) for i in range(len(pieces))])
    head += blob
    norm = b"\x41\x00\x00\x00\x01\x61\x00\x00\x00"  # one junk normalisation entry, to be skipped
    head += struct.pack("<iI", 1, len(norm)) + norm
    head += struct.pack("<i", len(tensors))
    table_size = sum(2 + len(n.encode()) + 1 + 4 + 8 + 8 for n, *_ in tensors)
    offset = len(head) + table_size
    table, payload = b"", b""
    for name, dtype, count, data in tensors:
        table += struct.pack("<H", len(name.encode())) + name.encode()
        table += struct.pack("<BIQQ", dtype, count, offset + len(payload), len(data))
        payload += data
    path.write_bytes(head + table + payload)


# ------------------------------------------------------------- dequantise


def test_dequantize_hand_made_block_nibble_order() -> None:
    # byte 0 = 0x9F: low nibble 15 -> value 0 = (15-8)*d ; high nibble 9 -> value 16 = (9-8)*d
    raw = np.float16(0.5).tobytes() + bytes([0x9F] + [0x08] * 15)
    vals = ce.dequantize_q4_0(raw, 32)
    assert vals.dtype == np.float32 and vals.shape == (32,)
    assert vals[0] == 3.5 and vals[16] == 0.5
    assert np.all(vals[1:16] == 0.0)                 # low nibble 8 -> 0
    assert np.all(vals[17:] == -4.0)                 # high nibble 0 -> (0-8)*0.5


def test_dequantize_two_blocks_with_own_scales() -> None:
    nib_a = list(range(16)) + [15 - j for j in range(16)]
    nib_b = [7] * 32
    raw = q4_block(0.25, nib_a) + q4_block(-2.0, nib_b)
    vals = ce.dequantize_q4_0(raw, 64)
    expected_a = [(n - 8) * 0.25 for n in nib_a]
    assert vals[:32].tolist() == expected_a
    assert vals[32:].tolist() == [2.0] * 32          # (7-8) * -2


def test_dequantize_rejects_partial_block() -> None:
    with pytest.raises(ValueError):
        ce.dequantize_q4_0(b"\x00" * 18, 31)


# ------------------------------------------------------------- .bin parser

PIECES = ["<s>", "<pad>", "</s>", "<unk>", ",", "▁", "中", "▁国", "<mask>"]


def test_parse_tiny_bin(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    hidden, vocab = 32, 3
    word_raw, word_vals = q4_matrix(vocab, hidden, rng)
    ln = rng.normal(size=hidden).astype("<f4")
    dims = dict(hidden=hidden, layers=0, heads=2, intermediate=64, vocab=vocab, max_positions=16, type_vocab=2)
    path = tmp_path / "tiny.bin"
    write_bin(path, dims, PIECES, [("emb.word", 1, vocab * hidden, word_raw),
                                   ("emb.ln.w", 0, hidden, ln.tobytes())])
    data = path.read_bytes()
    header, tensors = ce.parse_e5_bin(data)
    assert (header.hidden, header.heads, header.intermediate, header.vocab) == (32, 2, 64, 3)
    assert (header.max_positions, header.type_vocab, header.block_size) == (16, 2, 32)
    assert header.layer_norm_eps == 1e-12
    assert (header.bos, header.eos, header.pad, header.unk) == (0, 2, 1, 3)
    assert header.pieces == PIECES
    assert list(tensors) == ["emb.word", "emb.ln.w"]
    assert tensors["emb.word"].nbytes == vocab * hidden // 32 * 18
    word = ce.load_tensor(data, tensors["emb.word"], header)
    assert word.shape == (vocab, hidden)
    np.testing.assert_array_equal(word, word_vals)
    lnw = ce.load_tensor(data, tensors["emb.ln.w"], header)
    assert lnw.shape == (hidden,)
    np.testing.assert_array_equal(lnw, ln)


def test_parse_rejects_bad_magic() -> None:
    with pytest.raises(ValueError):
        ce.parse_e5_bin(b"GGUF" + b"\x00" * 100)


def test_shapes_follow_linear_weight_convention() -> None:
    header = ce.E5Header(1, 32, 1, 2, 64, 10, 16, 2, 1e-12, 32, 0, 2, 1, 3, [], np.zeros(0))
    assert ce.tensor_shape("l0.fi.w", 64 * 32, header) == (64, 32)
    assert ce.tensor_shape("l0.fo.w", 64 * 32, header) == (32, 64)
    assert ce.tensor_shape("l0.q.w", 32 * 32, header) == (32, 32)
    assert ce.tensor_shape("l0.aln.w", 32, header) == (32,)
    assert ce.tensor_shape("emb.pos", 16 * 32, header) == (16, 32)
    names = ce.hf_name_map(2)
    assert len(names) == 5 + 2 * 16
    assert names["l1.ao.w"] == "encoder.layer.1.attention.output.dense.weight"
    assert names["l0.oln.b"] == "encoder.layer.0.output.LayerNorm.bias"


# ------------------------------------------------------ character vocabulary


def test_char_to_token_contract() -> None:
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3, "<mask>": 4, "▁": 5, "中": 6, "A": 7}
    assert ce.char_to_token("中", vocab) == "中"
    assert ce.char_to_token("A", vocab) == "A"
    for ws in (" ", "\t", "\n", "\u3000", "\xa0"):
        assert ce.char_to_token(ws, vocab) == "▁"
    assert ce.char_to_token("☃", vocab) == "<unk>"
    assert ce.char_to_token("\u200b", vocab) == "<unk>"
    text = "中 A☃"
    assert ce.char_ids(text, vocab) == [0, 6, 5, 7, 3, 2]


def test_build_char_vocab_row_sources() -> None:
    normalize = {"，": ","}.get  # stand-in for the sentencepiece normaliser
    v = ce.build_char_vocab(PIECES, ["中", "国", "☃", "，", " ", "\u200b"],
                            normalize=lambda c: normalize(c, c))
    assert v.tokens[:6] == ["<s>", "<pad>", "</s>", "<unk>", "<mask>", "▁"]
    assert v.source_rows[:6] == [0, 1, 2, 3, 8, 5]
    d = v.to_dict()
    assert v.source_rows[d["中"]] == PIECES.index("中") and v.source_kind["中"] == "char"
    assert v.source_rows[d["国"]] == PIECES.index("▁国") and v.source_kind["国"] == "sp_char"
    assert v.source_rows[d["，"]] == PIECES.index(",") and v.source_kind["，"] == "normalized"
    assert "☃" not in d and "☃" in v.dropped           # no row: reads as <unk>
    assert " " not in d and "\u200b" not in d          # never a vocab line
    assert ce.char_to_token("☃", d) == "<unk>"


def test_collect_chars_txt_and_jsonl(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("招商\n", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text(json.dumps({"text": "引资"}) + "\n", encoding="utf-8")
    (tmp_path / "c.bin").write_text("不要", encoding="utf-8")
    chars = ce.collect_chars([tmp_path])
    assert {"招", "商", "引", "资"} <= chars
    assert "不" not in chars and "\\" not in chars
    assert ce.collect_chars([tmp_path / "c.bin"]) == {"不", "要"}


def test_default_chars_cover_punctuation() -> None:
    chars = ce.default_chars()
    assert {"中", "，", "。", "、", "（", "A", "%", "《"} <= chars
    assert " " not in chars and "\u3000" not in chars


# ------------------------------------------- tiny model: load + trim end to end


def test_tiny_model_trim_matches_full(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    pytest.importorskip("transformers")
    rng = np.random.default_rng(1)
    h, ff, vocab, layers = 32, 64, len(PIECES), 1
    dims = dict(hidden=h, layers=layers, heads=2, intermediate=ff, vocab=vocab, max_positions=16, type_vocab=2)

    def f32(*shape: int, scale: float = 0.1, base: float = 0.0) -> tuple[int, bytes]:
        a = (base + scale * rng.normal(size=shape)).astype("<f4")
        return a.size, a.tobytes()

    def q4(rows: int, cols: int) -> tuple[int, bytes]:
        return rows * cols, q4_matrix(rows, cols, rng)[0]

    spec: dict[str, tuple[int, int, bytes]] = {}
    spec["emb.word"] = (1, *q4(vocab, h))
    spec["emb.pos"] = (0, *f32(16, h))
    spec["emb.type"] = (0, *f32(2, h))
    spec["emb.ln.w"] = (0, *f32(h, base=1.0))
    spec["emb.ln.b"] = (0, *f32(h))
    for part, (o, i) in {"q": (h, h), "k": (h, h), "v": (h, h), "ao": (h, h), "fi": (ff, h), "fo": (h, ff)}.items():
        spec[f"l0.{part}.w"] = (1, *q4(o, i))
        spec[f"l0.{part}.b"] = (0, *f32(o))
    for part in ("aln", "oln"):
        spec[f"l0.{part}.w"] = (0, *f32(h, base=1.0))
        spec[f"l0.{part}.b"] = (0, *f32(h))
    path = tmp_path / "tiny.bin"
    write_bin(path, dims, PIECES, [(n, dt, c, b) for n, (dt, c, b) in spec.items()])

    data = path.read_bytes()
    header, tensors = ce.parse_e5_bin(data)
    state = ce.build_state_dict(data, header, tensors)
    full = ce.make_model(state, ce.build_config(header))
    assert full.config.num_hidden_layers == 1 and full.config.hidden_act == "gelu"
    np.testing.assert_array_equal(full.encoder.layer[0].output.dense.weight.detach().numpy(),
                                  state["encoder.layer.0.output.dense.weight"])

    v = ce.build_char_vocab(PIECES, ["中", "国"])
    trimmed = ce.trim_model(full, v)
    assert trimmed.config.vocab_size == len(v.tokens) == 8
    d = v.to_dict()
    ids = ce.char_ids("中 国☃", d)
    full_ids = [v.source_rows[i] for i in ids]
    with torch.no_grad():
        a = trimmed(input_ids=torch.tensor([ids])).last_hidden_state
        b = full(input_ids=torch.tensor([full_ids])).last_hidden_state
    assert torch.equal(a, b)

    cut = ce.build_state_dict(data, header, tensors, position_offset=2)
    assert cut["embeddings.position_embeddings.weight"].shape == (14, h)
    assert ce.build_config(header, position_offset=2).max_position_embeddings == 14
