"""Solving the platform's CAPTCHA in tests the way a person would: read the challenge the
page shows (its hash key) and answer it (the answer is in the CAPTCHA store)."""

import re

from captcha.models import CaptchaStore

KEY_RE = re.compile(r'name="captcha_0" value="([0-9a-f]+)"')


def captcha_answer(html: str) -> dict[str, str]:
    """The form fields that answer the CAPTCHA shown in `html` (which must show one)."""
    match = KEY_RE.search(html)
    assert match, "the page shows no CAPTCHA"
    key = match.group(1)
    return {"captcha_0": key, "captcha_1": CaptchaStore.objects.get(hashkey=key).response}


def shows_captcha(html: str) -> bool:
    return KEY_RE.search(html) is not None
