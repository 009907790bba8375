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
    "facilities.staff.add": _("Facility staff member added"),
    "facilities.resource.create": _("Bookable resource added"),
    "facilities.resource.update": _("Bookable resource changed"),
    "facilities.slot.create": _("Bookable slot added"),
    "facilities.booking.proxy": _("Booked for someone else (代订)"),
    "facilities.subsidy.export": _("Meal subsidy report exported"),
})
