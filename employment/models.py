"""就业 employment: job seekers (graduates, 就业困难人员, 脱贫劳动力, returning migrant workers), employers
verified by 人社 staff and their postings (jobs and 见习 internships), public-welfare posts (公益性岗位)
for the hard-to-employ, the "1131" ledger of services each unemployed graduate is owed, and job fairs.

Whether someone is 就业困难人员 is not kept here: it is the care registry's category (care.selectors),
one list for the city."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.crypto import EncryptedTextField, Masked


class SeekerKind(models.TextChoices):
    GRADUATE = "graduate", _("College graduate (高校毕业生)")
    HARD_TO_EMPLOY = "hard_to_employ", _("Hard to employ (就业困难人员)")
    POVERTY_LABOUR = "poverty_labour", _("Labourer out of poverty (脱贫劳动力)")
    RETURNING_MIGRANT = "returning_migrant", _("Returning migrant worker (返乡农民工)")
    OTHER = "other", _("Other job seeker")


class SeekerStatus(models.TextChoices):
    UNEMPLOYED = "unemployed", _("Unemployed (未就业)")
    TRAINING = "training", _("In training (培训中)")
    INTERNSHIP = "internship", _("In an internship (见习中)")
    PUBLIC_WELFARE = "public_welfare", _("In a public-welfare post (公益性岗位)")
    EMPLOYED = "employed", _("Employed (已就业)")


class Education(models.TextChoices):
    """Ordered lowest first: a posting's minimum compares by position in this list."""

    NONE = "none", _("Any")
    JUNIOR = "junior", _("Junior secondary (初中)")
    SENIOR = "senior", _("Senior secondary or vocational (高中/中专)")
    COLLEGE = "college", _("Junior college (大专)")
    BACHELOR = "bachelor", _("Bachelor (本科)")
    MASTER = "master", _("Master or above (研究生)")


EDUCATION_RANK = {value: rank for rank, value in enumerate(Education.values)}


class RegisteredVia(models.TextChoices):
    SELF = "self", _("By the seeker on a phone")
    COUNTER = "counter", _("At a 人社 counter")
    IMPORT = "import", _("Graduates' list (xlsx)")


