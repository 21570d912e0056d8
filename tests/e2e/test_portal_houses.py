"""The principal portal's accounts page filters by a house chosen in a labelled select with search: the houses
are the principal's own (the API's ``houses``), a typed part of the address narrows them, the choice filters the
table to the house's accounts and stays in the URL across a reload, and «Все дома» takes it off again."""

import re

from playwright.sync_api import expect

from tests.e2e.test_portal import PRINCIPAL, gql, open_section, sign_in


def test_accounts_filter_by_a_house_chosen_with_search(page, live, shot):
    base = live.principal(PRINCIPAL)
    sign_in(page, base)
    open_section(page, "Лицевые счета")
    expect(page.get_by_role("heading", name="Лицевые счета")).to_be_visible()
    everyone = gql(page, base, "{ accounts(first: 1) { totalCount } }")["accounts"]["totalCount"]
    houses = gql(page, base, "{ houses { id address accountsCount } }")["houses"]
    assert len(houses) > 1, houses
    assert sum(h["accountsCount"] for h in houses) == everyone
    expect(page.get_by_text(f"всего {everyone}")).to_be_visible()

    # a part of the last house's address narrows the list; the house is chosen by keyboard
    house = houses[-1]
    number = re.search(r"д\. ([^,]+)", house["address"]).group(1)  # the house number of «…, д. N»
    narrowed = gql(page, base, "query($s: String) { houses(search: $s) { id } }", {"s": number})["houses"]
    assert house["id"] in [h["id"] for h in narrowed]
    select = page.get_by_label("Дом", exact=True)
    select.click()
    select.fill(number)
    option = page.get_by_title(re.compile("^" + re.escape(house["address"]) + " — "))
    expect(option).to_be_visible()
    expect(page.get_by_title(re.compile(" — \\d+ сч"))).to_have_count(len(narrowed))
    shot("portal-accounts-house-search")
    option.click()

    # the table shows the house's accounts only, and the URL keeps the choice
    expect(page.get_by_text(f"всего {house['accountsCount']}", exact=False)).to_be_visible()
    expect(page).to_have_url(re.compile(f"[?&]house={house['id']}(&|$)"))
    rows = page.get_by_role("row").filter(has=page.get_by_role("link"))
    expect(rows.first).to_contain_text(house["address"])
    page.reload()
    expect(page.get_by_text(f"всего {house['accountsCount']}", exact=False)).to_be_visible()
    expect(page.get_by_title(re.compile("^" + re.escape(house["address"])))).to_be_visible()
    shot("portal-accounts-house")

    # «Все дома» takes the filter off
    select = page.get_by_label("Дом", exact=True)
    select.click()
    page.get_by_title("Все дома", exact=True).click()
    expect(page.get_by_text(f"всего {everyone}")).to_be_visible()
    expect(page).not_to_have_url(re.compile("house="))
    assert page.watch.problems() == []
