"""kmgen: a governed, searchable, published knowledge hub from front-mattered Markdown."""

from __future__ import annotations

__version__ = "0.1.0"
