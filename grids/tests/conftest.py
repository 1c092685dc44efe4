import datetime

import pytest

from core.testing.school import START, make_school


@pytest.fixture
def school(cast):
    return make_school(cast.school1)


@pytest.fixture
def day():
    """A Tuesday inside the term the test school starts on."""
    return START + datetime.timedelta(days=6)
