"""Do the public gazetteers help the rules? Strict micro-F1 of the rules with listed names added as candidates.

    python -m training.rules_gazetteer_check [--labels park,company]

The names the classifier's gazetteer features match (``zhaoshang_ner.features``)
are added to the rules' own spans and the overlaps resolved by the rules'
priorities (``rules.resolve``); every gold document is scored (the rules are
not trained), with the paired document-bootstrap interval against the rules
alone. Issue 17 asks to let the rules use the lexicons too; this is the check.
"""
from __future__ import annotations

import argparse
import sys

from zhaoshang_ner import rules
from zhaoshang_ner.evaluate import evaluate, paired_bootstrap_diff
from zhaoshang_ner.features import default_gazetteer
from zhaoshang_ner.gold import load_all
from zhaoshang_ner.labels import LABELS
from zhaoshang_ner.normalize import normalize


def spans(docs, labels: set[str]) -> dict[str, list]:
    out = {}
    for d in docs:
        norm = normalize(d.text)
        found = rules.extract(norm.text)
        if labels:
            found = rules.resolve(found + [m for m in default_gazetteer().matches(norm.text) if m[2] in labels])
        out[d.id] = [(*norm.to_original(s, e), label) for s, e, label in found]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--labels", default="park,company", help="gazetteer labels added as candidates")
    args = ap.parse_args(argv)
    docs, note = load_all()
    if note:
        print(f"note: {note}", file=sys.stderr)
    base, more = spans(docs, set()), spans(docs, set(args.labels.split(",")))
    for name, preds in (("rules", base), (f"rules + gazetteer {args.labels}", more)):
        r = evaluate(name, docs, preds)
        print(f"{name}: micro {100 * r.micro().f1:.1f}; "
              + ", ".join(f"{lab} {100 * r.strict[lab].f1:.1f}" for lab in LABELS))
    lo, hi, ahead = paired_bootstrap_diff(docs, base, more)
    print(f"difference {100 * lo:+.1f} to {100 * hi:+.1f} (95%), ahead in {100 * ahead:.0f}% of resamples")
    return 0


if __name__ == "__main__":
    sys.exit(main())
