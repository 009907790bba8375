"""Every change in employment. Each function is keyword-only, atomic, checks the actor's permission again
(employment.permissions) and writes an audit row (core.audit; labels in employment/audit.py). The pages,
the importer and the demo all come through here. Audit rows carry no personal data: a seeker is named by
their masked name and row id."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError

from care.selectors import category_standing
from care.services import read_id_number
from core.audit import audit_record
from core.crypto import blind_index
from core.errors import BadInput, InvalidTransition, NotAllowed
from core.text import clean_input, tokens
from employment import eligibility, lifecycle, matching, permissions
from employment.models import (
    EDUCATION_RANK,
    LEDGER_TARGETS,
    ContactWay,
    Education,
    Employer,
    EmployerAccount,
    EmployerStatus,
    EmploymentRules,
    FairRegistration,
    FairStatus,
    FollowUp,
    FollowUpDue,
    JobFair,
    Outcome,
    Placement,
    Posting,
    PostingKind,
    PostingStatus,
    PostStatus,
    PublicWelfarePost,
    RegisteredVia,
    Seeker,
    SeekerKind,
    SeekerStatus,
    ServiceKind,
    ServiceRecord,
    SubsidyApplication,
    SubsidyPayment,
    SubsidyStatus,
)
from orgs.models import Level

HARD_TO_EMPLOY = "hard_to_employ"  # the care registry's category code for 就业困难人员
MAX_SALARY = 1_000_000
CLOCK_SKEW = timedelta(minutes=5)


def _audit(actor, verb: str, target, data: dict | None = None):
    label = target.masked_name if isinstance(target, Seeker) else None
    audit_record(actor=actor, verb=verb, target=target, data=data or {}, label=label)


def _today() -> date:
    return timezone.localdate()


def _text(value, *, label: str, max_length: int, required: bool = False) -> str:
    text = clean_input(value or "").strip()
    if required and not text:
        raise BadInput(_("%(field)s is required.") % {"field": label})
    if len(text) > max_length:
        raise BadInput(_("%(field)s may be at most %(n)s characters.") % {"field": label, "n": max_length})
    return text


def _county_of(unit):
    from orgs.models import Unit

    if unit.level == Level.COUNTY:
        return unit
    codes = unit.ancestors_and_self_codes()
    county = Unit.objects.filter(code__in=codes, level=Level.COUNTY).first()
    if county is None:
        raise BadInput(_("Choose a place in a county, township, village or community."))
    return county


def _check_residence(unit) -> None:
    if unit is None or unit.level not in (Level.VILLAGE, Level.TOWNSHIP, Level.COUNTY):
        raise BadInput(_("Choose the village, community or township where the seeker lives."))


def read_credit_code(text: str) -> str:
    """The 统一社会信用代码, compacted and checked (GB 32100: 18 characters, its check character)."""
    code = uscc.compact(clean_input(text or "")).upper()
    if not code:
        raise BadInput(_("The unified social credit code is required."))
    if len(code) != 18:
        raise BadInput(_("The unified social credit code must be 18 characters (it has %(n)s).") % {"n": len(code)})
    try:
        return uscc.validate(code)
    except ValidationError:
        raise BadInput(_("The unified social credit code %(code)s is not valid: its check character is wrong or it "
                         "holds letters a code cannot have. Check it against the business licence.")
                       % {"code": code}) from None


def _salary(value, *, label: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise BadInput(_("%(field)s must be a whole number of yuan.") % {"field": label}) from None
    if number < 0 or number > MAX_SALARY:
        raise BadInput(_("%(field)s must be between 0 and %(max)s yuan.") % {"field": label, "max": MAX_SALARY})
    return number


# --- job seekers -----------------------------------------------------------------------------------------

@dataclass
class SeekerData:
    name: str
    id_number: str
    unit: object
    kind: str
    phone: str = ""
    education: str = Education.NONE
    school: str = ""
    major: str = ""
    graduation_year: int | None = None
    skills: str = ""
    wishes: str = ""
    desired_place: object = None
    desired_salary: int | None = None


class DuplicateSeeker(BadInput):
    def __init__(self, message, *, seeker):
        super().__init__(message)
        self.seeker = seeker


def seeker_tokens(seeker_or_data) -> str:
    s = seeker_or_data
    return " ".join(tokens(f"{s.skills} {s.wishes} {s.major}"))


def _clean_seeker(data: SeekerData) -> dict:
    from accounts.services import normalize_contact_phone

    name = _text(data.name, label=_("The name"), max_length=50, required=True)
    if data.kind not in SeekerKind.values:
        raise BadInput(_("Choose the kind of job seeker."))
    if data.education not in Education.values:
        raise BadInput(_("Choose the education."))
    _check_residence(data.unit)
    school = _text(data.school, label=_("The school"), max_length=100)
    major = _text(data.major, label=_("The major"), max_length=100)
    year = data.graduation_year
    if data.kind == SeekerKind.GRADUATE:
        if not school:
            raise BadInput(_("A graduate's school is required."))
        if not year:
            raise BadInput(_("A graduate's graduation year is required."))
    if year is not None and year != "":
        try:
            year = int(year)
        except (TypeError, ValueError):
            raise BadInput(_("The graduation year must be a year such as 2025.")) from None
        if not 1950 <= year <= _today().year + 1:
            raise BadInput(_("The graduation year must be between 1950 and next year."))
    else:
        year = None
    phone = (data.phone or "").strip()
    phone = normalize_contact_phone(phone) if phone else ""
    if data.desired_place is not None and data.desired_place.level == Level.GRID:
        raise BadInput(_("Choose a village, township or county as the place to work, not a grid."))
    return {
        "name": name, "kind": data.kind, "education": data.education, "school": school, "major": major,
        "graduation_year": year, "phone": phone, "phone_index": blind_index(phone) if phone else "",
        "skills": _text(data.skills, label=_("The skills"), max_length=500),
        "wishes": _text(data.wishes, label=_("The jobs wanted"), max_length=500),
        "desired_place": data.desired_place,
        "desired_salary": _salary(data.desired_salary, label=_("The pay wanted")),
        "unit": data.unit, "county": _county_of(data.unit),
    }


@transaction.atomic
def seeker_register(*, actor, data: SeekerData, via: str | None = None, counselor=None) -> Seeker:
    """A new job seeker: a resident registering themselves on a phone, or staff at a 人社 counter (or the
    graduates' list import). An ID number registered already is refused (DuplicateSeeker) — unless a
    resident signs in with the very phone the counter or the list registered them with: then the record
    becomes theirs, and is updated with what they typed."""
    identity = read_id_number(data.id_number)
    index = blind_index(identity.number)
    if getattr(actor, "is_resident", False):
        via = RegisteredVia.SELF
        if Seeker.objects.filter(user=actor).exists():
            raise BadInput(_("You are registered as a job seeker already."))
        data.phone = actor.phone
    else:
        via = via or RegisteredVia.COUNTER
        permissions.require_serve_unit(actor, data.unit)
    fields = _clean_seeker(data)
    existing = Seeker.objects.select_for_update().filter(id_index=index).first()
    if existing is not None:
        if via == RegisteredVia.SELF and existing.user_id is None and existing.phone_index == fields["phone_index"]:
            for key, value in fields.items():
                setattr(existing, key, value)
            existing.user = actor
            existing.tokens = seeker_tokens(existing)
            existing.save()
            _audit(actor, "employment.seeker.claim", existing, {})
            follow_up_schedule(existing)
            matching.changed("seekers")
            return existing
        raise DuplicateSeeker(_("This ID number is registered already (%(name)s, %(unit)s).") % {
            "name": existing.masked_name, "unit": existing.unit.name}, seeker=existing)
    seeker = Seeker(id_number=identity.number, id_index=index, sex=identity.sex, birth_date=identity.birth_date,
                    registered_via=via, user=actor if via == RegisteredVia.SELF else None,
                    counselor=counselor, **fields)
    seeker.tokens = seeker_tokens(seeker)
    try:
        with transaction.atomic():
            seeker.save()
    except IntegrityError:
        raise DuplicateSeeker(_("This ID number is registered already."),
                              seeker=Seeker.objects.get(id_index=index)) from None
    _audit(actor, "employment.seeker.create", seeker, {"via": via, "kind": seeker.kind, "unit": seeker.unit.code})
    follow_up_schedule(seeker)
    matching.changed("seekers")
    return seeker


@transaction.atomic
def seeker_update(*, actor, seeker: Seeker, data: SeekerData) -> Seeker:
    """Change what may change; the ID number is who the seeker is and never changes."""
    locked = Seeker.objects.select_for_update().get(pk=seeker.pk)
    if not permissions.is_own(actor, locked):
        permissions.require_serve_seeker(actor, locked)
        permissions.require_serve_unit(actor, data.unit)
    if permissions.is_own(actor, locked):
        data.phone = actor.phone
    fields = _clean_seeker(data)
    changed = [key for key, value in fields.items() if getattr(locked, key) != value]
    if not changed:
        return locked
    for key, value in fields.items():
        setattr(locked, key, value)
    locked.tokens = seeker_tokens(locked)
    locked.save()
    _audit(actor, "employment.seeker.update", locked, {"changed": changed})
    follow_up_schedule(locked)
    matching.changed("seekers")
    return locked


@transaction.atomic
def seeker_set_status(*, actor, seeker: Seeker, status: str, note: str = "") -> Seeker:
    locked = Seeker.objects.select_for_update().get(pk=seeker.pk)
    if not permissions.is_own(actor, locked):
        permissions.require_serve_seeker(actor, locked)
    if status not in SeekerStatus.values:
        raise BadInput(_("Unknown status “%(value)s”.") % {"value": status})
    if status == SeekerStatus.PUBLIC_WELFARE:
        raise BadInput(_("A public-welfare post is recorded as a placement, on the post's page."))
    if locked.status != status:
        before, locked.status = locked.status, status
        locked.save(update_fields=["status", "updated_at"])
        _audit(actor, "employment.seeker.status", locked, {"from": before, "to": status, "note": note[:200]})
        follow_up_schedule(locked)
        matching.changed("seekers")
    return locked


@transaction.atomic
def seeker_assign_counselor(*, actor, seeker: Seeker, counselor) -> Seeker:
    locked = Seeker.objects.select_for_update().get(pk=seeker.pk)
    permissions.require_serve_seeker(actor, locked)
    if counselor is not None and (not counselor.is_active or counselor.is_resident):
        raise BadInput(_("The counselor must be an active staff account."))
    locked.counselor = counselor
    locked.save(update_fields=["counselor", "updated_at"])
    _audit(actor, "employment.seeker.counselor", locked,
           {"counselor": counselor.get_username() if counselor else ""})
    return locked


def hard_to_employ_standing(seeker: Seeker):
    """The care registry's 就业困难人员 认定 of ``seeker`` (category, since, values), or None."""
    return category_standing(seeker.id_number, HARD_TO_EMPLOY)


# --- the 1131 ledger -------------------------------------------------------------------------------------

def _recount(seeker: Seeker) -> None:
    """The seeker's 1131 counters from their service rows (a few rows: cheap, and never drifts)."""
    counts = dict(seeker.services.values_list("kind").annotate(n=Count("pk")).order_by())
    values = {f"n_{kind}": min(counts.get(kind, 0), 32767) for kind in ServiceKind.values}
    complete = all(counts.get(kind, 0) >= need for kind, need in LEDGER_TARGETS.items())
    Seeker.objects.filter(pk=seeker.pk).update(ledger_complete=complete, **values)
    for key, value in values.items():
        setattr(seeker, key, value)
    seeker.ledger_complete = complete


def _given_at(value) -> datetime:
    if value is None:
        return timezone.now()
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, datetime.min.time().replace(hour=9))
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > timezone.now() + CLOCK_SKEW:
        raise BadInput(_("A service cannot be recorded in the future."))
    return value


