"""Responsibility letters (安全责任状): generated from the grid for an academic year, signed in the app.

方案9 "五、签订安全责任状": letters are signed level by level — the leading group's head with the
deputies, the deputies with the middle managers they supervise, the middle managers with class
teachers and staff, class teachers with students, and the safety lead with guards and canteen
staff. Who signs with whom is read off the grid tree: the holder of a grid signs with the
highest-ranked holder of the grid above it.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from collections import defaultdict

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import versions
from core.actions import create_object
from core.audit import Actor, AuditAction, record
from core.tenancy import subtree_q
from orgs.roles import Capability
from people.models import Person, PostHolding

from .choices import LIST_SEPARATOR, AssignmentRole, GridKind, LetterTemplate
from .models import Assignment, Grid, ResponsibilityLetter

ISSUER, SIGNER = "issuer", "signer"
SIDES = (ISSUER, SIGNER)

# Who speaks for a grid when it issues letters: 第一责任人 > 直接责任人 > 楼长 > 网格长 > 网点长 > others.
ROLE_RANK = {
    AssignmentRole.FIRST: 0, AssignmentRole.DIRECT: 1, AssignmentRole.BUILDING_HEAD: 2,
    AssignmentRole.GRID_HEAD: 3, AssignmentRole.POINT_HEAD: 4,
}
OTHER_RANK = 5

# Posts whose holders sign the safety lead's letter for guards and canteen staff (方案9 五、5).
SERVICE_POST = re.compile(r"保安|门卫|安保|食堂|炊事|保洁|宿管")

PARTY_LABELS = {
    LetterTemplate.LEADER_DEPUTY: (gettext_lazy("安全工作领导小组组长"), gettext_lazy("分管副组长")),
    LetterTemplate.DEPUTY_MIDDLE: (gettext_lazy("分管副校长"), gettext_lazy("中层干部")),
    LetterTemplate.MIDDLE_STAFF: (gettext_lazy("中层干部"), gettext_lazy("班主任、教职工")),
    LetterTemplate.SAFETY_SERVICE: (gettext_lazy("安全负责人"), gettext_lazy("保安、食堂等后勤服务人员")),
    LetterTemplate.TEACHER_STUDENT: (gettext_lazy("班主任"), gettext_lazy("学生班长")),
}

# The letters' texts. Placeholders: school, year, start, end, positions (the signer's grids and roles),
# grids, class_name, post, places, duties.
BODIES = {
    LetterTemplate.LEADER_DEPUTY: gettext_lazy(
        "为认真贯彻“安全第一、预防为主、综合治理”的方针，按照“谁主管、谁负责，谁分管、谁负责”和“一岗双责”的原则，"
        "构建“横向到边、纵向到底”的校园安全网格，保障全校师生生命财产安全，%(school)s安全工作领导小组组长（甲方）"
        "与分管副组长（乙方）签订本责任状。\n\n"
        "一、责任范围\n"
        "乙方担任%(positions)s，对分管范围内的安全工作负领导责任。责任场所：%(places)s。网格职责：%(duties)s\n\n"
        "二、定人、定岗、定责\n"
        "乙方把分管范围内的安全责任分解到各部门、各网格和具体责任人，做到定人、定岗、定责、定考核；与分管的中层干部"
        "签订安全责任状；人员变动时及时组织交接，确保每个网格每天都有在岗的责任人，不留死角、无盲区。\n\n"
        "三、隐患排查治理\n"
        "乙方每月至少带队开展一次安全检查，重点部位每学期检查不少于两次；发现的隐患登记建档，能立即整改的立即整改，"
        "不能立即整改的落实措施、资金、责任人、时限和预案，超出学校处理能力的及时报告甲方。\n\n"
        "四、一岗双责\n"
        "乙方在抓好分管业务工作的同时抓好分管范围内的安全工作，做到安全工作与业务工作同部署、同检查、同考核。\n\n"
        "五、责任追究\n"
        "因安排部署不到位、工作分包不到位、监督检查不到位、隐患整改不到位或工作措施不到位而发生校园安全责任事故的，"
        "实行责任倒查，依照有关规定追究乙方及相关人员的责任；造成重大人员伤亡或财产损失的，年度考核实行“一票否决”。\n\n"
        "六、甲方职责\n"
        "甲方是学校安全工作第一责任人，为乙方履职提供必要的人员、经费和制度保障，定期听取乙方汇报并考核其履职情况。"
    ),
    LetterTemplate.DEPUTY_MIDDLE: gettext_lazy(
        "为落实学校安全工作层层负责制，按照“谁主管、谁负责”和“一岗双责”的原则，%(school)s分管副校长（甲方）"
        "与分管的中层干部（乙方）签订本责任状。\n\n"
        "一、责任范围\n"
        "乙方担任%(positions)s，对本部门、本网格的安全工作负直接责任。责任场所：%(places)s。网格职责：%(duties)s\n\n"
        "二、定人、定岗、定责\n"
        "乙方把本部门、本网格的安全责任落实到每一个楼层、场所、班级和岗位，与分管的班主任、任课教师及处室责任人签订"
        "安全责任状，建立网格责任清单，做到人员、岗位、职责、考核四落实；人员变动时督促办理交接，接任人自交接次日起负责。\n\n"
        "三、隐患排查治理\n"
        "乙方每周组织一次本网格安全检查，参加学校每月的安全检查日活动；检查情况如实记录，发现隐患立即登记并组织整改，"
        "做到隐患不过夜；不能整改的及时书面报告甲方，并采取临时防范措施。\n\n"
        "四、一岗双责\n"
        "乙方在履行本部门业务职责的同时履行安全管理职责，做好本部门教职工的安全教育，落实值班、巡查和零报告制度。\n\n"
        "五、责任追究\n"
        "因失职、渎职造成安全责任事故的，按照“谁主管、谁负责”的原则实行责任倒查，追究乙方及相关责任人的责任；"
        "情节严重的，年度考核实行“一票否决”。\n\n"
        "六、甲方职责\n"
        "甲方对乙方的安全工作进行指导、督促和检查，及时协调解决乙方报告的问题和隐患。"
    ),
    LetterTemplate.MIDDLE_STAFF: gettext_lazy(
        "为落实“全员、全方位、全过程”的安全管理，按照“一岗双责”的原则，%(school)s中层干部（甲方）"
        "与班主任、任课教师及处室责任人（乙方）签订本责任状。\n\n"
        "一、责任范围\n"
        "乙方担任%(positions)s，是本网格安全工作的具体责任人。责任场所：%(places)s。网格职责：%(duties)s\n\n"
        "二、定人、定岗、定责\n"
        "乙方对本网格内的人、地、物、事负责，熟悉本网格的场所、设施和人员，明确本人的岗位职责；因工作变动离岗的，"
        "须办理交接手续，原责任人负责到交接当日，接任人自次日起负责。\n\n"
        "三、隐患排查治理\n"
        "乙方每日巡查本网格，检查消防器材、电器线路、门窗、护栏、楼梯和水、电、暖等设施；发现隐患立即处置并登记，"
        "不能处置的立即报告甲方；没有发现隐患的也要按时零报告。\n\n"
        "四、一岗双责\n"
        "乙方在教育教学和本职工作中落实安全职责：上课和组织活动期间对学生安全负责，经常对学生进行安全教育，"
        "发现学生异常情况及时处置并报告。\n\n"
        "五、责任追究\n"
        "因巡查不到位、隐患不报告或处置不及时造成安全事故的，实行责任倒查，视情节追究乙方责任，"
        "并与年度考核、评优评先挂钩。\n\n"
        "六、甲方职责\n"
        "甲方对乙方进行安全业务指导和培训，督促检查乙方履职情况，及时处理乙方报告的隐患。"
    ),
    LetterTemplate.SAFETY_SERVICE: gettext_lazy(
        "为加强学校安保、食品安全和后勤服务管理，%(school)s安全负责人（甲方）与保安、食堂从业人员等后勤服务人员"
        "（乙方，%(post)s）签订本责任状。\n\n"
        "一、责任范围\n"
        "乙方担任%(positions)s。责任场所：%(places)s。岗位职责：%(duties)s\n\n"
        "二、定人、定岗、定责\n"
        "乙方严格遵守岗位制度，按排班准时到岗，不擅离职守：保安人员做好门卫值守、外来人员和车辆登记、校园巡逻；"
        "食堂从业人员持有效健康证明上岗，严格执行食品采购索证索票、留样和餐具消毒制度；保洁、宿管人员做好负责区域的"
        "安全巡查。\n\n"
        "三、隐患排查治理\n"
        "乙方对岗位范围内的安全隐患做到每班检查，随时发现随时报告，认真填写交接班记录；遇有突发情况立即处置并报告甲方，"
        "不得隐瞒、迟报。\n\n"
        "四、一岗双责\n"
        "乙方在做好本职服务工作的同时承担岗位范围内的安全责任，参加安全培训和应急演练，熟练掌握消防器材的使用方法。\n\n"
        "五、责任追究\n"
        "因擅离职守、违反操作规程或隐患不报造成安全事故的，实行责任倒查，依照有关规定和劳动合同追究乙方责任；"
        "构成违法的，依法移交有关部门处理。\n\n"
        "六、甲方职责\n"
        "甲方对乙方进行岗前安全培训和日常检查指导，为乙方配备必要的安全防护装备。"
    ),
    LetterTemplate.TEACHER_STUDENT: gettext_lazy(
        "为增强学生的安全意识和自我保护能力，%(school)s%(class_name)s班主任（甲方）与班长（乙方，代表本班学生）"
        "签订本责任状。\n\n"
        "一、责任范围\n"
        "乙方担任%(positions)s，协助班主任做好本班的安全工作。班级场所：%(places)s。职责：%(duties)s\n\n"
        "二、定人、定岗、定责\n"
        "乙方协助班主任安排班级安全值日，做到每天有同学负责检查门窗、电器开关、饮水和课桌椅；同学请假、外出或有异常情况时"
        "及时告知班主任。\n\n"
        "三、隐患排查\n"
        "乙方每天放学前协助检查教室的门窗、电源和照明；发现设施损坏、同学身体不适或追逐打闹等情况，立即报告班主任或"
        "值班老师，不自行处置危险情况。\n\n"
        "四、一岗双责\n"
        "乙方既是学生，也是班级安全员：带头遵守校规校纪和交通、饮食、用电、防火、防溺水等安全要求，不携带危险物品进校，"
        "上下楼梯靠右行，并提醒同学注意安全。\n\n"
        "五、责任追究\n"
        "班级发生安全事故的，按照责任倒查的原则查明原因：甲方未履行安全教育和班级日查职责的，依规追究甲方责任；"
        "学生违反安全纪律的，按校规进行批评教育。\n\n"
        "六、甲方职责\n"
        "甲方负责对本班学生进行安全教育，落实班级日查，指导乙方开展工作。"
    ),
}
PERIOD = gettext_lazy(
    "七、期限\n"
    "本责任状有效期为%(year)s学年，自%(start)s起至%(end)s止。本责任状一式两份，甲乙双方各执一份，自双方签署之日起生效。"
)
TITLE = gettext_lazy("%(year)s学年安全责任状（%(kind)s）")
PARTIES = gettext_lazy("甲方（%(issuer_label)s）：%(issuer)s\n乙方（%(signer_label)s）：%(signer)s")

HEADING = re.compile(r"^[一二三四五六七八九十]+、")
PARTY_LINE = re.compile(r"^(甲方|乙方)")


# --- academic years ----------------------------------------------------------------------------

YEAR_FORMAT = re.compile(r"^(\d{4})-(\d{4})$")


def academic_year_of(day: datetime.date) -> str:
    """The academic year a day falls in; a year starts on September 1st ("2026-2027")."""
    first = day.year if day.month >= 9 else day.year - 1
    return f"{first}-{first + 1}"


def year_bounds(academic_year: str) -> tuple[datetime.date, datetime.date]:
    """First and last day of an academic year ("2026-2027" → 2026-09-01, 2027-08-31)."""
    match = YEAR_FORMAT.match(academic_year or "")
    if not match or int(match[2]) != int(match[1]) + 1:
        raise ValidationError(_("学年格式应为“2026-2027”。"))
    first = int(match[1])
    return datetime.date(first, 9, 1), datetime.date(first + 1, 8, 31)


def _date_label(day: datetime.date) -> str:
    return _("%(y)d年%(m)d月%(d)d日") % {"y": day.year, "m": day.month, "d": day.day}


# --- who signs with whom -------------------------------------------------------------------------

@dataclasses.dataclass
class Holder:
    """A person answering for a grid on the day: through their own assignment or through a post."""

    person: Person
    assignment: Assignment

    @property
    def post(self):
        return self.assignment.post if self.assignment.post_id else None

    @property
    def rank(self) -> tuple:
        return ROLE_RANK.get(self.assignment.role, OTHER_RANK), self.assignment.start, self.assignment.pk


@dataclasses.dataclass
class Pair:
    """One letter to write: issuer and signer of a template, for one or more grids."""

    organisation: object
    template: str
    issuer: Person
    signer: Person
    holdings: list[Holder]

    @property
    def key(self) -> tuple:
        return self.organisation.pk, self.template, self.issuer.pk, self.signer.pk


class GridSnapshot:
    """The grids of an organisation's subtree as they stand on one day, read in four queries."""

    def __init__(self, organisation, day: datetime.date):
        self.organisation, self.day = organisation, day
        in_tree = subtree_q("organisation__path", organisation.path)
        self.grids = {g.pk: g for g in Grid.objects.filter(in_tree).select_related("organisation", "school_class")}
        assignments = list(Assignment.objects.filter(in_tree).active_on(day).select_related("person", "post")
                           .order_by("start", "pk"))
        holders_of_post = defaultdict(list)
        for holding in (PostHolding.objects.filter(in_tree).active_on(day).select_related("person").order_by("pk")):
            holders_of_post[holding.post_id].append(holding.person)
        self.holders: dict[int, list[Holder]] = defaultdict(list)
        for a in assignments:
            people = [a.person] if a.person_id else holders_of_post.get(a.post_id, [])
            for person in people:
                if person.is_present_on(day):
                    self.holders[a.grid_id].append(Holder(person, a))
        self.places = defaultdict(list)
        through = Grid.places.through.objects.filter(grid__in=self.grids.keys()).select_related(
            "place__parent__parent")
        for link in sorted(through, key=lambda t: t.place.code):
            self.places[link.grid_id].append(link.place)

    def _issuers(self, grid: Grid) -> list[Holder]:
        """Staff holding a grid in their own name (a post or a student monitor does not issue letters)."""
        return sorted((h for h in self.holders.get(grid.pk, []) if h.assignment.person_id
                       and h.assignment.role != AssignmentRole.MONITOR), key=lambda h: h.rank)

    def issuer_above(self, grid: Grid, signer: Person) -> tuple[Holder, Grid] | None:
        """The highest-ranked holder of the grid above; past grids the signer holds too (nobody signs
        with themselves); none when the grid above has no one."""
        parent = self.grids.get(grid.parent_id)
        while parent is not None:
            holders = self._issuers(parent)
            if not holders:
                return None
            if all(h.person.pk != signer.pk for h in holders):
                return holders[0], parent
            parent = self.grids.get(parent.parent_id)
        return None

    def pairs_for(self, holder: Holder, grid: Grid) -> Pair | None:
        """The letter a holder of a grid signs, or None when nobody is above them."""
        signer = holder.person
        if holder.assignment.role == AssignmentRole.MONITOR:
            # 方案9 五、4: the class teacher signs with the students (through the class monitor).
            teachers = [h for h in self._issuers(grid) if h.person.pk != signer.pk]
            teachers.sort(key=lambda h: (h.assignment.role != AssignmentRole.HEAD_TEACHER, h.rank))
            if teachers:
                return Pair(grid.organisation, LetterTemplate.TEACHER_STUDENT, teachers[0].person, signer, [holder])
            found = self.issuer_above(grid, signer)
            return Pair(grid.organisation, LetterTemplate.TEACHER_STUDENT, found[0].person, signer,
                        [holder]) if found else None
        found = self.issuer_above(grid, signer)
        if found is None:
            return None
        issuer, issuer_grid = found
        return Pair(grid.organisation, template_for(issuer_grid, grid, holder), issuer.person, signer, [holder])

    def all_pairs(self) -> list[Pair]:
        """Every letter of the day, one per (organisation, template, issuer, signer), grids merged."""
        pairs: dict[tuple, Pair] = {}
        for grid in sorted(self.grids.values(), key=lambda g: (g.level, g.name, g.pk)):
            for holder in sorted(self.holders.get(grid.pk, []), key=lambda h: (h.rank, h.person.pk)):
                pair = self.pairs_for(holder, grid)
                if pair is None:
                    continue
                if pair.key in pairs:
                    pairs[pair.key].holdings.extend(pair.holdings)
                else:
                    pairs[pair.key] = pair
        return list(pairs.values())


