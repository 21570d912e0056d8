"""Issue 12, item 9: a path that climbs out of the static folder is a 404, never a 500."""

import pytest
from django.test import Client

TRAVERSALS = [
    "/static/app/..%2f..%2fmanage.py",
    "/static/app/../../manage.py",
    "/static/..%2f..%2fmanage.py",
    "/static/app/%2e%2e/%2e%2e/manage.py",
    "/static/app/..%5c..%5cmanage.py",
    "/static/app/%00.js",
    "/static/app/nothing-here.js",
]


@pytest.mark.parametrize("autorefresh", [False, True], ids=["served", "development"])
@pytest.mark.parametrize("path", TRAVERSALS)
def test_static_path_outside_the_folder_is_not_found(path, autorefresh, tenants, settings):
    # development (DJANGO_DEBUG=1) has WhiteNoise look files up on each request: the probe's 500 was there
    settings.WHITENOISE_AUTOREFRESH = autorefresh
    settings.DEBUG = autorefresh
    response = Client(raise_request_exception=False).get(path, HTTP_HOST=tenants.public_host)
    assert response.status_code == 404
    assert b"execute_from_command_line" not in response.content  # manage.py itself is never served