@transaction.atomic
def service_record(*, actor, seeker: Seeker, kind: str, notes: str = "", given_at=None, posting: Posting | None = None,
                   outcome: str = "") -> ServiceRecord:
    """Record a policy explanation, a career guidance session or a training/见习 opportunity given to
    ``seeker`` (a job recommendation goes through ``recommendation_record``, which keeps its reasons)."""
    locked = Seeker.objects.select_for_update().get(pk=seeker.pk)
    permissions.require_serve_seeker(actor, locked)
    if kind == ServiceKind.RECOMMENDATION:
        if posting is None:
            raise BadInput(_("A job recommendation names the posting recommended."))
        return recommendation_record(actor=actor, seeker=locked, posting=posting, notes=notes)
    if kind not in ServiceKind.values:
        raise BadInput(_("Choose the service given."))
    if outcome not in Outcome.values:
        raise BadInput(_("Unknown outcome “%(value)s”.") % {"value": outcome})
    notes = _text(notes, label=_("The notes"), max_length=500)
    if kind == ServiceKind.OPPORTUNITY and posting is None and not notes:
        raise BadInput(_("Say which training or internship was offered, or choose the internship posting."))
    if posting is not None and kind != ServiceKind.OPPORTUNITY:
        posting = None
    record = ServiceRecord.objects.create(seeker=locked, kind=kind, given_by=actor, given_at=_given_at(given_at),
                                          notes=notes, posting=posting, outcome=outcome,
                                          outcome_at=timezone.now() if outcome else None)
    _recount(locked)
    _audit(actor, "employment.service.record", locked, {"kind": kind, "service": record.pk})
    return record


