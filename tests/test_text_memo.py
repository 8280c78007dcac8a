"""Memoised text helpers keep short strings only, so memory stays bounded under long messages."""

from __future__ import annotations

from bot.engine.engine import Engine
from bot.engine.lexicon import Lexicon
from bot.text.normalize import MEMO_MAX_CHARS, compact, normalize, squash, stem, tokens


def test_short_text_is_memoised_and_long_text_is_computed_each_time() -> None:
    short = "how much is gpt-4o mini? 1f3a"
    long = "Which model for debugging my CODE? " * 120  # 4,200 characters
    assert len(long) > MEMO_MAX_CHARS >= len(short)
    info = normalize.cache_info  # type: ignore[attr-defined]
    normalize(short)
    hits, misses = info().hits, info().misses
    normalize(short)
    assert (info().hits, info().misses) == (hits + 1, misses)
    first = normalize(long)
    assert normalize(long) == first  # the same answer, never looked up nor stored
    assert (info().hits, info().misses) == (hits + 1, misses)
    assert first.startswith("which model for debugging my code?")
    assert tokens(first)[:3] == ("which", "model", "for")
    assert stem("debugging") == "debug"
    assert stem("x" * 500) == "x" * 500


def test_the_lexicon_does_not_keep_very_long_tokens(engine: Engine) -> None:
    lexicon: Lexicon = engine.matchers.lexicon
    mash = "q" * 300
    lexicon.forms(mash)
    lexicon.forms("debugging")
    assert mash not in lexicon._cache
    assert "debugging" in lexicon._cache


def test_squash_of_normalised_text_equals_compact() -> None:
    """``squash`` skips a second normalisation and must give what ``compact`` gives."""
    for raw in [
        "GPT-4o mini 多少钱？",
        "<@123> Which **model** for code?! see https://example.com/x",
        "wht abt llama 3.1 405B… thx 👍🏽",
        "Ｆｕｌｌ－ｗｉｄｔｈ ＧＰＴ",
    ]:
        assert squash(normalize(raw)) == compact(raw), raw


def test_job_matching_does_not_keep_very_long_words(engine: Engine) -> None:
    index = engine.matchers.use_case_index
    index.match(normalize("debugging " + "z" * 300))
    assert "debug" in index._variant_cache
    assert not any(len(key) > 40 for key in index._variant_cache)
