"""A spoken view in real Chromium with a fake microphone, on a phone-sized screen, in Romani.

The participant records (the microphone plays a generated tone), listens back,
sends and gets a receipt; staff play the recording (the media element reports
its duration), write down what was said and publish it; the public page then
shows the text and no audio. Without JavaScript the same form takes a file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.support import SCREENSHOT_DIR, LiveServer, chromium_path, format_violations, run_axe
from tests.media import sounds

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
SCREENSHOTS = os.environ.get("SCREENSHOTS") == "1"
TRANSCRIPTION = "Kamas te avel maj but informacia ande romani čhib, vi pe radio."


@pytest.fixture(scope="module")
def microphone_browser(playwright_instance: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Chromium whose microphone plays a generated WAV (a 440 Hz tone), permission granted."""
    sounds.require_ffmpeg()
    wav = sounds.write_tone_wav(tmp_path_factory.mktemp("mic") / "tone.wav", 3.0, rate=48000)
    browser = playwright_instance.chromium.launch(
        executable_path=chromium_path(),
        args=[
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={wav}",
            "--autoplay-policy=no-user-gesture-required",
        ],
    )
    yield browser
    browser.close()


def _code(page: Any) -> str:
    code = page.locator(".reference-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code), code
    return code


def _duration(page: Any, selector: str) -> float:
    return page.locator(selector).evaluate(
        """a => new Promise((resolve, reject) => {
             const done = () => resolve(a.duration);
             if (a.readyState >= 1) { done(); return; }
             a.addEventListener('loadedmetadata', done, {once: true});
             a.addEventListener('error', () => reject(new Error('media error ' + (a.error && a.error.code))), {once: true});
             a.load();
           })"""
    )


def test_record_send_listen_transcribe_publish(
    microphone_browser: Any, live_server: LiveServer, staff_state: dict[str, Any]
) -> None:
    demo = live_server.demo
    consultation_id = demo.upcoming_id
    participant = microphone_browser.new_context(base_url=live_server.url, viewport=PHONE, bypass_csp=False)
    staff = microphone_browser.new_context(
        base_url=live_server.url, viewport=PHONE, storage_state=staff_state, bypass_csp=True
    )
    try:
        page = participant.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"/rom/consultations/{consultation_id}/views/new")
        recorder = page.locator("[data-recorder]")
        assert recorder.is_visible(), "the recorder is shown where MediaRecorder works"
        # Recording needs consent first: the status says so, nothing is recorded.
        page.locator("[data-action=record]").click()
        assert page.locator("[data-status]").inner_text().strip() != ""
        assert page.locator("[data-action=stop]").is_hidden()
        page.locator("#recording_consent").check()
        page.locator("[data-action=record]").click()
        page.locator("[data-action=stop]").wait_for(state="visible")
        page.wait_for_timeout(2500)
        page.locator("[data-action=stop]").click()
        page.locator("[data-preview]").wait_for(state="visible")
        # Record again: the second take replaces the first.
        page.locator("[data-action=again]").click()
        page.locator("[data-action=stop]").wait_for(state="visible")
        page.wait_for_timeout(2000)
        page.locator("[data-action=stop]").click()
        page.locator("[data-preview]").wait_for(state="visible")
        assert page.locator("#recording").evaluate("i => i.files.length") == 1
        assert page.locator("#recording").evaluate("i => i.files[0].type").startswith("audio/")
        page.locator("input[name=language][value=rom]").check()
        page.locator("#romani_variety").select_option("kalderash")
        page.locator("#publish_consent").check()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], (
            "no sideways scrolling at 390 px"
        )
        if SCREENSHOTS:
            SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
            page.locator("fieldset.recording").screenshot(path=str(SCREENSHOT_DIR / "voice-recorded-rom-390.png"))
        with page.expect_navigation():
            page.locator("main form button[type=submit]").last.click()
        assert not page.locator(".error-summary").count(), page.locator(".error-summary").all_inner_texts()
        assert "/rom/views/receipt/" in page.url
        code = _code(page)
        assert errors == [], errors

        # Staff: the view list plays the recording.
        spage = staff.new_page()
        spage.goto(f"/rom/staff/consultations/{consultation_id}/views")
        card = spage.locator("article.view-card", has_text=code)
        player = card.locator("audio")
        assert player.count() == 1
        duration = _duration(spage, f"article.view-card:has-text('{code}') audio")
        assert 1.0 < duration < 10.0, duration
        assert (
            player.evaluate("a => a.play().then(() => new Promise(r => setTimeout(r, 700))).then(() => a.currentTime)")
            > 0
        )
        violations = run_axe(spage)
        assert not violations, format_violations(spage.url, violations)
        if SCREENSHOTS:
            card.screenshot(path=str(SCREENSHOT_DIR / "voice-staff-list-rom-390.png"))
        # Write down what was said, and publish it as the view's text.
        with spage.expect_navigation():
            card.locator("a[href$='/transcribe']").click()
        spage.locator("#transcription").fill(TRANSCRIPTION)
        spage.locator("input[name=provenance][value=human]").check()
        spage.locator("#transcriber").fill("Brobyggare B")
        violations = run_axe(spage)
        assert not violations, format_violations(spage.url, violations)
        with spage.expect_navigation():
            spage.locator("#publish").click()
        assert not spage.locator(".error-summary").count(), spage.locator(".error-summary").all_inner_texts()
        assert TRANSCRIPTION in spage.locator("article.view-card", has_text=code).inner_text()

        # The public page: the text, and no sound.
        page.goto(f"/rom/views/{code}")
        assert TRANSCRIPTION in page.locator("main").inner_text()
        assert page.locator("audio, video, source").count() == 0
        assert "recording" not in page.content()
    finally:
        participant.close()
        staff.close()


