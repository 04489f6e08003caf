"""One word for one thing across every catalogue (the glossary of docs/../shared/DESIGN.md).

The apps' catalogues were written apart, and the same English came out in different Vietnamese
("nhà mạng", "doanh nghiệp viễn thông" and "nhà cung cấp dịch vụ" for an operator). These tests
keep the terms that were made consistent from drifting apart again.
"""

import ast
import re
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(ROOT.glob("**/locale/vi/LC_MESSAGES/django.po"))

# English word -> Vietnamese words that must not translate it (the glossary's word is used instead).
FORBIDDEN = {
    r"\boperators?\b": ["nhà mạng", "doanh nghiệp viễn thông"],   # nhà cung cấp dịch vụ
    r"\bsymptoms?\b": ["biểu hiện", "triệu chứng", "hiện tượng lỗi"],  # hiện tượng
    r"\bescalat": ["vượt cấp"],                                    # chuyển cấp xử lý
    r"\b(audio|video) codecs?\b": ["codec âm thanh", "codec hình ảnh"],  # chuẩn nén tiếng / hình
    r"\bpre-meeting check": ["trước cuộc họp"],                    # kiểm tra trước họp
    r"\bstandard %\(v\)s": ["bộ yêu cầu"],                         # tiêu chuẩn
}
# Messages found in several catalogues (or in several cases) that must read the same everywhere.
SAME = [
    "Nothing matches these filters.", "The file is empty.", "A phone number has 8 to 15 digits.",
    "No changes recorded yet.", "Cancel", "Incident %(code)s was reported to %(holder)s.", "What is wrong?",
    "Choose at least one symptom.", "Audio codecs", "Video codecs", "Stability", "Jitter", "Packet loss", "Status",
    "No data", "Not known", "Pre-meeting check", "Operator", "Photo", "History", "created at", "last checked",
    "in use", "compatibility", "standard %(v)s", "Symptom", "symptoms", "token starts with", "Holder",
    "Escalation contact", "No primary link recorded",
]


def _messages():
    """(catalogue, msgid, msgstr) of every translated message."""
    found = []
    for path in CATALOGUES:
        out = subprocess.run(["msgattrib", "--translated", "--no-wrap", "--no-obsolete", str(path)],
                             capture_output=True, text=True, check=True).stdout
        msgid = None
        for line in out.splitlines():
            if line.startswith("msgid "):
                msgid = ast.literal_eval(line[6:])
            elif line.startswith(("msgstr ", "msgstr[0] ")) and msgid:
                found.append((path.parent.parent.parent.parent.name, msgid, ast.literal_eval(line.split(" ", 1)[1])))
    return found


@pytest.fixture(scope="module")
def messages():
    return _messages()


@pytest.mark.parametrize("english", list(FORBIDDEN))
def test_a_glossary_term_has_one_vietnamese_word(english, messages):
    pattern = re.compile(english, re.IGNORECASE)
    wrong = [(app, msgid, msgstr) for app, msgid, msgstr in messages
             if pattern.search(msgid) and any(word in msgstr.lower() for word in FORBIDDEN[english])]
    assert wrong == []


def _key(text: str) -> str:
    return re.sub(r"[.:…]+$", "", text.strip()).lower()


def test_the_same_message_reads_the_same_in_every_app(messages):
    wanted = {_key(m) for m in SAME}
    seen = defaultdict(set)
    for app, msgid, msgstr in messages:
        if _key(msgid) in wanted:
            seen[_key(msgid)].add((app, _key(msgstr)))
    assert set(seen) == wanted  # each is still somewhere
    differing = {msgid: sorted(pairs) for msgid, pairs in seen.items() if len({v for _, v in pairs}) > 1}
    assert differing == {}
