"""Browser fixtures: the app served over real HTTP, and Debian's Chromium driven by Playwright."""
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.served import served

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]

# Two test processes share two cores with PostgreSQL and Chromium, so a swap can take longer than
# Playwright's 5 s default while the suite runs; a slow swap is not a failure, a missing one is.
expect.set_options(timeout=15_000)


@pytest.fixture
def live_server(app):
    """The base URL of `app` served by waitress, as in production, from a thread on a free loopback port.

    Waitress closes what a response was reading from when the browser drops the request mid-way (a page
    left before its favicon arrived); a server that leaks the file there fails the test that happens to follow.
    """
    with served(app) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    """Chromium for the whole test session."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs the apt package chromium.")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser tab with its own cookies."""
    context = browser.new_context()
    tab = context.new_page()
    yield tab
    context.close()
