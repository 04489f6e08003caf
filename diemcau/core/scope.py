"""The one access scope: which rows of a model a user may see or act on.

Like NetBox's ``restrict()``: every page, export, API call and report
narrows its queryset with ``scope(queryset, user, action)``; each app
declares, per model and action, a small ``Rule`` in its ``access.py``::

    scope.register(Site,
        view=Rule(unit="organization", operator=served("pk")),
        change=Rule(province=EDITORS, unit="organization"))

The role ladder lives here once (``scope``): a user who is not signed in (or
not active) gets nothing; a user with the rule's ``province`` property
(``sees_province`` by default) gets every row; otherwise the rule's ``roles``
(if given) must include the user's role, and a unit user (head of unit, site
technical contact) gets the rows ``unit`` names, an operator engineer the
rows ``operator`` names, anyone else the rows ``others`` names — or nothing.

``unit``, ``operator`` and ``others`` are the path of a field that holds an
organisation (``"site__organization"``: the rows of the user's own
organisation), a tuple of such paths (the rows where any of them is the
user's organisation), or a function ``f(user) -> Q``. Paths are checked in
memory for one object; a function costs a query.

Objects: ``get_for_user(queryset, user, pk, action)`` answers 404 for a row
the user may not see and 403 for one they see but may not act on;
``allowed(user, obj, action)`` is the same rule for one object in memory;
``permits(user, model, action)`` whether the rule grants the user any row at
all (a page or a button that needs no object: "may plan roadmaps").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404

# The user properties that grant every row (see accounts.models.User).
PROVINCE = "sees_province"      # leader, auditor, dost_admin, dost_staff
EDITORS = "edits_province"      # dost_admin, dost_staff
ADMIN = "is_dost_admin"         # dost_admin

Spec = str | tuple[str, ...] | Callable[..., Q] | None


@dataclass(frozen=True)
class Rule:
    """Who may do one action on the rows of one model."""

    province: str | None = PROVINCE
    unit: Spec = None
    operator: Spec = None
    others: Spec = None
    roles: frozenset | None = None


_RULES: dict[type[Model], dict[str, Rule]] = {}


def register(model: type[Model], **rules: Rule) -> None:
    """Declare ``model``'s rules, one keyword per action (``view=Rule(...)``, ``change=Rule(...)``)."""
    _RULES.setdefault(model, {}).update(rules)


def rule_for(model: type[Model], action: str) -> Rule:
    rules = _RULES.get(model)
    if rules is None:
        # Rules are declared in the model's app's access.py: import it on first use.
        config = apps.get_containing_app_config(model.__module__)
        if config is not None and find_spec(f"{config.name}.access") is not None:
            import_module(f"{config.name}.access")
        rules = _RULES.get(model, {})
    if action not in rules:
        raise ImproperlyConfigured(f"No access rule for {action!r} on {model.__name__}: declare it in its access.py")
    return rules[action]


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def _spec(rule: Rule, user) -> Spec:
    """The part of the rule that applies to this user, after the province and role checks."""
    if rule.roles is not None and user.role not in rule.roles:
        return None
    if user.is_unit_user and rule.unit is not None:
        return rule.unit
    if user.is_operator and rule.operator is not None:
        return rule.operator
    return rule.others


def _q(spec, user) -> Q:
    if isinstance(spec, str):
        return Q(**{spec: user.organization_id})
    if isinstance(spec, tuple):
        q = Q()
        for path in spec:
            q |= Q(**{path: user.organization_id})
        return q
    return spec(user)


def scope(queryset: QuerySet, user, action: str = "view") -> QuerySet:
    """The rows of ``queryset`` that ``user`` may ``action``."""
    rule = rule_for(queryset.model, action)
    if not _active(user):
        return queryset.none()
    if rule.province and getattr(user, rule.province):
        return queryset
    spec = _spec(rule, user)
    if spec is None:
        return queryset.none()
    return queryset.filter(_q(spec, user))


def _follow(obj, path: str):
    """The organisation id at the end of ``path`` (``site__organization`` → obj.site.organization_id)."""
    *hops, last = path.split("__")
    for hop in hops:
        obj = getattr(obj, hop)
        if obj is None:
            return None
    return obj.pk if last == "pk" else getattr(obj, f"{last}_id")


def allowed(user, obj: Model, action: str = "change") -> bool:
    """Whether ``user`` may ``action`` this one object (in memory when the rule names a field path)."""
    rule = rule_for(type(obj), action)
    if not _active(user):
        return False
    if rule.province and getattr(user, rule.province):
        return True
    spec = _spec(rule, user)
    if spec is None:
        return False
    if isinstance(spec, str | tuple):
        paths = (spec,) if isinstance(spec, str) else spec
        return user.organization_id is not None and any(_follow(obj, path) == user.organization_id for path in paths)
    return type(obj)._default_manager.filter(pk=obj.pk).filter(spec(user)).exists()


def permits(user, model: type[Model], action: str) -> bool:
    """Whether ``model``'s ``action`` rule grants ``user`` any rows at all (no query)."""
    rule = rule_for(model, action)
    if not _active(user):
        return False
    if rule.province and getattr(user, rule.province):
        return True
    return _spec(rule, user) is not None


def require(user, obj: Model, action: str = "change") -> None:
    """403 unless ``user`` may ``action`` ``obj``."""
    if not allowed(user, obj, action):
        raise PermissionDenied


def get_for_user(queryset: QuerySet, user, pk, action: str = "view"):
    """The row ``pk`` if the user sees it (else 404) and may ``action`` it (else 403)."""
    obj = scope(queryset, user, "view").filter(pk=pk).first()
    if obj is None:
        raise Http404
    if action != "view":
        require(user, obj, action)
    return obj
