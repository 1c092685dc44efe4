"""Roster import benchmark (issue #6 "District scale"): a school's roster workbook of 5,000 and 100,000 rows
imported the way the web import does it, against reading the same workbook with python-calamine plus a
COPY of its rows into a scratch table, timed in the same run.

    .venv/bin/python bench/roster.py                                   # PostgreSQL, 5,000 and 100,000 rows
    .venv/bin/python bench/roster.py --rows 5000 --n 3                 # 5,000 rows only, three samples
    .venv/bin/python bench/roster.py --db-url postgres://postgres@127.0.0.1:5432/safegrid_bench_roster
    .venv/bin/python bench/roster.py --db sqlite                       # SQLite file under var/bench-roster/

The app path is the web import's end to end, minus the upload request: a RosterImport row, its check
(`jobs.check`: read, validate, compare with the school, store the list of differences), the confirmation's
conditional update and the apply step (`jobs.apply`: the same again, then every change in one transaction,
new objects in runs of one kind (grids/roster/bulk.py), each with its audit event) — into a new, empty
school each time. A second import of the same workbook into the filled school (nothing changes: the check
ends the job) is timed as well. Queries are Django's (the audit entries' COPY and the progress connection
are not counted).

The floor: `CalamineWorkbook` reading every sheet of the same bytes, and the same rows (as text, one row
per workbook row) written by COPY into a scratch table (SQLite: executemany) in one transaction.

The workbooks are generated here, deterministically, with the project's writer in the template's format:
a school of "units" of 250 rows — a teaching building of five floors (46 场所 rows: classrooms, offices,
laboratories, toilets and stores, with building, floor and room heads and the cleaning post), its 20 classes
(head teacher and a student monitor each), 170 people (150 staff, some holding the posts 保安, 保洁人员, 宿管,
食堂从业人员; shared names told apart by 工号) and 14 网格 rows (the building grid under the leadership
grid with its safety officer, a patrol grid with dated assignments) — plus the school-wide leadership,
department and time-axis grids and ten time slots. The roster reader refuses a sheet of more than 20,000
rows (reader.MAX_ROWS); the 100,000-row workbook has up to 68,000 on one sheet, so this benchmark lifts
that limit for its run and says so in the record.

Target (issue #6): a 5,000-row import ≤ 5 s on PostgreSQL on this 2-core machine. The school is built in
a database of the benchmark's own (the seeded size-D district is not touched); each run adds schools to
it (`dropdb -h 127.0.0.1 -U postgres safegrid_bench_roster` starts afresh). Writes
bench/results/<date>-roster-<db>-roster.{json,md}.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from bench import harness  # noqa: E402

PG_URL = os.environ.get("BENCH_ROSTER_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/safegrid_bench_roster")
DAY = datetime.date(2026, 9, 1)
UNIT_ROWS = 250
TARGET_ROWS = 5_000
TARGET_SECONDS = 5.0
SCRATCH = "bench_roster_scratch"


def setup_django(db: str, db_url: str) -> None:
    harness.setup_django(db, db_url, "bench-roster")


# --- the workbooks ------------------------------------------------------------------------------------------

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
            "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文辉俊鹏志宇浩然欣怡子轩梓涵雨泽思远一诺晨阳佳琪"
FLOORS = ("一层", "二层", "三层", "四层", "五层")
GRADES = ("一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "七年级", "八年级", "九年级")
POSTS = (("保安", 3), ("保洁人员", 4), ("宿管", 2), ("食堂从业人员", 4))
DEPARTMENTS = ("教务处", "政教处", "总务处", "安全办", "年级组", "综合组")
SUBJECTS = ("语文教师", "数学教师", "英语教师", "科学教师", "体育教师", "音乐教师", "美术教师", "信息技术教师")
SLOTS = (  # 时段, 星期, 开始, 结束, holder (a leader's index or a post), 负责区域 (None: the first building)
    ("早间入校", "一至五", "07:00", "08:00", 4, "校门"),
    ("上午教学", "一至五", "08:00", "11:40", 2, ""),
    ("午餐午休", "一至五", "11:40", "14:00", 6, "食堂"),
    ("下午教学", "一至五", "14:00", "16:30", 2, ""),
    ("放学离校", "一至五", "16:30", "18:00", 4, "校门"),
    ("晚自习", "一至五", "18:30", "21:00", 5, None),
    ("夜间值守", "每天", "21:00", "07:00", "保安", "校门"),
    ("双休日值守", "六、日", "07:00", "21:00", "保安", "校门"),
    ("周末返校", "日", "15:00", "18:30", 5, "校门"),
    ("寒暑假值班", "每天", "08:00", "17:00", 3, ""),
)
LEADERS = (("校长室", "校长"), ("校长室", "分管安全副校长"), ("校长室", "分管教学副校长"), ("安全办", "安全办主任"),
           ("政教处", "政教主任"), ("教务处", "教务主任"), ("总务处", "总务主任"), ("安全办", "安全干事"))


class Names:
    """Deterministic Chinese names: staff may share one (told apart by 工号), students never do."""

    def __init__(self):
        self.n = 0
        self.taken: set[str] = set()

    def next(self) -> str:
        self.n += 1
        k = self.n * 7919  # a stride through the name space, so neighbours differ
        s = SURNAMES[k % len(SURNAMES)]
        g = GIVEN[(k // len(SURNAMES)) % len(GIVEN)]
        g2 = GIVEN[(k // len(SURNAMES) // len(GIVEN)) % len(GIVEN)]
        return s + g + (g2 if self.n % 3 else "")

    def unique(self) -> str:
        while True:
            name = self.next()
            if name not in self.taken:
                return name


def roster_sheets(rows: int) -> dict[str, list[list]]:
    """A school's roster of about `rows` rows (units of 250) in the template's five sheets."""
    units = max(1, rows // UNIT_ROWS)
    names = Names()
    people: list[list] = []  # 姓名, 工号, 类别, 部门, 职务, 手机, 岗位, 状态
    seq = [0]

    def staff(department, title, posts="", category="在编"):
        seq[0] += 1
        row = [names.next(), f"T{seq[0]:06d}", category, department, title, f"139{seq[0]:08d}", posts, "在职"]
        people.append(row)
        return row

    leaders = [staff(d, t) for d, t in LEADERS]
    units_people = []
    for u in range(units):
        grade = GRADES[u % len(GRADES)]
        unit = {"teachers": [staff(f"{grade}组", SUBJECTS[i % len(SUBJECTS)],
                                   category="聘用" if i % 9 == 0 else "在编") for i in range(120)]}
        unit["posts"] = [staff("总务处" if post != "保安" else "安全办", post, post, "聘用" if i else "临时用工")
                         for post, count in POSTS for i in range(count)]
        others = 150 - 120 - len(unit["posts"])
        unit["others"] = [staff(DEPARTMENTS[i % len(DEPARTMENTS)], "干事") for i in range(others)]
        units_people.append(unit)
    # Students (monitors) get names no one else has, so the 班级 sheet can name them.
    counts: dict[str, int] = {}
    for p in people:
        counts[p[0]] = counts.get(p[0], 0) + 1
    names.taken = set(counts)
    for u, unit in enumerate(units_people):
        unit["monitors"] = []
        for c in range(20):
            name = names.unique()
            names.taken.add(name)
            counts[name] = 1
            row = [name, "", "学生", f"{u + 1}号楼{c + 1}班", "班长", "", "", "在职"]
            people.append(row)
            unit["monitors"].append(row)

    def ref(row) -> str:
        """How the other sheets name a person: 姓名, or 姓名（工号） when the name is shared."""
        return row[0] if counts[row[0]] == 1 else f"{row[0]}（{row[1]}）"

    places: list[list] = []   # 区域, 楼层, 场所, 类型, 重点部位, 重大危险源, 负责人, 职责
    classes: list[list] = []  # 年级, 班级, 班主任, 班长, 教室
    grids: list[list] = []    # 网格, 上级网格, 层级, 类型, 负责人, 角色, 覆盖场所, 时段, 开始日期, 结束日期
    lead = "学校安全工作领导小组"
    grids += [[lead, "", "一级", "领导网格", ref(leaders[0]), "第一责任人", "", "", "", ""],
              [lead, "", "", "", ref(leaders[1]), "直接责任人", "", "", "", ""],
              [lead, "", "", "", ref(leaders[3]), "安全员", "", "", "", ""],
              ["安全保卫网格", lead, "二级", "部室网格", ref(leaders[3]), "直接责任人", "", "", "", ""],
              ["安全保卫网格", "", "", "", "保安", "具体责任人/网格员", "", "", "", ""],
              ["后勤保障网格", lead, "二级", "部室网格", ref(leaders[6]), "直接责任人", "", "", "", ""],
              ["后勤保障网格", "", "", "", "食堂从业人员", "具体责任人/网格员", "", "", "", ""],
              ["时间轴网格", lead, "二级", "时间轴网格", ref(leaders[1]), "直接责任人", "", "", "", ""]]
    places += [["校门", "", "", "校门", "是", "否", "保安", "门卫登记、上下学交通秩序"],
               ["校门", "", "门卫室", "门卫室", "是", "否", "保安", "外来人员登记、监控值守"],
               ["食堂", "", "", "食堂", "是", "否", ref(leaders[6]), "食品安全、燃气安全"],
               ["食堂", "", "操作间", "操作间", "是", "否", "食堂从业人员", "燃气、刀具、食品加工卫生"]]
    grids += [["校门网格", lead, "二级", "", "", "", "", "", "", ""],
              ["食堂网格", lead, "二级", "", "", "", "", "", "", ""]]
    later = (DAY + datetime.timedelta(days=180)).isoformat()
    for u, unit in enumerate(units_people):
        building = f"{u + 1}号楼"
        teachers, monitors = unit["teachers"], unit["monitors"]
        cleaners = "保洁人员"
        places.append([building, "", "", "教学用房", "是", "否", ref(unit["others"][0]),
                       "全楼消防设施、疏散通道与安全出口"])
        for f, floor in enumerate(FLOORS):
            places.append([building, floor, "", "", "否", "否", ref(teachers[100 + f]),
                           "本层消防器材、照明、电线与楼梯"])
            for r in range(4):
                places.append([building, floor, f"{f + 1}0{r + 1}教室", "教室", "否", "否", "", ""])
            places += [
                [building, floor, f"{f + 1}办公室", "办公室", "否", "否", ref(teachers[105 + f]), "用电安全、门窗关闭"],
                [building, floor, f"{f + 1}实验室", "实验室", "是", "是" if f == 4 else "否",
                 "、".join(ref(t) for t in teachers[110 + f: 112 + f]), "实验操作规范、器材安全"],
                [building, floor, f"{f + 1}卫生间", "卫生间", "否", "否", cleaners, "地面防滑、清洁消毒"],
                [building, floor, f"{f + 1}储藏室", "仓库", "否", "否", "", ""],
            ]
        for c in range(20):
            floor, room = FLOORS[c // 4], f"{c // 4 + 1}0{c % 4 + 1}教室"
            classes.append([GRADES[u % len(GRADES)], f"{u + 1}-{c + 1}班", ref(teachers[c]), monitors[c][0],
                            f"{building}/{floor}/{room}"])
        patrol = f"{building}消防巡查网格"
        grids += [[f"{building}网格", lead, "二级", "", ref(leaders[7]), "安全员", "", "", "", ""],
                  [patrol, f"{building}网格", "三级", "自定义网格", "、".join(ref(t) for t in teachers[20:23]),
                   "具体责任人/网格员", f"{building}/一层、{building}/二层", "晚自习", "", ""],
                  [patrol, "", "", "", ref(teachers[23]), "安全员", "", "", DAY.isoformat(), later]]
        grids += [[f"{building}{FLOORS[f]}疏散网格", f"{building}网格", "三级", "自定义网格",
                   "、".join(ref(t) for t in teachers[30 + 2 * f: 32 + 2 * f]), "具体责任人/网格员",
                   f"{building}/{FLOORS[f]}", "", "", ""] for f in range(5)]
        grids += [[f"{building}{FLOORS[f]}门窗网格", f"{building}{FLOORS[f]}网格", "", "自定义网格",
                   ref(teachers[40 + f]), "具体责任人/网格员", "", "", DAY.isoformat(), ""] for f in range(5)]
        grids += [[f"{building}宿管网格", f"{building}网格", "三级", "自定义网格", "宿管", "具体责任人/网格员",
                   "", "", "", ""]]
    slots = []
    for name, days, start, end, holder, areas in SLOTS:
        holder_text = holder if isinstance(holder, str) else ref(leaders[holder])
        slots.append([name, days, start, end, holder_text, "1号楼" if areas is None else areas])
        grids.append([name + "时段网格", "时间轴网格", "三级", "", "", "", "", "", "", ""])
    return {"人员": people, "场所": places, "班级": classes, "网格": grids, "时段": slots}


def count(sheets) -> int:
    return sum(len(rows) for rows in sheets.values())


# --- the app path ---------------------------------------------------------------------------------------------

class QueryCounter:
    """Counts the queries of the default connection (cheap: no SQL kept)."""

    def __init__(self):
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


def new_school(label: str):
    from core.audit import Actor
    from orgs import actions
    from orgs.models import Organisation

    actor = Actor.system()
    bureau = Organisation.objects.filter(code="br-bureau").first() or actions.create_organisation(
        actor, code="br-bureau", name="名册基准教育局", kind="bureau")
    user = _user(bureau)
    n = Organisation.objects.filter(code__startswith="br-school-").count() + 1
    school = actions.create_organisation(actor, code=f"br-school-{n}", name=f"名册基准学校{n}（{label}）",
                                         kind="school", parent=bureau, is_boarding=True)
    return school, user


def _user(bureau):
    from core.audit import Actor
    from orgs import actions
    from orgs.models import User

    user = User.objects.filter(username="br_safety").first()
    if user is None:
        user = actions.create_user(Actor.system(), username="br_safety", password="Bench#2026", organisation=bureau,
                                   role="bureau_admin", must_change_password=False)
    return user


def web_import(school, user, data: bytes, counter: QueryCounter) -> dict:
    """What the upload, the check task, the confirm button and the apply task do; returns the job's figures."""
    from django.db import connection

    from core.audit import Actor
    from grids.roster import jobs
    from grids.roster.models import RosterImport, RosterImportStatus

    timings = {}
    with connection.execute_wrapper(counter):
        t = time.perf_counter()
        job = RosterImport.objects.create(organisation=school, created_by=user, filename="网格责任清单.xlsx",
                                          content=data, import_date=DAY)
        jobs.check(job.pk)
        timings["check"] = time.perf_counter() - t
        job.refresh_from_db()
        if job.status == RosterImportStatus.DONE:  # nothing to change
            return timings | {"status": job.status, "steps": 0}
        assert job.status == RosterImportStatus.READY, (job.status, job.errors[:5], job.message)
        t = time.perf_counter()
        actor = Actor(user=user)
        claimed = RosterImport.objects.filter(pk=job.pk, status=RosterImportStatus.READY).update(
            status=RosterImportStatus.APPLYING, prune=False, confirmed_by=actor.user, progress_done=0, message="")
        assert claimed
        jobs.apply(job.pk)
        timings["apply"] = time.perf_counter() - t
    job.refresh_from_db()
    assert job.status == RosterImportStatus.DONE, (job.status, job.message)
    return timings | {"status": job.status, "steps": job.progress_total}


