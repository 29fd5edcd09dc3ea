"""The web page at GET / in a real browser: headless Chromium driven by Selenium.

Usage: python web_page_test.py BASE_URL SHARED_DIR ARTEFACT_DIR

Uploads chelsea.png through the page's file input and waits for "Egyptian cat" among the bars; uploads a
JPEG and an oversized file and checks that the page shows the server's own error message. Saves a
screenshot of each state in ARTEFACT_DIR. Exits non-zero with a message on the first failure.
"""

import json
import os
import sys
import tempfile
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait


def server_error(base, path, content_type):
    """What the server itself says about this file, through urllib (the words the page must show)."""
    boundary = "----pagecheck"
    with open(path, "rb") as f:
        data = f.read()
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"{os.path.basename(path)}\"\r\n"
            f"Content-Type: {content_type}\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(f"{base}/classify?top_k=5", data=body, method="POST",
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        urllib.request.urlopen(request, timeout=60)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)["error"]["message"]
    raise AssertionError(f"{path} was accepted by the server; expected an error")


def main():
    base, shared, artefacts = sys.argv[1].rstrip("/"), os.path.abspath(sys.argv[2]), sys.argv[3]
    os.makedirs(artefacts, exist_ok=True)
    options = Options()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=900,1300"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)
    wait = WebDriverWait(driver, 60)
    try:
        driver.get(base + "/")
        assert driver.title == "shufflenet-serve", f"page title {driver.title!r}"
        # The model list comes from /models.
        wait.until(lambda d: "shufflenet_v1" in d.find_element(By.ID, "model").text)

        # 1. A real photo: the top bar says Egyptian cat, with its probability and the timings.
        driver.find_element(By.ID, "file").send_keys(os.path.join(shared, "images/chelsea.png"))
        wait.until(EC.visibility_of_element_located((By.ID, "result")))
        labels = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#predictions .label")]
        assert len(labels) == 5, f"expected 5 bars, got {labels}"
        assert labels[0] == "Egyptian cat", f"top-1 is {labels[0]!r}, expected 'Egyptian cat' ({labels})"
        first = driver.find_element(By.CSS_SELECTOR, "#predictions .probability").text
        assert first.endswith("%") and 50 < float(first.rstrip(" %")) < 70, f"top-1 probability shown as {first!r}"
        stages = [row.find_element(By.TAG_NAME, "td").text for row in driver.find_elements(By.CSS_SELECTOR, "#timings tbody tr")]
        assert stages == ["decode", "preprocess", "queue", "inference", "total"], f"timings rows {stages}"
        assert driver.find_element(By.ID, "preview").get_attribute("src").startswith("blob:"), "the image is not shown"
        assert not driver.find_element(By.ID, "error").is_displayed()
        driver.save_screenshot(os.path.join(artefacts, "web-page-chelsea.png"))
        print(f"web page: chelsea.png -> {labels[0]} {first}")

        # 2. A JPEG: the server's 415 message, word for word.
        jpeg = os.path.join(shared, "images/rocket.jpg")
        status, message = server_error(base, jpeg, "image/jpeg")
        driver.find_element(By.ID, "file").send_keys(jpeg)
        wait.until(EC.visibility_of_element_located((By.ID, "error")))
        shown = driver.find_element(By.ID, "error").text
        assert str(status) in shown and message in shown, f"page shows {shown!r}; the server says {status} {message!r}"
        assert not driver.find_element(By.ID, "result").is_displayed(), "old predictions still shown beside an error"
        driver.save_screenshot(os.path.join(artefacts, "web-page-jpeg.png"))
        print(f"web page: rocket.jpg -> {shown}")

        # 3. A file over the body limit: the server's 413 message.
        with tempfile.NamedTemporaryFile(suffix=".png", delete=False) as big:
            big.write(b"\x89PNG\r\n\x1a\n" + os.urandom(1024) * (int(os.environ.get("PAGE_OVERSIZE_KIB", "17408"))))
        try:
            status, message = server_error(base, big.name, "image/png")
            driver.find_element(By.ID, "file").send_keys(big.name)
            wait.until(lambda d: str(status) in d.find_element(By.ID, "error").text)
            shown = driver.find_element(By.ID, "error").text
            assert message in shown, f"page shows {shown!r}; the server says {status} {message!r}"
            driver.save_screenshot(os.path.join(artefacts, "web-page-oversized.png"))
            print(f"web page: oversized file -> {shown}")
        finally:
            os.unlink(big.name)
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
