"""``python -m zhaoshang_ner`` is the ``zhaoshang-ner`` command."""
import sys

from .cli import main

sys.exit(main())
