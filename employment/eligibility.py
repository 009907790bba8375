"""The rules of 社保补贴 (social insurance subsidy for the hard-to-employ in flexible employment or a
public-welfare post) and of their follow-up schedule, read from the one EmploymentRules row. Eligibility is
a checklist: each rule says whether it holds and why, so the seeker, the counter and the reviewer read the
same explanation. Reads only; the services decide with it."""

from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from care.selectors import category_standing
from employment.models import (
    EmploymentRules,
    Placement,
    Seeker,
    SeekerStatus,
    SubsidyApplication,
    SubsidyForm,
    SubsidyStatus,
)

HARD_TO_EMPLOY = "hard_to_employ"  # the care registry's category code for 就业困难人员
# Applications that hold their months: another may not cover them (no double subsidy). A returned one
# holds them too: it is corrected and sent again, not applied for anew.
HOLDING = [SubsidyStatus.SUBMITTED, SubsidyStatus.RETURNED, SubsidyStatus.APPROVED, SubsidyStatus.PAID]
# Applications whose months count against the period limit.
COUNTING = [SubsidyStatus.SUBMITTED, SubsidyStatus.APPROVED, SubsidyStatus.PAID]
PLACED = {SeekerStatus.EMPLOYED, SeekerStatus.PUBLIC_WELFARE, SeekerStatus.INTERNSHIP}


def rules() -> EmploymentRules:
    """The rules row, or the defaults when nobody has saved one (never written from a read)."""
    return EmploymentRules.objects.order_by("pk").first() or EmploymentRules()


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=monthrange(day.year, day.month)[1])


