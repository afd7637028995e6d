"""Hugging Face pipeline of a zhaoshang-ner model folder.

This model reads rule features (the rule engine's tag of each character) as its
token-type ids; transformers' plain token-classification pipeline cannot compute
them and would return wrong entities. ``pipeline("token-classification", model=FOLDER,
trust_remote_code=True)`` loads this file, which uses the installed package's code
(``pip install zhaoshang-ner``); or, without remote code:

    from zhaoshang_ner.hf import register; register()
    pipeline("zhaoshang-ner", model=FOLDER)
"""
from zhaoshang_ner.hf import ZhaoshangNERPipeline  # noqa: F401