class Seeker(models.Model):
    """A job seeker. The ID number and phone are personal data: encrypted, found by blind index, masked
    on every page. ``tokens`` holds the skills and wishes segmented (core.text), for matching. The
    1131 counters are kept by the services as services are recorded, so the dashboards read one row."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("resident account"), null=True,
                                blank=True, on_delete=models.SET_NULL, related_name="job_seeker")
    name = models.CharField(_("name"), max_length=50)
    id_number = EncryptedTextField(_("ID number (身份证号)"))
    id_index = models.CharField(max_length=64, unique=True, editable=False)
    sex = models.CharField(_("sex"), max_length=8, editable=False)
    birth_date = models.DateField(_("birth date"), editable=False)
    phone = EncryptedTextField(_("phone"), blank=True, default="")
    phone_index = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)
    # Where the seeker lives (a village or community, or a township), and its county for the dashboards.
    unit = models.ForeignKey("orgs.Unit", verbose_name=_("place of residence"), on_delete=models.PROTECT,
                             related_name="+")
    county = models.ForeignKey("orgs.Unit", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+",
                               editable=False)
    kind = models.CharField(_("kind of seeker"), max_length=20, choices=SeekerKind.choices)
    education = models.CharField(_("education"), max_length=10, choices=Education.choices, default=Education.NONE)
    school = models.CharField(_("school"), max_length=100, blank=True)
    major = models.CharField(_("major"), max_length=100, blank=True)
    graduation_year = models.PositiveSmallIntegerField(_("graduation year"), null=True, blank=True)
    skills = models.CharField(_("skills"), max_length=500, blank=True)
    wishes = models.CharField(_("jobs wanted"), max_length=500, blank=True)
    desired_place = models.ForeignKey("orgs.Unit", verbose_name=_("where they want to work"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    desired_salary = models.PositiveIntegerField(_("lowest monthly pay wanted (元)"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=SeekerStatus.choices,
                              default=SeekerStatus.UNEMPLOYED)
    counselor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("counselor (就业指导员)"), null=True,
                                  blank=True, on_delete=models.SET_NULL, related_name="employment_seekers")
    registered_via = models.CharField(_("registered"), max_length=10, choices=RegisteredVia.choices)
    tokens = models.TextField(editable=False, blank=True, default="")
    # The 1131 ledger's counts, kept by employment.services.
    n_policy = models.PositiveSmallIntegerField(default=0, editable=False)
    n_guidance = models.PositiveSmallIntegerField(default=0, editable=False)
    n_recommendation = models.PositiveSmallIntegerField(default=0, editable=False)
    n_opportunity = models.PositiveSmallIntegerField(default=0, editable=False)
    ledger_complete = models.BooleanField(_("1131 complete"), default=False, editable=False)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("job seeker")
        verbose_name_plural = _("job seekers")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The 1131 dashboard reads only these: one index-only scan gives it the counties and the schools.
            models.Index(fields=["kind", "county", "school", "ledger_complete"], name="emp_seeker_completion"),
            models.Index(fields=["counselor", "ledger_complete"], name="emp_seeker_counselor"),
            models.Index(fields=["status"], name="emp_seeker_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(graduation_year__isnull=True) | Q(graduation_year__gte=1950),
                                   name="emp_seeker_graduation_year"),
        ]

    masked_name = Masked("name")
    masked_id_number = Masked("id_number")
    masked_phone = Masked("phone")

    def __str__(self):
        return self.masked_name


class EmployerStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for verification (待审核)")
    VERIFIED = "verified", _("Verified (已认证)")
    REJECTED = "rejected", _("Refused (未通过)")


class Employer(models.Model):
    """用人单位, with its 统一社会信用代码 (GB 32100, checked). Its postings are public only once 人社 staff
    of its county have verified it."""

    name = models.CharField(_("employer name"), max_length=100)
    credit_code = models.CharField(_("unified social credit code (统一社会信用代码)"), max_length=18, unique=True)
    unit = models.ForeignKey("orgs.Unit", verbose_name=_("located in"), on_delete=models.PROTECT, related_name="+")
    address = models.CharField(_("address"), max_length=200, blank=True)
    industry = models.CharField(_("industry"), max_length=50, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50)
    contact_phone = EncryptedTextField(_("contact phone"))
    status = models.CharField(_("status"), max_length=10, choices=EmployerStatus.choices,
                              default=EmployerStatus.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("verified by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    decision_note = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("employer")
        verbose_name_plural = _("employers")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(status="rejected") | ~Q(decision_note=""),
                                   name="emp_employer_refusal_has_reason"),
        ]

    masked_phone = Masked("contact_phone")

    def __str__(self):
        return self.name


class EmployerAccount(models.Model):
    """A resident account that acts for an employer (its HR person signs in with a phone)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE,
                                related_name="employer_account")
    employer = models.ForeignKey(Employer, verbose_name=_("employer"), on_delete=models.CASCADE,
                                 related_name="accounts")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("employer account")
        verbose_name_plural = _("employer accounts")

    def __str__(self):
        return f"{self.employer} · {self.user}"


class PostingKind(models.TextChoices):
    JOB = "job", _("Job (岗位)")
    INTERNSHIP = "internship", _("Internship (见习岗位)")


class PostingStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Posting(models.Model):
    """A job or a 见习 internship an employer offers. Public while its employer is verified, it is open
    and its closing date has not passed."""

    employer = models.ForeignKey(Employer, verbose_name=_("employer"), on_delete=models.CASCADE,
                                 related_name="postings")
    kind = models.CharField(_("kind"), max_length=12, choices=PostingKind.choices, default=PostingKind.JOB)
    title = models.CharField(_("title"), max_length=100)
    duties = models.TextField(_("duties"), max_length=2000)
    requirements = models.TextField(_("requirements"), max_length=2000, blank=True)
    education = models.CharField(_("lowest education"), max_length=10, choices=Education.choices,
                                 default=Education.NONE)
    salary_min = models.PositiveIntegerField(_("monthly pay from (元)"))
    salary_max = models.PositiveIntegerField(_("monthly pay up to (元)"))
    unit = models.ForeignKey("orgs.Unit", verbose_name=_("place of work"), on_delete=models.PROTECT,
                             related_name="+")
    headcount = models.PositiveSmallIntegerField(_("headcount"), default=1)
    closes_on = models.DateField(_("closing date"))
    # 见习: how long and the monthly subsidy (见习补贴) the government pays.
    duration_months = models.PositiveSmallIntegerField(_("duration (months)"), null=True, blank=True)
    subsidy = models.PositiveIntegerField(_("monthly subsidy (元)"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=PostingStatus.choices, default=PostingStatus.OPEN)
    tokens = models.TextField(editable=False, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("posted by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("posted at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "closes_on"], name="emp_posting_open")]
        constraints = [
            models.CheckConstraint(condition=Q(salary_max__gte=F("salary_min")), name="emp_posting_salary_range"),
            models.CheckConstraint(condition=Q(headcount__gte=1), name="emp_posting_headcount"),
            models.CheckConstraint(condition=Q(kind="job") | (Q(duration_months__gte=1) & Q(subsidy__isnull=False)),
                                   name="emp_posting_internship_terms"),
        ]

    def __str__(self):
        return f"{self.title} · {self.employer}"


class PostStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class PublicWelfarePost(models.Model):
    """公益性岗位 (保洁, 护林, 养老护理 …): a post the government funds for the hard-to-employ, for a term,
    with a monthly subsidy; filled only by people the care registry lists as 就业困难人员."""

    title = models.CharField(_("post"), max_length=100)
    duties = models.CharField(_("duties"), max_length=500, blank=True)
    unit = models.ForeignKey("orgs.Unit", verbose_name=_("where"), on_delete=models.PROTECT, related_name="+")
    term_months = models.PositiveSmallIntegerField(_("term (months)"))
    monthly_subsidy = models.PositiveIntegerField(_("monthly subsidy (元)"))
    headcount = models.PositiveSmallIntegerField(pgettext_lazy("employment", "places"), default=1)
    status = models.CharField(_("status"), max_length=8, choices=PostStatus.choices, default=PostStatus.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("public-welfare post")
        verbose_name_plural = _("public-welfare posts")
        ordering = ["unit__path", "title", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(term_months__gte=1) & Q(headcount__gte=1) & Q(monthly_subsidy__gte=1),
                                   name="emp_welfare_post_terms"),
        ]

    def __str__(self):
        return self.title


class Placement(models.Model):
    """A hard-to-employ seeker placed in a public-welfare post from ``starts_on`` for the post's term,
    ended (``ended_on``, with a reason) early or at the term's end. Never deleted."""

    post = models.ForeignKey(PublicWelfarePost, verbose_name=_("post"), on_delete=models.PROTECT,
                             related_name="placements")
    seeker = models.ForeignKey(Seeker, verbose_name=_("seeker"), on_delete=models.PROTECT, related_name="placements")
    starts_on = models.DateField(_("starts on"))
    term_ends_on = models.DateField(_("term ends on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("why it ended"), max_length=200, blank=True)
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["seeker"], condition=Q(ended_on__isnull=True),
                                    name="emp_placement_one_open_per_seeker"),
            models.CheckConstraint(condition=Q(term_ends_on__gt=F("starts_on")), name="emp_placement_term"),
            models.CheckConstraint(condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("starts_on")),
                                   name="emp_placement_end_after_start"),
        ]

    def __str__(self):
        return f"{self.seeker} · {self.post}"


class ServiceKind(models.TextChoices):
    """The four services of "1131"."""

    POLICY = "policy", _("Policy explanation (政策讲解)")
    GUIDANCE = "guidance", _("Career guidance (职业指导)")
    RECOMMENDATION = "recommendation", _("Job recommendation (岗位推荐)")
    OPPORTUNITY = "opportunity", _("Training or internship (培训或见习)")


