"""Faker's hot methods drawn straight from Faker's own locale data.

Faker spends most of a call in its machinery: ``random_elements`` rebuilds its
arguments, ``parse`` runs a regular expression per pattern, ``numerify`` four more,
``isbn13`` builds objects for a check digit. Here each supported method is
compiled once per field into a closure over the same data — the locale's word
lists, name and e-mail formats, ISBN rules — drawing with the field's own random
stream, with the same distributions (uniform over a list, or by the list's
weights when ``faker_weighting`` is on; the same word-count variation). The values
are what Faker could have made, but not the ones it makes for the same seed: the
draws are done differently (README, "Determinism").

:func:`fast_method` answers None for a method it does not know, for arguments it
does not handle, or when the locale overrides the method with its own code, and
the provider calls Faker as before.
"""

from __future__ import annotations

import bisect
import itertools
import operator
import string
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

__all__ = ["fast_method", "on_reseed"]

Make = Callable[[], Any]
_DIGITS = "0123456789"


def fast_method(gen: Any, method: str, args: Mapping[str, Any]) -> Make | None:
    """A zero-argument function making ``gen.<method>(**args)``-like values, or None."""
    build = _BUILDERS.get(method)
    if build is None:
        return None
    owner = _owner(gen, method)
    if owner is None:
        return None
    try:
        return build(_Ctx(gen, owner), dict(args))
    except _Unsupported:
        return None


def _sub_method(ctx: _Ctx, method: str) -> Make | None:
    """``fast_method(ctx.gen, method, {})`` for a token of a pattern, sharing the
    caller's memo of tokens (a name's formats name ``first_name`` a dozen times)."""
    build = _BUILDERS.get(method)
    if build is None:
        return None
    owner = _owner(ctx.gen, method)
    if owner is None:
        return None
    try:
        return build(_Ctx(ctx.gen, owner, ctx.memo), {})
    except _Unsupported:
        return None


class _Unsupported(Exception):
    """Arguments or data this module does not handle: Faker is called instead."""


# Faker's data, prepared once: id(elements) -> (elements, its keys or items as a
# tuple, cumulative weights when weighted). The elements are kept (so the id is
# never reused while cached) and checked by identity; Faker's lists are class
# attributes, so the cache holds a few dozen of them.
_Prepared = tuple[Any, tuple[Any, ...], list[float] | None]
_prepared: dict[tuple[int, bool], _Prepared] = {}
_PREPARED_MAX = 512


def _prepare(elements: Any, weighted: bool) -> tuple[tuple[Any, ...], list[float] | None]:
    key = (id(elements), weighted)
    found = _prepared.get(key)
    if found is not None and found[0] is elements:
        return found[1], found[2]
    if isinstance(elements, Mapping):
        seq = tuple(elements.keys())
        cum = list(itertools.accumulate(float(w) for w in elements.values())) if weighted else None
    else:
        seq, cum = tuple(elements), None
    if len(_prepared) >= _PREPARED_MAX:
        _prepared.clear()
    _prepared[key] = (elements, seq, cum)
    return seq, cum


class _Ctx:
    def __init__(self, gen: Any, owner: Any, memo: dict[str, Make] | None = None) -> None:
        self.gen = gen
        self.owner = owner  # the provider instance whose method this is
        self.rand = gen.random.random
        self.weighting = bool(getattr(owner, "__use_weighting__", True))
        # the tokens of patterns compiled so far for this field (same stream)
        self.memo: dict[str, Make] = {} if memo is None else memo

    def pick(self, elements: Any) -> Make:
        """Faker's ``random_element``: uniform, or by the OrderedDict's weights
        when weighting is on."""
        rand = self.rand
        weighted = isinstance(elements, Mapping) and self.weighting
        seq, cum = _prepare(elements, weighted)
        if not seq:
            raise _Unsupported
        if cum is not None:
            total, last, find = cum[-1], len(seq) - 1, bisect.bisect_right
            return lambda: seq[min(find(cum, rand() * total), last)]
        n = len(seq)
        return lambda: seq[int(rand() * n)]

    def attr(self, name: str) -> Any:
        value = getattr(self.owner, name, None)
        if value is None:
            raise _Unsupported
        return value

    def sub(self, method: str) -> Make:
        """Another method, fast if possible, else Faker's own (drawing from the same
        stream, so still deterministic)."""
        made = self.memo.get(method)
        if made is not None:
            return made
        fast = _sub_method(self, method)
        if fast is None:
            call = getattr(self.gen, method)

            def fast() -> str:
                return str(call())

        self.memo[method] = fast
        return fast