@transaction.atomic
def recommendation_record(*, actor, seeker: Seeker, posting: Posting, notes: str = "", reasons=None,
                          score: float | None = None, given_at=None) -> ServiceRecord:
    """Recommend ``posting`` to ``seeker``: one of the three recommendations of 1131. The reasons are the
    matcher's (employment.matching), worked out now when not given."""
    locked = Seeker.objects.select_for_update().get(pk=seeker.pk)
    permissions.require_serve_seeker(actor, locked)
    if ServiceRecord.objects.filter(seeker=locked, posting=posting, kind=ServiceKind.RECOMMENDATION).exists():
        raise BadInput(_("%(title)s has been recommended to %(name)s already.") % {
            "title": posting.title, "name": locked.masked_name})
    if not posting_is_public(posting):
        raise BadInput(_("%(title)s is not open to applicants (closed, past its closing date, or its employer is "
                         "not verified).") % {"title": posting.title})
    if reasons is None:
        match = matching.explain(locked, posting)
        reasons, score = match.reasons, match.score
    record = ServiceRecord.objects.create(
        seeker=locked, kind=ServiceKind.RECOMMENDATION, given_by=actor, given_at=_given_at(given_at),
        notes=_text(notes, label=_("The notes"), max_length=500), posting=posting, reasons=list(reasons),
        score=score)
    _recount(locked)
    _audit(actor, "employment.service.recommend", locked, {"posting": posting.pk, "service": record.pk})
    return record


@transaction.atomic
def service_set_outcome(*, actor, record: ServiceRecord, outcome: str) -> ServiceRecord:
    """The outcome of a service: of a recommendation, applied → interviewed → hired or declined. Hired
    for a 见习 internship is the seeker's 见习 placement: it counts as the "1" training-or-internship of
    1131 and the seeker's status becomes 见习中; hired for a job makes them employed."""
    locked = ServiceRecord.objects.select_for_update(of=("self",)).select_related("seeker", "posting").get(pk=record.pk)
    seeker = Seeker.objects.select_for_update().get(pk=locked.seeker_id)
    permissions.require_serve_seeker(actor, seeker)
    if outcome not in Outcome.values or outcome == "":
        raise BadInput(_("Choose the outcome."))
    if locked.outcome in (Outcome.HIRED, Outcome.DECLINED) and outcome != locked.outcome:
        raise InvalidTransition(_("This outcome is final: %(outcome)s.") % {"outcome": locked.get_outcome_display()})
    if locked.outcome == outcome:
        return locked
    before = locked.outcome
    locked.outcome, locked.outcome_at = outcome, timezone.now()
    locked.save(update_fields=["outcome", "outcome_at"])
    if outcome == Outcome.HIRED and locked.kind == ServiceKind.RECOMMENDATION and locked.posting_id:
        if locked.posting.kind == PostingKind.INTERNSHIP:
            if not seeker.services.filter(kind=ServiceKind.OPPORTUNITY, posting=locked.posting).exists():
                ServiceRecord.objects.create(
                    seeker=seeker, kind=ServiceKind.OPPORTUNITY, given_by=actor, given_at=timezone.now(),
                    posting=locked.posting, outcome=Outcome.HIRED, outcome_at=timezone.now(),
                    notes=_("见习 placement: %(title)s") % {"title": locked.posting.title})
            seeker.status = SeekerStatus.INTERNSHIP
        else:
            seeker.status = SeekerStatus.EMPLOYED
        seeker.save(update_fields=["status", "updated_at"])
    _recount(seeker)
    matching.changed("seekers")
    _audit(actor, "employment.service.outcome", seeker, {"service": locked.pk, "from": before, "to": outcome})
    return locked


# --- employers and postings ------------------------------------------------------------------------------

@dataclass
class EmployerData:
    name: str
    credit_code: str
    unit: object
    contact_name: str
    contact_phone: str
    address: str = ""
    industry: str = ""


@transaction.atomic
def employer_register(*, actor, data: EmployerData) -> Employer:
    """An employer registers (its HR person, signed in as a resident, becomes its account) or 人社 staff
    register it at the counter. It waits for verification before its postings are public."""
    from accounts.services import normalize_contact_phone

    code = read_credit_code(data.credit_code)
    name = _text(data.name, label=_("The employer's name"), max_length=100, required=True)
    if data.unit is None or data.unit.level == Level.CITY or data.unit.level == Level.GRID:
        raise BadInput(_("Choose the county, township, village or community where the employer is."))
    resident = getattr(actor, "is_resident", False)
    if resident:
        if EmployerAccount.objects.filter(user=actor).exists():
            raise BadInput(_("Your account acts for an employer already."))
    else:
        permissions.require_hrss_unit(actor, data.unit)
    existing = Employer.objects.filter(credit_code=code).first()
    if existing is not None:
        raise BadInput(_("An employer with the credit code %(code)s is registered already: %(name)s. Ask 人社 to "
                         "add your account to it.") % {"code": code, "name": existing.name})
    phone = (data.contact_phone or "").strip()
    if not phone:
        raise BadInput(_("The contact phone is required."))
    employer = Employer.objects.create(
        name=name, credit_code=code, unit=data.unit,
        address=_text(data.address, label=_("The address"), max_length=200),
        industry=_text(data.industry, label=_("The industry"), max_length=50),
        contact_name=_text(data.contact_name, label=_("The contact person"), max_length=50, required=True),
        contact_phone=normalize_contact_phone(phone))
    if resident:
        EmployerAccount.objects.create(user=actor, employer=employer)
    _audit(actor, "employment.employer.create", employer, {"credit_code": code})
    return employer


