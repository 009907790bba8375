"""What every page's layout needs: the menus of core.menu for the signed-in user, the site-wide links
the apps register (the privacy notice, the elder-mode switch), and whether 关怀模式 is on."""

from django.urls import NoReverseMatch, reverse
from django.utils.functional import cached_property

from core import menu as registry

# The device's 关怀模式 (elder mode): larger type, higher contrast, bigger targets. Set by the switch an
# app registers as the "care_mode" site URL (accounts.views.care_mode); read here for every page.
CARE_COOKIE = "minsheng_care"

# Pages of apps above core that the layout links to on every page — the footer's privacy notice, the
# elder-mode switch — by key. Like core.menu, core holds only URL names, registered by the app that
# answers them (in its AppConfig.ready()); a key nobody registered is simply not shown.
_site_urls: dict[str, str] = {}


def register_site_url(key: str, url_name: str) -> None:
    _site_urls[key] = url_name


def site_urls() -> dict[str, str]:
    urls = {}
    for key, name in _site_urls.items():
        try:
            urls[key] = reverse(name)
        except NoReverseMatch:  # that app's URLs are not mounted in this deployment
            continue
    return urls


def is_resident_side(user) -> bool:
    """Visitors and residents get the resident's pages and the elder-mode switch; staff do not."""
    return user is None or not getattr(user, "is_authenticated", False) or bool(getattr(user, "is_resident", False))


def care_mode_on(request) -> bool:
    return request.COOKIES.get(CARE_COOKIE) == "1" and is_resident_side(getattr(request, "user", None))


class Menus:
    """Built on first use, so a page that shows no menu (or a response that renders no template) costs
    nothing; the predicates read the user's memberships, which orgs caches per request."""

    def __init__(self, request):
        self.request = request

    @property
    def _user(self):
        return getattr(self.request, "user", None)

    @cached_property
    def main(self) -> list[dict]:
        kind = registry.menu_for(self._user)
        return registry.links_for(self._user, kind, path=self.request.path) if kind else []

    @cached_property
    def account(self) -> list[dict]:
        return registry.links_for(self._user, registry.ACCOUNT, path=self.request.path)

    @cached_property
    def kind(self) -> str:
        return registry.menu_for(self._user) or ""

    @cached_property
    def groups(self) -> list[dict]:
        """The main menu under its group headings (工作 / 数据与督办 / 管理 …)."""
        return registry.groups_for(self.main, self.kind) if self.main else []

    @cached_property
    def current(self) -> dict | None:
        """The entry of the page being shown, named beside the phone's 菜单 button."""
        return next((link for link in self.main if link["current"]), None)


def menu(request):
    return {
        "menu": Menus(request),
        "site_urls": site_urls(),
        "care_mode": care_mode_on(request),
        "care_offered": is_resident_side(getattr(request, "user", None)),
    }