def template_for(issuer_grid: Grid, grid: Grid, holder: Holder) -> str:
    """Which letter a grid's holder signs with the holder of `issuer_grid` (an ancestor).

    Guards, canteen, cleaning and dorm staff (through their posts) sign the safety lead's letter;
    class and department grids sign with the middle managers; otherwise the level decides:
    the leading group's deputies (level 2 leadership grids) with its head, level 2–3 grids with
    the deputies, deeper grids with the middle managers.
    """
    post = holder.post
    if post is not None and SERVICE_POST.search(post.name):
        return LetterTemplate.SAFETY_SERVICE
    if grid.kind in (GridKind.CLASS, GridKind.DEPARTMENT):
        return LetterTemplate.MIDDLE_STAFF
    if grid.level <= 2 and grid.kind == GridKind.LEADERSHIP and issuer_grid.kind == GridKind.LEADERSHIP:
        return LetterTemplate.LEADER_DEPUTY
    if grid.level <= 3:
        return LetterTemplate.DEPUTY_MIDDLE
    return LetterTemplate.MIDDLE_STAFF


# --- the text ----------------------------------------------------------------------------------------

def _sentence(text: str) -> str:
    text = text.strip().replace("\r\n", "\n").replace("\n", " ")
    return text if not text or text[-1] in "。；！？.;!?" else text + "。"


