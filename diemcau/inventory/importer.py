"""Import of a unit's inventory from the Excel template: all or nothing.

The file has four data sheets (``Điểm cầu``, ``Thiết bị``, ``Đường truyền``,
``Cán bộ kỹ thuật``) whose header row names the columns. Sheet names and
headers are a file format, not page text: they stay Vietnamese whatever the
interface language, and the English aliases are accepted too
(``import_format``).

A run reads top to bottom:

1. ``import_read.read_workbook`` — what kind of file it is, the size limits
   (before anything is parsed), the template's sheets, the header row, every
   cell parsed; a bad cell is one error with sheet, row (as Excel numbers it),
   column letter, header and reason; formulas, hidden sheets, rows and columns
   are errors too.
2. ``import_apply.apply`` — rows matched to what exists (a re-import changes
   nothing), every object checked by the model's own ``full_clean()``, and
   only when the whole file is good and this is not a dry run, everything
   written in one transaction, in bulk, with its history (``via=import``).

Every error of the file is listed at once; a file with any error changes
nothing. The import never retires anything: rows missing from the file stay
as they are (a unit may send only its devices sheet).
"""

from collections.abc import Callable

from django.utils.translation import gettext_lazy as _

from diemcau.audit.choices import AuditVia
from diemcau.audit.services import (
    IMPORT_CHECKED,
    IMPORT_FAILED,
    IMPORT_REFUSED,
    IMPORT_SAVED,
    record_import,
)
from diemcau.inventory import access
from diemcau.inventory.import_apply import apply
from diemcau.inventory.import_format import ERRORS_SHOWN, SHEETS, ImportContext, ImportResult
from diemcau.inventory.import_read import read_workbook
from diemcau.inventory.models import Organization

__all__ = ["ERRORS_SHOWN", "SHEETS", "ImportResult", "can_import", "import_inventory"]


def import_inventory(data: bytes, *, user=None, organization: Organization | None = None, dry_run: bool = False,
                     progress: Callable | None = None, request=None, filename: str = "",
                     via: AuditVia | str | None = None) -> ImportResult:
    """Import an inventory workbook, all or nothing; see the module docstring.

    ``progress(done, total)`` is called now and then (``total`` is None while
    the file is still being read). ``request`` and ``filename`` say who sent
    what, for the audit log; without a request the event names ``user`` and
    is recorded ``via`` the command line or the system (the worker).
    """
    ctx = ImportContext(user=user, organization=organization, progress=progress)
    audit = {"what": _("Inventory"), "filename": filename, "size": len(data), "request": request,
             "actor": user if request is None else None, "via": via}
    try:
        sheets = read_workbook(ctx, data)
        if not ctx.result.file_errors:
            apply(ctx, sheets, dry_run=dry_run)
    except Exception:
        record_import(outcome=IMPORT_FAILED, **audit)
        raise
    ctx.result.errors.sort(key=_error_order)
    # Audit: the one place an import (checked or applied) is recorded — who, the file, the counts.
    result = ctx.result
    if not result.ok:
        record_import(outcome=IMPORT_REFUSED, errors=result.error_count, **audit)
    elif result.applied:
        total = result.total
        record_import(outcome=IMPORT_SAVED, changed=total["created"] + total["updated"], **audit)
    else:
        record_import(outcome=IMPORT_CHECKED, **audit)
    return result


def _error_order(error):
    titles = [s.title for s in SHEETS]
    return (titles.index(error.sheet) if error.sheet in titles else len(titles), error.row or 0, error.column)


def can_import(user) -> bool:
    """Who may import: whoever may add sites to some organisation (DOST editors, unit users)."""
    return user.is_authenticated and access.organizations_where_user_adds_sites(user).exists()
