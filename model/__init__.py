"""zhaoshang-ner: entities of Chinese investment-promotion reports.

    >>> from zhaoshang_ner import predict
    >>> record = predict("项目总投资5亿元。", engine="rules")
    >>> [(e.label, e.text, e.value) for e in record.entities]
    [('amount', '5亿元', 500000000.0)]
"""
#: Bumped with every release of weights, default engine or record schema (CHANGELOG.md).
__version__ = "0.6.1"

from .api import ENGINES, default_engine, predict, predict_many
from .labels import LABELS, TAGS
from .normalize import normalize
from .projects import extract_projects
from .schema import SCHEMA_VERSION, Entity, Record

__all__ = [
    "__version__",
    "ENGINES",
    "LABELS",
    "SCHEMA_VERSION",
    "TAGS",
    "Entity",
    "Record",
    "default_engine",
    "extract_projects",
    "normalize",
    "predict",
    "predict_many",
]
