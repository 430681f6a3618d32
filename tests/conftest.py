import pytest


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _clear_cache():
    """Throttle counters live in the cache; every test starts with none."""
    from django.core.cache import cache

    from bidding.services_auction import bidders_forget

    cache.clear()
    bidders_forget()  # process-local Bidder rows: ids are reused after a rolled-back test on SQLite


@pytest.fixture(scope="session", autouse=True)
def _bid_threads(django_db_setup):
    """The auction consumer's bid threads keep their database connections; they are closed
    before the test database is dropped (this fixture tears down before `django_db_setup`)."""
    yield
    from bidding.consumers import bid_threads_stop

    bid_threads_stop()


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


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Transactional tests flush every table, the migrations' seed data included; put the
    reference data (regions, catalogue) back (rules need no rows: their defaults apply) for them. pytest-django runs these
    tests after the ordinary ones, so the ordinary ones keep the migrated data."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or (
        "transactional_db" in request.fixturenames
    )
    if not transactional:
        return
    request.getfixturevalue("transactional_db")
    import importlib

    from django.apps import apps

    importlib.import_module("accounts.migrations.0002_seed_regions").seed(apps, None)
    importlib.import_module("market.migrations.0002_seed_catalogue_rules").seed_catalogue(apps, None)
