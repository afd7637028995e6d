"""Fine-tuning the BERT token classifier: configuration, examples, loss and loop.

Package code, so ``zhaoshang-ner train`` (:mod:`zhaoshang_ner.finetune`) works
from an installed package; the repository's ``training/`` scripts
(``python -m training.train``, ``training.crossval``) are thin users of it
and add what only concerns the project's own corpus (CLUENER sentences,
mention replacement) through :func:`train`'s ``extra_examples`` hook.

Targets are *sets* of allowed tags per character (a multi-hot row), not one
tag: gold documents allow exactly their tag, while partially labelled data
(CLUENER, where only companies are trusted) allows "anything but a company
tag" outside its company spans. The loss maximises the probability of the
allowed set, so missing labels never teach the model that a park is "O".

The loop is plain PyTorch: fixed seeds, AdamW with linear warm-up/decay, bf16
autocast on a GPU, fp32 on a CPU, one JSON line of figures per epoch.
torch, transformers and datasets are imported only inside the functions
that need them.
"""
from __future__ import annotations

import json
import math
import random
import shutil
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

from .bio import spans_to_tags
from .encoding import CLS_TOKEN, PAD_TOKEN, SEP_TOKEN, UNK_TOKEN, encode_chars, windows
from .features import FeatureSet
from .gold import GoldDoc
from .labels import ID2TAG, TAG2ID, TAGS
from .normalize import normalize

Span = tuple[int, int, str]

#: Files of a model folder besides the weights and config that :func:`save` copies from the vocabulary's folder.
TOKENIZER_FILES = ("tokenizer_config.json", "special_tokens_map.json")


# --------------------------------------------------------------------------- configuration

@dataclass
class TrainConfig:
    """One training run. A run of the repository is described by one JSON file
    (``training/configs/*.json``) whose keys are these fields; whatever a file
    leaves out takes the default here. The resolved config is saved beside
    every trained model (``train_config.json``) and CV report."""

    base_model: str = field(default="runs/e5-base", metadata={
        "help": "BERT-family checkpoint directory (HF format with vocab.txt); built by training.convert_e5"})
    num_layers: int | None = field(default=6, metadata={
        "help": "keep only the first N encoder layers (CPU budget); None keeps all"})
    max_chars: int = field(default=128, metadata={"help": "characters per training window"})
    stride: int = field(default=96, metadata={"help": "window step; overlap = max_chars - stride"})
    epochs: int = 4
    batch_size: int = 16
    learning_rate: float = 1e-4
    head_learning_rate: float = 1e-3
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    seed: int = 13
    use_corpus: bool = True
    rule_features: bool = field(default=True, metadata={
        "help": "feed the rule baseline's tag of each character as the token-type id (a learned feature)"})
    gazetteer_features: bool = field(default=False, metadata={
        "help": "also feed where each character sits in a name the public gazetteers list (zhaoshang_ner.features)"})
    word_features: bool = field(default=False, metadata={
        "help": "also feed where jieba's words start, a boundary signal (zhaoshang_ner.features)"})
    cluener_sentences: int = field(default=0, metadata={
        "help": "CLUENER sentences added with only the company label supervised (0 = none; repository only)"})
    mention_replacement: float = field(default=0.0, metadata={
        "help": "fraction of training docs added again with lexicon mentions swapped in (repository only)"})
    train_fraction: float = field(default=1.0, metadata={"help": "share of training documents used (learning curve)"})
    crf: bool = field(default=False, metadata={
        "help": "train a linear-chain CRF (pytorch-crf) over the tag scores; its scores go to config.json "
                "and the decoder adds them (+3.1 F1 on the release folds: reports/ablations/table.md)"})
    shift_windows: bool = field(default=False, metadata={
        "help": "from the second epoch on, cut each document's windows from a fresh random offset, so names "
                "meet the window edges in new places (the same number of steps' worth of text)"})
    char_dropout: float = field(default=0.0, metadata={
        "help": "share of a batch's characters read as <unk>, drawn afresh every step: what a character "
                "outside the vocabulary looks like to the served model, and the context must then carry the label"})
    ema_decay: float = field(default=0.0, metadata={
        "help": "0 = off; else keep an exponential moving average of the weights (torch.optim.swa_utils) "
                "and save that: weight averaging finds flatter minima, which transfer better to new sources"})
    threads: int = 2
    cpu_bf16: bool = field(default=False, metadata={
        "help": "bf16 autocast on CPU too (avx512_bf16: a training step 1.9x faster; python -m training.bf16_check); "
                "a CPU without bf16 kernels trains in float32 and says so"})

    @classmethod
    def from_file(cls, path: str | Path, **overrides) -> "TrainConfig":
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"{path}: unknown config keys {sorted(unknown)}; known: {sorted(known)}")
        data.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**data)

    @property
    def features(self) -> FeatureSet:
        return FeatureSet(rules=self.rule_features, gazetteer=self.gazetteer_features, words=self.word_features)

    def to_dict(self) -> dict:
        return asdict(self)

    def save(self, path: Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=1), encoding="utf-8")


