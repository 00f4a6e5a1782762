"""What a substituted spam token replaced: the genuine phrase behind `UedBet体育`.

A hijacked mirror often rewrites one phrase of the genuine page everywhere it occurs with a
gambling brand (the seed page: `政务公开` became `UedBet体育` in the site name, the title and
the body: `UedBet体育领导小组`, `从事UedBet体育工作`, `《2016年UedBet体育工作考核指标…》`).
The report genre has a small fixed vocabulary, so the phrase can be inferred:

1. a token is a substitution candidate when the lexicon (`spam.spam_terms_in`) finds it
   inside running text (a Han character on one side at least) or more than once;
2. each phrase of the genre's vocabulary (`PHRASES`, plus the report's own place names)
   is put in the token's place at every occurrence, and scored by the genre collocations
   (`COLLOCATIONS`: 领导小组, 工作, 考核, 专栏, 年度报告 …) the context then completes (a
   place name: a lower place or 人民政府 right after it, separators skipped);
   a phrase the rest of the page still prints is unlikely (a global replace would have
   taken it too): its score is divided by `STILL_PRINTED_PENALTY`;
3. the best phrase wins; `confidence` = its share of all candidates' scores times
   1 - 2^-n, n the occurrences its collocations explain (one spot: half sure at most).
   Below `MIN_CONFIDENCE` nothing is restored.

Pure: text in, `Substitution`s and the restored text out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from archive.parse.spam import SPAM_RE, spam_terms_in

# Phrases of the genre a hijacker's keyword replacement is seen to hit (reports.md §6.2).
PHRASES = (
    "政务公开", "政府信息公开", "信息公开", "政府", "人民政府", "政务", "公开", "政务服务",
    "依申请公开", "主动公开", "政府网站", "门户网站", "办公室", "党政办公室",
)
# What follows (suffix) or precedes (prefix) a phrase in the genre's fixed sentences.
SUFFIXES = (
    "领导小组", "工作领导小组", "工作", "工作要点", "工作考核", "考核", "专栏", "目录", "指南",
    "年度报告", "工作年度报告", "平台", "网", "网站", "办公室", "制度", "事项", "栏目", "内容",
    "信息", "情况", "力度", "水平", "意识", "标准化", "规范化", "条例", "申请", "机构",
)
PREFIXES = (
    "推进", "加强", "做好", "深化", "推行", "全面", "从事", "开展", "负责", "本镇", "本乡", "我镇",
    "我乡", "我街道", "人民政府", "镇政府", "乡政府", "街道办事处", "年", "《", "关于", "根据",
    "依法", "规范", "落实", "年度",
)
# Fixed sentences where the phrase itself must be the word (both sides together).
COLLOCATIONS = (
    "政务公开领导小组", "政务公开工作", "政务公开专栏", "政务公开考核", "政务公开目录",
    "政务公开网", "推进政务公开", "全面推进政务公开", "政务公开和政务服务",
    "政府信息公开工作", "政府信息公开年度报告", "政府信息公开申请", "政府信息公开条例",
    "政府信息公开指南", "政府信息公开目录", "依申请公开政府信息", "主动公开政府信息",
    "人民政府办公室", "政府门户网站", "政府网站", "信息公开专栏", "信息公开工作",
)
CONTEXT = 8
SEPARATORS = "_@:：|｜-—· "
SEP_CLASS = re.escape(SEPARATORS)
ORGANS = ("人民政府", "政府", "人大", "政协", "委员会", "办公室")
GENERIC_WEIGHT = 0.1
STILL_PRINTED_PENALTY = 4.0
MIN_CONFIDENCE = 0.5
HAN = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class Substitution:
    token: str  # the spam token as printed
    phrase: str  # the genuine phrase inferred
    confidence: float  # 0..1
    occurrences: int  # places the token is printed (title, site name and text)
    explained: int  # of those, how many the phrase's collocations explain
    alternatives: dict[str, float] = field(default_factory=dict)  # runner-up scores


def candidate_tokens(texts: Iterable[str]) -> list[str]:
    """Spam tokens standing inside running text, or printed more than once. Lexicon terms
    glued by separators (`uedbet体育_uedbet官网@:`) are one token, trailing separators
    included: together they stand where one phrase stood."""
    joined = "\n".join(texts)
    found: list[str] = []
    for term in spam_terms_in(joined):
        compound = re.compile(rf"{re.escape(term)}(?:[{SEP_CLASS}]*(?:{SPAM_RE.pattern}))*"
                              rf"[{SEP_CLASS}]*")
        token = max((m.group() for m in compound.finditer(joined)), key=len, default=term)
        if any(token != t and token in t for t in found) or token in found:
            continue
        spots = list(re.finditer(re.escape(token), joined))
        inside = any(HAN.match(joined[m.end():m.end() + 1] or " ")
                     and HAN.match(joined[m.start() - 1:m.start()] or " ") for m in spots)
        if inside or len(spots) > 1:
            found = [t for t in found if t not in token] + [token]
    return found


def contexts(text: str, token: str) -> list[tuple[str, str]]:
    return [(text[max(0, m.start() - CONTEXT):m.start()], text[m.end():m.end() + CONTEXT])
            for m in re.finditer(re.escape(token), text)]


def support(phrase: str, left: str, right: str) -> float:
    """How much genre context `phrase` gets in this spot: a fixed collocation it completes
    counts its extra characters plus 2; a generic word before or after it (工作, 领导小组,
    从事 …), the same for every phrase, counts a tenth of a character."""
    best = 0.0
    window = left + phrase + right
    at = len(left)
    for colloc in COLLOCATIONS:
        if len(colloc) <= len(phrase):
            continue
        k = colloc.find(phrase)
        while k >= 0:
            start = at - k
            if start >= 0 and window[start:start + len(colloc)] == colloc:
                best = max(best, len(colloc) - len(phrase) + 2.0)
            k = colloc.find(phrase, k + 1)
    generic = max([len(s) for s in SUFFIXES if right.startswith(s)]
                  + [len(p) for p in PREFIXES if left.endswith(p)] + [0])
    return best + generic * GENERIC_WEIGHT


def place_support(place: str, right: str, places: list[str]) -> float:
    """A place name put back before a lower place or an organ of government
    (扎兰屯市 + 成吉思汗镇人民政府): the characters matched plus 2."""
    right = right.lstrip(SEPARATORS)
    for follower in (*[p for p in places if p != place], *ORGANS):
        if right.startswith(follower):
            return len(follower) + 2.0
    return 0.0


def infer(text: str, token: str, extra: Iterable[str] = (),
          places: Iterable[str] = ()) -> Substitution | None:
    """The phrase `token` replaced in `text` (and in `extra`: title, site name), or None."""
    spots = contexts(text, token)
    for other in extra:
        if other and other not in text:
            spots += contexts(other, token)
    if not spots:
        return None
    rest = text.replace(token, "\x00")
    scores: dict[str, float] = {}
    explained: dict[str, int] = {}
    places = [p for p in places if p]
    for phrase in dict.fromkeys([*PHRASES, *places]):
        per_spot = [support(phrase, left, right) for left, right in spots]
        if phrase in places:
            per_spot = [max(s, place_support(phrase, right, places))
                        for s, (_, right) in zip(per_spot, spots, strict=True)]
        score = float(sum(s for s in per_spot if s >= 1))  # generic context breaks no tie
        if phrase in rest:
            score /= STILL_PRINTED_PENALTY
        if score > 0:
            scores[phrase] = score
            explained[phrase] = sum(1 for s in per_spot if s >= 1)
    if not scores:
        return None
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], -len(kv[0]), kv[0]))
    phrase, best = ranked[0]
    share = best / sum(scores.values())
    confidence = round(share * (1 - 0.5 ** explained[phrase]), 3)
    return Substitution(token, phrase, confidence, len(spots), explained[phrase],
                        {p: round(s, 2) for p, s in ranked[1:4]})


def infer_substitutions(text: str, title: str = "", site_name: str = "",
                        places: Iterable[str] = ()) -> list[Substitution]:
    """Every substitution inferred with at least `MIN_CONFIDENCE`."""
    places = list(places)
    found = []
    for token in candidate_tokens([title, site_name, text]):
        sub = infer(text, token, [title, site_name], places)
        if sub is not None and sub.confidence >= MIN_CONFIDENCE:
            found.append(sub)
    return found


def restore(text: str, substitutions: Iterable[Substitution]) -> str:
    """`text` with each inferred token written back as its phrase."""
    for sub in substitutions:
        text = text.replace(sub.token, sub.phrase)
    return text