# How many of each a graduate is owed: 1 + 1 + 3 + 1.
LEDGER_TARGETS = {ServiceKind.POLICY: 1, ServiceKind.GUIDANCE: 1, ServiceKind.RECOMMENDATION: 3,
                  ServiceKind.OPPORTUNITY: 1}


class Outcome(models.TextChoices):
    PENDING = "", _("Not known yet")
    DONE = "done", _("Done")
    APPLIED = "applied", _("Applied (已投递)")
    INTERVIEWED = "interviewed", _("Interviewed (已面试)")
    HIRED = "hired", _("Hired / placed (已录用)")
    DECLINED = "declined", _("Declined (未成功)")


class ServiceRecord(models.Model):
    """One service of the 1131 ledger given to a seeker: who gave it, when, and its outcome. A job
    recommendation names its posting and keeps the reasons the matcher gave (training data for a better
    ranking later); a 见习 opportunity may name the internship."""

    seeker = models.ForeignKey(Seeker, verbose_name=_("seeker"), on_delete=models.CASCADE, related_name="services")
    kind = models.CharField(_("service"), max_length=16, choices=ServiceKind.choices)
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("given by"), on_delete=models.PROTECT,
                                 related_name="+")
    given_at = models.DateTimeField(_("given at"))
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    posting = models.ForeignKey(Posting, verbose_name=_("posting"), null=True, blank=True, on_delete=models.PROTECT,
                                related_name="services")
    reasons = models.JSONField(_("why recommended"), default=list, blank=True)
    score = models.FloatField(null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True, default="")
    outcome_at = models.DateTimeField(_("outcome recorded at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("1131 service")
        verbose_name_plural = _("1131 services")
        ordering = ["-given_at", "-pk"]
        indexes = [models.Index(fields=["seeker", "kind"], name="emp_service_seeker_kind"),
                   models.Index(fields=["given_at"], name="emp_service_given_at")]
        constraints = [
            models.CheckConstraint(condition=~Q(kind="recommendation") | Q(posting__isnull=False),
                                   name="emp_service_recommendation_has_posting"),
            models.UniqueConstraint(fields=["seeker", "posting"], condition=Q(kind="recommendation"),
                                    name="emp_service_one_recommendation_per_posting"),
        ]

    def __str__(self):
        return f"{self.seeker} · {self.get_kind_display()}"


class FairStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")


class JobFair(models.Model):
    """招聘会: an event with participating employers and their postings, seekers who register, check in
    on the day, and what came of it."""

    title = models.CharField(_("title"), max_length=100)
    unit = models.ForeignKey("orgs.Unit", verbose_name=pgettext_lazy("employment", "organised by"), on_delete=models.PROTECT, related_name="+")
    venue = models.CharField(_("venue"), max_length=200)
    held_on = models.DateField(_("date"))
    status = models.CharField(_("status"), max_length=8, choices=FairStatus.choices, default=FairStatus.PLANNED)
    employers = models.ManyToManyField(Employer, verbose_name=_("employers"), blank=True, related_name="fairs")
    postings = models.ManyToManyField(Posting, verbose_name=_("postings"), blank=True, related_name="fairs")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("job fair")
        verbose_name_plural = _("job fairs")
        ordering = ["-held_on", "-pk"]

    def __str__(self):
        return self.title


class FairRegistration(models.Model):
    fair = models.ForeignKey(JobFair, verbose_name=_("job fair"), on_delete=models.CASCADE,
                             related_name="registrations")
    seeker = models.ForeignKey(Seeker, verbose_name=_("seeker"), on_delete=models.CASCADE,
                               related_name="fair_registrations")
    registered_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=12, choices=Outcome.choices, blank=True, default="")

    class Meta:
        verbose_name = _("job fair registration")
        verbose_name_plural = _("job fair registrations")
        ordering = ["registered_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["fair", "seeker"], name="emp_fair_one_registration")]

    def __str__(self):
        return f"{self.fair} · {self.seeker}"


# --- follow-up of the hard-to-employ, and 社保补贴 ---------------------------------------------------------

class EmploymentRules(models.Model):
    """The values the follow-up schedule and the 社保补贴 rules read: one row, edited in the admin through
    employment.services.rules_save (audited). ``rules()`` in the services reads it (or these defaults)."""

    follow_up_days_unemployed = models.PositiveSmallIntegerField(
        _("follow-up every … days while unemployed"), default=30)
    follow_up_days_placed = models.PositiveSmallIntegerField(
        _("follow-up every … days once in work or a post"), default=90)
    subsidy_max_months = models.PositiveSmallIntegerField(_("subsidy at most … months"), default=36)
    subsidy_years_before_retirement = models.PositiveSmallIntegerField(
        _("within … years of retirement, subsidy until retirement"), default=5)
    retirement_age_male = models.PositiveSmallIntegerField(_("retirement age, men"), default=60)
    retirement_age_female = models.PositiveSmallIntegerField(_("retirement age, women"), default=55)
    subsidy_monthly_cap = models.DecimalField(_("subsidy at most … yuan a month"), max_digits=8, decimal_places=2,
                                              default=Decimal("600.00"))
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("employment rules (随访与社保补贴)")
        verbose_name_plural = _("employment rules (随访与社保补贴)")
        constraints = [
            models.CheckConstraint(condition=Q(follow_up_days_unemployed__gte=1) & Q(follow_up_days_placed__gte=1)
                                   & Q(subsidy_max_months__gte=1) & Q(subsidy_monthly_cap__gt=0),
                                   name="emp_rules_positive"),
        ]

    def __str__(self):
        return str(_("Employment rules"))


class ContactWay(models.TextChoices):
    VISIT = "visit", _("Home visit (入户)")
    PHONE = "phone", _("Phone call (电话)")
    OFFICE = "office", _("At the office (来访)")
    MESSAGE = "message", _("Message (微信/短信)")


class FollowUp(models.Model):
    """One follow-up (跟踪回访) of a hard-to-employ seeker: how they were reached, how they are, what they
    need, the next step; a need may have been filed as a demand (``appeal_code``, through appeals)."""

    seeker = models.ForeignKey(Seeker, verbose_name=_("seeker"), on_delete=models.CASCADE, related_name="follow_ups")
    way = models.CharField(_("contact way"), max_length=10, choices=ContactWay.choices)
    followed_at = models.DateTimeField(_("followed up at"))
    situation = models.CharField(_("situation"), max_length=500)
    needs = models.CharField(_("needs"), max_length=500, blank=True)
    next_step = models.CharField(_("next step"), max_length=500, blank=True)
    status_then = models.CharField(_("status then"), max_length=16, choices=SeekerStatus.choices)
    appeal_code = models.CharField(_("demand filed"), max_length=32, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("followed up by"), on_delete=models.PROTECT,
                           related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["-followed_at", "-pk"]
        indexes = [models.Index(fields=["seeker", "-followed_at"], name="emp_followup_seeker")]

    def __str__(self):
        return f"{self.seeker} · {self.followed_at:%Y-%m-%d}"


class FollowUpDue(models.Model):
    """When a hard-to-employ seeker's next follow-up is due: one row each, kept by the services (a follow-up
    recorded, a status changed) and by the nightly ``employment_refresh``; the overdue lists read it."""

    seeker = models.OneToOneField(Seeker, verbose_name=_("seeker"), on_delete=models.CASCADE,
                                  related_name="follow_up_due")
    due_on = models.DateField(_("next follow-up due"))
    last_at = models.DateTimeField(_("last follow-up"), null=True, blank=True)

    class Meta:
        verbose_name = _("follow-up due")
        verbose_name_plural = _("follow-ups due")
        indexes = [models.Index(fields=["due_on"], name="emp_followup_due")]

    def __str__(self):
        return f"{self.seeker} · {self.due_on}"


class SubsidyForm(models.TextChoices):
    """How the subsidised person works: the two forms 社保补贴 is paid for."""

    FLEXIBLE = "flexible", _("Flexible employment (灵活就业)")
    PUBLIC_WELFARE = "public_welfare", _("Public-welfare post (公益性岗位)")


class SubsidyStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted, waiting for review (待审核)")
    RETURNED = "returned", _("Returned for correction (退回补正)")
    APPROVED = "approved", _("Approved, waiting for payment (待发放)")
    REJECTED = "rejected", _("Rejected (不予补贴)")
    PAID = "paid", _("Paid (已发放)")


class SubsidyPayment(models.Model):
    """A batch of approved applications paid on one day under one reference (the bank's or treasury's)."""

    reference = models.CharField(_("payment reference"), max_length=64, unique=True)
    paid_on = models.DateField(_("paid on"))
    total = models.DecimalField(_("total (元)"), max_digits=12, decimal_places=2)
    count = models.PositiveIntegerField(_("applications"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT,
                           related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("subsidy payment")
        verbose_name_plural = _("subsidy payments")
        ordering = ["-paid_on", "-pk"]

    def __str__(self):
        return self.reference


class SubsidyApplication(models.Model):
    """A 社保补贴 application for the months ``first_month`` to ``last_month`` (first days of months), at
    ``monthly_amount`` a month. The eligibility checks as they stood when it was (re)submitted are kept in
    ``checks``, so the reviewer reads why it was accepted."""

    seeker = models.ForeignKey(Seeker, verbose_name=_("seeker"), on_delete=models.PROTECT,
                               related_name="subsidy_applications")
    form = models.CharField(_("form of employment"), max_length=16, choices=SubsidyForm.choices)
    first_month = models.DateField(_("from month"))
    last_month = models.DateField(_("to month"))
    months = models.PositiveSmallIntegerField(_("months"))
    monthly_amount = models.DecimalField(_("per month (元)"), max_digits=8, decimal_places=2)
    total = models.DecimalField(_("total (元)"), max_digits=10, decimal_places=2)
    proof = models.CharField(_("insurance payment proof (缴费凭证)"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=SubsidyStatus.choices,
                              default=SubsidyStatus.SUBMITTED)
    via = models.CharField(_("applied"), max_length=10, choices=RegisteredVia.choices)
    checks = models.JSONField(_("eligibility checks"), default=list)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), on_delete=models.PROTECT,
                                     related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    payment = models.ForeignKey(SubsidyPayment, verbose_name=_("payment"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="applications")

    class Meta:
        verbose_name = _("social insurance subsidy application (社保补贴)")
        verbose_name_plural = _("social insurance subsidy applications (社保补贴)")
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["status", "submitted_at"], name="emp_subsidy_queue"),
                   models.Index(fields=["seeker", "first_month"], name="emp_subsidy_seeker")]
        constraints = [
            models.CheckConstraint(condition=Q(last_month__gte=F("first_month")) & Q(months__gte=1)
                                   & Q(monthly_amount__gt=0), name="emp_subsidy_period"),
            models.CheckConstraint(condition=~Q(status__in=["returned", "rejected"]) | ~Q(reason=""),
                                   name="emp_subsidy_refusal_has_reason"),
            models.CheckConstraint(condition=~Q(status="paid") | Q(payment__isnull=False), name="emp_subsidy_paid_batch"),
        ]

    def __str__(self):
        return f"{self.seeker} · {self.first_month:%Y-%m}–{self.last_month:%Y-%m}"

    @property
    def period(self) -> str:
        return f"{self.first_month:%Y-%m} – {self.last_month:%Y-%m}"


class Suggestion(models.Model):
    """A seeker's top postings as the nightly ``employment_refresh`` ranked them (employment.matching), for the
    API and lists that must not rank live. Derived data: replaced whole each night, never edited."""

    seeker = models.ForeignKey(Seeker, on_delete=models.CASCADE, related_name="suggestions")
    posting = models.ForeignKey(Posting, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField()
    score = models.FloatField()
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("suggested posting")
        verbose_name_plural = _("suggested postings")
        ordering = ["seeker", "rank"]
        constraints = [models.UniqueConstraint(fields=["seeker", "rank"], name="emp_suggestion_rank")]
        indexes = [models.Index(fields=["computed_at"], name="emp_suggestion_computed")]

    def __str__(self):
        return f"{self.seeker_id} · {self.rank} · {self.posting_id}"
