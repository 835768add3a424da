"""Dashboard pages over HTTP: forms with bad values, uploads, lists and campaign pages."""

import html
import re

import httpx
import pytest
from sqlalchemy import select

from pytake.bootstrap import Runtime
from pytake.numbers.models import WhatsAppNumber
from pytake.web.app import create_app
from pytake.whatsapp.simulator import RunningSimulator
from support.dashboard import LOOPBACK_URL, error_for, sign_in, value_of
from support.scenario import Scenario, sim_call

pytestmark = pytest.mark.integration


CAMPAIGN_FORM = {
    "name": "Spring sale",
    "template_name": "spring_sale",
    "template_language": "pt_BR",
    "body_parameters": "{{contact.name}}",
    "tags": "all",
    "retry_max_attempts": "3",
    "retry_base_delay": "60",
    "retry_max_delay": "3600",
}


async def test_campaign_form_shows_errors_by_their_fields_and_keeps_values_when_values_are_bad(
    browser: httpx.AsyncClient, csrf_token: str, scenario: Scenario
) -> None:
    number_id = await scenario.number()
    typed = {
        **CAMPAIGN_FORM,
        "csrf_token": csrf_token,
        "whatsapp_number_id": number_id,
        "name": "",
        "template_name": "Spring Sale!",
        "retry_max_delay": "30",
        "body_parameters": "{{contact.email}}",
    }
    page = (answer := await browser.post("/campaigns/new", data=typed)).text
    assert answer.status_code == 422
    assert error_for(page, "name") == "Required."
    assert "lowercase" in (error_for(page, "template_name") or "")
    assert error_for(page, "retry_max_delay") == "Must be at least 60."
    assert "contact.email" in (error_for(page, "body_parameters") or "")
    assert error_for(page, "tags") is None
    assert (value_of(page, "template_name"), value_of(page, "retry_max_delay")) == (
        "Spring Sale!",
        "30",
    )
    assert "{{contact.email}}</textarea>" in page
    assert f'<option value="{number_id}" selected>' in page


async def test_campaign_form_shows_the_audience_error_when_no_contact_has_the_tags(
    browser: httpx.AsyncClient, csrf_token: str, scenario: Scenario
) -> None:
    typed = {
        **CAMPAIGN_FORM,
        "csrf_token": csrf_token,
        "whatsapp_number_id": await scenario.number(),
        "tags": "nobody",
    }
    page = (await browser.post("/campaigns/new", data=typed)).text
    assert error_for(page, "tags") == "The audience matches no contacts."
    assert value_of(page, "tags") == "nobody"


async def test_campaign_form_creates_a_draft_and_opens_its_page_when_values_are_good(
    browser: httpx.AsyncClient, csrf_token: str, scenario: Scenario
) -> None:
    await scenario.contacts(3)
    typed = {
        **CAMPAIGN_FORM,
        "csrf_token": csrf_token,
        "whatsapp_number_id": await scenario.number(),
    }
    answer = await browser.post("/campaigns/new", data=typed)
    assert answer.status_code == 303
    campaign = (await scenario.call("GET", "/campaigns"))["items"][0]
    assert answer.headers["location"] == f"/campaigns/{campaign['id']}?created=1"
    assert (campaign["status"], campaign["total_contacts"]) == ("draft", 3)
    assert campaign["template"]["components"][0]["parameters"][0]["text"] == "{{contact.name}}"
    page = await browser.get(answer.headers["location"])
    assert page.status_code == 200
    assert 'data-action="start"' in page.text
    assert "Spring sale" in page.text


async def test_csv_upload_saves_good_rows_and_lists_rejected_ones_when_some_rows_are_bad(
    browser: httpx.AsyncClient, csrf_token: str, scenario: Scenario
) -> None:
    data = "name,phone,tags\nAna,+55 11 99999-0001,vip\nBad,12,vip\n,+5511999990003,vip\n"
    answer = await browser.post(
        "/contacts/import",
        data={"csrf_token": csrf_token},
        files={"file": ("people.csv", data.encode(), "text/csv")},
    )
    assert answer.status_code == 200
    page = answer.text
    assert '<b data-count="created">1</b>' in page
    assert '<b data-count="errors">2</b>' in page
    assert re.search(r"<td class=\"num\">3</td><td>invalid phone number: &#39;12&#39;</td>", page)
    assert re.search(r"<td class=\"num\">4</td><td>[^<]*name[^<]*</td>", page)
    contacts = (await scenario.call("GET", "/contacts"))["items"]
    assert [c["phone"] for c in contacts] == ["5511999990001"]


async def test_csv_upload_shows_the_error_by_the_file_field_when_the_file_is_unusable(
    browser: httpx.AsyncClient, csrf_token: str
) -> None:
    answer = await browser.post(
        "/contacts/import",
        data={"csrf_token": csrf_token},
        files={"file": ("people.csv", b"first,second\n1,2\n", "text/csv")},
    )
    assert answer.status_code == 422
    assert error_for(answer.text, "file")


async def test_number_form_keeps_values_but_never_the_token_when_a_value_is_bad(
    browser: httpx.AsyncClient, csrf_token: str
) -> None:
    typed = {
        "csrf_token": csrf_token,
        "display_phone_number": "+1 555 0100",
        "phone_number_id": "106540352242922",
        "access_token": "EAAG-secret-token",
        "throughput_mps": "5000",
        "messaging_limit_24h": "",
        "api_base_url": "not a url",
    }
    page = (answer := await browser.post("/numbers", data=typed)).text
    assert answer.status_code == 422
    assert error_for(page, "throughput_mps") == "Must be at most 1000."
    assert error_for(page, "api_base_url")
    assert (value_of(page, "phone_number_id"), value_of(page, "throughput_mps")) == (
        "106540352242922",
        "5000",
    )
    assert "EAAG-secret-token" not in page


