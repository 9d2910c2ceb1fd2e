"""Text a doc-sharing mirror re-scripted, read back in the form's own words.

Mirror sites that copy published tables convert the page to Traditional Chinese and print the
pinyin of some characters after them in brackets (`績(jī)效指標(biāo)`). `simplified(text)` strips
those annotations (brackets right after a Han character holding latin letters with a tone mark)
and converts Traditional to Simplified (OpenCC's `t2s` table, `opencc-python-reimplemented`), so
the labels, categories and values are the form's again.

It converts only a text holding the traditional form of one of the form's words (the printed
labels of `labels.py`: `項目名稱`, `績效指標`, `預算單位` …): a simplified text is returned as it
came, after one search for those words.
"""

from __future__ import annotations

import re
from functools import cache

from tables.imports.recognise.labels import all_labels

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
# `績(jī)`, `標（biāo）`: a pinyin syllable (at least one tone mark, or a combining one) after a Han character
_PINYIN = re.compile(
    rf"(?<=[{_HAN}])[(（]\s*(?=[a-zü{_TONED}\u0300-\u036f]*[{_TONED}\u0300-\u036f])[a-zü{_TONED}\u0300-\u036f]{{1,8}}\s*[)）]",
    re.IGNORECASE,
)


def strip_pinyin(text: str) -> str:
    """`績(jī)效指標(biāo)` → `績效指標`; brackets holding anything else (`(万元)`, `(≥90%)`, `(a)`) stay."""
    return _PINYIN.sub("", text)


@cache
def _converter(config: str):
    from opencc import OpenCC  # loaded only for a text that needs it (and once, for the words below)

    return OpenCC(config)


@cache
def _traditional_words() -> re.Pattern:
    """The form's words that read differently in Traditional script, as the mirrors print them."""
    to_traditional = _converter("s2t")
    words = {to_traditional.convert(word) for word in all_labels() if len(word) >= 2}
    words = {word for word in words if _converter("t2s").convert(word) != word}
    return re.compile("|".join(re.escape(word) for word in sorted(words, key=len, reverse=True)))


def is_traditional(text: str) -> bool:
    """Whether the text prints one of the form's words in Traditional script."""
    return _traditional_words().search(text) is not None


def simplified(text: str) -> str:
    """The text with pinyin annotations stripped and, when it holds the form's words in Traditional
    script, converted to Simplified; any other text unchanged."""
    text = strip_pinyin(text)
    return _converter("t2s").convert(text) if is_traditional(text) else text
