"""Drives the operator dashboard in a real headless Chromium (Debian's chromium and chromium-driver, Selenium
from PyPI), as tests/dashboard.rs asks: the argument is a JSON object (base URL, accounts, the API secret, a
meeting to find, where to save a screenshot). Prints one JSON report as its last line; asks the test (a line
on stdout, an answer on stdin) to end the session when it gets there."""

import hashlib
import json
import sys
import tempfile
import time
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ARGS = json.loads(sys.argv[1])
BASE = ARGS["base"]
REPORT = {}


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1440,1100",
                 "--user-data-dir=" + tempfile.mkdtemp(prefix="scalelite-chromium-")]:
        options.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def create_meeting(meeting_id):
    """A create through Scalelite's BBB API, signed as a front-end signs it."""
    query = urllib.parse.urlencode({"name": meeting_id, "meetingID": meeting_id})
    checksum = hashlib.sha1(("create" + query + ARGS["secret"]).encode()).hexdigest()
    with urllib.request.urlopen(f"{BASE}/bigbluebutton/api/create?{query}&checksum={checksum}") as answer:
        assert b"SUCCESS" in answer.read()


def sign_in(driver, account):
    driver.get(BASE + "/scalelite/dashboard")
    WebDriverWait(driver, 20).until(lambda d: "/sign-in" in d.current_url)
    driver.find_element(By.ID, "name").send_keys(account["name"])
    driver.find_element(By.ID, "password").send_keys(account["password"])
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.ID, "user"))


# The page replaces its tables every few seconds, so each table is read in one script, in the page, at once:
# element by element from here, a row could be swapped out between two reads (a stale element).
def servers(driver):
    return driver.execute_script("""
        const rows = {};
        for (const row of document.querySelectorAll('#servers tbody tr')) {
            const cell = (name) => row.querySelector(name).textContent.trim();
            rows[row.dataset.server] = {state: cell('.state'), load: cell('.load'),
                                        meetings: cell('.meetings'), users: cell('.users')};
        }
        return rows;""")


def meeting_rows(driver):
    return driver.execute_script("""
        const rows = {};
        for (const row of document.querySelectorAll('#meetings tbody tr')) {
            rows[row.dataset.meeting] = row.querySelector('.server').textContent.trim();
        }
        return rows;""")


def text_when_shown(driver, by, what):
    """The text of an element on the page that a click leads to, once that page has loaded."""
    WebDriverWait(driver, 20).until(lambda d: d.find_elements(by, what))
    return driver.find_element(by, what).text


def main():
    driver = browser()
    try:
        # Wrong password first: refused, still on the sign-in page.
        driver.get(BASE + "/scalelite/dashboard/sign-in")
        driver.find_element(By.ID, "name").send_keys(ARGS["operator"]["name"])
        driver.find_element(By.ID, "password").send_keys("not the password")
        driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        REPORT["wrong_password"] = text_when_shown(driver, By.ID, "error")

        sign_in(driver, ARGS["operator"])
        REPORT["servers"] = servers(driver)
        REPORT["charts"] = len(driver.find_elements(By.CSS_SELECTOR, "#servers svg polyline"))
        if ARGS.get("screenshot"):
            driver.save_screenshot(ARGS["screenshot"])

        # Find a meeting by (part of) its ID.
        search = driver.find_element(By.ID, "q")
        search.send_keys(ARGS["find"][3:])
        search.submit()
        WebDriverWait(driver, 20).until(lambda d: "q=" in d.current_url)
        REPORT["found"] = meeting_rows(driver)

        # Cordon a server; new meetings then go elsewhere, and the page shows them without a reload.
        target = ARGS["cordon"]
        driver.get(BASE + "/scalelite/dashboard")
        driver.find_element(By.CSS_SELECTOR, f"button[value='cordon-{target}']").click()
        WebDriverWait(driver, 20).until(lambda d: "done=" in d.current_url or d.find_elements(By.ID, "message"))
        REPORT["notice"] = driver.find_element(By.ID, "notice").text
        REPORT["after_cordon"] = servers(driver)[target]["state"]
        driver.execute_script("window.notReloaded = true;")
        for i in range(6):
            create_meeting(f"after-cordon-{i}")
        WebDriverWait(driver, 30).until(
            lambda d: sum(1 for m in meeting_rows(d) if m.startswith("after-cordon-")) == 6)
        REPORT["new_meetings"] = {m: s for m, s in meeting_rows(driver).items() if m.startswith("after-cordon-")}
        REPORT["live_without_reload"] = driver.execute_script("return window.notReloaded === true;")

        # Panic asks first.
        driver.find_element(By.CSS_SELECTOR, f"button[value='panic-{target}']").click()
        WebDriverWait(driver, 20).until(lambda d: "/dashboard/action" in d.current_url)
        REPORT["panic_asks"] = text_when_shown(driver, By.TAG_NAME, "h1")
        driver.get(BASE + "/scalelite/dashboard")

        # A viewer may look, not act.
        driver.find_element(By.CSS_SELECTOR, "header form button").click()
        WebDriverWait(driver, 20).until(lambda d: "/sign-in" in d.current_url)
        sign_in(driver, ARGS["viewer"])
        other = ARGS["viewer_tries"]
        driver.find_element(By.CSS_SELECTOR, f"button[value='cordon-{other}']").click()
        REPORT["viewer_refused"] = text_when_shown(driver, By.ID, "message")
        driver.get(BASE + "/scalelite/dashboard")
        REPORT["viewer_sees_state"] = servers(driver)[other]["state"]

        # The session ends (the test ends it in the database): the page's next refresh goes to sign-in.
        print("expire", flush=True)
        sys.stdin.readline()
        started = time.time()
        WebDriverWait(driver, 30).until(lambda d: "/sign-in" in d.current_url)
        REPORT["expired_to"] = urllib.parse.urlparse(driver.current_url).path
        REPORT["expired_notice"] = driver.find_element(By.CSS_SELECTOR, ".notice").text
        REPORT["expired_after_s"] = round(time.time() - started, 1)
        driver.get(BASE + "/scalelite/dashboard")
        REPORT["reload_goes_to"] = urllib.parse.urlparse(driver.current_url).path
    except Exception:
        print("at " + driver.current_url + ":\n" + driver.page_source[:3000], file=sys.stderr)
        raise
    finally:
        driver.quit()
    print(json.dumps(REPORT), flush=True)


main()
