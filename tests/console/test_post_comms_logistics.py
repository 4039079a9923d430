"""Comms, logistics and vessel pages, and the post view's orders and custody board,
through the ASGI client."""

from __future__ import annotations

import re
from urllib.parse import quote

from .domains import Records
from .helpers import ConsoleKit, landing, sign_in, submit

SOUTH = "/posts/" + quote("South airlock")


class TestPostOrders:
    """The post view lists its orders and acknowledges for the post."""

    def test_guard_acknowledges_for_the_post(self, records: Records, console: ConsoleKit) -> None:
        client = sign_in(console.browser(), "priya")
        page = client.get(SOUTH).text
        assert "Residents may not leave with the visitors." in page
        assert "FLASH" in page
        ack = f"/comms/messages/{records.message}/ack"
        key = re.search(r'name="key" value="([^"]+)"', page)
        assert key is not None
        data = {"key": key.group(1), "post_id": records.post, "back": SOUTH}
        page = landing(client, submit(client, SOUTH, ack, data))
        assert "Acknowledged for 1 recipient." in page
        assert "ACKNOWLEDGED BY SOUTH AIRLOCK POST" in page

    def test_retried_acknowledgement_records_once(
        self, records: Records, console: ConsoleKit
    ) -> None:
        client = sign_in(console.browser(), "priya")
        ack = f"/comms/messages/{records.message}/ack"
        data = {"key": "retry-1", "post_id": records.post, "back": SOUTH}
        landing(client, submit(client, SOUTH, ack, data))
        page = landing(client, submit(client, SOUTH, ack, data))
        assert "Already acknowledged; nothing changed." in page

    def test_observer_has_no_acknowledge_button(
        self, records: Records, console: ConsoleKit
    ) -> None:
        page = sign_in(console.browser(), "olga").get(SOUTH).text
        assert "NOT YET ACKNOWLEDGED" in page
        assert "Acknowledge for South airlock post" not in page


class TestPostCustody:
    """The receiving post signs for a delivery; what it holds is listed at the post."""

    def test_guard_signs_for_weapons(self, records: Records, console: ConsoleKit) -> None:
        client = sign_in(console.browser(), "priya")
        assert "ON ITS WAY" in client.get(SOUTH).text
        action = f"/logistics/deliveries/{records.delivery}/confirm"
        page = landing(client, submit(client, SOUTH, action, {"back": SOUTH}))
        assert "Delivery signed for at South airlock post." in page
        assert "SB-1" in page
        assert "SB-2" in page

    def test_observer_may_not_sign(self, records: Records, console: ConsoleKit) -> None:
        client = sign_in(console.browser(), "olga")
        action = f"/logistics/deliveries/{records.delivery}/confirm"
        assert submit(client, SOUTH, action, {"back": SOUTH}).status_code == 403


class TestLogisticsPage:
    """Stock by location, requests with deliveries, and the custody board of a post."""

    def test_stock_and_requests(self, records: Records, console: ConsoleKit) -> None:
        page = sign_in(console.browser(), "olga").get("/logistics").text
        assert "Weapons to the South airlock" in page
        assert f'href="/logistics/posts/{records.post}"' in page

    def test_custody_board_page(self, records: Records, console: ConsoleKit) -> None:
        page = sign_in(console.browser(), "priya").get(f"/logistics/posts/{records.post}").text
        assert "Sign for delivery" in page


class TestCommsPanel:
    """Messages by precedence in colour and words; sending follows the broadcast rule."""

    def test_panel_shows_precedence_and_handset(
        self, records: Records, console: ConsoleKit
    ) -> None:
        page = sign_in(console.browser(), "olga").get("/comms").text
        assert 'class="tag prec prec-flash">FLASH<' in page
        assert 'href="/handset"' in page
        assert 'id="send-form"' not in page

    def test_commander_sends_and_sees_the_board(
        self, records: Records, console: ConsoleKit
    ) -> None:
        client = sign_in(console.browser(), "john")
        channel = re.search(r'<option value="([0-9a-f-]+)"', client.get("/comms").text)
        assert channel is not None
        data = {"channel_id": channel.group(1), "precedence": "priority", "text": "Report status."}
        page = landing(client, submit(client, "/comms", "/comms/messages", data))
        assert "Priority message sent." in page
        assert 'data-person="Priya"' in page
        assert "WAITING" in page

    def test_guard_may_not_send_flash(self, records: Records, console: ConsoleKit) -> None:
        client = sign_in(console.browser(), "priya")
        page = client.get("/comms").text
        assert 'value="flash"' not in page
        channel = re.search(r'<option value="([0-9a-f-]+)"', page)
        assert channel is not None
        data = {"channel_id": channel.group(1), "precedence": "flash", "text": "Everyone out."}
        assert "Refused: " in landing(client, submit(client, "/comms", "/comms/messages", data))


class TestVesselsPage:
    """The vessel page embeds the API's station map."""

    def test_map_embedded(self, records: Records, console: ConsoleKit) -> None:
        page = sign_in(console.browser(), "olga").get("/vessels").text
        assert 'data-fragment="/api/v1/map/svg"' in page
        assert 'class="station-map"' in page


class TestNoInlineCode:
    """The new pages carry no inline script or event handler."""

    def test_pages(self, records: Records, console: ConsoleKit) -> None:
        client = sign_in(console.browser(), "john")
        urls = [
            f"/incidents/{records.incident}",
            f"/incidents/{records.incident}/sitrep",
            "/medical",
            "/medical/hospital",
            "/welfare",
            f"/welfare/cases/{records.case}",
            f"/agreements/{records.agreement}",
            "/logistics",
            "/comms",
            f"/comms/messages/{records.message}",
            "/vessels",
        ]
        for url in urls:
            page = client.get(url).text
            assert "<script>" not in page, url
            assert not re.search(r"\son[a-z]+=|\sstyle=", page), url
