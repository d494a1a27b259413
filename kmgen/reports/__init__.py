"""Hub-wide reports for maintainers: freshness (review dates, translations) and
coverage (the inventory matrix and its gaps). Library code: the CLI prints them."""
