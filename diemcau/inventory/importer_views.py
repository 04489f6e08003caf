"""Import of a unit's inventory from the Excel template (see importer.py)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def import_page(request):  # replaced by the import work
    return HttpResponse(status=501)


@login_required
def import_template(request):  # replaced by the import work
    return HttpResponse(status=501)
