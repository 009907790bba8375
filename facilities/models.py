"""服务 facilities: the registry of places a city runs its services in (养老服务中心, 食堂, 日间照料中心,
卫生室, 体育场馆, 文化馆, 托育机构), their status history, opening hours and photos; the booking engine
(a bookable resource with time slots and capacity, bookings with a waiting list, check-in by QR code);
and the canteen's meals for the elderly (price rules, the subsidy recorded per meal, delivery)."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.crypto import EncryptedTextField, Masked


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")


class FacilityType(models.Model):
    """A kind of facility (社区食堂/助餐点 …) with its own fields and the department type (民政, 卫健 …)
    whose staff register and run it. Configuration a city edits in the admin; seeded by a data migration."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50)
    # An orgs.models.DepartmentKind value: that department's staff keep this type's facilities.
    department_kind = models.CharField(_("department type"), max_length=32, blank=True)
    fields = models.JSONField(_("fields"), default=list, blank=True,
                              help_text=_("The type's own fields, as a list of objects with name, label, "
                                          "type (text, number, date or choice) and, for a choice, choices."))
    serves_meals = models.BooleanField(_("serves meals (canteen)"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=50)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("facility type")
        verbose_name_plural = _("facility types")
        ordering = ["order", "code"]

    def __str__(self):
        return self.name


class Status(models.TextChoices):
    PLANNED = "planned", _("Planned (规划)")
    BUILDING = "building", _("Under construction (在建)")
    OPERATING = "operating", _("Operating (运营)")
    CLOSED = "closed", _("Closed (停用)")


class Facility(models.Model):
    """A place: its unit in the org tree, where it is, when it is open, what it offers, and its status
    (the status history is FacilityStatusPeriod)."""

    type = models.ForeignKey(FacilityType, verbose_name=_("type"), on_delete=models.PROTECT,
                             related_name="facilities")
    name = models.CharField(_("name"), max_length=100)
    unit = models.ForeignKey("orgs.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    # The unit's materialised path, copied here: a subtree of 50,000 facilities is one indexed prefix query.
    unit_path = models.CharField(max_length=255, editable=False, db_index=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    hours_note = models.CharField(_("opening hours note"), max_length=200, blank=True,
                                  help_text=_("What the weekly hours do not say, e.g. closed on public holidays."))
    # Shut on the public holidays of the holiday calendar (appeals' CalendarDay): "open now" says closed.
    closed_on_holidays = models.BooleanField(_("closed on public holidays"), default=False)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    services = models.TextField(_("services"), blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    values = models.JSONField(_("field values"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PLANNED,
                              editable=False)
    status_since = models.DateField(_("status since"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        ordering = ["unit_path", "name", "pk"]
        indexes = [
            models.Index(fields=["status", "type", "unit_path"], name="facility_status_type_path"),
            models.Index(fields=["status", "latitude", "longitude"], name="facility_status_coords"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(latitude__isnull=True) & Q(longitude__isnull=True))
                | (Q(latitude__gte=-90, latitude__lte=90) & Q(longitude__gte=-180, longitude__lte=180)),
                name="facility_coordinates_in_range"),
        ]

    def __str__(self):
        return self.name


class FacilityStatusPeriod(models.Model):
    """One stretch of a facility's status, from ``since`` until the day the next began (open while
    current). "Canteens in 运营 on date D" reads these, so a later closure does not rewrite the past."""

    facility = models.ForeignKey(Facility, verbose_name=_("facility"), on_delete=models.CASCADE,
                                 related_name="status_periods")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("changed by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("status period")
        verbose_name_plural = _("status periods")
        ordering = ["facility_id", "since", "pk"]
        indexes = [models.Index(fields=["status", "since", "until"], name="facility_period_status_dates")]
        constraints = [
            models.UniqueConstraint(fields=["facility"], condition=Q(until__isnull=True),
                                    name="facility_one_open_status_period"),
            models.CheckConstraint(condition=Q(until__isnull=True) | Q(until__gte=F("since")),
                                   name="facility_period_until_after_since"),
        ]

    def __str__(self):
        return f"{self.facility} · {self.get_status_display()} {self.since}"


class OpeningPeriod(models.Model):
    """Open on ``weekday`` (0 Monday … 6 Sunday) from ``opens`` to ``closes``: "open now" is one query."""

    facility = models.ForeignKey(Facility, verbose_name=_("facility"), on_delete=models.CASCADE,
                                 related_name="opening_periods")
    weekday = models.PositiveSmallIntegerField(_("weekday"))
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("opening period")
        verbose_name_plural = _("opening periods")
        ordering = ["facility_id", "weekday", "opens"]
        indexes = [
            models.Index(fields=["weekday", "opens", "closes"], name="facility_opening_lookup"),
            # "Open now" asks, per facility of the directory's box, for a period covering now: answered from
            # this index alone, without reading the table (bench/facilities_directory.py).
            models.Index(fields=["facility", "weekday", "opens", "closes"], name="facility_opening_now"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="facility_opening_weekday"),
            models.CheckConstraint(condition=Q(closes__gt=F("opens")), name="facility_opening_closes_after"),
        ]

    def __str__(self):
        return f"{self.weekday + 1} {self.opens:%H:%M}-{self.closes:%H:%M}"


def photo_path(instance, filename):
    return f"facilities/{instance.facility_id}/{secrets.token_hex(8)}.{instance.extension}"


class FacilityPhoto(models.Model):
    facility = models.ForeignKey(Facility, verbose_name=_("facility"), on_delete=models.CASCADE,
                                 related_name="photos")
    image = models.FileField(_("photo"), upload_to=photo_path)
    extension = models.CharField(max_length=8, editable=False)
    caption = models.CharField(_("caption"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["facility_id", "pk"]

    def __str__(self):
        return self.caption or self.image.name


class FacilityStaff(models.Model):
    """Someone who runs a facility day to day (the canteen's manager, the venue's keeper): they publish
    slots and menus, check bookings in and see the orders, without a role in the org network."""

    facility = models.ForeignKey(Facility, verbose_name=_("facility"), on_delete=models.CASCADE,
                                 related_name="staff")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("staff member"), on_delete=models.PROTECT,
                             related_name="facility_posts")
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("facility staff")
        verbose_name_plural = _("facility staff")
        constraints = [models.UniqueConstraint(fields=["facility", "user"], condition=Q(until__isnull=True),
                                               name="facility_staff_one_open")]

    def __str__(self):
        return f"{self.facility} · {self.user}"


class ResourceKind(models.TextChoices):
    VENUE = "venue", _("Venue or court (场地)")
    PLACE = "place", _("Place (名额)")
    MEAL = "meal", _("Meal (餐)")
    SEAT = "seat", _("Seat (座位)")


class Resource(models.Model):
    """Something of a facility people book by time slot: a court, a day-care place, a canteen's meal."""

    facility = models.ForeignKey(Facility, verbose_name=_("facility"), on_delete=models.CASCADE,
                                 related_name="resources")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=8, choices=ResourceKind.choices)
    capacity = models.PositiveIntegerField(_("places per slot"), default=1)
    # Minutes before a slot starts after which it can no longer be booked, or a booking cancelled.
    book_cutoff_minutes = models.PositiveIntegerField(_("booking closes (minutes before)"), default=0)
    cancel_cutoff_minutes = models.PositiveIntegerField(_("cancelling closes (minutes before)"), default=60)
    # A meal's full price; the price rules give the elderly theirs.
    price = models.DecimalField(_("price"), max_digits=8, decimal_places=2, default=0)
    # Weekly patterns make no slots on the public holidays of the holiday calendar.
    closed_on_holidays = models.BooleanField(_("no slots on public holidays"), default=False)
    # Retired (停用), not deleted, once it has bookings: its slots and bookings stay as history.
    is_active = models.BooleanField(_("active"), default=True)
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("bookable resource")
        verbose_name_plural = _("bookable resources")
        ordering = ["facility_id", "name", "pk"]

    def __str__(self):
        return f"{self.facility} · {self.name}"


class SlotPattern(models.Model):
    """A resource's weekly repeat: on ``weekdays`` (0 Monday … 6 Sunday) from ``starts`` to ``ends``, with
    ``capacity`` places; the daily task makes its slots ``weeks_ahead`` weeks ahead, once each (a slot
    remembers its pattern and day), skipping holidays when the resource says so and any time already
    taken by another slot."""

    resource = models.ForeignKey(Resource, verbose_name=_("resource"), on_delete=models.CASCADE,
                                 related_name="patterns")
    weekdays = models.JSONField(_("weekdays"), default=list)
    starts = models.TimeField(_("starts"))
    ends = models.TimeField(_("ends"))
    capacity = models.PositiveIntegerField(_("places"))
    menu = models.TextField(_("menu"), blank=True)
    weeks_ahead = models.PositiveSmallIntegerField(_("weeks ahead"), default=4)
    valid_from = models.DateField(_("first day"))
    valid_until = models.DateField(_("last day"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # The last day slots were made for: the daily task goes on from the day after.
    generated_until = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("weekly slot pattern")
        verbose_name_plural = _("weekly slot patterns")
        ordering = ["resource_id", "starts", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends__gt=F("starts")), name="facility_pattern_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="facility_pattern_capacity"),
        ]

    def __str__(self):
        return f"{self.resource.name} {self.starts:%H:%M}-{self.ends:%H:%M}"

    @property
    def weekday_labels(self) -> str:
        """周一、周二 … as the staff read them."""
        from facilities.hours import WEEKDAY_LABELS

        return "、".join(f"周{WEEKDAY_LABELS[d]}" for d in sorted(self.weekdays))


class Slot(models.Model):
    """A time a resource can be booked, with its places. ``confirmed`` counts the confirmed bookings and
    is only ever moved by a conditional UPDATE (services.booking_create), so it never passes capacity."""

    resource = models.ForeignKey(Resource, verbose_name=_("resource"), on_delete=models.CASCADE,
                                 related_name="slots")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    capacity = models.PositiveIntegerField(_("places"))
    confirmed = models.PositiveIntegerField(_("confirmed"), default=0, editable=False)
    menu = models.TextField(_("menu"), blank=True)  # a meal's dishes
    is_cancelled = models.BooleanField(_("cancelled"), default=False)
    # Made by a weekly pattern: one slot per pattern and start, so running the task twice adds nothing.
    pattern = models.ForeignKey(SlotPattern, verbose_name=_("weekly pattern"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="slots", editable=False)

    class Meta:
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["resource", "starts_at"], name="facility_slot_resource_start")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="facility_slot_ends_after_start"),
            models.CheckConstraint(condition=Q(confirmed__lte=F("capacity")), name="facility_slot_within_capacity"),
            models.UniqueConstraint(fields=["pattern", "starts_at"], condition=Q(pattern__isnull=False),
                                    name="facility_slot_once_per_pattern"),
        ]

    def __str__(self):
        return f"{self.resource.name} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def free(self) -> int:
        return max(self.capacity - self.confirmed, 0)


class BookingState(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    WAITING = "waiting", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")
    CHECKED_IN = "checked_in", pgettext_lazy("facilities", "Checked in")
    NO_SHOW = "no_show", _("Did not come")


ACTIVE_STATES = [BookingState.CONFIRMED, BookingState.WAITING, BookingState.CHECKED_IN]


def new_booking_code() -> str:
    return secrets.token_hex(6).upper()


class Booking(models.Model):
    """A place in a slot, held by ``holder`` (the account that booked, a resident or a staff member)
    for themselves or, booked by proxy, for someone else (the beneficiary, named and identified by ID
    number, kept encrypted). ``code`` is what the QR code carries for check-in."""

    slot = models.ForeignKey(Slot, verbose_name=_("slot"), on_delete=models.PROTECT, related_name="bookings")
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("booked by"), on_delete=models.PROTECT,
                               related_name="facility_bookings")
    # For someone else (代订): their name, ID number (encrypted) and its blind index; blank for oneself.
    for_name = models.CharField(_("for"), max_length=50, blank=True)
    for_id_number = EncryptedTextField(_("their ID number"), blank=True, default="")
    for_index = models.CharField(max_length=64, blank=True, default="", editable=False)
    state = models.CharField(_("state"), max_length=12, choices=BookingState.choices)
    code = models.CharField(_("check-in code"), max_length=16, unique=True, default=new_booking_code,
                            editable=False)
    created_at = models.DateTimeField(_("booked at"), auto_now_add=True)
    changed_at = models.DateTimeField(_("changed"), auto_now=True)
    checked_in_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("checked in by"), null=True,
                                      blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["slot_id", "created_at", "pk"]
        indexes = [
            models.Index(fields=["slot", "state", "created_at"], name="facility_booking_slot_state"),
            models.Index(fields=["holder", "state"], name="facility_booking_holder"),
        ]
        constraints = [
            # One live booking of a slot per person it is for: a double tap books once.
            models.UniqueConstraint(fields=["slot", "holder", "for_index"],
                                    condition=Q(state__in=["confirmed", "waiting", "checked_in"]),
                                    name="facility_booking_one_live_per_person"),
        ]

    def __str__(self):
        return self.code

    masked_for_name = Masked("for_name")
    masked_for_id_number = Masked("for_id_number")


class BookingEvent(models.Model):
    """A booking's timeline: booked, promoted from the waiting list, cancelled, checked in, no-show."""

    booking = models.ForeignKey(Booking, verbose_name=_("booking"), on_delete=models.CASCADE, related_name="events")
    verb = models.CharField(_("what"), max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("at"), auto_now_add=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("booking event")
        verbose_name_plural = _("booking events")
        ordering = ["booking_id", "at", "pk"]

    def __str__(self):
        return f"{self.booking_id} {self.verb}"


class PriceRule(models.Model):
    """"Members of <care category> (or people aged <min_age> and over) pay <price> for a meal": the
    lowest price among the rules a person meets applies; the difference from the full price is the
    subsidy (补贴) civil affairs reimburses."""

    name = models.CharField(_("name"), max_length=100)
    care_category = models.CharField(_("care category code"), max_length=40, blank=True,
                                     help_text=_("The code of a care category (e.g. dibao, tekun); empty: anyone."))
    min_age = models.PositiveSmallIntegerField(_("aged at least"), null=True, blank=True)
    price = models.DecimalField(_("price paid"), max_digits=8, decimal_places=2)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("meal price rule")
        verbose_name_plural = _("meal price rules")
        ordering = ["price", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(care_category="") | Q(min_age__isnull=False),
                                              name="facility_price_rule_has_condition")]

    def __str__(self):
        return self.name


class MealOrder(models.Model):
    """A meal booked at a canteen: what the person paid, the subsidy, the rule that gave it, and
    delivery for those who cannot come. Facility and day are copied from the slot for the daily counts."""

    booking = models.OneToOneField(Booking, verbose_name=_("booking"), on_delete=models.CASCADE,
                                   related_name="meal")
    facility = models.ForeignKey(Facility, verbose_name=_("canteen"), on_delete=models.PROTECT, related_name="+")
    served_on = models.DateField(_("day"))
    full_price = models.DecimalField(_("full price"), max_digits=8, decimal_places=2)
    price = models.DecimalField(_("price paid"), max_digits=8, decimal_places=2)
    subsidy = models.DecimalField(_("subsidy"), max_digits=8, decimal_places=2)
    rule = models.CharField(_("price rule"), max_length=100, blank=True)
    age = models.PositiveSmallIntegerField(_("age"), null=True, blank=True)
    delivery = models.BooleanField(_("delivered"), default=False)
    delivery_address = EncryptedTextField(_("delivery address"), blank=True, default="")

    class Meta:
        verbose_name = _("meal order")
        verbose_name_plural = _("meal orders")
        indexes = [models.Index(fields=["served_on", "facility"], name="facility_meal_day_canteen")]
        constraints = [models.CheckConstraint(condition=Q(subsidy__gte=0) & Q(price__gte=0),
                                              name="facility_meal_amounts_positive")]

    def __str__(self):
        return f"{self.facility_id} {self.served_on} {self.price}"
