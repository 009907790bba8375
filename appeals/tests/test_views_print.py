"""The 工单 print view (appeals.views.print): one demand on an A4 page with its header, the resident
masked, the content, the timeline, the reply and the signature lines; for whoever may see the demand,
a 404 for anyone else; reachable from the staff detail page."""

import pytest
from django.urls import reverse

from appeals.services import appeal_accept, appeal_dispatch, appeal_reply
from appeals.tests.conftest import new_appeal

PHONE = "13912345678"


@pytest.fixture
def handled(cast):
    appeal = new_appeal(cast, title="楼道灯坏了", contact_name="欧阳娜娜", contact_phone=PHONE,
                        description=f"顺城社区5号楼楼道灯坏了一周，联系电话{PHONE}。")
    appeal_dispatch(actor=cast.dispatcher, appeal=appeal, target=cast.yuci_health)
    appeal_accept(actor=cast.handler_a, appeal=appeal)
    appeal_reply(actor=cast.handler_a, appeal=appeal, text="已更换灯泡。")
    return appeal


def url(appeal):
    return reverse("appeals:staff_print", args=[appeal.code])


def test_the_handler_prints_the_work_order(cast, client, handled):
    client.force_login(cast.handler_a)
    response = client.get(url(handled), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    page = response.content.decode()
    assert "诉求工单" in page and handled.code in page and "榆次区卫生健康局" in page  # header: unit and code
    assert "欧***" in page and "139****5678" in page  # the resident, masked
    assert PHONE not in page and "欧阳娜娜" not in page
    assert "顺城社区5号楼楼道灯坏了一周，联系电话139****5678。" in page  # the content, masked
    assert "已更换灯泡。" in page  # the reply
    assert "派单" in page and "签收" in page  # the timeline
    for line in ("承办人", "审核人", "日期"):  # the signature lines
        assert line in page
    assert "/static/appeals/print.css" in page and "<script>" not in page


def test_the_print_sheet_hides_navigation_and_actions_when_printed(cast, client, handled):
    from django.contrib.staticfiles import finders

    css = open(finders.find("appeals/print.css"), encoding="utf-8").read()
    printed = css[css.index("@media print"):]
    for hidden in (".topbar", ".footer", ".print-actions", ".langs"):
        assert hidden in printed
    assert "size: A4" in css


@pytest.mark.parametrize("who", ["dispatcher", "city_supervisor", "handler_a"])
def test_whoever_may_see_the_demand_may_print_it(cast, client, handled, who):
    client.force_login(getattr(cast, who))
    assert client.get(url(handled)).status_code == 200


@pytest.mark.parametrize("who", ["taigu_supervisor", "taigu_handler", "handler_b"])
def test_another_county_or_department_gets_a_404(cast, client, handled, who):
    client.force_login(getattr(cast, who))
    response = client.get(url(handled))
    assert response.status_code == 404
    html = response.content.decode()
    # Nothing of the demand itself (the code is only in the address the visitor typed).
    assert handled.title not in html
    assert handled.description[:10] not in html


def test_residents_and_visitors_are_refused(cast, client, handled):
    client.force_login(cast.resident)
    assert client.get(url(handled)).status_code == 403
    client.logout()
    response = client.get(url(handled))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_detail_page_links_to_it(cast, client, handled):
    client.force_login(cast.handler_a)
    page = client.get(reverse("appeals:staff_detail", args=[handled.code]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert f'href="{url(handled)}"' in page.content.decode()
    assert "打印工单" in page.content.decode()
