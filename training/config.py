"""Training configuration: defaults declared once, next to what they configure.

A run is described by one JSON file (``training/configs/*.json``) whose keys
are the fields of :class:`TrainConfig`; whatever a file leaves out takes the
default. The resolved config is saved beside every trained model and CV
report. The class lives in the package (:mod:`zhaoshang_ner.trainer`), so
``zhaoshang-ner train`` works from an installed package too.
"""
from __future__ import annotations

from zhaoshang_ner.trainer import TrainConfig

__all__ = ["TrainConfig"]
