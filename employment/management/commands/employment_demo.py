"""Build the demo city's employment service (employment.demo) through employment.services: employers (one
waiting for verification), jobs and 见习 internships, public-welfare posts filled by the care registry's
就业困难人员, graduates at every stage of 1131 with 榆次区's and 太谷区's 人社 counselors, a job fair held
today and one to come, and the demo employer's and graduate's phone logins. Run after ``seed_demo`` and
``care_demo``; ``--if-empty`` skips when there is any seeker."""

import random
from datetime import date, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import ric

from accounts.models import User, UserKind
from care.selectors import people_in_category
from employment import demo, matching, services
from employment.models import Education, Employer, Outcome, PostingKind, Seeker, SeekerKind, ServiceKind
from orgs import demo as orgs_demo
from orgs.models import Level, Unit


class Command(BaseCommand):
    help = ("Build the demo employment service (employers, postings, public-welfare posts, graduates through 1131, "
            "job fairs). Run after seed_demo and care_demo. Refuses to run with DEBUG off unless --force.")

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Skip when there is any job seeker.")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--graduates", type=int, default=48, help="Graduates per county.")
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(_("Refusing to build demo data with DEBUG off: it creates accounts with a published "
                                 "password. Run it on a development machine (DEBUG=1), or pass --force."))
        if options["if_empty"] and Seeker.objects.exists():
            self.stdout.write(_("Skipped the demo employment service: it already has job seekers."))
            return
        counselors = {code: User.objects.filter(username=name).first() for code, name in demo.COUNSELORS.items()}
        if not Unit.objects.filter(code=orgs_demo.CITY["code"]).exists() or None in counselors.values():
            raise CommandError(_("The demo city is missing: run “manage.py seed_demo” first."))
        self.rng = random.Random(options["seed"])
        self.today = timezone.localdate()
        self.taken: set[str] = set()
        matching.forget()
        with transaction.atomic():
            employers = self.employers(counselors)
            postings = self.postings(employers)
            graduates = self.graduates(counselors, postings, per_county=options["graduates"])
            placed = self.welfare(counselors)
            self.fairs(counselors["140702"], employers, postings, graduates)
            followed, applied = self.support(counselors)
        self.stdout.write(self.style.SUCCESS(
            _("Demo employment ready: %(employers)s employers, %(postings)s postings, %(graduates)s graduates, "
              "%(placed)s public-welfare placements.") % {"employers": len(employers), "postings": len(postings),
                                                          "graduates": len(graduates), "placed": placed}))
        self.stdout.write(_("Hard-to-employ followed up: %(followed)s; 社保补贴 applications: %(applied)s.")
                          % {"followed": followed, "applied": applied})
        self.stdout.write(_("人社 counselor login: %(username)s / %(password)s") % {
            "username": demo.COUNSELORS["140702"], "password": orgs_demo.DEMO_PASSWORD})
        self.stdout.write(_("Employer login: phone %(phone)s (the demo shows the one-time code on the sign-in page)") % {
            "phone": demo.EMPLOYER_PHONE})
        self.stdout.write(_("Graduate login: phone %(phone)s") % {"phone": demo.GRADUATE_PHONE})

    def resident(self, phone: str) -> User:
        user = User.objects.filter(username=f"r-demo-{phone}").first()
        return user or User.objects.create_user(username=f"r-demo-{phone}", kind=UserKind.RESIDENT, phone=phone)

    def employers(self, counselors) -> list[Employer]:
        out = []
        for index, (name, region, serial, place, industry, contact, verified) in enumerate(demo.EMPLOYERS):
            unit = Unit.objects.filter(code=place).first() or Unit.objects.get(code=f"{region}000000")
            data = services.EmployerData(name=name, credit_code=demo.credit_code(region, serial), unit=unit,
                                         contact_name=contact, contact_phone=f"1390000{index + 200:04d}",
                                         industry=industry)
            if index == 0:
                employer = services.employer_register(actor=self.resident(demo.EMPLOYER_PHONE), data=data)
            else:
                employer = services.employer_register(actor=counselors[region], data=data)
            if verified:
                employer = services.employer_decide(actor=counselors[region], employer=employer, approve=True)
            out.append(employer)
        return out

    def postings(self, employers):
        out = []
        hr = self.resident(demo.EMPLOYER_PHONE)
        for (index, kind, title, duties, requirements, education, low, high, headcount, months,
             subsidy) in demo.POSTINGS:
            employer = employers[index]
            actor = hr if index == 0 else User.objects.get(username=demo.COUNSELORS[employer.credit_code[2:8]])
            out.append(services.posting_create(actor=actor, employer=employer, data=services.PostingData(
                title=title, duties=duties, requirements=requirements, education=education, salary_min=low,
                salary_max=high, unit=employer.unit, headcount=headcount,
                closes_on=self.today + timedelta(days=self.rng.randint(10, 60)), kind=kind,
                duration_months=months, subsidy=subsidy)))
        return out

    def id_number(self, place: str, birth: date) -> str:
        while True:
            body = f"{place}{birth:%Y%m%d}{self.rng.randint(1, 998):03d}"
            number = body + ric.calc_check_digit(body + "0")
            if number not in self.taken:
                self.taken.add(number)
                return number

    def graduates(self, counselors, postings, *, per_county: int) -> list[Seeker]:
        out = []
        open_ids = [p.pk for p in postings if services.posting_is_public(p)]
        for region, counselor in counselors.items():
            villages = list(Unit.objects.filter(level=Level.VILLAGE, path__contains=f"/{region}000000/")
                            .order_by("path")[:12])
            if not villages:
                continue
            for n in range(per_county):
                school, majors = demo.SCHOOLS[n % len(demo.SCHOOLS)]
                major, skills, wishes = majors[(n // len(demo.SCHOOLS)) % len(majors)]
                year = self.today.year - (n % 2)
                birth = date(year - 22, self.rng.randint(1, 12), self.rng.randint(1, 28))
                data = services.SeekerData(
                    name=self.rng.choice(demo.SURNAMES) + self.rng.choice(demo.GIVEN),
                    id_number=self.id_number(region, birth), unit=villages[n % len(villages)],
                    kind=SeekerKind.GRADUATE, education=Education.BACHELOR if n % 3 else Education.COLLEGE,
                    school=school, major=major, graduation_year=year, skills=skills, wishes=wishes,
                    desired_salary=self.rng.choice([None, 3000, 4000, 5000]),
                    phone=f"1390000{len(self.taken) + 1000:04d}")
                if region == "140702" and n == 1:  # the demo graduate registered on their phone
                    seeker = services.seeker_register(actor=self.resident(demo.GRADUATE_PHONE), data=data)
                    seeker = services.seeker_assign_counselor(actor=counselor, seeker=seeker, counselor=counselor)
                else:
                    seeker = services.seeker_register(actor=counselor, data=data, counselor=counselor)
                self.serve(counselor, seeker, demo.STAGES[n % len(demo.STAGES)], open_ids)
                out.append(seeker)
        return out

    def serve(self, counselor, seeker, stage, open_ids):
        """Bring ``seeker``'s 1131 to ``stage``, services dated over the last weeks."""
        if stage == "none":
            return
        days = iter(sorted(self.rng.sample(range(1, 40), 6), reverse=True))

        def when():
            return timezone.now() - timedelta(days=next(days))

        services.service_record(actor=counselor, seeker=seeker, kind=ServiceKind.POLICY, given_at=when(),
                                notes=_("Explained the graduates' employment policies and the 见习 subsidy."))
        if stage == "policy":
            return
        services.service_record(actor=counselor, seeker=seeker, kind=ServiceKind.GUIDANCE, given_at=when(),
                                notes=_("Career guidance: the CV reviewed, interview practice."))
        wanted = {"guidance": 0, "one": 1, "two": 2, "three": 3, "complete": 3}[stage]
        if not wanted:
            return
        matches = matching.jobs_for(seeker, k=8)
        jobs = [m.obj for m in matches if m.obj.kind == PostingKind.JOB]
        interns = [m.obj for m in matches if m.obj.kind == PostingKind.INTERNSHIP]
        chosen = (jobs[: wanted - 1] + interns[:1]) if stage == "complete" and interns else jobs[:wanted]
        records = [services.recommendation_record(actor=counselor, seeker=seeker, posting=posting, given_at=when())
                   for posting in chosen]
        for record in records[:-1]:
            services.service_set_outcome(actor=counselor, record=record,
                                         outcome=self.rng.choice([Outcome.APPLIED, Outcome.DECLINED]))
        if stage == "complete":
            last = records[-1]
            services.service_set_outcome(actor=counselor, record=last, outcome=Outcome.INTERVIEWED)
            services.service_set_outcome(actor=counselor, record=last, outcome=Outcome.HIRED)
            if not seeker.services.filter(kind=ServiceKind.OPPORTUNITY).exists():
                services.service_record(actor=counselor, seeker=seeker, kind=ServiceKind.OPPORTUNITY,
                                        notes=_("Skills training: 电子商务运营培训班"), outcome=Outcome.DONE)

    def welfare(self, counselors) -> int:
        """Public-welfare posts; the care registry's 就业困难人员 registered as seekers, some placed."""
        posts = []
        for title, duties, place, months, subsidy, places in demo.WELFARE_POSTS:
            unit = Unit.objects.filter(code=place).first()
            if unit is None:
                continue
            posts.append(services.welfare_post_create(
                actor=counselors[place[:6]], title=title, unit=unit, term_months=months, monthly_subsidy=subsidy,
                headcount=places, duties=duties))
        placed = 0
        self.hard = []
        for person in people_in_category(services.HARD_TO_EMPLOY)[:30]:
            region = person.unit.path.split("/")[1][:6] if person.unit.path.count("/") > 1 else ""
            counselor = counselors.get(region)
            if counselor is None or Seeker.objects.filter(id_index=person.id_index).exists():
                continue
            seeker = services.seeker_register(actor=counselor, counselor=counselor, data=services.SeekerData(
                name=person.name, id_number=person.id_number, unit=person.unit, kind=SeekerKind.HARD_TO_EMPLOY,
                phone=person.phone, skills=self.rng.choice(["保洁", "保安", "电工", "种植", "护理"]),
                wishes=self.rng.choice(["保洁", "门卫", "护林", "养老护理"])))
            self.hard.append(seeker)
            if sum(1 for h in self.hard if h.county_id == seeker.county_id) == 1:
                continue  # the first in each county stays out of a post: they work flexibly (see ``support``)
            post = next((p for p in posts if p.unit.path.startswith(person.unit.path[:26])
                         and p.placements.filter(ended_on__isnull=True).count() < p.headcount), None)
            if post is not None and placed < 6:
                services.placement_start(actor=counselor, post=post, seeker=seeker,
                                         starts_on=self.today - timedelta(days=self.rng.randint(5, 120)))
                placed += 1
        return placed

    def fairs(self, counselor, employers, postings, graduates):
        """A fair held today (with check-ins and results) and one to come (with registrations)."""
        yuci = Unit.objects.get(code="140702000000")
        verified = [e for e in employers if e.status == "verified" and e.unit.path.startswith(yuci.path)]
        today = services.fair_create(actor=counselor, title=_("Spring Breeze job fair (春风行动)"), unit=yuci,
                                     venue="榆次区人力资源市场", held_on=self.today)
        coming = services.fair_create(actor=counselor, title=_("Graduates' job fair (高校毕业生专场)"), unit=yuci,
                                      venue="晋中学院体育馆", held_on=self.today + timedelta(days=12))
        for fair in (today, coming):
            for employer in verified:
                services.fair_add_employer(actor=counselor, fair=fair, employer=employer,
                                           postings=[p for p in postings if p.employer_id == employer.pk])
        mine = [g for g in graduates if g.county_id == yuci.pk]
        for n, seeker in enumerate(mine[:12]):
            registration = services.fair_register(actor=counselor, fair=today, seeker=seeker)
            if n < 9:
                services.fair_check_in(actor=counselor, registration=registration)
            if n < 5:
                services.fair_result(actor=counselor, registration=registration,
                                     result=Outcome.INTERVIEWED if n % 2 else Outcome.DECLINED)
        services.fair_close(actor=counselor, fair=today)
        for seeker in mine[12:20]:
            services.fair_register(actor=counselor, fair=coming, seeker=seeker)

    def support(self, counselors) -> tuple[int, int]:
        """The hard-to-employ as a counselor meets them: registered months ago, some followed up lately, some
        due this week, some overdue; 社保补贴 applications in every state for 榆次区's 人社 to review and pay."""
        from employment.models import ContactWay, SeekerStatus, SubsidyForm

        # Registered some months ago (the demo's history), so follow-ups can be dated back.
        Seeker.objects.filter(pk__in=[s.pk for s in self.hard]).update(
            created_at=timezone.now() - timedelta(days=240))
        situations = [
            ("在家照顾老人，想找离家近的保洁工作", "希望推荐社区附近的保洁岗位", "推荐社区保洁公益性岗位"),
            ("在公益性岗位工作稳定，身体状况良好", "", "下季度再回访"),
            ("打零工，收入不稳定，已参加灵活就业社保", "咨询社保补贴怎么申请", "指导申请社保补贴"),
            ("腿脚不便，希望居家就业", "需要居家手工活或电商客服培训", "联系电商培训班"),
        ]
        self.hard = list(Seeker.objects.filter(pk__in=[s.pk for s in self.hard]).select_related("county", "counselor")
                         .order_by("pk"))
        followed = 0
        # A few in each county work flexibly (灵活就业): they are who 社保补贴 is for.
        flexible = set()
        for county in ("140702", "140703"):
            mine = [h for h in self.hard if h.status == SeekerStatus.UNEMPLOYED and h.county.code.startswith(county)]
            flexible |= {h.pk for h in mine[:3]}
        for n, seeker in enumerate(self.hard):
            counselor = seeker.counselor or counselors["140702"]
            ago = [None, 50, 26, 8, 40, 3][n % 6]  # days since the last follow-up (None: never)
            if seeker.pk in flexible:
                services.seeker_set_status(actor=counselor, seeker=seeker, status=SeekerStatus.EMPLOYED,
                                           note=_("Flexible employment (灵活就业)"))
                seeker.refresh_from_db()
            if ago is None:
                services.follow_up_schedule(seeker)
                continue
            situation, needs, step = situations[n % len(situations)]
            for back in (ago + 60, ago):
                services.follow_up_record(actor=counselor, seeker=seeker, data=services.FollowUpData(
                    way=self.rng.choice(ContactWay.values), situation=situation, needs=needs, next_step=step,
                    followed_at=timezone.now() - timedelta(days=back)))
                followed += 1
        # 社保补贴: in 榆次区, one application or two for each eligible seeker, through every state.
        yuci = counselors["140702"]
        eligible = [s for s in Seeker.objects.filter(pk__in=[h.pk for h in self.hard], county__code="140702000000")
                    .order_by("pk") if s.status in (SeekerStatus.EMPLOYED, SeekerStatus.PUBLIC_WELFARE)]
        this_month = self.today.replace(day=1)

        def month(back):
            day = this_month
            for _i in range(back):
                day = (day - timedelta(days=1)).replace(day=1)
            return day

        plan = ["submitted", "approved", "paid", "returned", "rejected", "submitted", "approved", "paid", "submitted"]
        # (seeker, month back): a flexible worker's months of the last year since their 认定; a post holder's
        # this month only (their post began before it).
        since = {s.pk: services.hard_to_employ_standing(s).since.replace(day=1) for s in eligible}
        slots = sorted([(q, s.pk, s) for s in eligible for q in range(12 if s.status == SeekerStatus.EMPLOYED else 1)
                        if month(q) >= since[s.pk]], key=lambda t: (t[0], t[1]))
        paid, applied = [], 0
        states = iter(plan)
        for back, _pk, seeker in slots:
            placement = seeker.placements.filter(ended_on__isnull=True).first()
            form = SubsidyForm.PUBLIC_WELFARE if placement else SubsidyForm.FLEXIBLE
            first = month(back)
            if placement:
                first = max(first, placement.starts_on.replace(day=1))
            data = services.SubsidyData(
                form=form, first_month=first, last_month=month(back),
                monthly_amount=self.rng.choice(["452.00", "480.50", "516.00"]),
                proof=f"晋中社保缴费凭证 {self.today:%Y}-{seeker.pk:05d}-{back}")
            # Only what the rules allow: a seeker of the generated registry may be past retirement, say,
            # which the service rightly refuses.
            if not services.subsidy_check(seeker, data).ok:
                continue
            state = next(states, None)
            if state is None:
                break
            application = services.subsidy_apply(actor=yuci, seeker=seeker, data=data)
            applied += 1
            if state in ("approved", "paid"):
                services.subsidy_decide(actor=yuci, application=application, decision="approve")
            elif state == "returned":
                services.subsidy_decide(actor=yuci, application=application, decision="return",
                                        reason=_("The payment proof is unreadable: upload a clearer copy."))
            elif state == "rejected":
                services.subsidy_decide(actor=yuci, application=application, decision="reject",
                                        reason=_("The insurance for these months was paid by an employer."))
            if state == "paid":
                paid.append(application)
        if paid:
            services.subsidy_pay(actor=yuci, applications=paid, paid_on=self.today - timedelta(days=3),
                                 reference=f"YC-SBBT-{self.today:%Y%m}-01")
        return followed, applied
