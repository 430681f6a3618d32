"""An accessibility check with axe-core (shipped in tests/e2e/vendor/axe-core, injected by
Playwright) on the main pages of every role: no serious or critical violation."""

from pathlib import Path

import pytest

from tests.e2e.test_phone_and_desktop import in_thread, new_page

pytestmark = pytest.mark.e2e

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
AXE_SOURCE = AXE.read_text(encoding="utf-8")


def violations(page) -> list[str]:
    """The serious and critical axe violations of the page, one line each (WCAG 2 A/AA rules)."""
    # Evaluated over the DevTools protocol, which the page's CSP (script-src 'self') does not
    # govern; a <script> tag with the same text would be refused, as it should be.
    page.evaluate(AXE_SOURCE)
    found = page.evaluate("""async () => {
        const result = await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}});
        return result.violations.filter(v => v.impact === "serious" || v.impact === "critical")
            .map(v => v.id + " (" + v.impact + "): " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | "));
    }""")
    return found


def set_up():
    from market.services_requests import signup_create
    from tests.factories import bureau_user, firm_user, owner_user, published_request, service_item
    from tests.lifecycle_fixtures import completed_request

    item = service_item()
    owner = owner_user()
    firm = firm_user(item=item)
    req = published_request(owner=owner, item=item)
    signup_create(request_id=req.pk, user=firm)
    done, _owner, _firm = completed_request(owner=owner, firm=firm)
    return {"owner": owner, "firm": firm, "bureau": bureau_user(), "req": req, "done": done}


def test_the_main_pages_of_every_role_have_no_serious_or_critical_violation(browser, live_url, login):
    data = in_thread(set_up)
    req, done, firm = data["req"], data["done"], data["firm"]
    pages = {
        None: ["/", "/announcements/", f"/requests/{req.code}/", "/registry/", f"/registry/{firm.organisation_id}/",
               "/credit/", "/guide/", "/catalogue/", "/results/", "/accounts/login/"],
        "owner": ["/owner/requests/", "/owner/requests/new/", "/todo/", f"/ratings/{done.code}/",
                  f"/requests/{done.code}/"],
        "firm": ["/firm/invitations/", "/firm/signups/", "/firm/credit/", "/entry/", f"/requests/{req.code}/",
                 "/todo/"],
        "bureau": ["/bureau/entries/", "/bureau/requests/", "/bureau/rules/", "/bureau/credit/",
                   "/bureau/credit/sanctions/", "/bureau/calendar/"],
    }
    # On a phone the lists become cards and wide tables scroll in their box: check one
    # page of each kind there too (every page at both sizes would take minutes).
    phone = {None: ["/", "/registry/", "/credit/", f"/requests/{req.code}/"], "owner": [f"/ratings/{done.code}/"],
             "firm": ["/firm/invitations/"], "bureau": ["/bureau/requests/", "/bureau/rules/"]}
    problems = []
    for size, plan in (("desktop", pages), ("phone", phone)):
        for role, urls in plan.items():
            page = new_page(browser, size)
            if role is not None:
                login(page, data[role].username)
            for url in urls:
                page.goto(f"{live_url}{url}")
                problems += [f"{size} {role or 'public'} {url}: {v}" for v in violations(page)]
            page.context.close()
    assert not problems, "\n".join(problems)