@transaction.atomic
def employer_account_add(*, actor, employer: Employer, user) -> EmployerAccount:
    permissions.require_manage_employer(actor, employer)
    if not user.is_resident:
        raise BadInput(_("An employer's account is a resident account (sign-in with a phone)."))
    if EmployerAccount.objects.filter(user=user).exists():
        raise BadInput(_("That account acts for an employer already."))
    account = EmployerAccount.objects.create(user=user, employer=employer)
    _audit(actor, "employment.employer.account", employer, {"user": user.pk})
    return account


@transaction.atomic
def employer_decide(*, actor, employer: Employer, approve: bool, note: str = "") -> Employer:
    """人社 verifies an employer (its postings become public) or refuses it, with the reason."""
    locked = Employer.objects.select_for_update(of=("self",)).select_related("unit").get(pk=employer.pk)
    permissions.require_manage_employer(actor, locked)
    note = _text(note, label=_("The reason"), max_length=200)
    if not approve and not note:
        raise BadInput(_("Give the reason for refusing the employer; they will read it."))
    locked.status = EmployerStatus.VERIFIED if approve else EmployerStatus.REJECTED
    locked.decided_by, locked.decided_at, locked.decision_note = actor, timezone.now(), note
    locked.save()
    _audit(actor, "employment.employer.verify" if approve else "employment.employer.refuse", locked,
           {"note": note})
    matching.changed("postings")
    return locked


@dataclass
class PostingData:
    title: str
    duties: str
    salary_min: object
    salary_max: object
    unit: object
    closes_on: date | None
    kind: str = PostingKind.JOB
    requirements: str = ""
    education: str = Education.NONE
    headcount: object = 1
    duration_months: object = None
    subsidy: object = None


def posting_tokens(posting) -> str:
    return " ".join(tokens(f"{posting.title} {posting.title} {posting.duties} {posting.requirements}"))


def _clean_posting(data: PostingData) -> dict:
    problems = []

    def check(fn):
        try:
            return fn()
        except BadInput as exc:
            problems.append(str(exc.message))
            return None

    title = check(lambda: _text(data.title, label=_("The title"), max_length=100, required=True))
    duties = check(lambda: _text(data.duties, label=_("The duties"), max_length=2000, required=True))
    requirements = check(lambda: _text(data.requirements, label=_("The requirements"), max_length=2000))
    low = check(lambda: _salary(data.salary_min, label=_("The lowest monthly pay")))
    high = check(lambda: _salary(data.salary_max, label=_("The highest monthly pay")))
    if low is None or high is None:
        if not problems:
            problems.append(_("Give the monthly pay range, from and up to."))
    elif high < low:
        problems.append(_("The pay range is upside down: up to %(high)s is less than from %(low)s.")
                        % {"high": high, "low": low})
    if data.kind not in PostingKind.values:
        problems.append(_("Choose whether it is a job or an internship."))
    if data.education not in Education.values:
        problems.append(_("Choose the lowest education."))
    if data.unit is None or data.unit.level == Level.GRID:
        problems.append(_("Choose the place of work: a county, township, village or community."))
    try:
        headcount = int(data.headcount or 0)
    except (TypeError, ValueError):
        headcount = 0
    if not 1 <= headcount <= 10000:
        problems.append(_("The headcount must be between 1 and 10000."))
    if data.closes_on is None:
        problems.append(_("Give the closing date."))
    elif data.closes_on < _today():
        problems.append(_("The closing date %(date)s has passed: choose today or a later day.")
                        % {"date": data.closes_on.isoformat()})
    duration = subsidy = None
    if data.kind == PostingKind.INTERNSHIP:
        try:
            duration = int(data.duration_months or 0)
        except (TypeError, ValueError):
            duration = 0
        if not 1 <= duration <= 24:
            problems.append(_("An internship lasts 1 to 24 months."))
        subsidy = check(lambda: _salary(data.subsidy, label=_("The monthly subsidy")))
        if subsidy is None and not any("subsidy" in str(p) or "补贴" in str(p) for p in problems):
            problems.append(_("Give the internship's monthly subsidy."))
    if problems:
        raise BadInput("；".join(str(p) for p in problems), details=problems)
    return {"title": title, "duties": duties, "requirements": requirements, "salary_min": low, "salary_max": high,
            "kind": data.kind, "education": data.education, "unit": data.unit, "headcount": headcount,
            "closes_on": data.closes_on, "duration_months": duration, "subsidy": subsidy}


@transaction.atomic
def posting_create(*, actor, employer: Employer, data: PostingData) -> Posting:
    """A job or internship of ``employer``, by its account or by 人社 staff. Every problem of the form
    is reported at once."""
    permissions.require_post_for(actor, employer)
    if employer.status == EmployerStatus.REJECTED:
        raise NotAllowed(_("%(employer)s was refused verification; it may not post.") % {"employer": employer.name})
    posting = Posting(employer=employer, created_by=actor, **_clean_posting(data))
    posting.tokens = posting_tokens(posting)
    posting.save()
    _audit(actor, "employment.posting.create", posting, {"employer": employer.pk, "kind": posting.kind})
    matching.changed("postings")
    return posting


@transaction.atomic
def posting_close(*, actor, posting: Posting) -> Posting:
    permissions.require_post_for(actor, posting.employer)
    if posting.status != PostingStatus.CLOSED:
        Posting.objects.filter(pk=posting.pk).update(status=PostingStatus.CLOSED, updated_at=timezone.now())
        posting.status = PostingStatus.CLOSED
        _audit(actor, "employment.posting.close", posting, {})
        matching.changed("postings")
    return posting


def posting_is_public(posting: Posting, *, today: date | None = None) -> bool:
    return (posting.status == PostingStatus.OPEN and posting.closes_on >= (today or _today())
            and posting.employer.status == EmployerStatus.VERIFIED)


# --- public-welfare posts --------------------------------------------------------------------------------