def render_letter(snapshot: GridSnapshot, pair: Pair, academic_year: str) -> tuple[str, str]:
    """Title and body of a letter, in the school's language: both parties sign the same text,
    whoever generated it."""
    start, end = year_bounds(academic_year)
    with translation.override(settings.LANGUAGE_CODE):
        sep = str(LIST_SEPARATOR)
        grids, places, duties, positions, posts = [], [], [], [], []
        for holder in pair.holdings:
            grid = snapshot.grids[holder.assignment.grid_id]
            if grid not in grids:
                grids.append(grid)
                for place in snapshot.places.get(grid.pk, []):
                    if place not in places:
                        places.append(place)
                if grid.duties.strip():
                    duties.append(_sentence(grid.duties))
            role = holder.assignment.get_role_display()
            positions.append(_("%(grid)s%(role)s（%(post)s岗位）") % {"grid": grid.name, "role": role,
                                                                 "post": holder.post.name}
                             if holder.post else f"{grid.name}{role}")
            if holder.post and holder.post.name not in posts:
                posts.append(holder.post.name)
        classes = [str(g.school_class) for g in grids if g.school_class_id]
        values = {
            "school": pair.organisation.name, "year": academic_year,
            "start": _date_label(start), "end": _date_label(end),
            "positions": sep.join(positions), "grids": sep.join(g.name for g in grids),
            "class_name": sep.join(classes) or sep.join(g.name for g in grids),
            "post": sep.join(posts) or _("后勤服务岗位"),
            "places": sep.join(p.full_name for p in places) or _("本网格范围"),
            "duties": "".join(duties) or _("按照网格职责做好日常安全巡查、隐患排查和报告。"),
        }
        issuer_label, signer_label = party_labels(pair.template)
        parties = str(PARTIES) % {"issuer_label": issuer_label, "issuer": pair.issuer.name,
                                  "signer_label": signer_label, "signer": pair.signer.name}
        body = "\n\n".join([parties, str(BODIES[pair.template]) % values, str(PERIOD) % values])
        title = str(TITLE) % {"year": academic_year, "kind": LetterTemplate(pair.template).label}
    return title, body


