"""How facilities' audit rows read (found at start-up by core.apps; see core.audit)."""

from django.utils.translation import gettext_lazy as _

from core.audit import register_verbs

register_verbs({
    "facilities.type.create": _("Facility type added"),
    "facilities.type.update": _("Facility type changed"),
    "facilities.price_rule.create": _("Meal price rule added"),
    "facilities.price_rule.update": _("Meal price rule changed"),
    "facilities.facility.create": _("Facility registered"),
    "facilities.facility.update": _("Facility changed"),
    "facilities.facility.status": _("Facility status changed"),
    "facilities.photo.add": _("Facility photo added"),
    "facilities.photo.update": _("Facility photo caption changed"),
    "facilities.photo.remove": _("Facility photo removed"),
    "facilities.staff.add": _("Facility staff member added"),
    "facilities.resource.create": _("Bookable resource added"),
    "facilities.resource.update": _("Bookable resource changed"),
    "facilities.resource.retire": _("Bookable resource retired"),
    "facilities.resource.delete": _("Bookable resource removed (never booked)"),
    "facilities.pattern.create": _("Weekly slot pattern added"),
    "facilities.pattern.stop": _("Weekly slot pattern stopped"),
    "facilities.pattern.extend": _("Slots made from a weekly pattern"),
    "facilities.slot.create": _("Bookable slot added"),
    "facilities.booking.proxy": _("Booked for someone else (代订)"),
    "facilities.subsidy.export": _("Meal subsidy report exported"),
})
