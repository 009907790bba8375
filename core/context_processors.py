"""What every page's layout needs: the menus of core.menu for the signed-in user."""

from django.utils.functional import cached_property

from core import menu as registry


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


def menu(request):
    return {"menu": Menus(request)}
