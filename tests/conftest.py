import os

import pytest

# One offscreen Qt for the whole session, set before anything imports PySide6.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session")
def catalog():
    from kiosk.catalog_file import load_catalog

    return load_catalog()