def _owner(gen: Any, method: str) -> Any:
    """The provider instance of ``gen.<method>``, if the method is the one of
    Faker's base provider this module mirrors (not a locale's own code)."""
    bound = getattr(gen, method, None)
    func = getattr(bound, "__func__", None)
    owner = getattr(bound, "__self__", None)
    if func is None or owner is None:
        return None
    if _base_function(method) is not func:
        return None
    return owner


_base_functions: dict[str, Any] = {}


def _base_function(method: str) -> Any:
    """The function of Faker's base provider this module mirrors for ``method``
    (looked up once), or None."""
    if method in _base_functions:
        return _base_functions[method]
    base = _BASES.get(method)
    func = None
    if base is not None:
        import importlib

        try:
            module = importlib.import_module("faker.providers" + (f".{base}" if base else ""))
        except ImportError:
            module = None
        if module is not None:
            cls = module.Provider if base else module.BaseProvider
            func = getattr(cls, method, None)
    _base_functions[method] = func
    return func


# -- patterns: {{token}} templates, and numerify/lexify/bothify ---------------


def _template(ctx: _Ctx, pattern: str, literal: Callable[[str], str | Make] | None = None) -> Make:
    """Faker's ``generator.parse``: ``{{ token }}`` replaced by the token's method
    (``literal`` turns the text between tokens into what it becomes)."""
    parts: list[str | Make] = []
    for piece, is_token in _tokens(pattern):
        if is_token:
            parts.append(ctx.sub(piece))
        elif piece:
            parts.append(piece if literal is None else literal(piece))
    if all(isinstance(p, str) for p in parts):
        text = "".join(p for p in parts if isinstance(p, str))
        return lambda: text
    if len(parts) == 1 and not isinstance(parts[0], str):
        return parts[0]
    return _joined(parts)


_parsed: dict[str, tuple[tuple[str, bool], ...]] = {}


def _tokens(pattern: str) -> tuple[tuple[str, bool], ...]:
    """A pattern as (text, False) and (token, True) pieces, parsed once."""
    found = _parsed.get(pattern)
    if found is not None:
        return found
    from faker.generator import _re_token

    pieces: list[tuple[str, bool]] = []
    pos = 0
    for m in _re_token.finditer(pattern):
        if m.group(2):  # an argument group: leave it to Faker
            raise _Unsupported
        pieces.append((pattern[pos : m.start()], False))
        pieces.append((m.group(1), True))
        pos = m.end()
    pieces.append((pattern[pos:], False))
    if len(_parsed) >= _PREPARED_MAX:
        _parsed.clear()
    made = _parsed[pattern] = tuple(pieces)
    return made


def _joined(parts: Sequence[str | Make]) -> Make:
    calls = [(p, None) if isinstance(p, str) else ("", p) for p in parts]

    def make() -> str:
        return "".join([text if call is None else call() for text, call in calls])

    return make


