"""MkDocs plugin for kmgen hubs; see `plugin.KmgenPlugin`."""