@transaction.atomic
def welfare_post_create(*, actor, title: str, unit, term_months, monthly_subsidy, headcount=1,
                        duties: str = "") -> PublicWelfarePost:
    permissions.require_hrss_unit(actor, unit)
    title = _text(title, label=_("The post"), max_length=100, required=True)
    try:
        term, subsidy, places = int(term_months), int(monthly_subsidy), int(headcount)
    except (TypeError, ValueError):
        raise BadInput(_("The term, the subsidy and the places are whole numbers.")) from None
    if not 1 <= term <= 60:
        raise BadInput(_("The term is 1 to 60 months."))
    if not 1 <= subsidy <= MAX_SALARY:
        raise BadInput(_("Give the monthly subsidy in yuan."))
    if not 1 <= places <= 1000:
        raise BadInput(_("The places must be between 1 and 1000."))
    post = PublicWelfarePost.objects.create(title=title, unit=unit, term_months=term, monthly_subsidy=subsidy,
                                            headcount=places, created_by=actor,
                                            duties=_text(duties, label=_("The duties"), max_length=500))
    _audit(actor, "employment.welfare_post.create", post, {"unit": unit.code})
    return post


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


@transaction.atomic
def placement_start(*, actor, post: PublicWelfarePost, seeker: Seeker, starts_on: date | None = None) -> Placement:
    """Place a hard-to-employ seeker in a public-welfare post. Only someone the care registry lists as
    就业困难人员 is eligible; the post must have a free place and the seeker no other open placement."""
    locked_post = PublicWelfarePost.objects.select_for_update(of=("self",)).select_related("unit").get(pk=post.pk)
    locked = Seeker.objects.select_for_update().get(pk=seeker.pk)
    permissions.require_hrss_unit(actor, locked_post.unit)
    permissions.require_see_seeker(actor, locked)
    if locked_post.status != PostStatus.OPEN:
        raise InvalidTransition(_("The post %(post)s is closed.") % {"post": locked_post.title})
    standing = hard_to_employ_standing(locked)
    if standing is None:
        raise BadInput(_("%(name)s is not recognised as 就业困难人员 in the care registry, so may not be placed in a "
                         "public-welfare post. Recognition is recorded in 包联对象 by the village or community.")
                       % {"name": locked.masked_name})
    starts_on = starts_on or _today()
    if starts_on > _today() + timedelta(days=60):
        raise BadInput(_("A placement starts within 60 days."))
    taken = locked_post.placements.filter(ended_on__isnull=True).count()
    if taken >= locked_post.headcount:
        raise BadInput(_("The post %(post)s has no free place (%(n)s of %(n)s filled).")
                       % {"post": locked_post.title, "n": locked_post.headcount})
    if locked.placements.filter(ended_on__isnull=True).exists():
        raise BadInput(_("%(name)s holds a public-welfare post already; end it first.") % {"name": locked.masked_name})
    placement = Placement.objects.create(post=locked_post, seeker=locked, starts_on=starts_on,
                                         term_ends_on=_add_months(starts_on, locked_post.term_months),
                                         placed_by=actor)
    locked.status = SeekerStatus.PUBLIC_WELFARE
    locked.save(update_fields=["status", "updated_at"])
    follow_up_schedule(locked)
    matching.changed("seekers")
    _audit(actor, "employment.placement.start", locked, {"post": locked_post.pk, "placement": placement.pk,
                                                         "since": standing.since.isoformat()})
    return placement


@transaction.atomic
def placement_end(*, actor, placement: Placement, ended_on: date | None = None, reason: str = "") -> Placement:
    locked = Placement.objects.select_for_update(of=("self",)).select_related("post__unit", "seeker").get(pk=placement.pk)
    permissions.require_hrss_unit(actor, locked.post.unit)
    if locked.ended_on is not None:
        raise InvalidTransition(_("This placement has ended already."))
    ended_on = ended_on or _today()
    if ended_on < locked.starts_on:
        raise BadInput(_("A placement cannot end before it started (%(date)s).") % {"date": locked.starts_on})
    reason = _text(reason, label=_("The reason"), max_length=200, required=True)
    locked.ended_on, locked.end_reason = ended_on, reason
    locked.save(update_fields=["ended_on", "end_reason"])
    seeker = locked.seeker
    if seeker.status == SeekerStatus.PUBLIC_WELFARE:
        Seeker.objects.filter(pk=seeker.pk).update(status=SeekerStatus.UNEMPLOYED, updated_at=timezone.now())
        follow_up_schedule(seeker)
        matching.changed("seekers")
    _audit(actor, "employment.placement.end", seeker, {"placement": locked.pk, "reason": reason})
    return locked


# --- job fairs -------------------------------------------------------------------------------------------

@transaction.atomic
def fair_create(*, actor, title: str, unit, venue: str, held_on: date) -> JobFair:
    permissions.require_hrss_unit(actor, unit)
    if held_on is None:
        raise BadInput(_("Give the date of the job fair."))
    fair = JobFair.objects.create(title=_text(title, label=_("The title"), max_length=100, required=True),
                                  venue=_text(venue, label=_("The venue"), max_length=200, required=True),
                                  unit=unit, held_on=held_on, created_by=actor)
    _audit(actor, "employment.fair.create", fair, {"unit": unit.code, "held_on": held_on.isoformat()})
    return fair


@transaction.atomic
def fair_add_employer(*, actor, fair: JobFair, employer: Employer, postings=()) -> JobFair:
    permissions.require_hrss_unit(actor, fair.unit)
    if employer.status != EmployerStatus.VERIFIED:
        raise BadInput(_("Only verified employers take part in a job fair."))
    fair.employers.add(employer)
    chosen = [p for p in postings if p.employer_id == employer.pk]
    fair.postings.add(*chosen)
    _audit(actor, "employment.fair.employer", fair, {"employer": employer.pk, "postings": [p.pk for p in chosen]})
    return fair


@transaction.atomic
def fair_register(*, actor, fair: JobFair, seeker: Seeker) -> FairRegistration:
    """A seeker registers for a fair: themselves, or staff for them."""
    if not permissions.is_own(actor, seeker):
        permissions.require_serve_seeker(actor, seeker)
    if fair.status == FairStatus.HELD or fair.held_on < _today():
        raise InvalidTransition(_("The job fair %(fair)s is over.") % {"fair": fair.title})
    registration, created = FairRegistration.objects.get_or_create(fair=fair, seeker=seeker)
    if created:
        _audit(actor, "employment.fair.register", seeker, {"fair": fair.pk})
    return registration


