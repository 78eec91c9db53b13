"""The web page in a real browser (headless Chromium through Selenium) against the app on loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from hugginggpt.experts.echo import EchoExperts
from live_server import live_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# Read at import: conftest clears every HUGGINGGPT_* variable for each test.
SCREENSHOT_DIR = os.environ.get("HUGGINGGPT_SCREENSHOT_DIR")
ANSWER = "Here is what the experts found."

if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
    pytest.skip(
        "the browser test needs Debian's chromium and chromium-driver: sudo apt-get install chromium chromium-driver "
        "(scripts/setup.sh installs them)",
        allow_module_level=True,
    )

from selenium import webdriver  # noqa: E402  (only once the browser is known to exist)
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    # A phone's screen (a headless window is at least 500 pixels wide, so the device is emulated)
    driver.get("about:blank")  # the override holds from the first page loaded on
    phone = {"width": 390, "height": 1300, "deviceScaleFactor": 1, "mobile": True}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", phone)
    try:
        yield driver
    finally:
        driver.quit()


def photo(path: Path) -> Path:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (96, 64), "#87b5e8")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 44, 96, 64), fill="#5c9e4a")
    draw.ellipse((62, 8, 82, 28), fill="#f4d35e")
    image.save(path)
    return path


def ask(driver: WebDriver, request: str, file: Path | None = None) -> None:
    if file is not None:
        driver.find_element(By.ID, "files").send_keys(str(file.resolve()))
    driver.find_element(By.ID, "request").send_keys(request)
    driver.find_element(By.ID, "send").click()


def test_chat_shows_the_plan_running_and_the_answer(browser: WebDriver, tmp_path: Path) -> None:
    slow = EchoExperts(delay=0.3)  # long enough to see tasks running, short for the suite
    with live_server(experts=slow) as url:
        browser.get(url)
        ask(browser, "Describe this picture and read the description aloud", photo(Path("photo.png")))
        wait = WebDriverWait(browser, 30)
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, '.node[data-state="running"]'))
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, '.node[data-state="done"]')) == 2)
        wait.until(lambda d: ANSWER in d.find_element(By.CSS_SELECTOR, ".turn .answer").text)

        edges = browser.find_elements(By.CSS_SELECTOR, ".graph .edge")
        assert len(edges) == 1  # text-to-speech depends on image-to-text
        cards = browser.find_elements(By.CSS_SELECTOR, ".task")
        assert [c.get_attribute("data-state") for c in cards] == ["done", "done"]
        assert "org/image-to-text-model" in cards[0].text and "the only candidate" in cards[0].text
        assert "[echo of image-to-text" in cards[0].text
        audio = cards[1].find_element(By.TAG_NAME, "audio")
        assert audio.get_attribute("src").endswith("/files/t1-text-to-speech.wav")
        wait.until(lambda d: d.execute_script("return arguments[0].readyState", audio) >= 1)  # it loads

        # A second turn in the same conversation uses the first turn's picture; both turns stay.
        ask(browser, "Describe it again")
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, '.node[data-state="done"]')) == 4)
        wait.until(lambda d: ANSWER in d.find_elements(By.CSS_SELECTOR, ".turn .answer")[1].text)
        assert len(browser.find_elements(By.CSS_SELECTOR, ".turn")) == 2
        width = browser.execute_script("return document.documentElement.scrollWidth")
        assert browser.execute_script("return innerWidth") == 390 and width <= 390  # nothing wider than the phone

        folder = Path(SCREENSHOT_DIR) if SCREENSHOT_DIR else tmp_path
        folder.mkdir(parents=True, exist_ok=True)
        browser.execute_script("window.scrollTo(0, 0)")
        shot = folder / "web_page.png"
        assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
