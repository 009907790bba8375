"""The pages of 志愿服务, under /volunteers/ (namespace "volunteers"): the volunteer's (phone) pages,
the public certificate check, and the staff pages under staff/."""

from django.urls import path

from volunteers.views import resident, staff

app_name = "volunteers"

urlpatterns = [
    path("", resident.home, name="home"),
    path("apply/", resident.apply, name="apply"),
    path("profile/", resident.profile, name="profile"),
    path("activities/<int:pk>/", resident.activity, name="activity"),
    path("activities/<int:pk>/slots/<int:slot>/signup/", resident.signup, name="signup"),
    path("signups/<int:pk>/withdraw/", resident.withdraw, name="withdraw"),
    path("checkin/<str:code>/", resident.checkin, name="checkin"),
    path("hours/", resident.hours, name="hours"),
    path("hours/qr.svg", resident.my_qr, name="my_qr"),
    path("hours/certificate/", resident.certificate_new, name="certificate_new"),
    path("certificates/<str:code>/", resident.certificate, name="certificate"),
    path("verify/", resident.verify, name="verify"),
    path("staff/", staff.volunteers, name="staff_volunteers"),
    path("staff/volunteers/<int:pk>/", staff.volunteer_detail, name="staff_volunteer"),
    path("staff/volunteers/<int:pk>/decide/", staff.volunteer_decide, name="staff_decide"),
    path("staff/volunteers/<int:pk>/reveal/", staff.volunteer_reveal, name="staff_reveal"),
    path("staff/hours/<int:pk>/correct/", staff.hours_correct, name="staff_correct"),
    path("staff/activities/", staff.activities, name="staff_activities"),
    path("staff/activities/new/", staff.activity_new, name="staff_activity_new"),
    path("staff/activities/<int:pk>/", staff.activity_detail, name="staff_activity"),
    path("staff/activities/<int:pk>/qr.svg", staff.activity_qr, name="staff_activity_qr"),
    path("staff/activities/<int:pk>/cancel/", staff.activity_cancel, name="staff_activity_cancel"),
    path("staff/activities/<int:pk>/invite/<int:volunteer>/", staff.invite, name="staff_invite"),
    path("staff/signups/<int:pk>/check/<str:action>/", staff.signup_check, name="staff_check"),
    path("staff/scan/<str:code>/", staff.scan, name="staff_scan"),
]