# --- the floor ------------------------------------------------------------------------------------------------

def floor_run(data: bytes) -> int:
    """python-calamine reads every sheet; the rows go by COPY (SQLite: executemany) into the scratch table."""
    from django.db import connection, transaction
    from python_calamine import CalamineWorkbook

    from grids.roster import schema

    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    rows = []
    for name in workbook.sheet_names:
        if name not in {s.name for s in schema.SHEETS}:
            continue
        values = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
        for number, raw in enumerate(values[1:], start=2):
            cells = [schema.text(v) for v in raw[:10]]
            if any(cells):
                rows.append([name, number, *cells, *[""] * (10 - len(cells))])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {SCRATCH}")
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {SCRATCH} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(f"INSERT INTO {SCRATCH} VALUES ({', '.join(['%s'] * 12)})", rows)
    return len(rows)


def create_scratch() -> None:
    from django.db import connection

    columns = ", ".join(f"c{i} text" for i in range(1, 11))
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {SCRATCH} (sheet text, row_number integer, {columns})")


# --- the run --------------------------------------------------------------------------------------------------

def measure(rows: int, n: int, backend: str) -> list:
    from django.test import override_settings

    from bench.harness import Timing, peak_memory_mb, percentile, record
    from grids.roster import reader, writer

    sheets = roster_sheets(rows)
    total = count(sheets)
    data = writer.write_workbook(sheets)
    largest = max(len(r) for r in sheets.values())
    lifted = largest > reader.MAX_ROWS
    print(f"{total:,} rows ({', '.join(f'{k} {len(v):,}' for k, v in sheets.items())}), "
          f"{len(data) / 1e6:.1f} MB", flush=True)
    old_limit = reader.MAX_ROWS
    if lifted:
        reader.MAX_ROWS = largest
    samples, checks, applies, reruns, queries, rerun_queries = [], [], [], [], [], []
    try:
        with override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}):
            for i in range(n):
                school, user = new_school(f"{total}行")
                gc.collect()
                counter = QueryCounter()
                t = time.perf_counter()
                result = web_import(school, user, data, counter)
                samples.append((time.perf_counter() - t) * 1000)
                checks.append(result["check"] * 1000)
                applies.append(result["apply"] * 1000)
                queries.append(counter.n)
                print(f"  import {i + 1}/{n}: {samples[-1] / 1000:.2f} s (check {result['check']:.2f} s, "
                      f"apply {result['apply']:.2f} s, {result['steps']:,} steps, {counter.n:,} queries)", flush=True)
                counter = QueryCounter()
                t = time.perf_counter()
                again = web_import(school, user, data, counter)
                reruns.append((time.perf_counter() - t) * 1000)
                rerun_queries.append(counter.n)
                assert again["steps"] == 0, "a second import of the same workbook changed something"
                print(f"  again, nothing changed: {reruns[-1] / 1000:.2f} s, {counter.n:,} queries", flush=True)
    finally:
        reader.MAX_ROWS = old_limit
    create_scratch()
    floors = []
    for _ in range(max(n, 3)):
        t = time.perf_counter()
        copied = floor_run(data)
        floors.append((time.perf_counter() - t) * 1000)
    print(f"  floor: {percentile(floors, 50) / 1000:.2f} s ({copied:,} rows)", flush=True)

    def timing(values):
        return Timing(len(values), percentile(values, 50), percentile(values, 95), percentile(values, 99),
                      sum(values) / 1000)

    floor = timing(floors)
    floor_name = "calamine read + " + ("COPY" if backend == "postgresql" else "executemany") + " of the same rows"
    app = timing(samples)
    note = (f"check {percentile(checks, 50) / 1000:.2f} s + apply {percentile(applies, 50) / 1000:.2f} s "
            f"(the apply step reads and compares again); {result['steps']:,} changes; workbook "
            f"{len(data) / 1e6:.1f} MB")
    if lifted:
        note += f"; reader.MAX_ROWS ({old_limit:,} a sheet) lifted to {largest:,} for this run"
    note += f"; peak RSS of the benchmark process so far {peak_memory_mb():,.0f} MB"
    is_target = rows == TARGET_ROWS and backend == "postgresql"  # the issue sets it on PostgreSQL
    records = [record(f"roster import, {total:,} rows, empty school", app, floor, size="roster", backend=backend,
                      floor_name=floor_name, queries=queries[0],
                      target=f"≤ {TARGET_SECONDS:g} s" if is_target else "",
                      met=app.p50 <= TARGET_SECONDS * 1000 if is_target else None, note=note),
               record(f"roster import, {total:,} rows, again (nothing changed)", timing(reruns), floor, size="roster",
                      backend=backend, floor_name=floor_name, queries=rerun_queries[0])]
    return records


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--db-url", default=PG_URL, help="PostgreSQL database (created if missing)")
    parser.add_argument("--rows", default="5000,100000", help="workbook sizes, comma-separated")
    parser.add_argument("--n", type=int, default=3, help="imports of the 5,000-row workbook (larger ones: 1)")
    args = parser.parse_args()
    setup_django(args.db, args.db_url)
    from bench.harness import write

    records = []
    for rows in (int(r) for r in args.rows.split(",")):
        records += measure(rows, args.n if rows <= TARGET_ROWS else 1, args.db)
    write(records, size="roster", backend=args.db, title="roster")
    return 0


if __name__ == "__main__":
    sys.exit(main())
