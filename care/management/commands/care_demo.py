"""Build the demo city's 包联 registry (care.demo) through care.services: people across the categories in
the villages and communities of 榆次区 and 太谷区, assignments to the demo grid workers and community
staff, a visit history with some visits overdue, a few needs filed as demands, and the demo social
worker's login. Run after ``seed_demo``; ``--if-empty`` skips when the registry has anyone."""

import random
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Case, Q, When
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import staff_save
from appeals.permissions import may_record_for_resident
from care import demo, services
from care.models import CareAssignment, CareCategory, CarerRole, Person, Source
from care.risk import visit_interval
from orgs import demo as orgs_demo
from orgs.models import Level, Membership, Role, Unit
from orgs.services import membership_grant


class Command(BaseCommand):
    help = ("Build the demo 包联 registry (people, responsible people, visits) in the demo city, and the demo "
            "social worker's login. Run after seed_demo. Refuses to run with DEBUG off unless --force.")

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Skip when the registry has anyone.")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--per-village", type=int, default=demo.PEOPLE_PER_COVERED_VILLAGE,
                            help="People in each village with a responsible person (a quarter of it elsewhere).")
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(_("Refusing to build demo data with DEBUG off: it creates accounts with a published "
                                 "password. Run it on a development machine (DEBUG=1), or pass --force."))
        if options["if_empty"] and Person.objects.exists():
            self.stdout.write(_("Skipped the demo registry: it already has people."))
            return
        root = User.objects.filter(username=orgs_demo.SUPERUSER["username"], is_superuser=True).first()
        if root is None or not Unit.objects.filter(code=orgs_demo.CITY["code"]).exists():
            raise CommandError(_("The demo city is missing: run “manage.py seed_demo” first."))
        if not CareCategory.objects.filter(code__in=demo.CATEGORY_MIX).exists():
            raise CommandError(_("The care categories are missing: run “manage.py migrate” first."))
        rng = random.Random(options["seed"])
        with transaction.atomic():
            social_worker = self.social_worker(root)
            people, visits, needs = self.build(root, rng, social_worker, per_village=options["per_village"])
            self.registry_extras(root)
        # The overdue visits come to the villages' and townships' queues (走访超期) as the night would.
        services.escalation_sweep()
        services.escalations_deliver()
        self.stdout.write(self.style.SUCCESS(
            _("Demo registry ready: %(people)s people, %(visits)s visits, %(needs)s needs filed as demands.")
            % {"people": people, "visits": visits, "needs": needs}))
        self.stdout.write(_("Social worker login: %(username)s / %(password)s") % {
            "username": demo.SOCIAL_WORKER[0], "password": orgs_demo.DEMO_PASSWORD})
        self.stdout.write(_("Disabled persons' federation login: %(username)s / %(password)s") % {
            "username": demo.DPF_HANDLER[0], "password": orgs_demo.DEMO_PASSWORD})

    def social_worker(self, root) -> User:
        username, display_name, unit_code = demo.SOCIAL_WORKER
        user = User.objects.filter(username=username).first()
        if user is None:
            user = staff_save(actor=root, user=User(username=username, display_name=display_name,
                                                   password=make_password(orgs_demo.DEMO_PASSWORD)))
        unit = Unit.objects.get(code=unit_code)
        # A community's social worker holds the community worker's role (网格员/社区工作者) there.
        if not Membership.objects.filter(user=user, unit=unit, role=Role.GRID_WORKER).exists():
            membership_grant(actor=root, user=user, role=Role.GRID_WORKER, unit=unit)
        return user

    @staticmethod
    def registry_extras(root):
        """What the registry's pages show besides the lists: a department that sees only the category it
        serves (榆次区残联 and its login), two ended records, and a need a village cadre filed from a record."""
        from orgs.models import Department
        from orgs.services import department_save

        spec = demo.DISABLED_FEDERATION
        department = Department.objects.filter(code=spec["code"]).first() or department_save(
            actor=root, department=Department(code=spec["code"], unit=Unit.objects.get(code=spec["unit"]),
                                              kind="disabled_federation", name=spec["name"],
                                              short_name=spec["short_name"]))
        username, display_name = demo.DPF_HANDLER
        user = User.objects.filter(username=username).first() or staff_save(
            actor=root, user=User(username=username, display_name=display_name,
                                  password=make_password(orgs_demo.DEMO_PASSWORD)))
        if not Membership.objects.filter(user=user, department=department, role=Role.HANDLER).exists():
            membership_grant(actor=root, user=user, role=Role.HANDLER, department=department)
        today = timezone.localdate()
        # Ended: people not overdue, so that every carer keeps the overdue person their 我的走访 opens onto.
        community = (Person.objects.filter(unit__code=demo.SOCIAL_WORKER[2], ended_on__isnull=True,
                                           assignments__until__isnull=True).distinct()
                     .annotate(late=Case(When(next_visit_due__lt=today, then=1), default=0))
                     .order_by("late", "pk"))
        for (reason, days_ago, note), person in zip(demo.ENDED, list(community[:len(demo.ENDED)]), strict=False):
            last = timezone.localdate(person.last_visit_at) if person.last_visit_at else today
            ended_on = min(today, max(today - timedelta(days=days_ago), last + timedelta(days=1)))
            services.person_end(actor=root, person=person, ended_on=ended_on, reason=reason, note=note)
        cadre_assignment = (CareAssignment.objects.filter(role=CarerRole.VILLAGE_CADRE, until__isnull=True,
                                                          person__ended_on__isnull=True)
                            .select_related("person", "carer").order_by("pk").first())
        if cadre_assignment is not None:
            title, description = demo.RECORD_NEED
            services.person_need_file(actor=cadre_assignment.carer, person=cadre_assignment.person,
                                      need=services.NeedInput(title=title, description=description))

    @staticmethod
    def carers_by_unit() -> dict[int, list[tuple[User, str]]]:
        """Each village's responsible people: its grid workers (and those of its grids), its staff."""
        out: dict[int, list[tuple[User, str]]] = {}
        for m in Membership.objects.filter(unit__isnull=False, role__in=[Role.GRID_WORKER, Role.HANDLER],
                                           unit__level__in=[Level.VILLAGE, Level.GRID]).select_related("unit", "user"):
            village_id = m.unit.parent_id if m.unit.level == Level.GRID else m.unit_id
            role = CarerRole.GRID_WORKER if m.role == Role.GRID_WORKER else CarerRole.VILLAGE_CADRE
            out.setdefault(village_id, []).append((m.user, role, m.unit if m.unit.level == Level.GRID else None))
        return out

    def build(self, root, rng, social_worker, *, per_village):
        today = timezone.localdate()
        categories = {c.code: c for c in CareCategory.objects.all()}
        carers = self.carers_by_unit()
        villages = Unit.objects.filter(Q(code__startswith="140702") | Q(code__startswith="140703"),
                                       level=Level.VILLAGE).order_by("code")
        taken: set[str] = set()
        people = visits = needs = 0
        needs_left = list(demo.NEEDS)
        late_for: set[int] = set()  # carers with someone overdue already
        for village in villages:
            staff = carers.get(village.pk, [])
            grids = list(Unit.objects.filter(parent=village, level=Level.GRID))
            count = per_village if staff else max(1, per_village // 4)
            for data in demo.people_for(rng, count=count, county_code=village.code[:6], taken=taken, today=today):
                grid = rng.choice(grids) if grids else None
                person = services.person_register(actor=root, name=data.name, id_number=data.id_number,
                                                  unit=village, grid=grid, phone=data.phone, address=data.address)
                since = today - timedelta(days=rng.randint(200, 900))
                for code, values in data.categories:
                    services.membership_set(actor=root, person=person, category=categories[code], since=since,
                                            source=Source.CIVIL_AFFAIRS, values=values)
                people += 1
                carer = self.pick_carer(rng, staff, grid, social_worker, village, data)
                if carer is None:
                    continue
                user, role = carer
                services.assignment_start(actor=root, person=person, carer=user, role=role, since=since)
                # Every carer's 我的走访 opens onto work: their first person is left overdue if no one is yet.
                made, need, late = self.history(person, user, rng, today,
                                                needs_left if role != CarerRole.VILLAGE_CADRE else [],
                                                late=user.pk not in late_for)
                if late:
                    late_for.add(user.pk)
                visits += made
                needs += need
        return people, visits, needs

    @staticmethod
    def pick_carer(rng, staff, grid, social_worker, village, data):
        if village.code == demo.SOCIAL_WORKER[2] and data.categories[0][0] in (
                "children_in_hardship", "disabled", "solitary_elderly") and rng.random() < 0.5:
            return social_worker, CarerRole.SOCIAL_WORKER
        if not staff or rng.random() < 0.12:  # some people have no one yet: the coverage gap
            return None
        same_grid = [s for s in staff if s[2] is not None and grid is not None and s[2].pk == grid.pk]
        user, role, _grid = rng.choice(same_grid or [s for s in staff if s[2] is None] or staff)
        return user, role

    @staticmethod
    def history(person, carer, rng, today, needs_left, *, late: bool = False) -> tuple[int, int, bool]:
        """Visits from about four months ago to now at the person's interval, with a little slack; for some
        people (and with ``late``) the last one or two are left out, so they are overdue today. Returns the
        visits made, the needs filed, and whether the person was left overdue."""
        person.refresh_from_db()
        level = person.risk_level
        interval = visit_interval(level, [m.category for m in person.memberships.filter(until__isnull=True)
                                          .select_related("category")])
        day = today - timedelta(days=rng.randint(100, 130))
        late = rng.random() < demo.OVERDUE_SHARE or late
        stop = today - timedelta(days=interval * (2 if late else 0))
        made = filed = 0
        while day <= stop and day <= today:
            moment = timezone.make_aware(datetime.combine(day, time(rng.randint(9, 16), rng.choice([0, 15, 30, 45]))))
            if moment > timezone.now():
                break
            need = None
            if needs_left and may_record_for_resident(carer, person.place) and day > today - timedelta(days=interval) and rng.random() < 0.3:
                title, description = needs_left.pop(0)
                need = services.NeedInput(title=title, description=description)
            services.visit_record(actor=carer, person=person, visited_at=moment, token=f"demo-visit-{person.pk:08d}-{made:04d}",
                                  checklist={"health": "ok", "gas": rng.choice(["ok", "ok", "ok", "concern"])},
                                  notes=rng.choice(["", "老人精神不错", "已提醒注意用电安全", "家中整洁，饮食正常"]),
                                  need=need)
            made += 1
            filed += need is not None
            day += timedelta(days=max(1, interval + rng.randint(-3, 1)))
        return made, filed, late
