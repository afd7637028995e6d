"""Characters <-> model inputs, and model outputs -> spans.

The classifier reads one token per character (a decision measured in the
model card): every character of the normalised text is exactly one input
position, so token i *is* character i and no offset alignment can go wrong.
Whitespace maps to the sentencepiece word-boundary piece "▁", characters
outside the vocabulary to "<unk>"; neither is ever dropped.

Long texts are cut into overlapping windows; each character's tag scores are
averaged over the windows that contain it, and the best *valid* IOB2 sequence
is decoded with a Viterbi pass over a transition table (seqeval's grammar as
data), so the decoder never emits an orphan I- tag.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from .bio import tags_to_spans
from .features import FeatureSet, config_value
from .labels import TAGS
from .values import snap_to_units

#: Window length for checkpoints that do not record theirs (``config.window_chars``).
DEFAULT_WINDOW_CHARS = 128

SPACE_TOKEN = "▁"
UNK_TOKEN = "<unk>"
CLS_TOKEN = "<s>"
SEP_TOKEN = "</s>"
PAD_TOKEN = "<pad>"


def char_to_token(ch: str, vocab: dict[str, int] | set[str]) -> str:
    """The vocabulary entry that stands for character ``ch``."""
    if ch.isspace():
        return SPACE_TOKEN
    return ch if ch in vocab else UNK_TOKEN


def encode_chars(text: str, vocab: dict[str, int]) -> list[int]:
    return [vocab[char_to_token(ch, vocab)] for ch in text]


def windows(length: int, max_chars: int, stride: int) -> list[tuple[int, int]]:
    """Overlapping [start, end) windows covering ``length`` characters."""
    if max_chars <= 0 or stride <= 0 or stride > max_chars:
        raise ValueError("need 0 < stride <= max_chars")
    if length <= max_chars:
        return [(0, length)]
    out = []
    start = 0
    while True:
        end = min(length, start + max_chars)
        out.append((start, end))
        if end == length:
            return out
        start += stride


#: Characters after which a window may end without cutting a name: sentence and clause ends.
BREAKS = frozenset("。！？；!?;\n")


def sentence_windows(text: str, max_chars: int, stride: int) -> list[tuple[int, int]]:
    """Windows of at most ``max_chars`` that end at sentence ends, so each character is read about once.

    A window takes as many whole sentences as fit (ending after the last
    sentence end past its middle); a stretch with no sentence end there falls
    back to overlapping windows stepping ``stride``. Entities do not cross a
    sentence end, so cutting there costs none of the context a name needs.
    """
    if max_chars <= 0 or stride <= 0 or stride > max_chars:
        raise ValueError("need 0 < stride <= max_chars")
    n = len(text)
    out = []
    start = 0
    while True:
        end = min(n, start + max_chars)
        if end == n:
            out.append((start, end))
            return out
        cut = next((k + 1 for k in range(end - 1, start + max_chars // 2 - 1, -1) if text[k] in BREAKS), None)
        if cut is not None:
            out.append((start, cut))
            start = cut
        else:
            out.append((start, end))
            start += stride


#: A classifier's forward pass on a padded batch: (input_ids, token_type_ids, attention_mask) -> logits,
#: int64 arrays of shape (batch, width) in, float array (batch, width, tags) out.
Forward = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def window_probabilities(texts: Sequence[str], vocab: dict[str, int], forward: Forward, *, max_chars: int,
                         stride: int, batch_size: int, features: FeatureSet, lexicon=None,
                         sentences: bool = False) -> list[np.ndarray]:
    """Per-character tag probabilities of normalised texts, averaged over overlapping windows.

    The one place that turns characters into padded batches and logits back
    into per-character scores, whatever runs ``forward`` (torch, ONNX Runtime),
    so every backend reads exactly the same windows. ``features``: what the
    model reads as token types (:mod:`zhaoshang_ner.features`). ``sentences``: windows end
    at sentence ends (:func:`sentence_windows`) instead of overlapping.
    """
    cls, sep, pad = vocab[CLS_TOKEN], vocab[SEP_TOKEN], vocab[PAD_TOKEN]
    # A batch never mixes texts: int8 activations are quantised with one scale per
    # batch, so a text's entities would otherwise depend on the texts it was sent
    # with (predict(text) alone, in a list, or in another worker would differ).
    batches = []  # lists of (text index, window start, ids, rule-feature ids)
    for ti, text in enumerate(texts):
        ids = encode_chars(text, vocab)
        feats = features.type_ids(text, lexicon)
        spans = sentence_windows(text, max_chars, stride) if sentences else windows(len(text), max_chars, stride)
        jobs = [(ti, s, ids[s:e], feats[s:e]) for s, e in spans]
        jobs.sort(key=lambda j: -len(j[2]))  # longest first keeps padding low within a batch
        batches += [jobs[b:b + batch_size] for b in range(0, len(jobs), batch_size)]
    sums = [np.zeros((len(t), len(TAGS)), dtype=np.float32) for t in texts]
    counts = [np.zeros((len(t), 1), dtype=np.float32) for t in texts]
    for batch in batches:
        width = max(len(j[2]) for j in batch) + 2
        input_ids = np.full((len(batch), width), pad, dtype=np.int64)
        types = np.zeros((len(batch), width), dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for k, (_, _, ids, feats) in enumerate(batch):
            input_ids[k, :len(ids) + 2] = [cls, *ids, sep]
            types[k, 1:1 + len(feats)] = feats
            mask[k, :len(ids) + 2] = 1
        logits = np.asarray(forward(input_ids, types, mask), dtype=np.float32)
        logits = logits - logits.max(-1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(-1, keepdims=True)
        for k, (ti, s, ids, _) in enumerate(batch):
            sums[ti][s:s + len(ids)] += probs[k, 1:1 + len(ids)]
            counts[ti][s:s + len(ids)] += 1
    return [sm / np.maximum(c, 1) for sm, c in zip(sums, counts)]


def allowed_transitions(tags: Sequence[str] = TAGS) -> np.ndarray:
    """allowed[i, j]: may tag j follow tag i in IOB2? Row -1 is the sequence start."""
    n = len(tags)
    allowed = np.ones((n + 1, n), dtype=bool)
    for j, t in enumerate(tags):
        if t.startswith("I-"):
            label = t[2:]
            for i, prev in enumerate(tags):
                allowed[i, j] = prev in (f"B-{label}", f"I-{label}")
            allowed[n, j] = False
    return allowed


_ALLOWED = allowed_transitions()


@dataclass(frozen=True)
class CrfScores:
    """A linear-chain CRF's learned scores (``TrainConfig.crf``), kept in the model's config.json.

    In the config rather than the weights so both backends decode with the
    same scores and the weights stay a plain token classifier.
    """

    start: np.ndarray        # (tags,)
    end: np.ndarray          # (tags,)
    transitions: np.ndarray  # (tags, tags): from row to column

    @classmethod
    def from_config(cls, cfg) -> "CrfScores | None":
        crf = config_value(cfg, "crf")
        if not crf:
            return None
        n = len(TAGS)
        try:
            out = cls(*(np.asarray(crf[k], dtype=np.float64) for k in ("start", "end", "transitions")))
        except (KeyError, TypeError, ValueError):
            raise ValueError("field 'crf' needs start, end and transitions") from None
        if out.start.shape != (n,) or out.end.shape != (n,) or out.transitions.shape != (n, n) or \
                not all(np.isfinite(a).all() for a in (out.start, out.end, out.transitions)):
            raise ValueError(f"field 'crf' must hold finite scores for {n} tags")
        return out


def _potentials(n: int, allowed: np.ndarray, crf: CrfScores | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(transition, start, end) log-scores: the IOB2 grammar, plus the CRF's learned scores where there is one."""
    neg = -1e9
    trans = np.where(allowed[:n], 0.0, neg)
    start = np.where(allowed[n], 0.0, neg)
    end = np.zeros(n)
    if crf is not None:
        trans, start, end = trans + crf.transitions, start + crf.start, end + crf.end
    return trans, start, end