def _mask(ctx: _Ctx, text: str, *, digits: bool, letters: str | None) -> Make:
    """numerify (``#`` 0-9, ``%`` 1-9, ``$`` 2-9, ``!`` 0-9 or nothing, ``@`` 1-9 or
    nothing), lexify (``?`` one of ``letters``), or both (bothify)."""
    rand = ctx.rand
    slots: list[tuple[int, str, bool]] = []  # (position, alphabet, may be empty)
    chars = list(text)
    for i, c in enumerate(chars):
        if digits and c in "#%$!@":
            alphabet = {"#": _DIGITS, "%": _DIGITS[1:], "$": _DIGITS[2:], "!": _DIGITS}.get(
                c, _DIGITS[1:]
            )
            slots.append((i, alphabet, c in "!@"))
        elif letters is not None and c == "?":
            slots.append((i, letters, False))
    if not slots:
        return lambda: text
    if all(not empty for _, _, empty in slots) and all(a == _DIGITS for _, a, _ in slots):
        # the common case, "####-####": fixed text around digits
        positions = [i for i, _, _ in slots]

        def digits_only() -> str:
            out = chars[:]
            for i in positions:
                out[i] = _DIGITS[int(rand() * 10)]
            return "".join(out)

        return digits_only

    def make() -> str:
        out = chars[:]
        for i, alphabet, empty in slots:
            if empty and rand() < 0.5:
                out[i] = ""
            else:
                out[i] = alphabet[int(rand() * len(alphabet))]
        return "".join(out)

    return make


def _text_arg(args: dict[str, Any], default: str) -> str:
    text = args.pop("text", default)
    if not isinstance(text, str):
        raise _Unsupported
    return text


def _letters_arg(args: dict[str, Any]) -> str:
    letters = args.pop("letters", string.ascii_letters)
    if not isinstance(letters, str) or not letters:
        raise _Unsupported
    return letters


def _done(args: dict[str, Any]) -> None:
    if args:  # an argument this module does not mirror
        raise _Unsupported


def _numerify(ctx: _Ctx, args: dict[str, Any]) -> Make:
    text = _text_arg(args, "###")
    _done(args)
    return _mask(ctx, text, digits=True, letters=None)


def _lexify(ctx: _Ctx, args: dict[str, Any]) -> Make:
    text, letters = _text_arg(args, "????"), _letters_arg(args)
    _done(args)
    return _mask(ctx, text, digits=False, letters=letters)


def _bothify(ctx: _Ctx, args: dict[str, Any]) -> Make:
    text, letters = _text_arg(args, "## ??"), _letters_arg(args)
    _done(args)
    return _mask(ctx, text, digits=True, letters=letters)


# -- person, company, internet ---------------------------------------------------


def _element(attr: str, lower: bool = False) -> Callable[[_Ctx, dict[str, Any]], Make]:
    def build(ctx: _Ctx, args: dict[str, Any]) -> Make:
        _done(args)
        pick = ctx.pick(ctx.attr(attr))
        if lower:
            return lambda: pick().lower()
        return pick

    return build


def _formatted(attr: str) -> Callable[[_Ctx, dict[str, Any]], Make]:
    """``parse(random_element(self.<attr>))``: name, company."""

    def build(ctx: _Ctx, args: dict[str, Any]) -> Make:
        _done(args)
        formats = ctx.attr(attr)
        keys = tuple(formats.keys()) if isinstance(formats, Mapping) else tuple(formats)
        compiled = {f: _template(ctx, f) for f in keys}
        choose = ctx.pick(formats)
        return lambda: compiled[choose()]()

    return build


_MARKERS = frozenset("#%$!@?")


def _user_name(ctx: _Ctx, args: dict[str, Any]) -> Make:
    """Faker's: parse a format, bothify it, to ASCII, lower case, slugified (which
    drops what is neither a word character, a space nor a hyphen: the dot of
    ``{{last_name}}.{{first_name}}``)."""
    _done(args)
    from faker.utils.text import _re_pattern, slugify

    formats = ctx.attr("user_name_formats")
    keys = tuple(formats.keys()) if isinstance(formats, Mapping) else tuple(formats)

    def literal(piece: str) -> str | Make:
        # what slugify would drop goes now (the markers are filled in first)
        kept = "".join(c for c in piece if c in _MARKERS or not _re_pattern.match(c))
        return _mask(ctx, kept, digits=True, letters=string.ascii_letters)

    compiled = {f: _template(ctx, f, literal) for f in keys}
    choose = ctx.pick(formats)
    to_ascii = ctx.owner._to_ascii
    plain = not tuple(getattr(ctx.owner, "replacements", ()))

    def make() -> str:
        text: str = compiled[choose()]()
        if not (plain and text.isascii()):
            text = to_ascii(text)
        text = text.lower()
        return text if text.isalnum() else slugify(text, allow_unicode=True)

    return make