def body_blocks(body: str) -> list[tuple[str, str]]:
    """A letter's text as ("parties" | "heading" | "para", text) blocks for the page and the printout."""
    blocks = []
    for number, paragraph in enumerate(body.split("\n\n")):
        lines = [line for line in paragraph.split("\n") if line.strip()]
        if number == 0 and len(lines) == 2 and PARTY_LINE.match(lines[0]) and PARTY_LINE.match(lines[1]):
            blocks.append(("parties", "\n".join(lines)))
            continue
        if lines and HEADING.match(lines[0]) and len(lines[0]) <= 20:
            blocks.append(("heading", lines.pop(0)))
        if lines:
            blocks.append(("para", "\n".join(lines)))
    return blocks


def party_labels(template: str) -> tuple[str, str]:
    issuer, signer = PARTY_LABELS[template]
    return str(issuer), str(signer)


# --- writes ------------------------------------------------------------------------------------------

def _create(actor: Actor, snapshot: GridSnapshot, pair: Pair, academic_year: str) -> ResponsibilityLetter | None:
    """Create the letter of a pair, or nothing when it exists (a concurrent run created it first)."""
    title, body = render_letter(snapshot, pair, academic_year)
    first = pair.holdings[0].assignment
    letter = ResponsibilityLetter(
        organisation=pair.organisation, academic_year=academic_year, template=pair.template,
        grid=snapshot.grids[first.grid_id],
        assignment=first, issuer=pair.issuer, signer=pair.signer, title=title[:120], body=body)
    try:
        with transaction.atomic():
            return create_object(actor, letter)
    except IntegrityError:
        return None


