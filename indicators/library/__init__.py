"""The indicator library (指标库) as data: its entries, editions, search and proposals, with no page
and no import of `tables` (the pages are `tables/library/`)."""
