"""The indicator library's pages (指标库): browsing and searching it, importing an edition, an entry's
reference sheet and 纳入指标库 proposals. What the library is lives in `indicators/library/`."""