def _email(ctx: _Ctx, args: dict[str, Any]) -> Make:
    safe = args.pop("safe", True)
    domain = args.pop("domain", None)
    _done(args)
    if domain is not None or safe is not True:
        raise _Unsupported
    user, host = ctx.sub("user_name"), ctx.sub("safe_domain_name")
    return lambda: user() + "@" + host()


def _user_at(domain_method: str) -> Callable[[_Ctx, dict[str, Any]], Make]:
    def build(ctx: _Ctx, args: dict[str, Any]) -> Make:
        _done(args)
        user, host = ctx.sub("user_name"), ctx.sub(domain_method)
        return lambda: (user() + "@" + host()).lower()

    return build


# -- lorem -------------------------------------------------------------------------


def _nb(ctx: _Ctx, number: int, variable: bool) -> Make:
    """Faker's ``randomize_nb_elements(number, min=1)``: 60-140% of ``number``."""
    if not variable:
        return lambda: number
    rand = ctx.rand
    return lambda: max(1, int(number * (60 + int(rand() * 81)) / 100))


def _word_list(ctx: _Ctx, args: dict[str, Any]) -> Any:
    ext = args.pop("ext_word_list", None)
    part = args.pop("part_of_speech", None)
    if ext is not None:
        if not isinstance(ext, list | tuple) or not ext:
            raise _Unsupported
        return tuple(ext)
    if part is not None:
        raise _Unsupported
    return ctx.attr("word_list")


