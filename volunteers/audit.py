"""How the audit rows of 志愿服务 read (found at start-up by core.apps; see core.audit). Every decision on
an application, every check-in and check-out, every correction of hours and every reveal of an ID number
is in the trail."""

from django.utils.translation import gettext_lazy as _

from core.audit import register_verbs

register_verbs({
    "volunteers.skill.create": _("Volunteer skill added"),
    "volunteers.skill.update": _("Volunteer skill changed"),
    "volunteers.organisation.create": _("Volunteer organisation added"),
    "volunteers.organisation.update": _("Volunteer organisation changed"),
    "volunteers.volunteer.apply": _("Volunteer applied"),
    "volunteers.volunteer.approve": _("Volunteer approved"),
    "volunteers.volunteer.refuse": _("Volunteer refused"),
    "volunteers.volunteer.update": _("Volunteer's skills and availability changed"),
    "volunteers.volunteer.reveal": _("Volunteer's ID number viewed"),
    "volunteers.activity.create": _("Volunteer activity published"),
    "volunteers.activity.cancel": _("Volunteer activity cancelled"),
    "volunteers.signup.create": _("Signed up for a volunteer activity"),
    "volunteers.signup.withdraw": _("Withdrew from a volunteer activity"),
    "volunteers.signup.check_in": _("Checked in to a volunteer activity"),
    "volunteers.signup.check_out": _("Checked out of a volunteer activity"),
    "volunteers.hours.correct": _("Service hours corrected"),
    "volunteers.certificate.issue": _("Certificate of hours issued"),
    "volunteers.invitation.send": _("Volunteer invited"),
})
