"""Publishing: the site model, generated pages, machine-readable outputs and the build.

This package knows MkDocs only through `build` (the Python API wrapper); the
MkDocs plugin in `plugins/kmgen_mkdocs` is a thin adapter over `site.Site`.
"""