# --------------------------------------------------------------------------- examples

def normalized_spans(doc: GoldDoc) -> tuple[str, list[Span]]:
    """The document's normalised text and its gold spans in that text's offsets."""
    norm = normalize(doc.text)
    spans = []
    for s, e, label in doc.spans():
        mapped = norm.from_original(s, e)
        if mapped is None:
            raise ValueError(f"{doc.id}: gold span [{s}, {e}) {label} covers no normalised character")
        spans.append((mapped[0], mapped[1], label))
    return norm.text, spans


def one_hot_targets(tags: Sequence[str]) -> np.ndarray:
    out = np.zeros((len(tags), len(TAGS)), dtype=bool)
    for i, t in enumerate(tags):
        out[i, TAG2ID[t]] = True
    return out


def company_only_targets(length: int, company_spans: Iterable[tuple[int, int]]) -> np.ndarray:
    """Allowed tags when only company spans are known: exact inside, 'not company' outside."""
    out = np.ones((length, len(TAGS)), dtype=bool)
    out[:, [TAG2ID["B-company"], TAG2ID["I-company"]]] = False
    for s, e in company_spans:
        out[s:e] = False
        out[s, TAG2ID["B-company"]] = True
        out[s + 1:e, TAG2ID["I-company"]] = True
    return out


def shifted_windows(length: int, max_chars: int, stride: int, offset: int = 0) -> list[tuple[int, int]]:
    """:func:`windows` cut from ``offset`` on, the characters before it in a window of their own.

    Every character stays in exactly the windows the unshifted cut would give it
    (once, at stride = max_chars); only where the windows' edges fall moves."""
    if not 0 < offset < length:
        return windows(length, max_chars, stride)
    return [(0, offset)] + [(s + offset, e + offset) for s, e in windows(length - offset, max_chars, stride)]


def window_examples(text: str, targets: np.ndarray, vocab: dict[str, int], max_chars: int, stride: int,
                    source: str, features: FeatureSet, offset: int = 0) -> list[dict]:
    """One example per window: ids with [CLS]/[SEP], feature ids (token types), and per-position allowed-tag rows."""
    ids = encode_chars(text, vocab)
    feats = features.type_ids(text)
    out = []
    for s, e in shifted_windows(len(text), max_chars, stride, offset):
        out.append({
            "input_ids": [vocab[CLS_TOKEN]] + ids[s:e] + [vocab[SEP_TOKEN]],
            "token_type_ids": [0] + feats[s:e] + [0],
            "allowed": targets[s:e].astype(np.uint8).tolist(),
            "source": source,
        })
    return out


def doc_examples(docs: Sequence[GoldDoc], vocab: dict[str, int], max_chars: int, stride: int,
                 features: FeatureSet, rng: random.Random | None = None) -> list[dict]:
    """Training windows of fully annotated documents (exactly the gold tag allowed per character).

    ``rng``: cut each document's windows from a random offset below ``stride``
    (:func:`shifted_windows`), so an epoch sees names at other window edges."""
    out = []
    for doc in docs:
        text, spans = normalized_spans(doc)
        offset = rng.randrange(stride) if rng is not None else 0
        out += window_examples(text, one_hot_targets(spans_to_tags(len(text), spans)), vocab, max_chars, stride,
                               doc.id, features, offset)
    return out


def to_dataset(examples: list[dict]):
    """A ``datasets.Dataset`` of the examples (the training loop reads it in shuffled batches)."""
    from datasets import Dataset

    return Dataset.from_list(examples)


# --------------------------------------------------------------------------- model

