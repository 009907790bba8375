"""The native JSON API (django-ninja); each app adds its router here.

Every operation authenticates with an organisation's API key or a person's API token
(``Authorization: Bearer …``) or the signed-in browser session (accounts.authentication.api_auth), and
every request, the OpenAPI document and the docs page included, counts against the rate limits
(core.ratelimit): over them the answer is 429 with Retry-After. The OpenAPI document declares, for
every operation, the error answers any request may get (401, 422, 429, …) besides those the
operation declares itself, so that it is complete and true (CI checks it with schemathesis)."""

from functools import wraps

from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from accounts.authentication import api_auth
from core import ratelimit
from core.errors import DomainError


def _limited(view):
    """Rate limits for the views that need no authentication (the OpenAPI document, the docs)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        return ratelimit.check(request) or view(request, *args, **kwargs)

    return wrapper


class ReadableJSON(JSONRenderer):
    """UTF-8 JSON with Chinese as written (“需要身份验证”), not as \\u escapes: readable in a
    terminal or a log, and smaller."""

    json_dumps_params = {"ensure_ascii": False}


class MinshengAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        _declare_common_errors(schema)
        return schema


api = MinshengAPI(title="Minsheng API", version="1", urls_namespace="api", auth=api_auth,
                  docs_decorator=_limited, renderer=ReadableJSON())


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    return api.create_response(request, {"detail": str(exc.message), "errors": exc.details}, status=exc.status)


@api.exception_handler(ratelimit.RateLimited)
def rate_limited(request, exc: ratelimit.RateLimited):
    return exc.response


_DESCRIPTIONS = {
    400: "The request is malformed or its content was refused; `detail` says why.",
    401: "No valid credentials: send `Authorization: Bearer <API key or token>`, or sign in.",
    403: "The credentials do not allow this (scope, permissions, CSRF for a signed-in browser).",
    422: "The parameters or the JSON body do not fit the schema; `detail` lists each problem.",
    429: "Too many requests from this address or with this key; wait `Retry-After` seconds.",
}


def _declare_common_errors(schema: dict) -> None:
    """Add to each operation the error answers every request may get, where it does not declare them:
    401 when it needs credentials, 429 always (rate limits), 422 when it takes parameters or a body,
    400 when it takes a body (unparseable JSON)."""
    from appeals.api import ErrorOut, RateLimitOut, ValidationErrorOut

    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in (ErrorOut, RateLimitOut, ValidationErrorOut):
        if model.__name__ not in components:
            components[model.__name__] = model.model_json_schema(ref_template="#/components/schemas/{model}")

    def answer(code: int, model) -> dict:
        content = {"application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}
        result = {"description": _DESCRIPTIONS[code], "content": content}
        if code == 429:
            result["headers"] = {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}}
        return result

    for item in schema.get("paths", {}).values():
        for method, operation in item.items():
            if method not in ("get", "put", "post", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            wanted = {429: RateLimitOut}
            if operation.get("security"):
                wanted[401] = ErrorOut
            if operation.get("parameters") or operation.get("requestBody"):
                wanted[422] = ValidationErrorOut
            if operation.get("requestBody"):
                wanted[400] = ErrorOut
            for code, model in wanted.items():
                if str(code) not in responses and code not in responses:
                    responses[str(code)] = answer(code, model)
                elif code == 429:
                    existing = responses.get(str(code)) or responses.get(code)
                    existing.setdefault("headers", answer(429, model)["headers"])


def _register():
    from orgs.api import router as orgs_router

    api.add_router("/orgs/", orgs_router)
    api.add_router("/appeals/", "appeals.api.router")
    api.add_router("/care/", "care.api.router")
    api.add_router("/employment/", "employment.api.router")
    api.add_router("/courses/", "courses.api.router")
    api.add_router("/events/", "events.api.router")
    api.add_router("/facilities/", "facilities.api.router")
    api.add_router("/volunteers/", "volunteers.api.router")


_register()