@transaction.atomic
def fair_check_in(*, actor, registration: FairRegistration) -> FairRegistration:
    locked = FairRegistration.objects.select_for_update(of=("self",)).select_related("fair__unit", "seeker").get(pk=registration.pk)
    permissions.require_hrss_unit(actor, locked.fair.unit)
    if locked.checked_in_at is None:
        locked.checked_in_at = timezone.now()
        locked.save(update_fields=["checked_in_at"])
        _audit(actor, "employment.fair.check_in", locked.seeker, {"fair": locked.fair_id})
    return locked


@transaction.atomic
def fair_result(*, actor, registration: FairRegistration, result: str) -> FairRegistration:
    locked = FairRegistration.objects.select_for_update(of=("self",)).select_related("fair__unit", "seeker").get(pk=registration.pk)
    permissions.require_hrss_unit(actor, locked.fair.unit)
    if result not in Outcome.values or not result:
        raise BadInput(_("Choose the result."))
    if locked.checked_in_at is None:
        raise InvalidTransition(_("Check the seeker in before recording a result."))
    locked.result = result
    locked.save(update_fields=["result"])
    if result == Outcome.HIRED:
        Seeker.objects.filter(pk=locked.seeker_id).update(status=SeekerStatus.EMPLOYED, updated_at=timezone.now())
        matching.changed("seekers")
    _audit(actor, "employment.fair.result", locked.seeker, {"fair": locked.fair_id, "result": result})
    return locked


@transaction.atomic
def fair_close(*, actor, fair: JobFair) -> JobFair:
    permissions.require_hrss_unit(actor, fair.unit)
    if fair.status != FairStatus.HELD:
        JobFair.objects.filter(pk=fair.pk).update(status=FairStatus.HELD)
        fair.status = FairStatus.HELD
        _audit(actor, "employment.fair.close", fair, {})
    return fair


def education_meets(seeker_education: str, required: str) -> bool:
    return EDUCATION_RANK.get(seeker_education, 0) >= EDUCATION_RANK.get(required, 0)


# --- follow-up of the hard-to-employ -----------------------------------------------------------------------

def follow_up_schedule(seeker: Seeker, *, config=None) -> FollowUpDue | None:
    """Put ``seeker``'s next follow-up where the rules say: the last follow-up (or their registration) plus
    a month while unemployed, a quarter once in work or a post. Only 就业困难人员 are followed up; anyone else
    has no row. Idempotent: the nightly refresh runs it over everyone."""
    current = Seeker.objects.filter(pk=seeker.pk).values("kind", "status", "created_at").first()
    if current is None or current["kind"] != SeekerKind.HARD_TO_EMPLOY:
        FollowUpDue.objects.filter(seeker_id=seeker.pk).delete()
        return None
    seeker.status = current["status"]
    last = FollowUp.objects.filter(seeker_id=seeker.pk).order_by("-followed_at").values_list("followed_at",
                                                                                            flat=True).first()
    start = timezone.localtime(last or current["created_at"]).date()
    due_on = start + timedelta(days=eligibility.follow_up_interval(seeker, config))
    row, _created = FollowUpDue.objects.update_or_create(seeker_id=seeker.pk,
                                                         defaults={"due_on": due_on, "last_at": last})
    return row


@dataclass
class FollowUpData:
    way: str
    situation: str
    needs: str = ""
    next_step: str = ""
    followed_at: datetime | date | None = None
    # A need heard of, filed as a demand (诉求) in the seeker's place through appeals.
    file_need: bool = False
    need_title: str = ""


SEEKER_VOUCHER = "employment.seeker"


def counselor_vouches(actor, place, reference: str) -> bool:
    """appeals' voucher (appeals.extensions, registered by employment.apps): ``actor`` follows up the seeker
    ``reference`` names (their counselor, 人社 staff or the unit's handler) and ``place`` is where they live."""
    if not reference.isdigit():
        return False
    seeker = Seeker.objects.select_related("unit").filter(pk=int(reference)).first()
    return bool(seeker is not None and getattr(place, "pk", None) == seeker.unit_id
                and permissions.may_serve_seeker(actor, seeker))


@transaction.atomic
def follow_up_record(*, actor, seeker: Seeker, data: FollowUpData) -> FollowUp:
    """A follow-up of a hard-to-employ seeker: how they were reached, how they are, their needs and the next
    step; the next one is scheduled from it. A need may be filed as a demand through appeals (channel 走访),
    which the demand loop then dispatches and tracks like any other."""
    from appeals.models import Channel
    from appeals.services import Intake, appeal_create

    locked = Seeker.objects.select_for_update(of=("self",)).select_related("unit").get(pk=seeker.pk)
    permissions.require_serve_seeker(actor, locked)
    if locked.kind != SeekerKind.HARD_TO_EMPLOY:
        raise BadInput(_("Follow-ups are kept for 就业困难人员; %(name)s is registered as “%(kind)s”.")
                       % {"name": locked.masked_name, "kind": locked.get_kind_display()})
    if data.way not in ContactWay.values:
        raise BadInput(_("Choose how the seeker was reached."))
    situation = _text(data.situation, label=_("The situation"), max_length=500, required=True)
    needs = _text(data.needs, label=_("The needs"), max_length=500)
    next_step = _text(data.next_step, label=_("The next step"), max_length=500)
    followed_at = _given_at(data.followed_at)
    if followed_at < locked.created_at - timedelta(days=1):
        raise BadInput(_("A follow-up cannot be dated before the seeker was registered (%(date)s).")
                       % {"date": timezone.localtime(locked.created_at).date().isoformat()})
    record = FollowUp(seeker=locked, way=data.way, followed_at=followed_at, situation=situation, needs=needs,
                      next_step=next_step, status_then=locked.status, by=actor)
    if data.file_need:
        if not needs:
            raise BadInput(_("Write the need before filing it as a demand."))
        title = _text(data.need_title, label=_("The demand's title"), max_length=100) or needs[:40]
        appeal = appeal_create(actor=actor, data=Intake(
            title=title, description=needs, channel=Channel.GRID_VISIT, place=locked.unit,
            contact_name=locked.name, contact_phone=locked.phone, on_behalf_of=f"{SEEKER_VOUCHER}:{locked.pk}"))
        record.appeal_code = appeal.code
    record.save()
    follow_up_schedule(locked)
    _audit(actor, "employment.follow_up.record", locked,
           {"follow_up": record.pk, "way": record.way, "appeal": record.appeal_code})
    return record