async def test_number_form_names_the_limit_and_adds_nothing_when_the_daily_limit_is_huge(
    browser: httpx.AsyncClient, csrf_token: str, scenario: Scenario
) -> None:
    typed = {
        "csrf_token": csrf_token,
        "display_phone_number": "+1 555 0100",
        "phone_number_id": "106540352242922",
        "access_token": "EAAG-secret-token",
        "throughput_mps": "80",
        "messaging_limit_24h": "100000000000000000000",
        "api_base_url": "",
    }
    answer = await browser.post("/numbers", data=typed)
    assert answer.status_code == 422
    assert error_for(answer.text, "messaging_limit_24h") == "Must be at most 10000000."
    assert (await scenario.call("GET", "/whatsapp-numbers"))["items"] == []


async def test_number_form_adds_the_number_with_its_token_encrypted_when_values_are_good(
    browser: httpx.AsyncClient, csrf_token: str, scenario: Scenario, runtime: Runtime
) -> None:
    typed = {
        "csrf_token": csrf_token,
        "display_phone_number": "+1 555 0100",
        "phone_number_id": "106540352242922",
        "access_token": "EAAG-secret-token",
        "throughput_mps": "80",
        "messaging_limit_24h": "",
        "api_base_url": "",
    }
    answer = await browser.post("/numbers", data=typed)
    assert (answer.status_code, answer.headers["location"]) == (303, "/numbers?added=1")
    page = (await browser.get(answer.headers["location"])).text
    assert "+1 555 0100" in page
    assert "EAAG-secret-token" not in page
    numbers = (await scenario.call("GET", "/whatsapp-numbers"))["items"]
    assert [(n["phone_number_id"], n["messaging_limit_24h"]) for n in numbers] == [
        ("106540352242922", None)
    ]
    async with runtime.db.session() as session:
        (stored,) = await session.scalars(select(WhatsAppNumber.access_token))
    assert "EAAG-secret-token" not in stored
    assert runtime.secrets.decrypt(stored) == "EAAG-secret-token"


async def test_number_form_names_the_setting_at_the_url_when_its_origin_is_not_allowlisted(
    browser: httpx.AsyncClient, csrf_token: str, scenario: Scenario
) -> None:
    typed = {
        "csrf_token": csrf_token,
        "display_phone_number": "+1 555 0100",
        "phone_number_id": "106540352242922",
        "access_token": "EAAG-secret-token",
        "throughput_mps": "80",
        "messaging_limit_24h": "",
        "api_base_url": "http://169.254.169.254/latest",
    }
    answer = await browser.post("/numbers", data=typed)
    assert answer.status_code == 422
    assert error_for(answer.text, "api_base_url") == (
        "Must be under an origin listed in PYTAKE_WHATSAPP_API_HOSTS; "
        "http://169.254.169.254 is not one."
    )
    assert value_of(answer.text, "api_base_url") == "http://169.254.169.254/latest"
    assert (await scenario.call("GET", "/whatsapp-numbers"))["items"] == []


async def test_campaign_page_is_not_found_when_the_campaign_is_another_organizations(
    scenario: Scenario, runtime: Runtime, other_auth: dict[str, str]
) -> None:
    await scenario.contacts(1)
    campaign = await scenario.campaign(await scenario.number())
    transport = httpx.ASGITransport(app=create_app(runtime, manage_runtime=False))
    async with httpx.AsyncClient(transport=transport, base_url=LOOPBACK_URL) as other:
        await sign_in(other, other_auth)
        assert (await other.get(f"/campaigns/{campaign['id']}")).status_code == 404
        assert (await other.get(f"/campaigns/{campaign['id']}/insights")).status_code == 404


async def test_campaign_list_pages_by_cursor_when_there_are_more_campaigns_than_a_page(
    browser: httpx.AsyncClient, csrf_token: str, scenario: Scenario
) -> None:
    await scenario.contacts(1)
    number_id = await scenario.number()
    for index in range(21):
        await scenario.campaign(number_id, name=f"Campaign {index}")
    first = (await browser.get("/")).text
    assert first.count("data-campaign-row=") == 20
    older = re.search(r'href="(/\?cursor=[^"]+)">Older campaigns', first)
    assert older is not None
    second = (await browser.get(html.unescape(older.group(1)))).text
    assert second.count("data-campaign-row=") == 1
    assert "Campaign 0</a>" in second


async def test_campaign_page_charts_errors_by_reason_when_the_campaign_had_failures(
    scenario: Scenario,
    simulator: RunningSimulator,
    engine: Runtime,
    browser: httpx.AsyncClient,
    csrf_token: str,
) -> None:
    await sim_call(
        simulator, "POST", "/_sim/rules", [{"recipient": "5511900000002", "code": 131026}]
    )
    campaign = await scenario.started(3, retry_max_attempts=1)
    await scenario.wait_status(campaign["id"], "completed")
    page = (await browser.get(f"/campaigns/{campaign['id']}")).text
    assert "Code 131026" in page
    assert "Contact 2" in page
    assert 'aria-label="Contacts by number of attempts"' in page
    assert re.search(r'data-stat="failed">1<', page)
    insights = await browser.get(f"/campaigns/{campaign['id']}/insights")
    assert 'data-insight="reasons"' in insights.text
