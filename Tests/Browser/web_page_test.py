"""The web page at GET / in a real browser: headless Chromium driven by Selenium.

Usage: python web_page_test.py BASE_URL SHARED_DIR ARTEFACT_DIR [KEYED_BASE_URL API_KEY]

Against BASE_URL (no keys): uploads chelsea.png through the file input and waits for "Egyptian cat" among
the bars; uploads several files at once (chelsea.png, rocket.jpg and a text file) and checks that each card
shows what the server answered for its entry — predictions, or that entry's own error message; drops two
files on the drop zone; uploads an oversized file and checks the server's error. Against KEYED_BASE_URL
(a server started with --api-key-file holding API_KEY): the page asks for a key in its form, refuses a
wrong one with the server's message, classifies once given the right one, and keeps it in sessionStorage
only. Saves a screenshot of each state in ARTEFACT_DIR. Exits non-zero with a message on the first failure.
"""

import base64
import json
import os
import sys
import tempfile
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

STAGES = ["decode", "preprocess", "queue", "inference", "total"]


def ask_server(base, files, key=None):
    """What the server itself answers for these files in one request, through urllib: (status, JSON body)."""
    boundary = "----pagecheck"
    body = b""
    for path, content_type in files:
        with open(path, "rb") as f:
            data = f.read()
        body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"{os.path.basename(path)}\"\r\n"
                 f"Content-Type: {content_type}\r\n\r\n").encode() + data + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    request = urllib.request.Request(f"{base}/classify?top_k=5", data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def choose(driver, *paths):
    """Picks files with the page's file input. ChromeDriver adds to a `multiple` input's earlier files, so the
    input is emptied first (as a person choosing anew replaces the selection)."""
    chooser = driver.find_element(By.ID, "file")
    driver.execute_script("arguments[0].value = ''", chooser)
    chooser.send_keys("\n".join(paths))


def cards(driver):
    return driver.find_elements(By.CSS_SELECTOR, "#results .card")


def answered(card):
    """A card is done when it shows predictions or an error."""
    return bool(card.find_elements(By.CSS_SELECTOR, ".predictions li, .entry-error"))


def wait_for_cards(driver, wait, count):
    wait.until(lambda d: len(cards(d)) == count and all(answered(c) for c in cards(d)))
    return cards(driver)


def check_prediction_card(card, label=None, filename=None):
    labels = [e.text for e in card.find_elements(By.CSS_SELECTOR, ".predictions .label")]
    assert len(labels) == 5, f"expected 5 bars, got {labels}"
    if label:
        assert labels[0] == label, f"top-1 is {labels[0]!r}, expected {label!r} ({labels})"
    if filename:
        assert card.find_element(By.CSS_SELECTOR, ".filename").text == filename
    stages = [row.find_element(By.TAG_NAME, "td").text for row in card.find_elements(By.CSS_SELECTOR, ".timings tbody tr")]
    assert stages[:4] == STAGES[:4], f"timings rows {stages}"
    assert not card.find_elements(By.CSS_SELECTOR, ".entry-error"), "an error beside predictions"
    return labels


def check_card_matches(card, entry):
    """The card shows the server's entry: its top-1 label, or its error message word for word."""
    if "error" in entry:
        shown = card.find_element(By.CSS_SELECTOR, ".entry-error").text
        assert entry["error"]["message"] in shown and entry["error"]["code"] in shown, f"card shows {shown!r}; the server says {entry['error']}"
        return shown
    return check_prediction_card(card, label=entry["predictions"][0]["label"])[0]


def start_browser():
    options = Options()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=900,1400"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)


def open_page(driver, wait, base):
    driver.get(base + "/")
    assert driver.title == "shufflenet-serve", f"page title {driver.title!r}"


def plain_server(driver, wait, base, shared, artefacts, scratch):
    open_page(driver, wait, base)
    wait.until(lambda d: "shufflenet_v1" in d.find_element(By.ID, "model").text)  # the model list comes from /models
    assert not driver.find_element(By.ID, "key-form").is_displayed(), "a key asked for by a server that needs none"

    # 1. One photo: one card, the top bar says Egyptian cat, with its probability, the timings and a thumbnail.
    chelsea = os.path.join(shared, "images/chelsea.png")
    choose(driver, chelsea)
    (card,) = wait_for_cards(driver, wait, 1)
    labels = check_prediction_card(card, label="Egyptian cat", filename="chelsea.png")
    first = card.find_element(By.CSS_SELECTOR, ".probability").text
    assert first.endswith("%") and 50 < float(first.rstrip(" %")) < 70, f"top-1 probability shown as {first!r}"
    stages = [row.find_element(By.TAG_NAME, "td").text for row in card.find_elements(By.CSS_SELECTOR, ".timings tbody tr")]
    assert stages == STAGES, f"timings rows {stages}"
    assert card.find_element(By.CSS_SELECTOR, ".thumb").get_attribute("src").startswith("blob:"), "the image is not shown"
    assert not driver.find_element(By.ID, "error").is_displayed()
    driver.save_screenshot(os.path.join(artefacts, "web-page-chelsea.png"))
    print(f"web page: chelsea.png -> {labels[0]} {first}")

    # 2. Several files in one request: a PNG, a JPEG and a text file; each card shows its own entry.
    notes = os.path.join(scratch, "notes.txt")
    with open(notes, "w") as f:
        f.write("not an image, just words\n" * 20)
    batch = [(chelsea, "image/png"), (os.path.join(shared, "images/rocket.jpg"), "image/jpeg"), (notes, "text/plain")]
    status, body = ask_server(base, batch)
    assert status == 200 and len(body["results"]) == 3, f"the server answered {status} {body}"
    assert "error" in body["results"][2] and "predictions" in body["results"][0], body
    choose(driver, *(path for path, _ in batch))
    shown_cards = wait_for_cards(driver, wait, 3)
    shown = [check_card_matches(c, entry) for c, entry in zip(shown_cards, body["results"])]
    names = [c.find_element(By.CSS_SELECTOR, ".filename").text for c in shown_cards]
    assert names == ["chelsea.png", "rocket.jpg", "notes.txt"], f"cards in order {names}"
    assert "3 images in" in driver.find_element(By.ID, "status").text, driver.find_element(By.ID, "status").text
    assert not driver.find_element(By.ID, "error").is_displayed(), "one bad file failed the whole request"
    driver.save_screenshot(os.path.join(artefacts, "web-page-several.png"))
    print(f"web page: several files -> {shown}")

    # 3. Two files dropped on the drop zone (a drop event carrying File objects, as a desktop drag makes).
    with open(chelsea, "rb") as f:
        png = base64.b64encode(f.read()).decode()
    driver.execute_script("""
        const bytes = Uint8Array.from(atob(arguments[0]), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], "dropped.png", { type: "image/png" }));
        transfer.items.add(new File(["plain words"], "dropped.txt", { type: "text/plain" }));
        document.getElementById("drop").dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
    """, png)
    dropped = wait_for_cards(driver, wait, 2)
    check_prediction_card(dropped[0], label="Egyptian cat", filename="dropped.png")
    assert dropped[1].find_elements(By.CSS_SELECTOR, ".entry-error"), "the dropped text file has no error entry"
    print("web page: two dropped files -> Egyptian cat and an error entry")

    # 4. A file over the body limit: the request as a whole is refused; the server's 413 message is shown.
    big = os.path.join(scratch, "big.png")
    with open(big, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + os.urandom(1024) * int(os.environ.get("PAGE_OVERSIZE_KIB", "33792")))
    status, body = ask_server(base, [(big, "image/png")])
    assert status >= 400, f"the oversized file was accepted: {status}"
    choose(driver, big)
    wait.until(lambda d: str(status) in d.find_element(By.ID, "error").text)
    shown = driver.find_element(By.ID, "error").text
    assert body["error"]["message"] in shown, f"page shows {shown!r}; the server says {status} {body}"
    (card,) = cards(driver)
    assert f"refused (HTTP {status})" in card.find_element(By.CSS_SELECTOR, ".meta").text
    driver.save_screenshot(os.path.join(artefacts, "web-page-oversized.png"))
    print(f"web page: oversized file -> {shown}")


def keyed_server(driver, wait, base, key, shared, artefacts):
    open_page(driver, wait, base)
    form = driver.find_element(By.ID, "key-form")
    # /models needs a key: the page asks at once, in its own form (a prompt() would block the test).
    wait.until(lambda d: form.is_displayed())
    assert "needs an API key" in driver.find_element(By.ID, "key-prompt").text
    driver.save_screenshot(os.path.join(artefacts, "web-page-key-form.png"))
    driver.find_element(By.ID, "key-cancel").click()
    wait.until(lambda d: not form.is_displayed())

    # An upload without a key: 401, the form again; a wrong key: refused with the server's message.
    chelsea = os.path.join(shared, "images/chelsea.png")
    choose(driver, chelsea)
    wait.until(lambda d: form.is_displayed())
    driver.find_element(By.ID, "key").send_keys("not-the-key-0123456789")
    driver.find_element(By.ID, "key-submit").click()
    wait.until(lambda d: "not accepted" in d.find_element(By.ID, "key-prompt").text and form.is_displayed())
    status, body = ask_server(base, [(chelsea, "image/png")], key="not-the-key-0123456789")
    assert status == 401 and body["error"]["message"] in driver.find_element(By.ID, "key-message").text, \
        f"form says {driver.find_element(By.ID, 'key-message').text!r}; the server says {body}"
    driver.save_screenshot(os.path.join(artefacts, "web-page-key-refused.png"))

    # The right key: the same upload is resent and answered.
    driver.find_element(By.ID, "key").send_keys(key)
    driver.find_element(By.ID, "key-submit").click()
    (card,) = wait_for_cards(driver, wait, 1)
    check_prediction_card(card, label="Egyptian cat")
    assert not form.is_displayed()
    assert driver.execute_script("return sessionStorage.getItem('shufflenet-api-key')") == key
    assert driver.execute_script("return localStorage.length") == 0, "the key must not outlive the session"
    driver.save_screenshot(os.path.join(artefacts, "web-page-key-accepted.png"))

    # Reloaded in the same tab, the page remembers the key: no form, the model list loads.
    driver.refresh()
    wait.until(lambda d: "shufflenet_v1" in d.find_element(By.ID, "model").text)
    assert not driver.find_element(By.ID, "key-form").is_displayed()
    print("web page: key asked for, a wrong one refused, the right one kept for the session")


def main():
    base, shared, artefacts = sys.argv[1].rstrip("/"), os.path.abspath(sys.argv[2]), sys.argv[3]
    keyed = sys.argv[4:6] if len(sys.argv) >= 6 else None
    os.makedirs(artefacts, exist_ok=True)
    driver = start_browser()
    wait = WebDriverWait(driver, 60)
    try:
        with tempfile.TemporaryDirectory() as scratch:
            plain_server(driver, wait, base, shared, artefacts, scratch)
        if keyed:
            keyed_server(driver, wait, keyed[0].rstrip("/"), keyed[1], shared, artefacts)
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
