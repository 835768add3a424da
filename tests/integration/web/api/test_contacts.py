"""`/api/v1/contacts` through the app, on SQLite and PostgreSQL."""

from typing import Any

import httpx
import pytest

URL = "/api/v1/contacts"
PHONE = "5511999999999"


async def create_contact(api: httpx.AsyncClient, auth: dict[str, str], **fields: Any) -> Any:
    body = {"name": "Ana", "phone": PHONE, **fields}
    response = await api.post(URL, json=body, headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


def phone(index: int) -> str:
    return f"55119{index:08d}"


async def upload_csv(api: httpx.AsyncClient, auth: dict[str, str], content: bytes) -> Any:
    files = {"file": ("contacts.csv", content, "text/csv")}
    return await api.post(f"{URL}/import", files=files, headers=auth)


async def test_stored_with_digits_only_phone_when_created(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    contact = await create_contact(
        api, auth, phone="+55 11 99999-9999", attributes={"city": "SP"}, tags=["vip", "b2b"]
    )
    assert contact["phone"] == PHONE
    assert contact["name"] == "Ana"
    assert contact["attributes"] == {"city": "SP"}
    assert contact["tags"] == ["b2b", "vip"]
    assert contact["opted_out"] is False
    fetched = (await api.get(f"{URL}/{contact['id']}", headers=auth)).json()
    assert fetched == contact


async def test_same_contact_is_updated_when_its_phone_is_posted_again(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    first = await create_contact(api, auth, attributes={"a": 1}, tags=["x"])
    second = await create_contact(
        api, auth, name="Ana Maria", phone="+55 11 99999-9999", attributes={"b": 2}, tags=["y"]
    )
    assert second["id"] == first["id"]
    assert second["name"] == "Ana Maria"
    assert second["attributes"] == {"a": 1, "b": 2}
    assert second["tags"] == ["x", "y"]
    assert len((await api.get(URL, headers=auth)).json()["items"]) == 1


async def test_422_naming_phone_when_the_phone_is_invalid(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    response = await api.post(URL, json={"name": "Ana", "phone": "12"}, headers=auth)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "phone"]
    assert error["msg"] == "invalid phone number: '12'"


@pytest.mark.parametrize(
    "body",
    [{"phone": PHONE}, {"name": "", "phone": PHONE}, {"name": "a" * 201, "phone": PHONE}],
)
async def test_422_naming_name_when_the_name_is_missing_or_too_long(
    api: httpx.AsyncClient, auth: dict[str, str], body: dict[str, Any]
) -> None:
    response = await api.post(URL, json=body, headers=auth)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "name"]


async def test_name_is_kept_trimmed_and_its_bounds_hold_for_what_was_sent(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    assert (await create_contact(api, auth, name="  Ana  "))["name"] == "Ana"
    for name in ("a" * 200 + " ", "\x1c", " \u3000 "):
        response = await api.post(URL, json={"name": name, "phone": phone(1)}, headers=auth)
        assert response.status_code == 422, name
        assert response.json()["detail"][0]["loc"] == ["body", "name"]


@pytest.mark.parametrize("value", [0, 1, "true", "no"])
async def test_422_naming_opted_out_when_it_is_not_a_boolean(
    api: httpx.AsyncClient, auth: dict[str, str], value: Any
) -> None:
    contact = await create_contact(api, auth)
    created = await api.post(
        URL, json={"name": "Bia", "phone": phone(1), "opted_out": value}, headers=auth
    )
    patched = await api.patch(f"{URL}/{contact['id']}", json={"opted_out": value}, headers=auth)
    bulk = await api.post(
        f"{URL}/bulk", json=[{"name": "Bia", "phone": phone(1), "opted_out": value}], headers=auth
    )
    for answer, location in ((created, []), (patched, []), (bulk, [0])):
        assert answer.status_code == 422
        assert answer.json()["detail"][0]["loc"] == ["body", *location, "opted_out"]
    assert [c["name"] for c in (await api.get(URL, headers=auth)).json()["items"]] == ["Ana"]


TOO_MUCH = [
    ({"attributes": {str(index): index for index in range(65)}}, "at most 64 attributes (got 65)"),
    ({"attributes": {"k" * 65: "v"}}, "attribute name longer than 64 characters"),
    ({"attributes": {"plan": {"tier": "gold"}}}, "attribute 'plan' must be a string, a number"),
    ({"attributes": {"note": "x" * 1025}}, "attribute 'note' is longer than 1024 characters"),
    ({"attributes": {f"k{i}": "x" * 1000 for i in range(17)}}, "as JSON, at most 16384"),
    ({"tags": [f"t{index}" for index in range(51)]}, "at most 50 tags (got 51)"),
    ({"tags": ["t" * 65]}, "tag longer than 64 characters"),
]


@pytest.mark.parametrize(("fields", "message"), TOO_MUCH)
async def test_422_naming_the_field_and_nothing_stored_when_over_a_limit(
    api: httpx.AsyncClient, auth: dict[str, str], fields: dict[str, Any], message: str
) -> None:
    response = await api.post(URL, json={"name": "Ana", "phone": PHONE, **fields}, headers=auth)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", next(iter(fields))]
    assert message in error["msg"]
    assert (await api.get(URL, headers=auth)).json()["items"] == []


@pytest.mark.parametrize(("fields", "message"), TOO_MUCH[::3])
async def test_422_naming_the_field_when_patched_or_sent_in_bulk_over_a_limit(
    api: httpx.AsyncClient, auth: dict[str, str], fields: dict[str, Any], message: str
) -> None:
    contact = await create_contact(api, auth)
    patched = await api.patch(f"{URL}/{contact['id']}", json=fields, headers=auth)
    assert patched.status_code == 422
    assert patched.json()["detail"][0]["loc"] == ["body", next(iter(fields))]
    assert message in patched.json()["detail"][0]["msg"]
    bulk = [{"name": "Bia", "phone": phone(1)}, {"name": "Caio", "phone": phone(2), **fields}]
    answer = await api.post(f"{URL}/bulk", json=bulk, headers=auth)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", 1, next(iter(fields))]
    assert [c["name"] for c in (await api.get(URL, headers=auth)).json()["items"]] == ["Ana"]


async def test_422_and_the_contact_unchanged_when_an_update_would_pass_the_limits(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    stored = {f"a{index}": index for index in range(60)}
    await create_contact(api, auth, attributes=stored, tags=[f"t{index}" for index in range(48)])
    more = {f"b{index}": index for index in range(5)}
    answer = await api.post(
        URL, json={"name": "Ana B", "phone": PHONE, "attributes": more}, headers=auth
    )
    assert answer.status_code == 422
    [error] = answer.json()["detail"]
    assert error["loc"] == ["body", "attributes"]
    assert error["msg"] == "at most 64 attributes (got 65), counting what the contact already has"
    tags = ["t1", "new1", "new2", "new3"]
    answer = await api.post(URL, json={"name": "Ana B", "phone": PHONE, "tags": tags}, headers=auth)
    assert answer.json()["detail"][0]["loc"] == ["body", "tags"]
    [contact] = (await api.get(URL, headers=auth)).json()["items"]
    assert (contact["name"], contact["attributes"], len(contact["tags"])) == ("Ana", stored, 48)
    answer = await api.post(
        URL, json={"name": "Ana B", "phone": PHONE, "tags": tags[:3]}, headers=auth
    )
    assert answer.status_code == 201
    assert len(answer.json()["tags"]) == 50


async def test_fields_sent_are_replaced_when_patched(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    contact = await create_contact(api, auth, attributes={"a": 1}, tags=["x", "y"])
    response = await api.patch(
        f"{URL}/{contact['id']}",
        json={"phone": "+55 11 98888-7777", "attributes": {"b": 2}, "tags": ["y", "z"]},
        headers=auth,
    )
    assert response.status_code == 200
    patched = response.json()
    assert patched["phone"] == "5511988887777"
    assert patched["attributes"] == {"b": 2}
    assert patched["tags"] == ["y", "z"]
    assert patched["name"] == "Ana"
    assert (await api.get(f"{URL}/{contact['id']}", headers=auth)).json() == patched


async def test_opted_out_changes_when_patched(api: httpx.AsyncClient, auth: dict[str, str]) -> None:
    contact = await create_contact(api, auth)
    response = await api.patch(f"{URL}/{contact['id']}", json={"opted_out": True}, headers=auth)
    assert response.json()["opted_out"] is True


async def test_409_when_patched_to_the_phone_of_another_contact(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    await create_contact(api, auth)
    other = await create_contact(api, auth, phone=phone(1))
    response = await api.patch(f"{URL}/{other['id']}", json={"phone": PHONE}, headers=auth)
    assert response.status_code == 409


async def test_422_when_patched_with_a_bad_phone_or_null(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    contact = await create_contact(api, auth)
    for body in ({"phone": "12"}, {"name": None}):
        response = await api.patch(f"{URL}/{contact['id']}", json=body, headers=auth)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", next(iter(body))]


async def test_gone_with_its_tags_when_deleted(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    contact = await create_contact(api, auth, tags=["vip"])
    assert (await api.delete(f"{URL}/{contact['id']}", headers=auth)).status_code == 204
    assert (await api.get(f"{URL}/{contact['id']}", headers=auth)).status_code == 404
    assert (await api.get(URL, params={"tag": "vip"}, headers=auth)).json()["items"] == []


async def test_404_when_the_contact_belongs_to_another_organization(
    api: httpx.AsyncClient, auth: dict[str, str], other_auth: dict[str, str]
) -> None:
    contact_url = f"{URL}/{(await create_contact(api, auth))['id']}"
    assert (await api.get(contact_url, headers=other_auth)).status_code == 404
    patched = await api.patch(contact_url, json={"name": "X"}, headers=other_auth)
    assert patched.status_code == 404
    assert (await api.delete(contact_url, headers=other_auth)).status_code == 404
    assert (await api.get(URL, headers=other_auth)).json()["items"] == []
    assert (await api.get(contact_url, headers=auth)).json()["name"] == "Ana"


async def test_separate_contacts_when_two_organizations_share_a_phone(
    api: httpx.AsyncClient, auth: dict[str, str], other_auth: dict[str, str]
) -> None:
    mine = await create_contact(api, auth)
    theirs = await create_contact(api, other_auth, name="Other")
    assert mine["id"] != theirs["id"]
    assert (await api.get(f"{URL}/{mine['id']}", headers=auth)).json()["name"] == "Ana"


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", ""), ("POST", ""), ("POST", "/bulk"), ("POST", "/import")],
)
async def test_401_when_no_api_key_is_sent(api: httpx.AsyncClient, method: str, path: str) -> None:
    assert (await api.request(method, URL + path)).status_code == 401


def ten_thousand_contacts() -> list[dict[str, Any]]:
    return [
        {"name": f"C{index}", "phone": phone(index), "tags": ["bulk"], "attributes": {"i": index}}
        for index in range(10_000)
    ]


async def test_all_created_when_10000_contacts_are_sent_in_bulk(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    body = ten_thousand_contacts()
    response = await api.post(f"{URL}/bulk", json=body, headers=auth)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "created": 10_000,
        "updated": 0,
        "duplicates": 0,
        "errors": [],
        "errors_total": 0,
    }
    again = await api.post(f"{URL}/bulk", json=body[:10], headers=auth)
    assert again.json() == {
        "created": 0,
        "updated": 10,
        "duplicates": 0,
        "errors": [],
        "errors_total": 0,
    }
    tagged = await api.get(URL, params={"tag": "bulk", "limit": 1000}, headers=auth)
    assert len(tagged.json()["items"]) == 1000


async def test_422_when_the_bulk_list_is_over_10000(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    body = [{"name": "C", "phone": phone(index)} for index in range(10_001)]
    response = await api.post(f"{URL}/bulk", json=body, headers=auth)
    assert response.status_code == 422
    assert (await api.get(URL, headers=auth)).json()["items"] == []


async def test_bad_rows_are_reported_by_position_when_a_bulk_list_has_some(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    body = [
        {"name": "Ana", "phone": phone(1)},
        {"name": "Bia", "phone": "12"},
        {"name": "Ana again", "phone": "+" + phone(1), "tags": ["x"]},
        {"name": "Caio", "phone": phone(2)},
    ]
    response = await api.post(f"{URL}/bulk", json=body, headers=auth)
    assert response.json() == {
        "created": 2,
        "updated": 0,
        "duplicates": 1,
        "errors": [{"row": 2, "error": "invalid phone number: '12'"}],
        "errors_total": 1,
    }
    listed = (await api.get(URL, headers=auth)).json()["items"]
    assert [(c["name"], c["tags"]) for c in listed] == [("Ana again", ["x"]), ("Caio", [])]


async def test_good_rows_kept_and_bad_rows_reported_when_a_csv_is_imported(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    await create_contact(api, auth, name="Old", phone=phone(3), attributes={"keep": "me"})
    content = (
        "\ufeffname,phone,city,tags,opted_out\n"
        f"Ana,{phone(1)},SP,vip;new,\n"
        f"Bia,12,RJ,,\n"
        f"Caio,+{phone(2)},,,yes\n"
        f"Dora,{phone(3)},BH,vip,no\n"
        f"Eva,{phone(4)},,,perhaps\n"
    ).encode()
    response = await upload_csv(api, auth, content)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "created": 2,
        "updated": 1,
        "duplicates": 0,
        "errors": [
            {"row": 3, "error": "invalid phone number: '12'"},
            {
                "row": 6,
                "error": "invalid opted_out value: 'perhaps' (use true/false, 1/0 or yes/no)",
            },
        ],
        "errors_total": 2,
    }
    listed = {c["phone"]: c for c in (await api.get(URL, headers=auth)).json()["items"]}
    assert set(listed) == {phone(1), phone(2), phone(3)}
    assert listed[phone(1)]["attributes"] == {"city": "SP"}
    assert listed[phone(1)]["tags"] == ["new", "vip"]
    assert listed[phone(2)]["opted_out"] is True
    assert listed[phone(3)]["name"] == "Dora"
    assert listed[phone(3)]["attributes"] == {"keep": "me", "city": "BH"}


async def test_a_row_over_a_limit_is_a_row_error_when_a_csv_is_imported(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    await create_contact(api, auth, tags=[f"t{index}" for index in range(50)])
    content = (
        "name,phone,tags,note\n"
        f"Ana,{PHONE},extra,\n"
        f"Bia,{phone(1)},,{'x' * 1025}\n"
        f"Caio,{phone(2)},vip,ok\n"
    ).encode()
    response = await upload_csv(api, auth, content)
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["created"], report["updated"]) == (1, 0)
    assert report["errors"] == [
        {"row": 2, "error": "at most 50 tags (got 51), counting what the contact already has"},
        {"row": 3, "error": "attribute 'note' is longer than 1024 characters"},
    ]
    listed = {c["phone"]: c for c in (await api.get(URL, headers=auth)).json()["items"]}
    assert set(listed) == {PHONE, phone(2)}
    assert listed[PHONE]["name"] == "Ana"


async def test_opted_out_is_kept_when_a_reimport_has_no_such_column(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    await create_contact(api, auth, opted_out=True)
    response = await upload_csv(api, auth, f"name,phone\nAna,{PHONE}\n".encode())
    assert response.json()["updated"] == 1
    assert (await api.get(URL, headers=auth)).json()["items"][0]["opted_out"] is True


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"nome,telefone\nAna,5511999999999\n", "must contain the columns name and phone"),
        ("name,phone\nJoão,5511999999999\n".encode("latin-1"), "not UTF-8"),
        (b"", "empty"),
    ],
)
async def test_422_naming_file_when_the_csv_is_unusable(
    api: httpx.AsyncClient, auth: dict[str, str], content: bytes, message: str
) -> None:
    response = await upload_csv(api, auth, content)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "file"]
    assert message in error["msg"]


async def all_phones(api: httpx.AsyncClient, auth: dict[str, str]) -> list[str]:
    phones: list[str] = []
    cursor = ""
    while cursor is not None:
        page = await api.get(URL, params={"limit": 1000, "cursor": cursor}, headers=auth)
        phones += [contact["phone"] for contact in page.json()["items"]]
        cursor = page.json()["next_cursor"]
    return phones


async def test_good_rows_kept_and_the_first_1000_errors_listed_when_2000_rows_are_bad(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    # One row in three is bad, over more than one chunk of CSV_CHUNK_ROWS rows.
    lines = ["name,phone"]
    for index in range(6_000):
        lines.append(f"C{index},12" if index % 3 == 1 else f"C{index},{phone(index)}")
    response = await upload_csv(api, auth, "\n".join(lines).encode())
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["created"], report["updated"], report["errors_total"]) == (4_000, 0, 2_000)
    bad_lines = [index + 2 for index in range(6_000) if index % 3 == 1]
    assert report["errors"] == [
        {"row": line, "error": "invalid phone number: '12'"} for line in bad_lines[:1_000]
    ]
    good = [phone(index) for index in range(6_000) if index % 3 != 1]
    assert await all_phones(api, auth) == good


async def test_422_when_the_upload_has_no_file_field(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    response = await api.post(f"{URL}/import", data={"other": "x"}, headers=auth)
    assert response.status_code == 422


async def test_every_contact_listed_once_when_paged_by_cursor(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    for start in (0, 120):
        body = [{"name": f"C{i}", "phone": phone(i)} for i in range(start, start + 120)]
        await api.post(f"{URL}/bulk", json=body, headers=auth)
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 50} | ({"cursor": cursor} if cursor else {})
        page = (await api.get(URL, params=params, headers=auth)).json()
        assert len(page["items"]) <= 50
        seen += [contact["phone"] for contact in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(phone(i) for i in range(240))
    assert len(seen) == len(set(seen))


async def test_no_next_cursor_when_the_page_holds_the_last_contact(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    await create_contact(api, auth)
    page = (await api.get(URL, params={"limit": 1}, headers=auth)).json()
    assert len(page["items"]) == 1
    assert page["next_cursor"] is None


@pytest.mark.parametrize("cursor", ["garbage", "bm90LWEtY3Vyc29y", "!!"])
async def test_422_when_the_cursor_is_not_one_we_made(
    api: httpx.AsyncClient, auth: dict[str, str], cursor: str
) -> None:
    response = await api.get(URL, params={"cursor": cursor}, headers=auth)
    assert response.status_code == 422


@pytest.mark.parametrize("limit", [0, 1001])
async def test_422_when_the_limit_is_out_of_bounds(
    api: httpx.AsyncClient, auth: dict[str, str], limit: int
) -> None:
    response = await api.get(URL, params={"limit": limit}, headers=auth)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "limit"]


async def test_only_tagged_contacts_listed_when_filtered_by_tag(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    vip = await create_contact(api, auth, phone=phone(1), tags=["vip", "new"])
    await create_contact(api, auth, phone=phone(2), tags=["new"])
    await create_contact(api, auth, phone=phone(3))
    page = (await api.get(URL, params={"tag": "vip"}, headers=auth)).json()
    assert [contact["id"] for contact in page["items"]] == [vip["id"]]
    assert len((await api.get(URL, params={"tag": "new"}, headers=auth)).json()["items"]) == 2


async def test_every_contact_listed_when_the_tag_and_cursor_are_blank(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    await create_contact(api, auth, tags=["vip"])
    await create_contact(api, auth, phone=phone(1))
    page = (await api.get(URL, params={"tag": "", "cursor": ""}, headers=auth)).json()
    assert len(page["items"]) == 2


NON_FINITE = ["NaN", "Infinity", "-Infinity", "1e400"]


@pytest.mark.parametrize("number", NON_FINITE)
async def test_422_naming_attributes_and_nothing_stored_when_an_attribute_is_not_finite(
    api: httpx.AsyncClient, auth: dict[str, str], number: str
) -> None:
    body = f'{{"name": "Ana", "phone": "{PHONE}", "attributes": {{"score": [1, {number}]}}}}'
    headers = {**auth, "content-type": "application/json"}
    response = await api.post(URL, content=body, headers=headers)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "attributes"]
    assert "score[1]" in error["msg"]
    bulk = await api.post(f"{URL}/bulk", content=f"[{body}]", headers=headers)
    assert bulk.status_code == 422
    assert [e["loc"] for e in bulk.json()["detail"]] == [["body", 0, "attributes"]]
    assert (await api.get(URL, headers=auth)).json()["items"] == []


@pytest.mark.parametrize("number", NON_FINITE)
async def test_422_and_attributes_kept_when_patched_with_a_number_that_is_not_finite(
    api: httpx.AsyncClient, auth: dict[str, str], number: str
) -> None:
    contact = await create_contact(api, auth, attributes={"score": 1.5})
    response = await api.patch(
        f"{URL}/{contact['id']}",
        content=f'{{"attributes": {{"score": {number}}}}}',
        headers={**auth, "content-type": "application/json"},
    )
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", "attributes"]]
    fetched = (await api.get(f"{URL}/{contact['id']}", headers=auth)).json()
    assert fetched["attributes"] == {"score": 1.5}