def test_without_javascript_a_file_is_sent(microphone_browser: Any, live_server: LiveServer, tmp_path: Path) -> None:
    context = microphone_browser.new_context(base_url=live_server.url, viewport=PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"/sv/consultations/{live_server.demo.upcoming_id}/views/new")
        assert page.locator("[data-recorder]").is_hidden()
        sound = tmp_path / "inspelning.m4a"  # the name says M4A; the content (WebM) decides
        sound.write_bytes(sounds.tone_webm(2.0))
        page.locator("#recording").set_input_files(str(sound))
        page.locator("#recording_consent").check()
        with page.expect_navigation():
            page.locator("main form button[type=submit]").last.click()
        assert "/sv/views/receipt/" in page.url, page.locator(".error-summary").all_inner_texts()
        _code(page)
        # A file that is not sound: a message next to the field, the typed text kept.
        page.goto(f"/sv/consultations/{live_server.demo.upcoming_id}/views/new")
        fake = tmp_path / "inte-ljud.mp3"
        fake.write_bytes(b"%PDF-1.7\n" + b"x" * 4000)
        page.locator("#body").fill("Min text ska finnas kvar.")
        page.locator("#recording").set_input_files(str(fake))
        page.locator("#recording_consent").check()
        with page.expect_navigation():
            page.locator("main form button[type=submit]").last.click()
        assert page.locator("#recording-error").is_visible()
        assert page.locator("#body").input_value() == "Min text ska finnas kvar."
    finally:
        context.close()


def test_listen_to_the_invitation_read_aloud(
    microphone_browser: Any, live_server: LiveServer, staff_state: dict[str, Any], tmp_path: Path
) -> None:
    consultation_id = live_server.demo.upcoming_id
    staff = microphone_browser.new_context(
        base_url=live_server.url, viewport=PHONE, storage_state=staff_state, bypass_csp=True
    )
    visitor = microphone_browser.new_context(base_url=live_server.url, viewport=PHONE, bypass_csp=True)
    try:
        spage = staff.new_page()
        spage.goto(f"/rom/staff/consultations/{consultation_id}/readings")
        violations = run_axe(spage)
        assert not violations, format_violations(spage.url, violations)
        sound = tmp_path / "akharimos.webm"
        sound.write_bytes(sounds.tone_webm(3.0))
        spage.locator("#target").select_option("invitation")
        spage.locator("input[name=language][value=rom]").check()
        spage.locator("#file").set_input_files(str(sound))
        with spage.expect_navigation():
            spage.locator("main form[enctype] button[type=submit]").click()
        assert not spage.locator(".error-summary").count(), spage.locator(".error-summary").all_inner_texts()

        page = visitor.new_page()
        page.goto(f"/rom/consultations/{consultation_id}")
        player = page.locator("figure.reading audio")
        assert player.count() == 1
        assert page.locator("figure.reading figcaption").inner_text().strip()
        assert 2.5 < _duration(page, "figure.reading audio") < 4.0
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        violations = run_axe(page)
        assert not violations, format_violations(page.url, violations)
        if SCREENSHOTS:
            page.locator("figure.reading").screenshot(path=str(SCREENSHOT_DIR / "reading-rom-390.png"))
    finally:
        staff.close()
        visitor.close()
