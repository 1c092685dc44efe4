"""The standard checklists (排查表) shipped as data in inspections/standard_checklists.json (no database needed).

`problems(data)` lists every defect of a file's contents as a message; the shipped file must have none, and
each deliberately broken copy below must be reported with its own message, so the checks are known to bite.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

FILE = Path(__file__).resolve().parent.parent / "standard_checklists.json"

KEYS = ["fire", "electricity", "buildings", "canteen", "dormitory", "laboratory", "gate", "surroundings",
        "disasters", "activities"]
CADENCES = {"daily", "weekly", "monthly", "per_term"}
CHECKLIST_FIELDS = {"key", "topic", "name", "description", "suggested_cadence", "items"}
ITEM_FIELDS = {"key", "group", "text", "guidance", "kind", "major", "photo_on_fail", "note_on_fail"}
KIND_FIELDS = {"pass_fail": set(), "text": set(), "number": {"unit", "min", "max"},
               "choice": {"options", "fail_options"}}
FLAGS = ("major", "photo_on_fail", "note_on_fail")
# Column lengths of Checklist / ChecklistItem (inspections/models.py) that a copied table must fit.
MAX_LENGTH = {"name": 60, "key": 30, "group": 40, "text": 300, "guidance": 300, "unit": 10}
ITEMS_PER_CHECKLIST = (10, 20)
GROUPS_PER_CHECKLIST = (2, 5)
# Major hazards (重大事故隐患) the shipped tables must flag, after 《教育系统重大事故隐患判定指南》(教育部, 2024) and
# GB 35181: (checklist, words all found in the text of a major item of that checklist).
REQUIRED_MAJOR = [
    ("fire", ("火灾自动报警", "自动喷水", "自动消防")),
    ("fire", ("安全出口", "上锁", "封堵")),
    ("fire", ("人员密集场所", "易燃易爆")),
    ("dormitory", ("地下室", "半地下室")),
    ("dormitory", ("独立式感烟",)),
    ("dormitory", ("安全出口", "上锁")),
    ("buildings", ("D级危房",)),
    ("laboratory", ("易制毒", "易制爆", "双人双锁")),
    ("laboratory", ("储存量", "限量")),
    ("canteen", ("燃气泄漏报警", "紧急切断")),
]
CHINESE = re.compile(r"[\u4e00-\u9fff]")
# Traditional forms whose Simplified forms the tables use; one of them means a conversion slipped in.
TRADITIONAL = re.compile("[這個檢設電門車險裝時學園災報應衛樓範閘燈]")


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _strings(where: str, values: dict, names: tuple[str, ...], *, may_be_empty: tuple[str, ...] = ()) -> list[str]:
    found = []
    for name in names:
        value = values.get(name)
        if not isinstance(value, str):
            found.append(f"{where}: {name} must be a string")
        elif value != value.strip():
            found.append(f"{where}: {name} has surrounding spaces")
        elif not value and name not in may_be_empty:
            found.append(f"{where}: {name} is empty")
        elif value and name != "unit" and not CHINESE.search(value):
            found.append(f"{where}: {name} has no Chinese")
        elif TRADITIONAL.search(value):
            found.append(f"{where}: {name} has Traditional characters")
        elif name in MAX_LENGTH and len(value) > MAX_LENGTH[name]:
            found.append(f"{where}: {name} longer than {MAX_LENGTH[name]}")
    return found


def _number_problems(where: str, item: dict) -> list[str]:
    found = _strings(where, item, ("unit",))
    low, high = item.get("min"), item.get("max")
    for name, value in (("min", low), ("max", high)):
        if value is not None and not _is_number(value):
            found.append(f"{where}: {name} must be a number or null")
        elif value is not None and (round(value, 2) != value or abs(value) >= 10 ** 8):
            found.append(f"{where}: {name} must fit 8 digits and 2 decimals")
    if low is None and high is None:
        found.append(f"{where}: a number item needs a min or a max")
    elif _is_number(low) and _is_number(high) and low > high:
        found.append(f"{where}: min {low} is above max {high}")
    return found


def _choice_problems(where: str, item: dict) -> list[str]:
    options, fail = item.get("options"), item.get("fail_options")
    if not (isinstance(options, list) and isinstance(fail, list)):
        return [f"{where}: options and fail_options must be lists"]
    found = []
    for value in options:
        found += _strings(where, {"option": value}, ("option",))
    if len(options) < 2 or len(set(options)) != len(options):
        found.append(f"{where}: a choice item needs at least two different options")
    if not fail or len(set(fail)) != len(fail) or not set(fail) < set(options):
        found.append(f"{where}: fail_options must be a non-empty strict subset of options")
    return found


def _item_problems(checklist_key: str, item) -> list[str]:
    if not isinstance(item, dict):
        return [f"{checklist_key}: an item is not an object"]
    where = item.get("key") if isinstance(item.get("key"), str) else f"{checklist_key}-?"
    kind = item.get("kind")
    if kind not in KIND_FIELDS:
        return [f"{where}: kind {kind!r} is not one of {sorted(KIND_FIELDS)}"]
    found = []
    expected = ITEM_FIELDS | KIND_FIELDS[kind]
    if missing := expected - item.keys():
        found.append(f"{where}: missing {sorted(missing)}")
    if unexpected := item.keys() - expected:
        found.append(f"{where}: unexpected {sorted(unexpected)}")
    if not re.fullmatch(rf"{re.escape(checklist_key)}-\d\d", where):
        found.append(f"{where}: key must be {checklist_key}-NN")
    found += _strings(where, item, ("group", "text", "guidance"), may_be_empty=("guidance",))
    if str(item.get("guidance", "")).startswith("怎么查"):
        found.append(f"{where}: guidance repeats the label 怎么查")
    for flag in FLAGS:
        if not isinstance(item.get(flag), bool):
            found.append(f"{where}: {flag} must be true or false")
    if kind == "text" and any(item.get(flag) for flag in FLAGS):
        found.append(f"{where}: a text item never fails, so it is never major and needs no photo or note")
    if item.get("major") is True and not (item.get("photo_on_fail") is True and item.get("note_on_fail") is True):
        found.append(f"{where}: a major item needs photo_on_fail and note_on_fail")
    if kind == "number":
        found += _number_problems(where, item)
    if kind == "choice":
        found += _choice_problems(where, item)
    return found


def _checklist_problems(checklist: dict) -> list[str]:
    key = checklist.get("key")
    found = []
    if missing := CHECKLIST_FIELDS - checklist.keys():
        found.append(f"{key}: missing {sorted(missing)}")
    if unexpected := checklist.keys() - CHECKLIST_FIELDS:
        found.append(f"{key}: unexpected {sorted(unexpected)}")
    if checklist.get("topic") != key:
        found.append(f"{key}: topic {checklist.get('topic')!r} is not {key!r}")
    if checklist.get("suggested_cadence") not in CADENCES:
        found.append(f"{key}: suggested_cadence {checklist.get('suggested_cadence')!r} is not one of "
                     f"{sorted(CADENCES)}")
    found += _strings(str(key), checklist, ("name", "description"))
    items = checklist.get("items")
    if not isinstance(items, list):
        return [*found, f"{key}: items must be a list"]
    for item in items:
        found += _item_problems(str(key), item)
    items = [item for item in items if isinstance(item, dict)]
    low, high = ITEMS_PER_CHECKLIST
    if not low <= len(items) <= high:
        found.append(f"{key}: {len(items)} items, expected {low}–{high}")
    groups = [item.get("group") for item in items]
    distinct = list(dict.fromkeys(groups))
    low, high = GROUPS_PER_CHECKLIST
    if not low <= len(distinct) <= high:
        found.append(f"{key}: {len(distinct)} groups, expected {low}–{high}")
    runs = [group for position, group in enumerate(groups) if position == 0 or groups[position - 1] != group]
    if len(runs) != len(distinct):
        found.append(f"{key}: the items of a group are not next to each other")
    if sum(item.get("kind") == "text" for item in items) > 1:
        found.append(f"{key}: more than one text item")
    texts = [item.get("text") for item in items]
    if len(set(map(str, texts))) != len(texts):
        found.append(f"{key}: two items have the same text")
    return found


def problems(data) -> list[str]:
    """Every defect of a standard checklists file's contents, as messages; [] for a sound file."""
    if not isinstance(data, list) or not all(isinstance(checklist, dict) for checklist in data):
        return ["the file must be a list of checklist objects"]
    found = []
    keys = [checklist.get("key") for checklist in data]
    if keys != KEYS:
        found.append(f"checklist keys are {keys}, expected {KEYS}")
    names = [checklist.get("name") for checklist in data]
    if len(set(map(str, names))) != len(names):
        found.append("two checklists have the same name")
    seen = set()
    for checklist in data:
        found += _checklist_problems(checklist)
        for item in checklist.get("items") if isinstance(checklist.get("items"), list) else []:
            key = item.get("key") if isinstance(item, dict) else None
            if key in seen:
                found.append(f"{key}: key used twice")
            seen.add(key)
    by_key = {checklist.get("key"): checklist for checklist in data}
    for checklist_key, words in REQUIRED_MAJOR:
        items = by_key.get(checklist_key, {}).get("items")
        items = [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []
        if not any(item.get("major") is True and all(word in str(item.get("text")) for word in words)
                   for item in items):
            found.append(f"{checklist_key}: no major item about {'、'.join(words)}")
    return found


DATA = json.loads(FILE.read_text(encoding="utf-8"))


def test_the_shipped_file_has_no_problems():
    assert problems(DATA) == []


def test_the_ten_checklists_each_with_10_to_20_items_in_2_to_5_groups():
    assert [c["key"] for c in DATA] == KEYS
    for checklist in DATA:
        assert 10 <= len(checklist["items"]) <= 20, checklist["key"]
        assert 2 <= len({i["group"] for i in checklist["items"]}) <= 5, checklist["key"]


def test_every_kind_is_used_and_pass_fail_is_the_most_common():
    kinds = [i["kind"] for checklist in DATA for i in checklist["items"]]
    assert set(kinds) == set(KIND_FIELDS)
    assert kinds.count("pass_fail") > len(kinds) / 2


def test_the_nightly_dormitory_check_counts_students_not_back_as_a_number_that_must_be_zero():
    dormitory = next(c for c in DATA if c["key"] == "dormitory")
    assert dormitory["suggested_cadence"] == "daily"
    absent = next(i for i in dormitory["items"] if "未归寝" in i["text"])
    assert (absent["kind"], absent["unit"], absent["max"]) == ("number", "人", 0)


def test_the_major_hazards_are_flagged_and_every_major_item_asks_for_a_photo_and_a_note():
    majors = [i for checklist in DATA for i in checklist["items"] if i["major"]]
    assert all(i["photo_on_fail"] and i["note_on_fail"] for i in majors)
    for word in ("地下室", "独立式感烟", "自动喷水", "自动消防", "易燃易爆"):
        assert any(word in i["text"] for i in majors), word


# Each broken copy: a mutation of a deep copy of the shipped data returning the key of the item it edited (or
# None), and the message `problems` must give for it ({key} stands for that key).


def checklist_of(data: list, key: str = "fire") -> dict:
    return next(c for c in data if c["key"] == key)


def edit(item: dict, **values) -> str:
    item.update(values)
    return item["key"]


def drop(item: dict, field: str) -> str:
    del item[field]
    return item["key"]


def find(data: list, kind: str, *, checklist: str = "fire", major: bool | None = None) -> dict:
    return next(i for i in checklist_of(data, checklist)["items"]
                if i["kind"] == kind and major in (None, i["major"]))


def major_about(data: list, checklist: str, word: str) -> dict:
    return next(i for i in checklist_of(data, checklist)["items"] if i["major"] and word in i["text"])


def fire_item(data: list, position: int = 0) -> dict:
    return checklist_of(data)["items"][position]


def pad_to(data: list, count: int) -> None:
    items = checklist_of(data)["items"]
    items.extend(dict(items[0], key=f"fire-{90 + n}", text=f"{items[0]['text']}（{n}）")
                 for n in range(count - len(items)))


def regroup(data: list, names: list[str]) -> None:
    items = checklist_of(data)["items"]
    for position, item in enumerate(items):
        item["group"] = names[min(position, len(names) - 1)]


def remove(data: list, item: dict) -> None:
    checklist_of(data, item["key"].split("-")[0])["items"].remove(item)


BROKEN = [
    ("a checklist missing", lambda d: d.pop() and None, f"checklist keys are {KEYS[:-1]}, expected {KEYS}"),
    ("checklists reordered", lambda d: d.reverse(), f"checklist keys are {KEYS[::-1]}, expected {KEYS}"),
    ("not a list of objects", lambda d: d.append("fire"), "the file must be a list of checklist objects"),
    ("a checklist field missing", lambda d: d[0].pop("description") and None, "fire: missing ['description']"),
    ("a checklist field unknown", lambda d: d[0].update(colour="red"), "fire: unexpected ['colour']"),
    ("topic not the key", lambda d: d[0].update(topic="other"), "fire: topic 'other' is not 'fire'"),
    ("cadence unknown", lambda d: d[0].update(suggested_cadence="hourly"),
     "fire: suggested_cadence 'hourly' is not one of ['daily', 'monthly', 'per_term', 'weekly']"),
    ("names repeated", lambda d: d[1].update(name=d[0]["name"]), "two checklists have the same name"),
    ("name empty", lambda d: d[0].update(name=""), "fire: name is empty"),
    ("description in English only", lambda d: d[0].update(description="Fire safety"),
     "fire: description has no Chinese"),
    ("items not a list", lambda d: d[0].update(items={}), "fire: items must be a list"),
    ("an item field missing", lambda d: drop(fire_item(d), "guidance"), "{key}: missing ['guidance']"),
    ("an item field unknown", lambda d: edit(fire_item(d), colour="red"), "{key}: unexpected ['colour']"),
    ("options on a pass/fail item", lambda d: edit(find(d, "pass_fail"), options=["好", "坏"]),
     "{key}: unexpected ['options']"),
    ("kind unknown", lambda d: edit(fire_item(d), kind="yes_no"),
     "{key}: kind 'yes_no' is not one of ['choice', 'number', 'pass_fail', 'text']"),
    ("flag not a boolean", lambda d: edit(fire_item(d), photo_on_fail=1), "{key}: photo_on_fail must be true or false"),
    ("key of another checklist", lambda d: edit(fire_item(d), key="electricity-01"),
     "electricity-01: key must be fire-NN"),
    ("key without two digits", lambda d: edit(fire_item(d), key="fire-1"), "fire-1: key must be fire-NN"),
    ("key repeated across the file", lambda d: edit(checklist_of(d, "canteen")["items"][1], key="canteen-01"),
     "canteen-01: key used twice"),
    ("text empty", lambda d: edit(fire_item(d), text=""), "{key}: text is empty"),
    ("text in English only", lambda d: edit(fire_item(d), text="Extinguishers OK"), "{key}: text has no Chinese"),
    ("text in Traditional characters", lambda d: edit(fire_item(d), text="滅火器壓力正常，在檢驗有效期內"),
     "{key}: text has Traditional characters"),
    ("text too long", lambda d: edit(fire_item(d), text="灭" * 301), "{key}: text longer than 300"),
    ("text with surrounding spaces", lambda d: edit(fire_item(d), text=fire_item(d)["text"] + " "),
     "{key}: text has surrounding spaces"),
    ("group empty", lambda d: edit(fire_item(d), group=""), "{key}: group is empty"),
    ("guidance repeating its label", lambda d: edit(fire_item(d), guidance="怎么查：看压力表"),
     "{key}: guidance repeats the label 怎么查"),
    ("number without a unit", lambda d: edit(find(d, "number"), unit=""), "{key}: unit is empty"),
    ("number without limits", lambda d: edit(find(d, "number"), min=None, max=None),
     "{key}: a number item needs a min or a max"),
    ("number min above max", lambda d: edit(find(d, "number"), min=2, max=1), "{key}: min 2 is above max 1"),
    ("number limit as text", lambda d: edit(find(d, "number"), min="0.1"), "{key}: min must be a number or null"),
    ("number limit as a boolean", lambda d: edit(find(d, "number"), max=True), "{key}: max must be a number or null"),
    ("number limit too precise", lambda d: edit(find(d, "number"), min=0.125),
     "{key}: min must fit 8 digits and 2 decimals"),
    ("choice with one option", lambda d: edit(find(d, "choice"), options=["齐全"], fail_options=[]),
     "{key}: a choice item needs at least two different options"),
    ("choice with a repeated option", lambda d: edit(find(d, "choice"), options=["齐全", "齐全"],
                                                     fail_options=["齐全"]),
     "{key}: a choice item needs at least two different options"),
    ("choice failing on every option", lambda d: edit(find(d, "choice"), fail_options=find(d, "choice")["options"]),
     "{key}: fail_options must be a non-empty strict subset of options"),
    ("choice failing on nothing", lambda d: edit(find(d, "choice"), fail_options=[]),
     "{key}: fail_options must be a non-empty strict subset of options"),
    ("choice failing on an unlisted option", lambda d: edit(find(d, "choice"), fail_options=["损坏"]),
     "{key}: fail_options must be a non-empty strict subset of options"),
    ("text item major", lambda d: edit(find(d, "text"), major=True, photo_on_fail=True, note_on_fail=True),
     "{key}: a text item never fails, so it is never major and needs no photo or note"),
    ("text item asking for a note", lambda d: edit(find(d, "text"), note_on_fail=True),
     "{key}: a text item never fails, so it is never major and needs no photo or note"),
    ("major item without a photo", lambda d: edit(find(d, "pass_fail", major=True), photo_on_fail=False),
     "{key}: a major item needs photo_on_fail and note_on_fail"),
    ("major item without a note", lambda d: edit(find(d, "pass_fail", major=True), note_on_fail=False),
     "{key}: a major item needs photo_on_fail and note_on_fail"),
    ("two text items", lambda d: edit(find(d, "pass_fail", major=False), kind="text", photo_on_fail=False,
                                      note_on_fail=False), "fire: more than one text item"),
    ("too few items", lambda d: checklist_of(d).update(items=checklist_of(d)["items"][:9]),
     "fire: 9 items, expected 10–20"),
    ("too many items", lambda d: pad_to(d, 21), "fire: 21 items, expected 10–20"),
    ("one group", lambda d: regroup(d, ["消防"]), "fire: 1 groups, expected 2–5"),
    ("six groups", lambda d: regroup(d, ["一组", "二组", "三组", "四组", "五组", "六组"]),
     "fire: 6 groups, expected 2–5"),
    ("a group split", lambda d: edit(checklist_of(d)["items"][-1], group=fire_item(d)["group"]),
     "fire: the items of a group are not next to each other"),
    ("the same text twice", lambda d: edit(fire_item(d, 1), text=fire_item(d)["text"]),
     "fire: two items have the same text"),
    ("dormitory in a basement not major", lambda d: edit(major_about(d, "dormitory", "地下室"), major=False),
     "dormitory: no major item about 地下室、半地下室"),
    ("no smoke detector item", lambda d: remove(d, major_about(d, "dormitory", "独立式感烟")),
     "dormitory: no major item about 独立式感烟"),
    ("automatic fire systems not major", lambda d: edit(major_about(d, "fire", "自动喷水"), major=False),
     "fire: no major item about 火灾自动报警、自动喷水、自动消防"),
    ("flammables in crowded places not major", lambda d: edit(major_about(d, "fire", "易燃易爆"), major=False),
     "fire: no major item about 人员密集场所、易燃易爆"),
    ("locked exits not major", lambda d: edit(major_about(d, "fire", "安全出口"), major=False),
     "fire: no major item about 安全出口、上锁、封堵"),
    ("D-grade buildings not major", lambda d: edit(major_about(d, "buildings", "D级危房"), major=False),
     "buildings: no major item about D级危房"),
    ("chemicals without two locks", lambda d: edit(major_about(d, "laboratory", "双人双锁"),
                                                   text="易制毒、易制爆化学品存放在专用柜"),
     "laboratory: no major item about 易制毒、易制爆、双人双锁"),
    ("canteen gas alarm not major", lambda d: edit(major_about(d, "canteen", "燃气"), major=False),
     "canteen: no major item about 燃气泄漏报警、紧急切断"),
]


@pytest.mark.parametrize(("mutate", "message"), [case[1:] for case in BROKEN], ids=[case[0] for case in BROKEN])
def test_a_broken_copy_is_reported(mutate, message):
    data = copy.deepcopy(DATA)
    key = mutate(data)
    assert message.format(key=key) in problems(data)