# --- 社保补贴 ----------------------------------------------------------------------------------------------

@transaction.atomic
def rules_save(*, actor, config: EmploymentRules) -> EmploymentRules:
    """The follow-up and subsidy rules (one row), by a superuser or 人社 staff of the city."""
    from orgs.models import Unit

    root = Unit.objects.filter(level=Level.CITY).order_by("pk").first()
    if not getattr(actor, "is_superuser", False) and (root is None or not permissions.in_scope(
            permissions.hrss_scope(actor), root)):
        raise NotAllowed(_("Only the city's 人社 staff may change the employment rules."))
    problems = []
    if not 1 <= config.follow_up_days_unemployed <= 366 or not 1 <= config.follow_up_days_placed <= 366:
        problems.append(_("A follow-up interval is 1 to 366 days."))
    if not 1 <= config.subsidy_max_months <= 120:
        problems.append(_("The subsidy period is 1 to 120 months."))
    if not 40 <= config.retirement_age_male <= 70 or not 40 <= config.retirement_age_female <= 70:
        problems.append(_("A retirement age is 40 to 70."))
    if config.subsidy_years_before_retirement > 15:
        problems.append(_("The years before retirement are at most 15."))
    if config.subsidy_monthly_cap is None or not Decimal("0") < config.subsidy_monthly_cap <= Decimal("100000"):
        problems.append(_("The monthly standard is more than 0 and at most 100000 yuan."))
    if problems:
        raise BadInput("；".join(str(p) for p in problems), details=problems)
    existing = EmploymentRules.objects.select_for_update().order_by("pk").first()
    if existing is not None and config.pk != existing.pk:
        config.pk = existing.pk
    config.save()
    _audit(actor, "employment.rules.save", config, {
        "follow_up_days": [config.follow_up_days_unemployed, config.follow_up_days_placed],
        "max_months": config.subsidy_max_months, "cap": str(config.subsidy_monthly_cap)})
    return config


def read_month(value, *, label: str) -> date:
    """A month typed as 2026-03 (or 2026/3, 2026年3月), or a date: its first day."""
    if isinstance(value, date):
        return value.replace(day=1)
    text = clean_input(str(value or "")).strip().replace("年", "-").replace("月", "").replace("/", "-")
    parts = text.split("-")
    try:
        year, month = int(parts[0]), int(parts[1])
        return date(year, month, 1)
    except (ValueError, IndexError):
        raise BadInput(_("%(field)s must be a month such as 2026-03.") % {"field": label}) from None


def read_amount(value, *, label: str) -> Decimal:
    """Yuan with at most two decimals, as Decimal (never a float)."""
    try:
        amount = Decimal(str(value).strip()) if value not in (None, "") else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise BadInput(_("%(field)s must be an amount in yuan, such as 480 or 480.50.") % {"field": label})
    if amount > Decimal("100000"):
        raise BadInput(_("%(field)s is too large.") % {"field": label})
    return amount.quantize(Decimal("0.01"))


@dataclass
class SubsidyData:
    form: str
    first_month: object
    last_month: object
    monthly_amount: object
    proof: str


def _subsidy_fields(seeker: Seeker, data: SubsidyData, *, exclude=None) -> tuple[dict, "eligibility.Eligibility"]:
    first = read_month(data.first_month, label=_("The first month"))
    last = read_month(data.last_month, label=_("The last month"))
    if last < first:
        raise BadInput(_("The period is upside down: %(last)s is before %(first)s.")
                       % {"last": f"{last:%Y-%m}", "first": f"{first:%Y-%m}"})
    if last > _today().replace(day=1):
        raise BadInput(_("The subsidy repays insurance already paid: the last month cannot be after this month."))
    amount = read_amount(data.monthly_amount, label=_("The amount per month"))
    proof = _text(data.proof, label=_("The proof"), max_length=200)
    result = eligibility.subsidy_eligibility(seeker, form=data.form, first_month=first, last_month=last,
                                             proof=proof, monthly_amount=amount, exclude=exclude)
    months = eligibility.months_between(first, last)
    return ({"form": data.form, "first_month": first, "last_month": last, "months": months,
             "monthly_amount": amount, "total": amount * months, "proof": proof,
             "checks": result.as_json()}, result)


def subsidy_check(seeker: Seeker, data: SubsidyData, *, exclude=None) -> "eligibility.Eligibility":
    """The checklist for what was typed, written nowhere: the form's 'check' button and the API's preview.
    BadInput when the months or the amount cannot be read at all."""
    return _subsidy_fields(seeker, data, exclude=exclude)[1]


def _refuse_unless(result) -> None:
    if not result.ok:
        problems = result.problems
        raise BadInput(_("Not eligible for the subsidy: %(why)s") % {"why": "；".join(problems)}, details=problems)


@transaction.atomic
def subsidy_apply(*, actor, seeker: Seeker, data: SubsidyData) -> SubsidyApplication:
    """A 社保补贴 application: by the seeker on a phone, or at a counter on their behalf. Refused, with every
    rule that fails, unless eligible; months another application holds are refused (no double subsidy). The
    seeker's row is locked, so two applications sent at once cannot both take the same months."""
    locked = Seeker.objects.select_for_update().get(pk=seeker.pk)
    own = permissions.is_own(actor, locked)
    if not own:
        permissions.require_serve_seeker(actor, locked)
    fields, result = _subsidy_fields(locked, data)
    _refuse_unless(result)
    application = SubsidyApplication.objects.create(
        seeker=locked, via=RegisteredVia.SELF if own else RegisteredVia.COUNTER, submitted_by=actor,
        submitted_at=timezone.now(), **fields)
    _audit(actor, "employment.subsidy.apply", locked, {"application": application.pk, "period": application.period,
                                                      "total": str(application.total)})
    return application


