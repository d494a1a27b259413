"""`kmgen serve`: the built site, a JSON search API over the Whoosh index, and live preview."""
