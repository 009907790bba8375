"""Chinese text normalisation and tokenisation: the one place every analysis (classifier, duplicates,
hot spots, search) turns what a resident wrote into comparable text.

``normalize`` never replaces what was written: callers keep the original for display and store or
compute on the normalised copy. It converts traditional to simplified Chinese (OpenCC's Taiwan
profile with phrase conversion, which also leaves simplified text unchanged), folds full-width
forms to half-width (NFKC), lower-cases Latin letters, collapses whitespace and masks phone and
ID-card numbers so that personal data never reaches a model's vocabulary.
"""

import re
import unicodedata

import opencc
import rjieba

# OpenCC objects are thread-safe for convert(); one per process is enough.
_T2S = opencc.OpenCC("tw2sp")

# 18-digit resident ID (last character may be X) and 15-digit old-style IDs, not inside a longer number.
_ID_NUMBER = re.compile(r"(?<![0-9a-z])(?:[1-9]\d{16}[0-9x]|[1-9]\d{14})(?![0-9a-z])")
# Mobile numbers (optionally +86 / 86 prefixed, with spaces or dashes) and fixed lines with an area code.
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?![0-9])")
_LANDLINE = re.compile(r"(?<![0-9])0\d{2,3}-\d{7,8}(?![0-9])")
# Already-masked numbers as some sources publish them (138****1234).
_MASKED = re.compile(r"(?<![0-9])1[3-9]\d\*{4}\d{4}(?![0-9])")
_WHITESPACE = re.compile(r"\s+")
_MANY_DIGITS = re.compile(r"\d[\d\- *]{5,}\d")
# Carriage returns as Excel exports escape them ("_x000D_"): formatting, not words.
_EXCEL_ESCAPE = re.compile(r"_x000[0-9a-f]_", re.IGNORECASE)

_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: " ", 0xA0: " ", 0x2026: "..."}

PHONE_MASK = "<phone>"
ID_MASK = "<idno>"


def to_simplified(text: str) -> str:
    """Traditional → simplified, nothing else (for display next to the original)."""
    return _T2S.convert(text) if text else ""


def normalize(text: str | None, *, mask: bool = True) -> str:
    """The analysis form of ``text``: simplified, half-width, lower-case Latin, single spaces,
    phone and ID numbers replaced by placeholders. Traditional and simplified forms of one message
    give the same result."""
    if not text:
        return ""
    # The common full-width forms by table (fast), then NFKC only for what is left (the same result).
    text = text.translate(_FULL_WIDTH)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    if "_x" in text or "_X" in text:
        text = _EXCEL_ESCAPE.sub(" ", text)
    text = _T2S.convert(text)
    text = text.lower()
    if mask and _MANY_DIGITS.search(text):  # the masks below are costly; most texts have no long number
        text = _ID_NUMBER.sub(f" {ID_MASK} ", text)
        text = _MOBILE.sub(f" {PHONE_MASK} ", text)
        text = _LANDLINE.sub(f" {PHONE_MASK} ", text)
        text = _MASKED.sub(f" {PHONE_MASK} ", text)
    return _WHITESPACE.sub(" ", text).strip()


# Function words and pleasantries that say nothing about what an appeal is about. Dropped from
# tokens so that raw text and text whose stop words were removed upstream look alike.
STOP_WORDS = frozenset(
    """
    的 了 着 过 是 在 和 与 及 或 而 也 都 就 还 又 再 才 很 太 更 最 非常 十分 比较 已经 曾经 正在 将 要 会 能 可以 可能
    应该 需要 必须 得 地 之 其 此 这 那 这个 那个 这些 那些 这样 那样 这里 那里 这种 那种 哪 哪里 什么 怎么 怎样 为什么
    如何 多少 几 我 我们 你 你们 您 他 他们 她 她们 它 它们 自己 大家 本人 咱们 人家 别人 一个 一些 一下 一直 一样
    有 没 没有 无 不 不是 不会 不能 不要 别 被 把 给 让 对 对于 关于 向 从 自 到 于 以 以及 因为 所以 但是 但 可是 然而
    如果 虽然 即使 并且 而且 或者 还是 并 就是 只是 只有 只要 因此 于是 然后 之后 以后 之前 以前 时候 现在 目前 当时 为了
    为 由 由于 通过 按照 根据 吗 呢 吧 啊 呀 哦 嘛 么 啦 哈 嗯 请 请问 谢谢 感谢 麻烦 希望 恳请 敬请 你好 您好 尊敬
    领导 相关 有关 问题 情况 事情 进行 一 二 两 个 些 等 等等 上 下 中 里 内 外 后 前 来 去 说 看 想 做 用 叫 已 所 该
    每 各 某 啥 嘛 呗 则 即 乃 且 若 如 亦 均 皆 仍 未 曾
    """.split()
)

_PUNCT_OR_SYMBOL = frozenset("PSZC")  # unicodedata categories: punctuation, symbols, separators, controls


_NOISE: dict[str, bool] = {}  # token → whether tokens() drops it; bounded below


def _is_noise(token: str) -> bool:
    if token in STOP_WORDS or token.isdigit():
        return True
    return all(unicodedata.category(ch)[0] in _PUNCT_OR_SYMBOL for ch in token)


def tokens(text: str | None, *, normalized: bool = False) -> list[str]:
    """Content words of ``text`` after ``normalize``: segmented with jieba (rjieba), punctuation,
    numbers and stop words removed. Text that is already segmented (words separated by spaces)
    keeps its word boundaries, so pre-segmented training files and raw messages agree."""
    if not normalized:
        text = normalize(text)
    if not text:
        return []
    # A mask "<phone>" comes out as "<", "phone", ">": "phone" stays.
    cache = _NOISE
    out = []
    for token in rjieba.cut(text):
        noise = cache.get(token)
        if noise is None:
            noise = cache[token] = token.isspace() or _is_noise(token)
            if len(cache) > 500_000:
                cache.clear()
        if not noise:
            out.append(token)
    return out


# Control characters (C0 but tab and newlines, DEL, C1) and lone surrogates: nothing a person types,
# and they break what is made of the text later (an xlsx export refuses them, XML cannot carry them).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_input(text: str | None) -> str:
    """What a person or a client sent, fit to keep: control characters and lone surrogates removed,
    line ends as ``\\n``. Every intake path calls it at the boundary (through the intake service), so
    nothing stored can break a page or an export for someone else."""
    if not text:
        return ""
    return _CONTROL.sub("", str(text).replace("\r\n", "\n").replace("\r", "\n"))


def has_hostile(text: str) -> bool:
    """Whether ``clean_input`` would remove anything but line ends from ``text``."""
    return bool(text) and _CONTROL.search(text) is not None


def clean_value(value):
    """``clean_input`` applied to every string in a JSON-like value (dict keys too); the rest as is."""
    if isinstance(value, str):
        return clean_input(value) if _CONTROL.search(value) else value
    if isinstance(value, dict):
        return {clean_value(key): clean_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [clean_value(item) for item in value]
    return value
