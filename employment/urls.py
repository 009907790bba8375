"""employment's pages under /employment/ (namespace "employment"): the public and residents' first, then
staff's."""

from django.urls import path

from employment.views import public, staff, support

app_name = "employment"

urlpatterns = [
    path("", public.portal, name="portal"),
    path("jobs/<int:pk>/", public.posting_detail, name="posting"),
    path("me/", public.me, name="me"),
    path("me/register/", public.register, name="register"),
    path("me/fairs/<int:pk>/", public.fair_register, name="fair_register"),
    path("me/subsidies/", support.my_subsidies, name="my_subsidies"),
    path("me/subsidies/<int:pk>/", support.my_subsidy_correct, name="my_subsidy_correct"),
    path("employer/", public.employer_home, name="employer"),
    path("employer/postings/new/", public.posting_new, name="posting_new"),
    path("employer/postings/<int:pk>/close/", public.posting_close, name="posting_close"),
    # staff
    path("seekers/", staff.seekers, name="seekers"),
    path("seekers/new/", staff.seeker_new, name="seeker_new"),
    path("seekers/import/", staff.seeker_import, name="seeker_import"),
    path("seekers/<int:pk>/", staff.seeker_detail, name="seeker"),
    path("seekers/<int:pk>/service/", staff.service_new, name="service_new"),
    path("seekers/<int:pk>/recommend/", staff.recommend, name="recommend"),
    path("seekers/<int:pk>/status/", staff.seeker_status, name="seeker_status"),
    path("seekers/<int:pk>/take-on/", staff.take_on, name="take_on"),
    path("seekers/<int:pk>/follow-up/", support.follow_up_new, name="follow_up_new"),
    path("seekers/<int:pk>/subsidy/", support.subsidy_counter, name="subsidy_counter"),
    path("follow-ups/", support.follow_ups, name="follow_ups"),
    path("subsidies/", support.subsidies, name="subsidies"),
    path("subsidies/pay/", support.subsidy_pay, name="subsidy_pay"),
    path("subsidies/<int:pk>/", support.subsidy_detail, name="subsidy"),
    path("subsidies/<int:pk>/decide/", support.subsidy_decide, name="subsidy_decide"),
    path("services/<int:pk>/outcome/", staff.outcome, name="outcome"),
    path("dashboard/", staff.dashboard, name="dashboard"),
    path("employers/", staff.employers, name="employers"),
    path("employers/<int:pk>/", staff.employer_detail, name="employer_detail"),
    path("employers/<int:pk>/decide/", staff.employer_decide, name="employer_decide"),
    path("postings/<int:pk>/", staff.posting_staff, name="posting_staff"),
    path("welfare/", staff.welfare_posts, name="welfare_posts"),
    path("welfare/<int:pk>/", staff.welfare_post, name="welfare_post"),
    path("welfare/<int:pk>/place/", staff.placement_new, name="placement_new"),
    path("placements/<int:pk>/end/", staff.placement_end, name="placement_end"),
    path("fairs/", staff.fairs, name="fairs"),
    path("fairs/<int:pk>/", staff.fair_detail, name="fair"),
    path("fairs/<int:pk>/action/", staff.fair_action, name="fair_action"),
]
