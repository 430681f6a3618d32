import pytest


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def owner(db):
    from tests.factories import owner_user

    return owner_user()


@pytest.fixture
def firm(db):
    from tests.factories import firm_user

    return firm_user()


@pytest.fixture
def bureau(db):
    from tests.factories import bureau_user

    return bureau_user()
