import pytest


@pytest.fixture(autouse=True)
def _media_under_the_test(settings, tmp_path):
    """The acts of collection work draw and store documents (claims, letters, call lists): under the test's own
    directory, never the checkout's."""
    settings.MEDIA_ROOT = tmp_path