def set_seed(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def build_model(cfg: TrainConfig):
    """Token-classification model from ``cfg.base_model``, truncated to ``cfg.num_layers``."""
    from transformers import AutoConfig, AutoModelForTokenClassification

    base = Path(cfg.base_model)
    if not (base / "config.json").is_file():
        raise FileNotFoundError(
            f"base model {base} not found: build it with `python -m training.convert_e5 --out {base}` "
            "or pass --base-model PATH to any BERT-family checkpoint directory with vocab.txt")
    config = AutoConfig.from_pretrained(base, num_labels=len(TAGS), id2label=dict(ID2TAG), label2id=dict(TAG2ID))
    if cfg.num_layers is not None and cfg.num_layers < config.num_hidden_layers:
        config.num_hidden_layers = cfg.num_layers  # from_pretrained then loads only the first N layers
    model = AutoModelForTokenClassification.from_pretrained(base, config=config)
    if cfg.features != FeatureSet():
        add_feature_table(model, cfg.features)
    # inference windows must match the training windows (zhaoshang_ner.neural.Recognizer reads this)
    model.config.window_chars = cfg.max_chars
    return model


def add_feature_table(model, features: FeatureSet) -> None:
    """Replace the token-type table by one row per feature id of ``features``.

    Rule rows start as the pretrained row 0 and gazetteer rows at zero, so the
    encoder's outputs are unchanged until training moves them. With more than
    one signal the table trains factored, one row per signal summed for each
    id (a combination rare in the data still gets every signal), and
    :func:`merge_feature_table` writes it out as the one plain table every
    backend reads.
    """
    import torch

    emb = model.bert.embeddings.token_type_embeddings
    rules = torch.nn.Embedding(len(TAGS), emb.embedding_dim)
    with torch.no_grad():
        rules.weight[:] = emb.weight[0]
    tables = [rules]
    for radix in features.radices[1:]:
        tables.append(torch.nn.Embedding(radix, emb.embedding_dim))
        torch.nn.init.zeros_(tables[-1].weight)
    model.bert.embeddings.token_type_embeddings = (_factored_types(tables, features.radices) if len(tables) > 1
                                                   else rules)
    model.config.type_vocab_size = features.type_vocab_size
    model.config.rule_features = features.rules
    model.config.gazetteer_features = features.gazetteer
    model.config.word_features = features.words
    if features.gazetteer:
        from .features import forms_sha256

        model.config.gazetteer_forms_sha256 = forms_sha256()
    if hasattr(model.bert.embeddings, "token_type_ids"):
        model.bert.embeddings.register_buffer(
            "token_type_ids", torch.zeros_like(model.bert.embeddings.token_type_ids), persistent=False)


def _factored_types(tables, radices: Sequence[int]):
    """An embedding of a mixed-radix id (rule tag, gazetteer code, word start) as the sum of one row per signal."""
    import torch

    class FactoredTypes(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.tables = torch.nn.ModuleList(tables)
            self.radices = tuple(radices)

        def forward(self, ids):
            out, scale = 0, 1
            for table, radix in zip(self.tables, self.radices):
                out = out + table((ids // scale) % radix)
                scale *= radix
            return out

        def merged(self) -> torch.nn.Embedding:
            rows = math.prod(self.radices)
            out = torch.nn.Embedding(rows, self.tables[0].embedding_dim)
            with torch.no_grad():
                out.weight[:] = self.forward(torch.arange(rows, device=self.tables[0].weight.device))
            return out

    return FactoredTypes()


def merge_feature_table(model) -> None:
    """A factored token-type table (training) becomes one plain ``nn.Embedding`` with the same outputs."""
    emb = model.bert.embeddings.token_type_embeddings
    if hasattr(emb, "merged"):
        model.bert.embeddings.token_type_embeddings = emb.merged().to(emb.tables[0].weight.device)


def allowed_set_loss(logits, allowed, mask):
    """-log P(tag in allowed set), averaged over real positions.

    With one allowed tag this is ordinary cross-entropy; with several it is the
    marginal likelihood of partial labels (CLUENER: "anything but company").
    """
    import torch

    log_probs = torch.log_softmax(logits.float(), dim=-1)
    masked = log_probs.masked_fill(~allowed, float("-inf"))
    nll = -torch.logsumexp(masked, dim=-1)
    nll = nll.masked_fill(~mask, 0.0)
    return nll.sum() / mask.sum().clamp(min=1)


def crf_allowed_loss(crf, logits, allowed, mask):
    """-log P(the path stays in the allowed tags) under a linear-chain CRF, per real position.

    The CRF analogue of :func:`allowed_set_loss`: log Z over all paths minus
    log Z over paths through allowed tags only (one allowed tag per position is
    the usual CRF likelihood). Both come from pytorch-crf's forward algorithm
    (``CRF._compute_normalizer``); position 0 ([CLS]) is left out, as the
    decoder never sees it.
    """
    emissions = logits[:, 1:].float().transpose(0, 1)
    ok = allowed[:, 1:].transpose(0, 1)
    m = mask[:, 1:].transpose(0, 1).clone()
    m[0] = True  # pytorch-crf needs the first step on; a window has at least one character there
    log_z = crf._compute_normalizer(emissions, m)
    log_allowed = crf._compute_normalizer(emissions.masked_fill(~ok, -1e4), m)
    return (log_z - log_allowed).sum() / mask.sum().clamp(min=1)


def pin_grammar(crf) -> None:
    """Hold the transitions IOB2 forbids (O -> I-park ...) at -1e4, so the CRF is trained over the
    paths the decoder may take; called at the start and after every step. The start scores stay
    free: a training window may open inside an entity."""
    import torch

    from .encoding import allowed_transitions

    forbidden = torch.from_numpy(~allowed_transitions()[:len(TAGS)]).to(crf.transitions.device)
    with torch.no_grad():
        crf.transitions.masked_fill_(forbidden, -1e4)


def store_crf(model) -> None:
    """Move a trained ``model.crf`` into ``config.crf`` (what the decoder reads) and off the module.

    The scores live in config.json, not the weights: the safetensors file keeps
    exactly the tensors of a BertForTokenClassification (the loaders refuse an
    unexpected one), and the torch and ONNX backends read the same scores.
    """
    crf = getattr(model, "crf", None)
    if crf is None:
        return
    model.config.crf = {"start": crf.start_transitions.detach().cpu().tolist(),
                        "end": crf.end_transitions.detach().cpu().tolist(),
                        "transitions": crf.transitions.detach().cpu().tolist()}
    del model.crf


# --------------------------------------------------------------------------- loop

def batches(dataset, batch_size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches of similar length (less padding, same randomness per seed)."""
    lengths = [len(x) for x in dataset["input_ids"]]
    order = list(range(len(lengths)))
    rng.shuffle(order)
    chunks = [order[i:i + batch_size * 20] for i in range(0, len(order), batch_size * 20)]
    out = []
    for chunk in chunks:
        chunk.sort(key=lambda i: lengths[i])
        out += [chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size)]
    rng.shuffle(out)
    return out


def collate(rows: list[dict], pad_id: int):
    """Padded tensors of a batch: ids, token types (rule features), attention, allowed tags, loss mask."""
    import torch

    width = max(len(r["input_ids"]) for r in rows)
    n = len(rows)
    ids = torch.full((n, width), pad_id, dtype=torch.long)
    types = torch.zeros((n, width), dtype=torch.long)
    attn = torch.zeros((n, width), dtype=torch.long)
    allowed = torch.zeros((n, width, len(TAGS)), dtype=torch.bool)
    loss_mask = torch.zeros((n, width), dtype=torch.bool)
    for k, r in enumerate(rows):
        L = len(r["input_ids"])
        ids[k, :L] = torch.tensor(r["input_ids"])
        types[k, :L] = torch.tensor(r["token_type_ids"])
        attn[k, :L] = 1
        a = torch.tensor(r["allowed"], dtype=torch.bool)
        allowed[k, 1:1 + len(a)] = a
        loss_mask[k, 1:1 + len(a)] = True
    allowed[~loss_mask] = True  # CLS/SEP/pad: any tag, and masked out of the loss anyway
    return ids, types, attn, allowed, loss_mask


def drop_chars(ids, loss_mask, rate: float, unk_id: int, generator):
    """``ids`` with a ``rate`` share of the real characters (``loss_mask``) replaced by ``unk_id``.

    [CLS]/[SEP]/padding stay; so do the feature ids, so a dropped character
    still shows the rules' and gazetteers' reading of it."""
    import torch

    if rate <= 0:
        return ids
    drop = (torch.rand(ids.shape, generator=generator) < rate) & loss_mask
    return ids.masked_fill(drop, unk_id)


def cpu_has_bf16_kernels() -> bool:
    """Whether oneDNN has bf16 kernels for this CPU (AVX-512 and up).

    Without them (an AVX2-only CPU) bf16 autocast is emulated: on a 2-core AMD
    EPYC a 12-layer step took over twice as long as in float32 (3.7 s), where a
    CPU with avx512_bf16 ran it 1.9x faster. The check is the one PyTorch's own tests
    use; if this build lacks it, trust the config."""
    import torch

    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return True


#: Builds extra training examples from the (sub-sampled) training documents and the vocabulary.
ExtraExamples = Callable[[list[GoldDoc], dict[str, int]], list[dict]]


def train(cfg: TrainConfig, docs: Sequence[GoldDoc], out_dir: Path | None = None, *, log=print,
          max_steps: int | None = None, model=None, vocab_dir: str | Path | None = None,
          extra_examples: ExtraExamples | None = None, extra_info: dict | None = None):
    """Train on ``docs``; return the model (and :func:`save` it to ``out_dir`` if given).

    ``model``: a token classifier to continue from (fine-tuning); None builds one
    from ``cfg.base_model`` (:func:`build_model`). ``vocab_dir``: the folder whose
    ``vocab.txt`` the model reads (default ``cfg.base_model``). ``extra_examples``
    adds examples beyond the documents' windows (the repository's CLUENER
    sentences and mention replacement); ``extra_info`` goes into ``training_info.json``.
    """
    import torch

    from .neural import read_vocab

    if extra_examples is None and (cfg.cluener_sentences > 0 or cfg.mention_replacement > 0):
        raise ValueError("cluener_sentences and mention_replacement need the repository's corpus: "
                         "train with `python -m training.train`, or set them to 0")
    if not 0.0 <= cfg.char_dropout < 1.0:
        raise ValueError(f"char_dropout must be in [0, 1), got {cfg.char_dropout}")
    if not 0.0 <= cfg.ema_decay <= 1.0:
        raise ValueError(f"ema_decay must be in [0, 1], got {cfg.ema_decay}")
    set_seed(cfg.seed)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    vocab_dir = Path(vocab_dir if vocab_dir is not None else cfg.base_model)
    vocab = read_vocab(vocab_dir)
    rng = random.Random(cfg.seed)
    docs = list(docs)
    if cfg.train_fraction < 1.0:
        docs = sorted(rng.sample(docs, max(1, round(len(docs) * cfg.train_fraction))), key=lambda d: d.id)
    examples = doc_examples(docs, vocab, cfg.max_chars, cfg.stride, cfg.features)
    extras = extra_examples(docs, vocab) if extra_examples is not None else []
    if not examples + extras:
        raise ValueError("no training examples: the documents are empty")
    epoch_sets = [to_dataset(examples + extras)]
    if cfg.shift_windows:  # its own generator: the batches' order stays that of an unshifted run
        shifts = random.Random(cfg.seed + 1)
        epoch_sets += [to_dataset(doc_examples(docs, vocab, cfg.max_chars, cfg.stride, cfg.features, shifts) + extras)
                       for _ in range(1, cfg.epochs)]
    dataset = epoch_sets[0]
    if model is None:
        model = build_model(cfg)
    if cfg.crf:
        from .extras import require

        require(["torchcrf"], "train", "a CRF layer")
        from torchcrf import CRF

        model.crf = CRF(len(TAGS), batch_first=True)
        if getattr(model.config, "crf", None):  # fine-tuning a CRF model: start from its scores
            with torch.no_grad():
                for name, key in (("start_transitions", "start"), ("end_transitions", "end"),
                                  ("transitions", "transitions")):
                    getattr(model.crf, name)[:] = torch.tensor(model.config.crf[key])
        pin_grammar(model.crf)
    elif getattr(model.config, "crf", None):
        model.config.crf = None  # trained without a CRF now: old scores would skew the decoder
    model = model.to(device)
    # new parameters (the tag head, the rule-feature rows, a CRF) learn faster than the pretrained body
    fresh = ("classifier", "bert.embeddings.token_type_embeddings", "crf.")
    head = [p for n, p in model.named_parameters() if n.startswith(fresh)]
    body = [p for n, p in model.named_parameters() if not n.startswith(fresh)]
    opt = torch.optim.AdamW([
        {"params": body, "lr": cfg.learning_rate},
        {"params": head, "lr": cfg.head_learning_rate},
    ], weight_decay=cfg.weight_decay)
    def epoch_set(epoch: int):  # one set for every epoch, or one per epoch with shifted windows
        return epoch_sets[min(epoch, len(epoch_sets) - 1)]

    total = sum(math.ceil(len(epoch_set(e)) / cfg.batch_size) for e in range(cfg.epochs)) \
        if max_steps is None else max_steps
    warmup = max(1, int(total * cfg.warmup_ratio))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / max(1, total - warmup))))
    pad_id, unk_id = vocab[PAD_TOKEN], vocab[UNK_TOKEN]
    dropper = torch.Generator().manual_seed(cfg.seed)
    average = None
    if cfg.ema_decay > 0:
        from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

        average = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(cfg.ema_decay))
    use_bf16 = torch.cuda.is_bf16_supported() if device == "cuda" else cfg.cpu_bf16 and cpu_has_bf16_kernels()
    if device == "cpu" and cfg.cpu_bf16 and not use_bf16:
        log(json.dumps({"event": "note", "message": "cpu_bf16: this CPU has no bf16 kernels (no AVX-512), so "
                        "bf16 autocast would be emulated and several times slower; training in float32"}))
    chars = sum(len(d.text) for d in docs)
    log(json.dumps({"event": "start", "docs": len(docs), "chars": chars, "examples": len(dataset),
                    "steps": total, "device": device, "bf16": use_bf16}))
    model.train()
    step, t0 = 0, time.time()
    history = []
    for epoch in range(cfg.epochs):
        dataset = epoch_set(epoch)
        running, n = 0.0, 0
        for batch_idx in batches(dataset, cfg.batch_size, rng):
            ids, types, attn, allowed, mask = collate([dataset[i] for i in batch_idx], pad_id)
            ids = drop_chars(ids, mask, cfg.char_dropout, unk_id, dropper)
            with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=use_bf16):
                logits = model(input_ids=ids.to(device), token_type_ids=types.to(device),
                               attention_mask=attn.to(device)).logits
            if cfg.crf:
                loss = crf_allowed_loss(model.crf, logits, allowed.to(device), mask.to(device))
            else:
                loss = allowed_set_loss(logits, allowed.to(device), mask.to(device))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            if cfg.crf:
                pin_grammar(model.crf)
            if average is not None:
                average.update_parameters(model)
            sched.step()
            opt.zero_grad()
            running += loss.item()
            n += 1
            step += 1
            if max_steps is not None and step >= max_steps:
                break
        history.append({"event": "epoch", "epoch": epoch + 1, "loss": running / max(1, n),
                        "seconds": round(time.time() - t0, 1)})
        log(json.dumps(history[-1]))
        if max_steps is not None and step >= max_steps:
            break
    if average is not None and average.n_averaged > 0:
        model.load_state_dict(average.module.state_dict())
    model.eval()
    store_crf(model)
    if out_dir is not None:
        save(model, cfg, out_dir, extra={**(extra_info or {}), "docs": [d.id for d in docs], "chars": chars,
                                         "steps": step, "history": history,
                                         "seconds": round(time.time() - t0, 1)},
             vocab_dir=vocab_dir)
    return model


def save(model, cfg: TrainConfig, out_dir: Path, extra: dict | None = None, *,
         vocab_dir: str | Path | None = None) -> None:
    """Write a model folder :class:`zhaoshang_ner.neural.Recognizer` loads: weights, config,
    vocabulary (and tokenizer files) from ``vocab_dir`` (default ``cfg.base_model``),
    ``train_config.json``, ``training_info.json``, the pipeline guard of
    :mod:`zhaoshang_ner.hf` and, last, ``manifest.json``."""
    from .hf import add_pipeline_guard
    from .manifest import write_manifest

    out_dir = Path(out_dir)
    src = Path(vocab_dir if vocab_dir is not None else cfg.base_model)
    out_dir.mkdir(parents=True, exist_ok=True)
    from transformers.utils import logging as hf_logging

    bar = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # no "Writing model shards" bar on a user's terminal
    merge_feature_table(model)
    try:
        model.save_pretrained(out_dir, safe_serialization=True)
    finally:
        if bar:
            hf_logging.enable_progress_bar()
    shutil.copy(src / "vocab.txt", out_dir / "vocab.txt")
    for name in TOKENIZER_FILES:
        if (src / name).is_file():
            shutil.copy(src / name, out_dir / name)
    cfg.save(out_dir / "train_config.json")
    info = {"config": cfg.to_dict(), **(extra or {})}
    (out_dir / "training_info.json").write_text(json.dumps(info, indent=1, ensure_ascii=False), encoding="utf-8")
    add_pipeline_guard(out_dir, manifest=False)
    write_manifest(out_dir)
