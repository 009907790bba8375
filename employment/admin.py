"""Admin for employment: employers (registered, then verified or refused), postings (published, then closed),
public-welfare posts, and the rules of follow-ups and 社保补贴, for 人社 staff within their units. Every save
goes through employment.services (checked and audited as on the pages); nothing is deleted here, and what
the services cannot change after the fact (a post's terms, an employer's credit code) is read-only."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import ServiceAdminMixin, ServiceModelForm
from core.errors import BadInput
from employment import permissions, selectors, services
from employment.models import Employer, EmployerStatus, EmploymentRules, Posting, PostingStatus, PublicWelfarePost


class _HrssAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Open to 人社 staff (and superusers); nothing deleted."""

    def _may(self, request) -> bool:
        return request.user.is_active and permissions.may_open_hrss(request.user)

    def has_module_permission(self, request):
        return self._may(request)

    def has_view_permission(self, request, obj=None):
        return self._may(request)

    def has_add_permission(self, request):
        return self._may(request)

    def has_change_permission(self, request, obj=None):
        return self._may(request)

    def has_delete_permission(self, request, obj=None):
        return False


class EmployerForm(ServiceModelForm):
    class Meta:
        model = Employer
        fields = ["name", "credit_code", "unit", "address", "industry", "contact_name", "contact_phone", "status",
                  "decision_note"]


@admin.register(Employer)
class EmployerAdmin(_HrssAdmin):
    form = EmployerForm
    list_display = ["name", "credit_code", "unit", "status", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["unit"]
    search_fields = ["name", "credit_code"]
    autocomplete_fields = ["unit"]

    def get_queryset(self, request):
        return selectors.employers_visible_to(request.user)

    def get_readonly_fields(self, request, obj=None):
        # Registered once (the credit code is who the employer is); afterwards only the verification changes.
        if obj is None:
            return ["status", "decision_note"]
        return ["name", "credit_code", "unit", "address", "industry", "contact_name", "contact_phone"]

    def service_save(self, *, actor, instance):
        if instance.pk is None:
            return services.employer_register(actor=actor, data=services.EmployerData(
                name=instance.name, credit_code=instance.credit_code, unit=instance.unit,
                contact_name=instance.contact_name, contact_phone=instance.contact_phone, address=instance.address,
                industry=instance.industry))
        current = Employer.objects.get(pk=instance.pk)
        if instance.status == current.status and instance.decision_note == current.decision_note:
            return current
        if instance.status == EmployerStatus.PENDING:
            raise BadInput(_("Verify or refuse the employer; it cannot go back to waiting."))
        return services.employer_decide(actor=actor, employer=current,
                                        approve=instance.status == EmployerStatus.VERIFIED, note=instance.decision_note)


class PostingForm(ServiceModelForm):
    class Meta:
        model = Posting
        fields = ["employer", "kind", "title", "duties", "requirements", "education", "salary_min", "salary_max",
                  "unit", "headcount", "closes_on", "duration_months", "subsidy", "status"]


@admin.register(Posting)
class PostingAdmin(_HrssAdmin):
    form = PostingForm
    list_display = ["title", "employer", "kind", "unit", "closes_on", "status"]
    list_filter = ["kind", "status"]
    list_select_related = ["employer", "unit"]
    search_fields = ["title", "employer__name"]
    autocomplete_fields = ["employer", "unit"]

    def get_queryset(self, request):
        return selectors.postings_visible_to(request.user)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ["status"]
        return [f for f in PostingForm.Meta.fields if f != "status"]

    def service_save(self, *, actor, instance):
        if instance.pk is None:
            return services.posting_create(actor=actor, employer=instance.employer, data=services.PostingData(
                title=instance.title, duties=instance.duties, salary_min=instance.salary_min,
                salary_max=instance.salary_max, unit=instance.unit, closes_on=instance.closes_on, kind=instance.kind,
                requirements=instance.requirements, education=instance.education, headcount=instance.headcount,
                duration_months=instance.duration_months, subsidy=instance.subsidy))
        current = Posting.objects.select_related("employer").get(pk=instance.pk)
        if instance.status == PostingStatus.CLOSED and current.status != PostingStatus.CLOSED:
            return services.posting_close(actor=actor, posting=current)
        return current


class WelfarePostForm(ServiceModelForm):
    class Meta:
        model = PublicWelfarePost
        fields = ["title", "duties", "unit", "term_months", "monthly_subsidy", "headcount"]


@admin.register(PublicWelfarePost)
class WelfarePostAdmin(_HrssAdmin):
    form = WelfarePostForm
    list_display = ["title", "unit", "term_months", "monthly_subsidy", "headcount", "status"]
    list_select_related = ["unit"]
    autocomplete_fields = ["unit"]

    def get_queryset(self, request):
        return selectors.welfare_posts_visible_to(request.user)

    def get_readonly_fields(self, request, obj=None):
        # A post's terms are what its placements were made under: they do not change afterwards.
        return [] if obj is None else WelfarePostForm.Meta.fields

    def service_save(self, *, actor, instance):
        if instance.pk is None:
            return services.welfare_post_create(actor=actor, title=instance.title, unit=instance.unit,
                                                term_months=instance.term_months,
                                                monthly_subsidy=instance.monthly_subsidy, headcount=instance.headcount,
                                                duties=instance.duties)
        return PublicWelfarePost.objects.get(pk=instance.pk)


class RulesForm(ServiceModelForm):
    class Meta:
        model = EmploymentRules
        fields = ["follow_up_days_unemployed", "follow_up_days_placed", "subsidy_max_months",
                  "subsidy_years_before_retirement", "retirement_age_male", "retirement_age_female",
                  "subsidy_monthly_cap"]


@admin.register(EmploymentRules)
class RulesAdmin(_HrssAdmin):
    form = RulesForm
    list_display = ["__str__", "follow_up_days_unemployed", "follow_up_days_placed", "subsidy_max_months",
                    "subsidy_monthly_cap", "updated_at"]

    def has_add_permission(self, request):
        return self._may(request) and not EmploymentRules.objects.exists()

    def service_save(self, *, actor, instance):
        return services.rules_save(actor=actor, config=instance)
