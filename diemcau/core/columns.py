"""Which columns of a wide table a user sees: chosen once, kept per user (core.TableColumns).

As NetBox keeps a user's table configuration, the choice is stored in the database; a copy
in the session (filled at sign-in) means drawing a list costs no extra query. Templates:

    {% load diemcau %}
    {% table_columns columns "standards:matrix" key="code" label="code" keep_first=False as cols %}
    {% include "includes/column_chooser.html" %}   {# uses cols #}
    {% for c in cols.shown %}…{% endfor %}

``includes/list_table.html`` does it for every list built from ``core.listing.Column``s; the
first column (the row's name and link) is never hidden there.
"""

from django.utils import timezone

from diemcau.core.models import TableColumns

SESSION_KEY = "table_columns"


def hidden_keys(request, table: str) -> set[str]:
    session = getattr(request, "session", None)
    return set((session.get(SESSION_KEY) or {}).get(table, [])) if session is not None else set()


def save_hidden(request, table: str, hidden) -> None:
    hidden = sorted(set(hidden))[:500]
    TableColumns.objects.update_or_create(user=request.user, table=table[:100],
                                          defaults={"hidden": hidden, "updated_at": timezone.now()})
    chosen = dict(request.session.get(SESSION_KEY) or {})
    chosen[table[:100]] = hidden
    request.session[SESSION_KEY] = chosen


def load_into_session(sender, request, user, **kwargs) -> None:
    """``user_logged_in`` receiver: the user's choices follow them to a new browser."""
    request.session[SESSION_KEY] = dict(TableColumns.objects.filter(user=user).values_list("table", "hidden"))


def choose(request, items, table: str, *, key: str = "key", label: str = "header", keep_first: bool = True) -> dict:
    """``{"table", "shown": [items the user sees], "choices": [{"key", "label", "shown", "fixed"}]}``."""
    hidden = hidden_keys(request, table)
    shown, choices = [], []
    for index, item in enumerate(items):
        value = str(item[key] if isinstance(item, dict) else getattr(item, key))
        fixed = keep_first and index == 0
        visible = fixed or value not in hidden
        if visible:
            shown.append(item)
        text = item[label] if isinstance(item, dict) else getattr(item, label)
        choices.append({"key": value, "label": text, "shown": visible, "fixed": fixed})
    return {"table": table, "shown": shown, "choices": choices, "hidden": len(items) - len(shown),
            "shown_keys": {c["key"] for c in choices if c["shown"]}}