def _existing_keys(organisation, academic_year: str) -> set[tuple]:
    return set(ResponsibilityLetter.objects.filter(subtree_q("organisation__path", organisation.path),
                                                   academic_year=academic_year)
               .values_list("organisation_id", "template", "issuer_id", "signer_id"))


@transaction.atomic
def generate_letters(actor: Actor, organisation, academic_year: str,
                     on: datetime.date | None = None) -> list[ResponsibilityLetter]:
    """Create the year's letters from the grid as it stands on the year's first day (or `on`).

    方案9: one letter per (issuer, signer, template); running it again creates only the letters
    that are missing (the grid changed, or the run was interrupted). Returns the new letters.
    """
    start, _end = year_bounds(academic_year)
    snapshot = GridSnapshot(organisation, on or start)
    existing = _existing_keys(organisation, academic_year)
    created = []
    for pair in snapshot.all_pairs():
        if pair.key in existing:
            continue
        letter = _create(actor, snapshot, pair, academic_year)
        if letter is not None:
            created.append(letter)
    return created


def issue_for_successor(actor: Actor, successor: Assignment) -> list[ResponsibilityLetter]:
    """After a handover (交接) the successor is asked to sign the grid's responsibility letter.

    方案10: the successor answers from the day after the handover, so the letter is for the
    academic year of their first day. It copies the template and issuer of the predecessor's
    letter that year when there is one, else they are derived from the grid as for generation.
    A post's successor: each of its holders on that day signs.
    """
    day = successor.start
    year = academic_year_of(day)
    grid = Grid.objects.select_related("organisation", "school_class").get(pk=successor.grid_id)
    snapshot = GridSnapshot(grid.organisation, day)
    grid = snapshot.grids.get(grid.pk, grid)
    previous = _predecessor_letter(successor.handed_over_from, year)
    holders = [h for h in snapshot.holders.get(grid.pk, []) if h.assignment.pk == successor.pk]
    existing = _existing_keys(grid.organisation, year)
    created = []
    for holder in holders:
        pair = None
        if previous is not None and previous.issuer_id != holder.person.pk and previous.issuer.is_present_on(day):
            pair = Pair(grid.organisation, previous.template, previous.issuer, holder.person, [holder])
        pair = pair or snapshot.pairs_for(holder, grid)
        if pair is None or pair.key in existing:
            continue
        letter = _create(actor, snapshot, pair, year)
        if letter is not None:
            created.append(letter)
    return created


