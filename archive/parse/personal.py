"""Personal data in a report's text: resident ID numbers, phone numbers, applicants' names.

A report on requests sometimes names the applicant or prints an ID or mobile number that
was meant to stay in the file. `find_personal_data(text)` lists what it finds as
`Finding(kind, start, end, raw)`; `mask(text)` returns the text with each finding masked
(`110***********1234`, `138****5678`, `张*`).

Precision over recall: a finding is a claim about a person. So

- an 18-character ID must carry a valid GB 11643 check digit, a plausible birth date and
  a province code: 索引号, credit codes and document serials fail one of the three;
- a mobile is 1[3-9] and 11 digits, never part of a longer run of digits or letters;
- a landline needs its area code marked off (`0471-1234567`, `(0471)1234567`), or a
  telephone word right before it when written as one run of digits;
- a name is read only right after an applicant word (申请人, 来信人) or between 收到/受理
  and 的…申请, must start with a common surname and end at a boundary; names already
  masked (`张某`, `张某某`, `张*`, `张××`) are not findings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from archive.records import Report, Section

ID = "id_number"
MOBILE = "mobile"
LANDLINE = "landline"
NAME = "name"
KINDS = (ID, MOBILE, LANDLINE, NAME)
# What `mask` hides by default: a landline printed in a report is nearly always the
# office's own contact number, so it is found (and counted) but left readable.
PERSONAL_KINDS = frozenset({ID, MOBILE, NAME})

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CODES = "10X98765432"
# First two digits of a 行政区划代码 (GB/T 2260): provinces, plus 71 Taiwan, 81/82 HK/Macao.
PROVINCE_CODES = frozenset({
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
    50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
})
BIRTH_YEARS = (1900, 2030)

_EDGE_L = r"(?<![0-9A-Za-z])"
_EDGE_R = r"(?![0-9A-Za-z])"
ID_RE = re.compile(rf"{_EDGE_L}\d{{17}}[\dXx]{_EDGE_R}")
MOBILE_RE = re.compile(rf"{_EDGE_L}(?<![-/.])1[3-9]\d(?:\d{{8}}|-\d{{4}}-\d{{4}}){_EDGE_R}(?![-/.]\d)")
LANDLINE_RE = re.compile(
    rf"{_EDGE_L}(?<![-/.])(?:\(0\d{{2,3}}\)\s?|0\d{{2,3}}-)[2-9]\d{{6,7}}{_EDGE_R}(?![-/.]\d)")
PHONE_WORD_RE = re.compile(r"(?:电话|热线|座机|传真|Tel|TEL|tel)\s*(?:号码)?\s*(?:为|是)?[:：]?\s*$")
LANDLINE_RUN_RE = re.compile(rf"{_EDGE_L}0\d{{2,3}}[2-9]\d{{6,7}}{_EDGE_R}")

# Common surnames (the most frequent, plus a few compound ones), less those that are
# everyday words after 申请人 (于, 向, 应, 和, 明, 全, 申 …). A name must start with one:
# "申请人依法…", "申请人无正当理由…" are not names.
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐")
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余"
    "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙"
    "史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔汤向常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁"
    "岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆"
    "蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑"
    "景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞"
    "敖巩佘池麻苑迟邝"
) - frozenset("于向应和全时明常成文安关师商车司单解曲查连路景宁尚齐易万严管申计")
# Characters that never appear in a given name here but do follow 申请人 in prose.
NOT_GIVEN = frozenset(
    "的了在是和与及等对向为于从到把被将已未不无也都所其之以而或并且就才又再还因由按依据经"
    "应须需要可能会该此这那每各某×*＊Xx○〇□年月日人申请提出来称情况数次件份名述诉求"
)
MASK_MARK_RE = re.compile(r"某|[×*＊Xx○〇□]")
NAME_END = r"(?=[,，。、;；:：()（）\s]|于|向|申请|提出|来|称|要求|先生|女士|同志|$)"
APPLICANT_WORDS = r"(?:申请人|来信人|来访人|申请者|当事人)"
_SURNAME = "(?:" + "|".join(COMPOUND_SURNAMES) + "|[" + "".join(sorted(SURNAMES)) + "])"
NAME_AFTER_APPLICANT_RE = re.compile(
    rf"{APPLICANT_WORDS}(?:姓名)?\s*(?:[:：为是]\s*)?(?P<name>{_SURNAME}[\u4e00-\u9fff]{{1,2}}?){NAME_END}")
NAME_IN_REQUEST_RE = re.compile(
    rf"(?:收到|受理|办理)(?:了)?(?:公民)?(?P<name>{_SURNAME}[\u4e00-\u9fff]{{1,2}}?)"
    rf"(?:先生|女士|同志)?(?:提出|提交|递交)?的(?:[\u4e00-\u9fff]{{0,12}})申请")


# Every finding needs one of these (a run of 7 digits, a dashed mobile, a bracketed area
# code, an applicant word or 申请): most texts and sections are passed over at once.
PREFILTER_RE = re.compile(r"\d{7}|\d-\d{4}|\)\s?\d|申请|来信人|来访人|当事人")


@dataclass(frozen=True)
class Finding:
    kind: str
    start: int
    end: int
    raw: str


def find_personal_data(text: str) -> list[Finding]:
    """Every personal datum found in `text`, in order; overlapping finds keep the first kind
    tried (ID numbers, then mobiles, landlines, names)."""
    found: list[Finding] = []
    if not PREFILTER_RE.search(text):
        return found
    for finder in (id_numbers, mobiles, landlines, names):
        for finding in finder(text):
            if not any(f.start < finding.end and finding.start < f.end for f in found):
                found.append(finding)
    return sorted(found, key=lambda f: f.start)


def id_numbers(text: str) -> list[Finding]:
    return [Finding(ID, m.start(), m.end(), m.group())
            for m in ID_RE.finditer(text) if valid_id_number(m.group())]


def valid_id_number(value: str) -> bool:
    """An 18-character resident ID: province code, birth date and GB 11643 check digit."""
    if len(value) != 18 or not value[:17].isdigit():
        return False
    if int(value[:2]) not in PROVINCE_CODES:
        return False
    return plausible_birth(value[6:14]) and id_check_digit(value[:17]) == value[17].upper()


def id_check_digit(first17: str) -> str:
    """The GB 11643-1999 check character of the first 17 digits (ISO 7064 MOD 11-2)."""
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CODES[total % 11]


def plausible_birth(yyyymmdd: str) -> bool:
    year, month, day = int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8])
    if not BIRTH_YEARS[0] <= year <= BIRTH_YEARS[1]:
        return False
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def mobiles(text: str) -> list[Finding]:
    return [Finding(MOBILE, m.start(), m.end(), m.group()) for m in MOBILE_RE.finditer(text)]


def landlines(text: str) -> list[Finding]:
    found = [Finding(LANDLINE, m.start(), m.end(), m.group())
             for m in LANDLINE_RE.finditer(text)]
    for m in LANDLINE_RUN_RE.finditer(text):
        if PHONE_WORD_RE.search(text[max(0, m.start() - 12):m.start()]):
            found.append(Finding(LANDLINE, m.start(), m.end(), m.group()))
    return found


def names(text: str) -> list[Finding]:
    found = []
    for pattern in (NAME_AFTER_APPLICANT_RE, NAME_IN_REQUEST_RE):
        for m in pattern.finditer(text):
            name = m.group("name")
            given = name[len(surname_of(name)):]
            if MASK_MARK_RE.search(given) or any(c in NOT_GIVEN for c in given):
                continue
            found.append(Finding(NAME, m.start("name"), m.end("name"), name))
    return found


def surname_of(name: str) -> str:
    return name[:2] if name[:2] in COMPOUND_SURNAMES else name[:1]


def mask_value(kind: str, raw: str) -> str:
    """One finding masked: ID keeps its first 3 and last 4 characters, a mobile its first
    3 and last 4 digits, a landline its area code and last 4, a name its surname."""
    if kind == NAME:
        surname = surname_of(raw)
        return surname + "*" * (len(raw) - len(surname))
    if kind == LANDLINE:
        cut = max(raw.find("-"), raw.find(")")) + 1 or (3 if raw[1] in "12" else 4)
        return raw[:cut] + keep_ends(raw[cut:], 0, 4)
    return keep_ends(raw, 3, 4)


def keep_ends(value: str, first: int, last: int) -> str:
    """Digits between the first `first` and last `last` characters become `*`;
    separators stay."""
    chars = list(value)
    digits = [i for i, c in enumerate(chars) if c.isalnum()]
    for i in digits[first:len(digits) - last]:
        chars[i] = "*"
    return "".join(chars)


def mask(text: str, kinds: frozenset[str] | None = None) -> str:
    """`text` with every finding of `kinds` (default: ID numbers, mobiles, names) masked."""
    kinds = PERSONAL_KINDS if kinds is None else kinds
    parts: list[str] = []
    at = 0
    for finding in find_personal_data(text):
        if finding.kind not in kinds:
            continue
        parts.append(text[at:finding.start])
        parts.append(mask_value(finding.kind, finding.raw))
        at = finding.end
    parts.append(text[at:])
    return "".join(parts)


def finding_records(text: str, findings: list[Finding] | None = None,
                    context: int = 20) -> list[dict[str, object]]:
    """The findings of `text` as stored rows: kind, offsets, the value masked, a masked
    context of `context` characters either side and the SHA-256 of the raw value (identity
    across reports without the value). Never the raw value itself."""
    import hashlib

    findings = find_personal_data(text) if findings is None else findings
    masked_all = mask(text, frozenset(KINDS))
    return [{"kind": f.kind, "start": f.start, "end": f.end,
             "masked": masked_all[f.start:f.end],
             "context": masked_all[max(0, f.start - context):f.end + context],
             "value_sha256": hashlib.sha256(f.raw.encode("utf-8")).hexdigest()}
            for f in findings]


def mask_report(report: Report) -> tuple[Report, list[dict[str, object]]]:
    """The report as the archive serves it: ID numbers, mobiles and applicants' names
    masked in its text, sections, title and source (lengths kept, so offsets hold), and
    the findings of its text as `finding_records`. The raw capture keeps the bytes."""
    records = finding_records(report.text)
    masked = replace(
        report,
        text=mask(report.text),
        title=mask(report.title), title_raw=mask(report.title_raw),
        source=mask(report.source) if report.source else report.source,
        sections=[Section(s.level, mask(s.heading), mask(s.text)) for s in report.sections])
    return masked, records


TAG_RE = re.compile(r"(<!--.*?-->|<[^>]*>)", re.DOTALL)


def mask_markup(markup: str) -> str:
    """An HTML page with the personal data of its text masked: the text between tags is
    masked piece by piece (tags, attributes and comments are left as they are), after the
    page's text as a whole is read once so that a number split by a tag is masked too."""
    pieces = TAG_RE.split(markup)
    texts = [(i, p) for i, p in enumerate(pieces) if i % 2 == 0 and p]
    joined = "".join(p for _, p in texts)
    findings = [f for f in find_personal_data(joined) if f.kind in PERSONAL_KINDS]
    if not findings:
        return markup
    masked = mask(joined)
    at = 0
    for i, piece in texts:
        pieces[i] = masked[at:at + len(piece)]
        at += len(piece)
    return "".join(pieces)