def months_between(first: date, last: date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month + 1


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def retirement_date(seeker: Seeker, config: EmploymentRules) -> date:
    age = config.retirement_age_male if seeker.sex == "male" else config.retirement_age_female
    return add_years(seeker.birth_date, age)


def follow_up_interval(seeker: Seeker, config: EmploymentRules | None = None) -> int:
    config = config or rules()
    return config.follow_up_days_placed if seeker.status in PLACED else config.follow_up_days_unemployed


@dataclass
class Check:
    key: str
    label: str
    ok: bool
    detail: str


@dataclass
class Eligibility:
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def problems(self) -> list[str]:
        return [check.detail for check in self.checks if not check.ok]

    def as_json(self) -> list[dict]:
        return [{"key": c.key, "label": c.label, "ok": c.ok, "detail": c.detail} for c in self.checks]


def _holding(seeker: Seeker, exclude) -> "list[SubsidyApplication]":
    qs = SubsidyApplication.objects.filter(seeker=seeker, status__in=HOLDING)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return list(qs.order_by("first_month"))


def subsidy_eligibility(seeker: Seeker, *, form: str, first_month: date, last_month: date, proof: str,
                        monthly_amount: Decimal | None, exclude: SubsidyApplication | None = None,
                        config: EmploymentRules | None = None) -> Eligibility:
    """Whether ``seeker`` may be subsidised for ``first_month``..``last_month`` (first days of months), each
    rule with its reason. ``exclude`` is the application being corrected or reviewed itself."""
    config = config or rules()
    result = Eligibility()
    add = result.checks.append
    period_end = month_end(last_month)

    # 1. A current 认定 as 就业困难人员, in the care registry (the city's one list).
    standing = category_standing(seeker.id_number, HARD_TO_EMPLOY)
    label = _("Recognised as 就业困难人员 (认定)")
    if standing is None:
        add(Check("recognised", label, False, _("Not recognised as 就业困难人员 in the care registry at present: "
                                                 "the village or community records the 认定 in 包联对象 first.")))
    elif standing.since > period_end:
        add(Check("recognised", label, False, _("Recognised only since %(since)s, after the months applied for.")
                  % {"since": standing.since.isoformat()}))
    else:
        add(Check("recognised", label, True, _("Recognised since %(since)s (%(category)s).")
                  % {"since": standing.since.isoformat(), "category": standing.category}))

    # 2. In flexible employment, or holding a public-welfare post during the months.
    label = _("In flexible employment or a public-welfare post")
    if form == SubsidyForm.PUBLIC_WELFARE:
        placement = (Placement.objects.filter(seeker=seeker, starts_on__lte=period_end)
                     .filter(Q(ended_on__isnull=True, term_ends_on__gte=first_month) | Q(ended_on__gte=first_month))
                     .select_related("post").order_by("-starts_on").first())
        if placement is None:
            add(Check("employed", label, False, _("Holds no public-welfare post in the months applied for.")))
        else:
            add(Check("employed", label, True, _("Holds the public-welfare post %(post)s since %(since)s.")
                      % {"post": placement.post.title, "since": placement.starts_on.isoformat()}))
    elif form == SubsidyForm.FLEXIBLE:
        if seeker.status == SeekerStatus.EMPLOYED:
            add(Check("employed", label, True, _("Recorded as employed (flexible employment).")))
        else:
            add(Check("employed", label, False, _("Recorded as “%(status)s”, not employed: record the flexible "
                                                  "employment first.") % {"status": seeker.get_status_display()}))
    else:
        add(Check("employed", label, False, _("Choose flexible employment or a public-welfare post.")))

    # 3. Within the subsidy period: at most N months in all, or until retirement for those who were within
    # M years of it when their subsidy began; never past retirement.
    holding = _holding(seeker, exclude)
    counted = sum(a.months for a in holding if a.status in COUNTING)
    months = months_between(first_month, last_month)
    retire = retirement_date(seeker, config)
    began = min([a.first_month for a in holding if a.status in COUNTING] + [first_month])
    near = began >= month_start(add_years(retire, -config.subsidy_years_before_retirement))
    label = _("Within the subsidy period")
    if last_month >= month_start(retire):
        add(Check("period", label, False, _("Reaches the legal retirement date (%(date)s): no subsidy from then on.")
                  % {"date": retire.isoformat()}))
    elif near:
        add(Check("period", label, True, _("Within %(years)s years of retirement when the subsidy began: may be "
                                           "subsidised until retirement (%(date)s).")
                  % {"years": config.subsidy_years_before_retirement, "date": retire.isoformat()}))
    elif counted + months > config.subsidy_max_months:
        add(Check("period", label, False, _("%(used)s months subsidised or applied for already; with these %(n)s it "
                                            "would be %(total)s, over the limit of %(max)s months.")
                  % {"used": counted, "n": months, "total": counted + months, "max": config.subsidy_max_months}))
    else:
        add(Check("period", label, True, _("%(total)s of at most %(max)s months, these %(n)s included.")
                  % {"total": counted + months, "max": config.subsidy_max_months, "n": months}))

    # 4. No month subsidised twice.
    label = _("No month subsidised twice")
    clash = [a for a in holding if a.first_month <= last_month and a.last_month >= first_month]
    if clash:
        a = clash[0]
        add(Check("overlap", label, False, _("The months %(period)s are covered already by an application that is "
                                             "“%(status)s”: the same month cannot be subsidised twice.")
                  % {"period": a.period, "status": a.get_status_display()}))
    else:
        add(Check("overlap", label, True, _("No other application covers these months.")))

    # 5. The insurance paid, with its proof.
    label = _("Insurance paid, with proof")
    if (proof or "").strip():
        add(Check("proof", label, True, _("Proof given: %(proof)s.") % {"proof": proof.strip()[:60]}))
    else:
        add(Check("proof", label, False, _("Give the insurance payment proof (缴费凭证 number or receipt).")))

    # 6. The amount within the standard.
    label = _("Amount within the standard")
    if monthly_amount is None or monthly_amount <= 0:
        add(Check("amount", label, False, _("Give the amount per month, in yuan.")))
    elif monthly_amount > config.subsidy_monthly_cap:
        add(Check("amount", label, False, _("%(amount)s yuan a month is over the standard of %(cap)s yuan.")
                  % {"amount": monthly_amount, "cap": config.subsidy_monthly_cap}))
    else:
        add(Check("amount", label, True, _("%(amount)s yuan a month, at most %(cap)s.")
                  % {"amount": monthly_amount, "cap": config.subsidy_monthly_cap}))
    return result
