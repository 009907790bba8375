"""Build the demo city's volunteering (volunteers.demo) through volunteers.services: a volunteer team and a
social work agency, approved volunteers and one applicant, activities past and upcoming, the past ones
served with their hours in the ledger (one corrected), and the demo volunteer's login. Run after
``seed_demo`` (and ``care_demo`` for the care-linked activities); ``--if-empty`` skips when there are
volunteers already."""

import random
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import ric

from accounts.models import User, UserKind
from orgs import demo as orgs_demo
from orgs.models import Unit
from volunteers import demo, services
from volunteers.models import Organisation, Skill, Volunteer


class Command(BaseCommand):
    help = ("Build the demo volunteering (a team, volunteers, activities past and upcoming, hours) in the demo "
            "city. Run after seed_demo. Refuses to run with DEBUG off unless --force.")

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Skip when there are volunteers already.")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(_("Refusing to build demo data with DEBUG off: it creates accounts with a published "
                                 "password. Run it on a development machine (DEBUG=1), or pass --force."))
        if options["if_empty"] and Volunteer.objects.exists():
            self.stdout.write(_("Skipped the demo volunteering: there are volunteers already."))
            return
        root = User.objects.filter(username=orgs_demo.SUPERUSER["username"], is_superuser=True).first()
        if root is None or not Unit.objects.filter(code=orgs_demo.CITY["code"]).exists():
            raise CommandError(_("The demo city is missing: run “manage.py seed_demo” first."))
        rng = random.Random(options["seed"])
        with transaction.atomic():
            counts = self.build(root, rng)
        self.stdout.write(self.style.SUCCESS(
            _("Demo volunteering ready: %(volunteers)s volunteers, %(activities)s activities, %(hours)s hours served.")
            % counts))
        self.stdout.write(_("Volunteer login: sign in as a resident with the phone %(phone)s (the demo shows the code "
                            "on the sign-in page).") % {"phone": demo.DEMO_VOLUNTEER[0]})

    def id_number(self, rng, taken):
        while True:
            body = f"140702{rng.randint(1965, 2002)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(1, 998):03d}"
            number = body + ric.calc_check_digit(body + "0")
            if number not in taken:
                taken.add(number)
                return number

    def resident(self, phone, name):
        user = User.objects.filter(phone_index__isnull=False, kind=UserKind.RESIDENT, username=f"vol-{phone}").first()
        if user is None:
            user = User(username=f"vol-{phone}", kind=UserKind.RESIDENT, phone=phone, display_name=name,
                        privacy_consent_at=timezone.now(), privacy_consent_version="demo")
            user.set_unusable_password()
            user.save()
        return user

    def build(self, root, rng):
        units = {u.code: u for u in Unit.objects.filter(code__startswith="140702")}
        skills = {s.code: s for s in Skill.objects.all()}
        orgs = {}
        for name, kind, code, unit_code in demo.ORGANISATIONS:
            org = Organisation.objects.filter(name=name).first() or services.organisation_save(
                actor=root, organisation=Organisation(name=name, kind=kind, credit_code=code, unit=units[unit_code]))
            orgs[kind] = org
        taken: set[str] = set()
        volunteers = []
        for phone, name, unit_code, skill_codes, availability in demo.VOLUNTEERS:
            user = self.resident(phone, name)
            volunteer = services.volunteer_apply(
                actor=user, name=name, id_number=self.id_number(rng, taken), unit=units[unit_code],
                organisation=orgs["team"], skills=[skills[c] for c in skill_codes], availability=availability,
                consent=True)
            services.volunteer_decide(actor=root, volunteer=volunteer, approve=True, id_checked=True)
            volunteers.append(volunteer)
        phone, name, unit_code, skill_codes, availability = demo.APPLICANT
        services.volunteer_apply(actor=self.resident(phone, name), name=name, id_number=self.id_number(rng, taken),
                                 unit=units[unit_code], organisation=orgs["team"],
                                 skills=[skills[c] for c in skill_codes], availability=availability, consent=True)
        # 榆次区's administrator publishes the activities: the people in care are read in their scope.
        organiser = User.objects.filter(username="yuci_admin").first() or root
        care_people = self.care_people(organiser)
        today = timezone.localdate()
        activities = minutes = 0
        demo_volunteer = volunteers[0]
        for title, place, skill_codes, days, hour, hours, places, care in demo.ACTIVITIES:
            start = timezone.make_aware(datetime.combine(today + timedelta(days=days), time(hour)))
            unit = units["140702001002"] if "如意" in place else units["140702001001"]
            person = care_people.pop(0) if care and care_people else None
            # A past activity is published, signed up for and served at its own time.
            published = min(timezone.now(), start - timedelta(days=5))
            with services.demo_clock(published):
                activity = services.activity_create(
                    actor=organiser, title=title, unit=person.unit if person else unit, place=place,
                    slots=[services.SlotInput(start, start + timedelta(hours=hours), places)],
                    skills=[skills[c] for c in skill_codes], organisation=orgs["team"],
                    need_source="care" if person else "community", care_person_id=person.pk if person else None,
                    )
                slot = activity.slots.get()
                crew = [demo_volunteer] + rng.sample(volunteers[1:], k=min(places - 1, rng.randint(1, 3)))
                signups = [services.signup_create(actor=v.user, slot=slot) for v in crew]
            activities += 1
            if days >= 0:
                continue
            for signup in signups:
                arrive = start + timedelta(minutes=rng.randint(-10, 10))
                with services.demo_clock(arrive):
                    services.signup_check_in(actor=signup.volunteer.user, signup=signup)
                with services.demo_clock(start + timedelta(hours=hours, minutes=rng.randint(-20, 0))):
                    entry = services.signup_check_out(actor=signup.volunteer.user, signup=signup)
                minutes += entry.minutes
            if days == -14:  # one correction, with its reason, to show how the ledger is kept
                first = signups[-1].hours_entry
                services.hours_correct(actor=root, entry=first, minutes=first.minutes + 30,
                                       reason="签退时手机没电，组织者据签到表补录")
                minutes += 30
        return {"volunteers": len(volunteers), "activities": activities, "hours": round(minutes / 60, 1)}

    @staticmethod
    def care_people(organiser) -> list:
        """Up to two people in care of 顺城社区 and 如意社区, read through care.selectors (none without care_demo)."""
        try:
            from care.selectors import people_visible_to
        except ImportError:
            return []
        return list(people_visible_to(organiser).filter(unit__code__in=["140702001001", "140702001002"])
                    .order_by("unit__code", "pk")[:2])