def viterbi(log_probs: np.ndarray, allowed: np.ndarray = _ALLOWED, crf: CrfScores | None = None) -> list[int]:
    """Best tag sequence that obeys the IOB2 grammar (per-character log-probs in).

    With ``crf``, the CRF's start, transition and end scores are added to the
    grammar, as the CRF was trained.
    """
    length, n = log_probs.shape
    if length == 0:
        return []
    trans, start, end = _potentials(n, allowed, crf)
    score = log_probs[0] + start
    back = np.zeros((length, n), dtype=np.int64)
    for t in range(1, length):
        cand = score[:, None] + trans
        back[t] = cand.argmax(0)
        score = cand.max(0) + log_probs[t]
    score = score + end
    best = [int(score.argmax())]
    for t in range(length - 1, 0, -1):
        best.append(int(back[t, best[-1]]))
    return best[::-1]


def _logsumexp(x: np.ndarray, axis: int) -> np.ndarray:
    m = x.max(axis=axis, keepdims=True)
    return (m + np.log(np.exp(x - m).sum(axis=axis, keepdims=True))).squeeze(axis)


def marginals(log_probs: np.ndarray, crf: CrfScores, allowed: np.ndarray = _ALLOWED) -> np.ndarray:
    """P(tag of character t = j) under the CRF (forward-backward), shape (length, tags).

    A CRF's emissions are not per-character probabilities (training
    normalises whole paths), so a span's confidence is read from these
    marginals instead of the softmax.
    """
    length, n = log_probs.shape
    trans, start, end = _potentials(n, allowed, crf)
    alpha = np.empty((length, n))
    beta = np.empty((length, n))
    alpha[0] = start + log_probs[0]
    for t in range(1, length):
        alpha[t] = _logsumexp(alpha[t - 1][:, None] + trans, 0) + log_probs[t]
    beta[-1] = end
    for t in range(length - 2, -1, -1):
        beta[t] = _logsumexp(trans + (log_probs[t + 1] + beta[t + 1])[None, :], 1)
    log_z = _logsumexp(alpha[-1] + end, 0)
    return np.exp(alpha + beta - log_z)