def _whole(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Unsupported
    return value


def _words(ctx: _Ctx, args: dict[str, Any]) -> Make:
    nb = _whole(args.pop("nb", 3))
    if args.pop("unique", False):
        raise _Unsupported
    pick = ctx.pick(_word_list(ctx, args))
    _done(args)
    return lambda: [pick() for _ in range(nb)]


def _word(ctx: _Ctx, args: dict[str, Any]) -> Make:
    pick = ctx.pick(_word_list(ctx, args))
    _done(args)
    return pick


def _sentence_maker(ctx: _Ctx, nb_words: int, variable: bool, words: Any) -> Make:
    if nb_words <= 0:
        return lambda: ""
    connector = getattr(ctx.owner, "word_connector", " ")
    end = getattr(ctx.owner, "sentence_punctuation", ".")
    if isinstance(words, Mapping) and ctx.weighting:
        pick, count = ctx.pick(words), _nb(ctx, nb_words, variable)

        def weighted() -> str:
            chosen = [pick() for _ in range(count())]
            chosen[0] = chosen[0].title()
            return connector.join(chosen) + end

        return weighted
    seq = tuple(words.keys()) if isinstance(words, Mapping) else tuple(words)
    if not seq:
        raise _Unsupported
    # Faker's randomize_nb_elements: 60-140% of nb_words, at least one
    counts = [max(1, (nb_words * (60 + j)) // 100) for j in range(81)] if variable else None
    return _batched_sentences(ctx.gen.random, seq, counts, nb_words, connector, end)


def _batched_sentences(
    rng: Any,
    seq: tuple[str, ...],
    counts: list[int] | None,
    nb_words: int,
    connector: str,
    end: str,
) -> Make:
    """Sentences of uniformly drawn words, a batch at a time (:func:`made_ahead`):
    the word counts, then the words, by the stream's ``choices`` (C-level draws and
    lookups), the batch's sentences joined in one comprehension."""
    heads = {w: w.title() for w in seq}
    join, choices = connector.join, rng.choices

    def fill(n: int) -> list[str]:
        ks = [nb_words] * n if counts is None else choices(counts, k=n)
        ends = list(itertools.accumulate(ks))
        words = choices(seq, k=ends[-1])
        starts = [0, *ends[:-1]]
        for a in starts:
            words[a] = heads[words[a]]
        return [join(words[a:b]) + end for a, b in zip(starts, ends, strict=True)]

    return made_ahead(rng, fill)


FIRST_BATCH, LAST_BATCH = 16, 1024  # values made at once by made_ahead


def made_ahead(rng: Any, fill: Callable[[int], list[Any]]) -> Make:
    """A zero-argument function returning the values ``fill(n)`` makes (drawing
    from ``rng``), ``n`` at a time: one call that takes the next value, instead of
    a call through the value's whole recipe. A batch starts at FIRST_BATCH values
    and doubles up to LAST_BATCH while the stream is not re-seeded (``seed_by``:
    :func:`on_reseed` drops the batch, so the values after a re-seed depend on the
    key only)."""
    batch = FIRST_BATCH
    ahead: Any = iter(())

    def reset() -> None:
        nonlocal batch, ahead
        batch, ahead = FIRST_BATCH, iter(())

    def make() -> Any:
        nonlocal batch, ahead
        for value in ahead:
            return value
        n = batch
        batch = min(LAST_BATCH, 2 * n)
        ahead = iter(fill(n))
        return next(ahead)

    on_reseed(rng, reset)
    return make


def on_reseed(rng: Any, reset: Callable[[], None]) -> None:
    """Asks that ``reset`` be called each time ``rng`` (a field's stream) is
    re-seeded (by :func:`seeder.plan.fields.seed_by_hooks`)."""
    resets = getattr(rng, "seeder_resets", None)
    if resets is None:
        resets = []
        try:
            rng.seeder_resets = resets
        except AttributeError:  # a stream that takes no attribute is never re-seeded here
            return
    resets.append(reset)


def _sentence(ctx: _Ctx, args: dict[str, Any]) -> Make:
    nb = _whole(args.pop("nb_words", 6))
    variable = args.pop("variable_nb_words", True)
    words = _word_list(ctx, args)
    _done(args)
    return _sentence_maker(ctx, nb, bool(variable), words)


def _sentences(ctx: _Ctx, args: dict[str, Any]) -> Make:
    nb = _whole(args.pop("nb", 3))
    one = _sentence_maker(ctx, 6, True, _word_list(ctx, args))
    _done(args)
    return lambda: [one() for _ in range(nb)]


def _paragraph(ctx: _Ctx, args: dict[str, Any]) -> Make:
    nb = _whole(args.pop("nb_sentences", 3))
    variable = args.pop("variable_nb_sentences", True)
    one = _sentence_maker(ctx, 6, True, _word_list(ctx, args))
    _done(args)
    if nb <= 0:
        return lambda: ""
    count = _nb(ctx, nb, bool(variable))
    connector = getattr(ctx.owner, "word_connector", " ")
    return lambda: connector.join([one() for _ in range(count())])


# -- isbn ------------------------------------------------------------------------


def _isbn(thirteen: bool) -> Callable[[_Ctx, dict[str, Any]], Make]:
    """Faker's ``isbn13``/``isbn10``: an EAN prefix and a registration group of the
    locale's rules (uniform), the digits after them uniform, split into registrant
    and publication by the group's rule, and the check digit."""

    def build(ctx: _Ctx, args: dict[str, Any]) -> Make:
        sep = args.pop("separator", "-")
        _done(args)
        if not isinstance(sep, str):
            raise _Unsupported
        rules = ctx.attr("rules")
        if not rules:
            raise _Unsupported
        rand = ctx.rand
        find = bisect.bisect_right
        mul = operator.mul
        weights = _W13 if thirteen else _W10
        eans = tuple(rules)
        # per (ean, group): digits to draw, their format, the rules' bounds
        plans: list[list[tuple[str, str, int, str, list[str], list[str], list[int]]]] = []
        # per group: (ean, group, 10**digits, their format, the rules' lows, highs, lengths)
        for ean in eans:
            groups = []
            for group, group_rules in rules[ean].items():
                n = 13 - len(ean) - len(group) - 1
                ordered = sorted(group_rules)
                if n < 2 or 10**n > 2**52 or not ordered:
                    raise _Unsupported
                lows, highs, lengths = (list(col) for col in zip(*ordered, strict=True))
                groups.append((ean, group, 10**n, f"%0{n}d", lows, highs, lengths))
            plans.append(groups)

        fast13 = _isbn13_tables(plans) if thirteen else None
        if fast13 is not None:
            return _isbn13_make(ctx.gen.random, fast13, sep)

        def make() -> str:
            groups = plans[int(rand() * len(plans))]
            ean, group, span, fmt, lows, highs, lengths = groups[int(rand() * len(groups))]
            reg_pub = fmt % int(rand() * span)
            head = reg_pub[:-1]
            at = find(lows, head) - 1
            if at < 0 or head > highs[at]:
                raise ValueError(f"registrant {reg_pub!r} is in no rule of {ean}-{group}")
            length = lengths[at]
            registrant, publication = reg_pub[:length], reg_pub[length:]
            if thirteen:
                body = (ean + group + reg_pub).encode()
                total = sum(map(mul, body, weights)) - _OFFSET13
                return sep.join((ean, group, registrant, publication, str(-total % 10)))
            body = (group + reg_pub).encode()
            digit = (sum(map(mul, body, weights)) - _OFFSET10) % 11
            return sep.join((group, registrant, publication, "X" if digit == 10 else str(digit)))

        return make

    return build


def _weighted_sums(parity: int) -> list[int]:
    """ISBN-13 check sums of every 4-digit run starting at a position of
    ``parity`` (weights 1, 3, 1, 3... from position 0), by the run's value."""
    two = [(d0 * _W13[parity] + d1 * _W13[parity + 1]) for d0 in range(10) for d1 in range(10)]
    return [a + b for a in two for b in two]


_SUMS: dict[int, list[int]] = {}


def _isbn13_tables(plans: list[list[Any]]) -> list[list[Any]] | None:
    """The ISBN-13 groups with integer rule bounds and their check sums by table:
    per group (ean, group, 10**n, format, lows, highs, lengths, the weighted sum of
    ean + group, the tables of the n digits' 4-digit runs from the right). None when
    a rule's bounds are not n - 1 digits long (the text comparison is kept then)."""
    out = []
    for groups in plans:
        fast = []
        for ean, group, span, fmt, lows, highs, lengths in groups:
            n = len(str(span)) - 1
            if any(len(b) != n - 1 for b in (*lows, *highs)) or n > 8:
                return None
            prefix = ean + group
            base = sum(int(d) * _W13[i] for i, d in enumerate(prefix))
            start = len(prefix)  # the position of the first of the n digits
            runs = []
            for j in range(2):  # the last 4 digits, then the 4 before (zeros past n)
                parity = (start + n - 4 * (j + 1)) % 2
                if parity not in _SUMS:
                    _SUMS[parity] = _weighted_sums(parity)
                runs.append(_SUMS[parity])
            int_lows, int_highs = [int(b) for b in lows], [int(b) for b in highs]
            fast.append((ean, group, span, fmt, int_lows, int_highs, lengths, base, *runs))
        out.append(fast)
    return out


def _isbn13_make(rng: Any, plans: list[list[Any]], sep: str) -> Make:
    """ISBN-13 by the tables of :func:`_isbn13_tables`, a batch at a time
    (:func:`made_ahead`): the EAN prefix uniform, its group uniform, the digits
    after them uniform, as the text way draws them; when every prefix has as many
    groups and every group as many digits (en_US: 978-0 and 978-1, 8 digits), the
    three are one uniform draw over their product, by the stream's ``choices``."""
    find = bisect.bisect_right
    flat = [entry for groups in plans for entry in groups]
    spans = {entry[2] for entry in flat}
    one_draw = len({len(groups) for groups in plans}) == 1 and len(spans) == 1
    rand, choices = rng.random, rng.choices

    def picks(n: int) -> Iterable[tuple[Any, int]]:
        if one_draw:
            span = flat[0][2]
            drawn = choices(range(len(flat) * span), k=n)
            return [(flat[k], r) for k, r in map(divmod, drawn, itertools.repeat(span))]
        out = []
        for _ in range(n):
            groups = plans[int(rand() * len(plans))]
            entry = groups[int(rand() * len(groups))]
            out.append((entry, int(rand() * entry[2])))
        return out

    def fill(n: int) -> list[str]:
        out = []
        for entry, r in picks(n):
            ean, group, _, fmt, lows, highs, lengths, base, low_run, high_run = entry
            head = r // 10
            at = find(lows, head) - 1
            if at < 0 or head > highs[at]:
                raise ValueError(f"registrant {fmt % r!r} is in no rule of {ean}-{group}")
            reg_pub = fmt % r
            length = lengths[at]
            check = -(base + low_run[r % 10000] + high_run[r // 10000]) % 10
            out.append(
                f"{ean}{sep}{group}{sep}{reg_pub[:length]}{sep}{reg_pub[length:]}{sep}{check}"
            )
        return out

    return made_ahead(rng, fill)


# check digits: ISBN-13 weighs its 12 digits 1, 3, 1, 3...; ISBN-10 its 9 digits 1..9.
# The digits are summed as ASCII bytes; the offsets take the 48s of b"0" back out.
_W13 = (1, 3) * 6
_W10 = tuple(range(1, 10))
_OFFSET13 = 48 * sum(_W13)
_OFFSET10 = 48 * sum(_W10)


# the method -> how it is built; and the base provider whose code it mirrors
_BUILDERS: dict[str, Callable[[_Ctx, dict[str, Any]], Make]] = {
    "first_name": _element("first_names"),
    "last_name": _element("last_names"),
    "first_name_male": _element("first_names_male"),
    "first_name_female": _element("first_names_female"),
    "last_name_male": _element("last_names_male"),
    "last_name_female": _element("last_names_female"),
    "prefix_male": _element("prefixes_male"),
    "prefix_female": _element("prefixes_female"),
    "suffix_male": _element("suffixes_male"),
    "suffix_female": _element("suffixes_female"),
    "name": _formatted("formats"),
    "name_male": _formatted("formats_male"),
    "name_female": _formatted("formats_female"),
    "company": _formatted("formats"),
    "company_suffix": _element("company_suffixes"),
    "safe_domain_name": _element("safe_domain_names", lower=True),
    "free_email_domain": _element("free_email_domains", lower=True),
    "user_name": _user_name,
    "email": _email,
    "safe_email": _user_at("safe_domain_name"),
    "free_email": _user_at("free_email_domain"),
    "word": _word,
    "words": _words,
    "sentence": _sentence,
    "sentences": _sentences,
    "paragraph": _paragraph,
    "isbn13": _isbn(True),
    "isbn10": _isbn(False),
    "numerify": _numerify,
    "lexify": _lexify,
    "bothify": _bothify,
}
_BASES = {
    **dict.fromkeys(
        [
            "first_name",
            "last_name",
            "first_name_male",
            "first_name_female",
            "last_name_male",
            "last_name_female",
            "prefix_male",
            "prefix_female",
            "suffix_male",
            "suffix_female",
            "name",
            "name_male",
            "name_female",
        ],
        "person",
    ),
    "company": "company",
    "company_suffix": "company",
    **dict.fromkeys(
        ["safe_domain_name", "free_email_domain", "user_name", "email", "safe_email", "free_email"],
        "internet",
    ),
    **dict.fromkeys(["word", "words", "sentence", "sentences", "paragraph"], "lorem"),
    "isbn13": "isbn",
    "isbn10": "isbn",
    **dict.fromkeys(["numerify", "lexify", "bothify"], ""),
}