def _predecessor_letter(old: Assignment | None, year: str) -> ResponsibilityLetter | None:
    if old is None:
        return None
    letters = ResponsibilityLetter.objects.filter(academic_year=year).select_related("issuer")
    found = letters.filter(assignment=old).order_by("pk").first()
    if found is None and old.person_id:
        found = letters.filter(grid_id=old.grid_id, signer_id=old.person_id).order_by("pk").first()
    return found


def side_label(side: str) -> str:
    return _("甲方") if side == ISSUER else _("乙方")


def party(letter: ResponsibilityLetter, side: str) -> Person:
    if side not in SIDES:
        raise ValidationError(_("签署方无效。"))
    return letter.issuer if side == ISSUER else letter.signer


def is_party(user, letter: ResponsibilityLetter, side: str) -> bool:
    person = party(letter, side)
    return user is not None and user.is_authenticated and person.user_id is not None and person.user_id == user.pk


def may_record_for(user, letter: ResponsibilityLetter) -> bool:
    """The school safety office records a signature made on paper (代签)."""
    return user is not None and user.is_authenticated and user.has_capability(Capability.MANAGE_GRID,
                                                                              letter.organisation)


def signable_sides(user, letter: ResponsibilityLetter) -> list[str]:
    """The sides this user may still sign: their own, or any on paper for the safety office."""
    return [side for side in SIDES if getattr(letter, f"{side}_signed_at") is None
            and (is_party(user, letter, side) or may_record_for(user, letter))]