@transaction.atomic
def subsidy_resubmit(*, actor, application: SubsidyApplication, data: SubsidyData) -> SubsidyApplication:
    """A returned application corrected and sent again."""
    locked = SubsidyApplication.objects.select_for_update(of=("self",)).get(pk=application.pk)
    seeker = Seeker.objects.select_for_update().get(pk=locked.seeker_id)
    if not permissions.is_own(actor, seeker):
        permissions.require_serve_seeker(actor, seeker)
    lifecycle.require_subsidy(locked.status, "resubmit")
    fields, result = _subsidy_fields(seeker, data, exclude=locked)
    _refuse_unless(result)
    for key, value in fields.items():
        setattr(locked, key, value)
    locked.status, locked.submitted_by, locked.submitted_at = SubsidyStatus.SUBMITTED, actor, timezone.now()
    locked.save()
    _audit(actor, "employment.subsidy.resubmit", seeker, {"application": locked.pk, "period": locked.period})
    return locked


@transaction.atomic
def subsidy_decide(*, actor, application: SubsidyApplication, decision: str, reason: str = "") -> SubsidyApplication:
    """人社 reviews: approve (the rules checked again, as they stand today), return for correction, or reject;
    returning and rejecting need the reason, which the seeker reads."""
    locked = SubsidyApplication.objects.select_for_update(of=("self",)).get(pk=application.pk)
    seeker = Seeker.objects.select_related("unit").get(pk=locked.seeker_id)
    permissions.require_hrss_unit(actor, seeker.unit)
    target = lifecycle.require_subsidy(locked.status, decision)
    reason = _text(reason, label=_("The reason"), max_length=300)
    if decision in ("return", "reject") and not reason:
        raise BadInput(_("Give the reason; the applicant will read it."))
    if decision == "approve":
        result = eligibility.subsidy_eligibility(
            seeker, form=locked.form, first_month=locked.first_month, last_month=locked.last_month,
            proof=locked.proof, monthly_amount=locked.monthly_amount, exclude=locked)
        _refuse_unless(result)
        locked.checks = result.as_json()
    locked.status, locked.reason = target, reason
    locked.decided_by, locked.decided_at = actor, timezone.now()
    locked.save()
    _audit(actor, f"employment.subsidy.{decision}", seeker, {"application": locked.pk, "reason": reason})
    return locked


@transaction.atomic
def subsidy_pay(*, actor, applications, paid_on: date | None, reference: str) -> SubsidyPayment:
    """Record the payment of a batch of approved applications: the day and the bank's or treasury's reference.
    All or nothing: one application not approved, or outside the actor's units, refuses the batch."""
    reference = _text(reference, label=_("The payment reference"), max_length=64, required=True)
    if paid_on is None:
        raise BadInput(_("Give the day it was paid."))
    if paid_on > _today():
        raise BadInput(_("The payment day cannot be in the future."))
    ids = sorted({getattr(a, "pk", a) for a in applications})
    if not ids:
        raise BadInput(_("Choose the approved applications that were paid."))
    rows = list(SubsidyApplication.objects.select_for_update(of=("self",)).select_related("seeker__unit")
                .filter(pk__in=ids).order_by("pk"))
    if len(rows) != len(ids):
        raise BadInput(_("Some of the applications chosen do not exist."))
    for row in rows:
        permissions.require_hrss_unit(actor, row.seeker.unit)
        if row.status != SubsidyStatus.APPROVED:
            raise InvalidTransition(_("%(name)s's application for %(period)s is “%(status)s”; only approved "
                                      "applications are paid.") % {"name": row.seeker.masked_name,
                                                                   "period": row.period,
                                                                   "status": row.get_status_display()})
    if SubsidyPayment.objects.filter(reference=reference).exists():
        raise BadInput(_("The payment reference %(ref)s is recorded already.") % {"ref": reference})
    payment = SubsidyPayment.objects.create(reference=reference, paid_on=paid_on, by=actor, count=len(rows),
                                            total=sum((r.total for r in rows), Decimal("0")))
    SubsidyApplication.objects.filter(pk__in=ids).update(status=SubsidyStatus.PAID, payment=payment)
    for row in rows:
        _audit(actor, "employment.subsidy.pay", row.seeker, {"application": row.pk, "payment": payment.pk})
    return payment


# --- the nightly refresh (manage.py employment_refresh, settings.SCHEDULE) ---------------------------------

def follow_ups_refresh(*, today: date | None = None) -> dict:
    """Every hard-to-employ seeker's next follow-up date from their last follow-up and status, in one pass;
    rows of seekers no longer hard-to-employ removed. Idempotent: run twice, the same rows."""
    from django.db.models import Max

    config = eligibility.rules()
    rows = (Seeker.objects.filter(kind=SeekerKind.HARD_TO_EMPLOY).annotate(last=Max("follow_ups__followed_at"))
            .values_list("pk", "status", "created_at", "last").order_by("pk"))
    due = []
    for pk, status, created_at, last in rows.iterator(chunk_size=5000):
        days = config.follow_up_days_placed if status in eligibility.PLACED else config.follow_up_days_unemployed
        due.append(FollowUpDue(seeker_id=pk, last_at=last,
                               due_on=timezone.localtime(last or created_at).date() + timedelta(days=days)))
    with transaction.atomic():
        FollowUpDue.objects.exclude(seeker__kind=SeekerKind.HARD_TO_EMPLOY).delete()
        FollowUpDue.objects.bulk_create(due, batch_size=2000, update_conflicts=True, unique_fields=["seeker"],
                                        update_fields=["due_on", "last_at"])
    return {"scheduled": len(due)}


def suggestions_refresh(*, k: int = 10, chunk: int = 256, progress=None) -> dict:
    """Every looking seeker's top ``k`` postings ranked again (employment.matching.recommend_all) and stored,
    replacing the last run's; seekers no longer looking lose theirs. Idempotent."""
    from employment.models import Suggestion

    started = timezone.now()
    ranked = matching.recommend_all(k=k, chunk=chunk, progress=progress)
    items = list(ranked.items())
    for start in range(0, len(items), 2000):
        part = items[start:start + 2000]
        rows = [Suggestion(seeker_id=seeker_id, posting_id=posting_id, rank=rank, score=round(score, 4),
                           computed_at=started)
                for seeker_id, pairs in part for rank, (posting_id, score) in enumerate(pairs, start=1)]
        with transaction.atomic():
            Suggestion.objects.filter(seeker_id__in=[seeker_id for seeker_id, _pairs in part]).delete()
            Suggestion.objects.bulk_create(rows, batch_size=2000)
    stale = Suggestion.objects.filter(computed_at__lt=started).delete()[0]
    return {"seekers": len(items), "removed": stale}
