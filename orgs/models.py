"""The 市-县-乡-村 network, the departments in it, and who holds which role where."""

import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    CITY = "city", _("City")  # 市
    COUNTY = "county", _("County / district")  # 县/区/县级市
    TOWNSHIP = "township", _("Township / subdistrict")  # 乡/镇/街道
    VILLAGE = "village", _("Village / community")  # 村/社区
    GRID = "grid", _("Grid")  # 网格


# The level a unit's parent must have; a city has none.
PARENT_LEVEL = {
    Level.CITY: None,
    Level.COUNTY: Level.CITY,
    Level.TOWNSHIP: Level.COUNTY,
    Level.VILLAGE: Level.TOWNSHIP,
    Level.GRID: Level.VILLAGE,
}
LEVEL_DEPTH = {level: depth for depth, level in enumerate(Level)}


class UnitKind(models.TextChoices):
    """The finer administrative type: the suffix people say after the name."""

    CITY = "city", _("City (市)")
    DISTRICT = "district", _("District (区)")
    COUNTY = "county", _("County (县)")
    COUNTY_CITY = "county_city", _("County-level city (县级市)")
    TOWN = "town", _("Town (镇)")
    TOWNSHIP = "township", _("Township (乡)")
    SUBDISTRICT = "subdistrict", _("Subdistrict (街道)")
    VILLAGE = "village", _("Village (村)")
    COMMUNITY = "community", _("Community (社区)")
    GRID = "grid", _("Grid (网格)")


KIND_LEVEL = {
    UnitKind.CITY: Level.CITY,
    UnitKind.DISTRICT: Level.COUNTY,
    UnitKind.COUNTY: Level.COUNTY,
    UnitKind.COUNTY_CITY: Level.COUNTY,
    UnitKind.TOWN: Level.TOWNSHIP,
    UnitKind.TOWNSHIP: Level.TOWNSHIP,
    UnitKind.SUBDISTRICT: Level.TOWNSHIP,
    UnitKind.VILLAGE: Level.VILLAGE,
    UnitKind.COMMUNITY: Level.VILLAGE,
    UnitKind.GRID: Level.GRID,
}

STATISTICAL_CODE = re.compile(r"^\d{12}$")
GRID_CODE = re.compile(r"^\d{15}$")


class Unit(models.Model):
    """A place in the network and the government body that runs it (城市, 区县, 乡镇街道, 村社区, 网格)."""

    # 统计用区划代码: 12 digits; a grid takes its community's code plus three digits.
    code = models.CharField(_("division code"), max_length=15, unique=True)
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    kind = models.CharField(_("type"), max_length=16, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Materialised path of codes ("140700000000/140702000000/"): a subtree is one prefix query.
    path = models.CharField(_("path"), max_length=255, unique=True, editable=False)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level="city", parent__isnull=True) | (~Q(level="city") & Q(parent__isnull=False)),
                name="unit_only_city_without_parent",
            ),
            models.CheckConstraint(
                condition=(Q(latitude__isnull=True) & Q(longitude__isnull=True))
                | (Q(latitude__gte=-90, latitude__lte=90) & Q(longitude__gte=-180, longitude__lte=180)),
                name="unit_coordinates_in_range",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def display_short(self):
        return self.short_name or self.name

    def ancestors_and_self_codes(self) -> list[str]:
        return [code for code in self.path.split("/") if code]


class DepartmentKind(models.TextChoices):
    HEALTH = "health", _("Health (卫健)")
    HUMAN_RESOURCES = "hrss", _("Human resources & social security (人社)")
    HOUSING = "housing", _("Housing & urban-rural development (住建)")
    CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs (民政)")
    EDUCATION = "education", _("Education (教育)")
    SPORTS = "sports", _("Sports (体育)")
    CULTURE_TOURISM = "culture_tourism", _("Culture & tourism (文旅)")
    URBAN_MANAGEMENT = "urban_management", _("Urban management (城管)")
    TRANSPORT = "transport", _("Transport (交通运输)")
    ENVIRONMENT = "environment", _("Ecology & environment (生态环境)")
    MARKET_REGULATION = "market_regulation", _("Market regulation (市场监管)")
    MEDICAL_INSURANCE = "medical_insurance", _("Medical insurance (医保)")
    DISABLED_FEDERATION = "disabled_federation", _("Disabled persons' federation (残联)")
    OTHER = "other", _("Other")


class Department(models.Model):
    """A functional department of a city or county government (市卫健委, 榆次区人社局 …)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="departments")
    kind = models.CharField(_("type"), max_length=32, choices=DepartmentKind.choices)
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["unit__path", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="department_unique_name_in_unit")]

    def __str__(self):
        return self.name

    @property
    def display_short(self):
        return self.short_name or self.name


class Role(models.TextChoices):
    GRID_WORKER = "grid_worker", _("Grid / community worker")  # 网格员/社区工作者
    HANDLER = "handler", _("Handler")  # 承办人
    DISPATCHER = "dispatcher", _("Dispatcher")  # 派单员
    SUPERVISOR = "supervisor", _("Supervisor")  # 督办员
    LEADER = "leader", _("Leader")  # 领导: read-only dashboards
    ADMIN = "admin", _("Administrator")  # 系统管理员


class Membership(models.Model):
    """A staff member's role in one unit or one department: the source of their scope."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("staff member"), on_delete=models.CASCADE, related_name="memberships"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["user_id", "role"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(unit__isnull=False) & Q(department__isnull=True))
                | (Q(unit__isnull=True) & Q(department__isnull=False)),
                name="membership_unit_xor_department",
            ),
            models.UniqueConstraint(
                fields=["user", "unit", "role"], condition=Q(unit__isnull=False), name="membership_unique_unit_role"
            ),
            models.UniqueConstraint(
                fields=["user", "department", "role"],
                condition=Q(department__isnull=False),
                name="membership_unique_department_role",
            ),
        ]

    def __str__(self):
        return f"{self.place} · {self.get_role_display()}"

    @property
    def place(self):
        return self.department or self.unit