def decode(probs: np.ndarray, crf: CrfScores | None = None) -> list[tuple[int, int, str, float]]:
    """Spans with scores from per-character tag probabilities.

    A span's score is the mean probability of its chosen tags: the window-averaged
    softmax, or with a CRF the CRF's marginals (:func:`marginals`).
    """
    log_probs = np.log(np.clip(probs, 1e-9, 1.0))
    ids = viterbi(log_probs, crf=crf)
    confidence = probs if crf is None else marginals(log_probs, crf)
    tags = [TAGS[i] for i in ids]
    out = []
    for s, e, label in tags_to_spans(tags):
        score = float(np.mean([confidence[k, ids[k]] for k in range(s, e)]))
        out.append((s, e, label, score))
    return out


class WindowedTagger:
    """What every backend shares: the windows, their settings and the decoder; a backend adds its forward pass.

    Subclasses call :meth:`_configure` with their config and implement :meth:`_forward`
    (:class:`zhaoshang_ner.neural.Recognizer` for torch,
    :class:`zhaoshang_ner.onnx_engine.OnnxRecognizer` for ONNX Runtime), so
    the two backends differ in nothing but the forward pass.
    """

    vocab: dict[str, int]
    #: what the model reads as token types, from its config.json
    features: FeatureSet
    #: a CRF's scores for the decoder, from its config.json (None: the grammar alone)
    crf: CrfScores | None = None

    def _configure(self, cfg, max_chars: int | None, stride: int | None, batch_size: int, sentences: bool) -> None:
        """What a model's config.json (a dict or a transformers config) tells every backend: features, CRF, windows."""
        self.features = FeatureSet.from_config(cfg)
        self.crf = CrfScores.from_config(cfg)
        # Windows no longer than the training windows: positions the fine-tuning never saw
        # truncate entities. Each character is averaged over about four windows (a quarter-window
        # stride); fewer cost F1 on unseen outlets (python -m training.serving_check).
        max_chars = max_chars or int(config_value(cfg, "window_chars", None) or DEFAULT_WINDOW_CHARS)
        self.max_chars = max_chars
        self.stride = stride or max(1, max_chars // 4)
        self.batch_size = batch_size
        self.sentences = sentences
        self._lock = threading.Lock()

    def _forward(self, input_ids: np.ndarray, types: np.ndarray, mask: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def tag_probabilities(self, texts: Sequence[str], lexicon=None) -> list[np.ndarray]:
        """Per-character tag probabilities, averaged over overlapping windows."""
        with self._lock:
            return window_probabilities(texts, self.vocab, self._forward, max_chars=self.max_chars,
                                        stride=self.stride, batch_size=self.batch_size,
                                        features=self.features, lexicon=lexicon, sentences=self.sentences)

    def predict_spans(self, texts: Sequence[str], lexicon=None) -> list[list[tuple[int, int, str, float]]]:
        """Scored spans of normalised texts (offsets into those texts).

        Amounts and areas end at their unit, as the guide has them (a model may
        run one on into the next character: 1000亩地); see :func:`values.snap_to_units`."""
        return [snap_to_units(t, decode(p, self.crf)) if len(p) else []
                for t, p in zip(texts, self.tag_probabilities(texts, lexicon))]