@transaction.atomic
def sign(actor: Actor, letter: ResponsibilityLetter, side: str, typed_name: str,
         now: datetime.datetime | None = None) -> ResponsibilityLetter:
    """A party signs their side by typing their name; the time and the client's address are kept.

    Only the person linked to the party's account signs for them; the safety office may record a
    signature made on paper, which the audit entry marks as recorded by the office. A side is
    signed once: the update only applies while that side is still empty, so a double submit
    cannot overwrite the first signature.
    """
    person = party(letter, side)
    on_paper = not is_party(actor.user, letter, side)
    if on_paper and not may_record_for(actor.user, letter):
        raise PermissionDenied(_("只有%(name)s本人或学校安全办可以签署此方。") % {"name": person.name})
    name = (typed_name or "").strip()
    if name != person.name:
        raise ValidationError({"name": _("签名须与%(side)s姓名“%(name)s”一致。") % {
            "side": side_label(side), "name": person.name}})
    now = now or timezone.now()
    values = {f"{side}_signed_name": name, f"{side}_signed_at": now, f"{side}_signed_ip": actor.ip}
    updated = ResponsibilityLetter.objects.filter(pk=letter.pk, **{f"{side}_signed_at__isnull": True}).update(
        **values)
    if not updated:
        raise ValidationError(_("%(side)s已签署，不能重复签署。") % {"side": side_label(side)})
    versions.changed(letter.organisation_id, versions.LETTERS)
    for field, value in values.items():
        setattr(letter, field, value)
    changes = {f"{side}_signed_name": ["", name], f"{side}_signed_at": [None, now.isoformat()],
               f"{side}_signed_ip": [None, actor.ip]}
    if on_paper:
        changes["recorded_by_office"] = [None, actor.name]
    record(actor, AuditAction.UPDATE, letter, changes=changes)
    return letter
