"""`kmgen ingest`: other generators' hubs brought into kmgen (see run.py for the flow)."""
