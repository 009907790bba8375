"""The main path of the closed loop, end to end through the services."""

from appeals.models import Action, Satisfaction, State
from appeals.services import appeal_accept, appeal_dispatch, appeal_rate, appeal_reply


def test_resident_demand_goes_round_the_loop(cast, appeal):
    assert appeal.state == State.TO_DISPATCH and len(appeal.code) == 10
    appeal_dispatch(actor=cast.dispatcher, appeal=appeal, target=cast.yuci_health)
    assert appeal.state == State.TO_ACCEPT and appeal.accept_due_at and appeal.due_at
    appeal_accept(actor=cast.handler_a, appeal=appeal)
    appeal_reply(actor=cast.handler_a, appeal=appeal, text="已协调供热公司维修，今日恢复供暖。")
    appeal_rate(actor=cast.resident, appeal=appeal, satisfaction=Satisfaction.SATISFIED)
    appeal.refresh_from_db()
    assert appeal.state == State.CLOSED and appeal.resolved is True and appeal.closed_on_time is True
    actions = list(appeal.events.values_list("action", "from_state", "to_state"))
    assert actions == [
        (Action.CREATE, "", State.TO_DISPATCH),
        (Action.DISPATCH, State.TO_DISPATCH, State.TO_ACCEPT),
        (Action.ACCEPT, State.TO_ACCEPT, State.HANDLING),
        (Action.REPLY, State.HANDLING, State.REPLIED),
        (Action.RATE, State.REPLIED, State.REPLIED),
        (Action.CLOSE, State.REPLIED, State.CLOSED),
    ]


def test_first_unsatisfied_rating_reopens_once(cast, appeal):
    appeal_dispatch(actor=cast.dispatcher, appeal=appeal, target=cast.yuci_health)
    appeal_accept(actor=cast.handler_a, appeal=appeal)
    appeal_reply(actor=cast.handler_a, appeal=appeal, text="已处理")
    appeal_rate(actor=cast.resident, appeal=appeal, satisfaction=Satisfaction.UNSATISFIED)
    assert appeal.state == State.HANDLING and appeal.reopen_count == 1
    appeal_reply(actor=cast.handler_a, appeal=appeal, text="再次上门维修")
    appeal_rate(actor=cast.resident, appeal=appeal, satisfaction=Satisfaction.UNSATISFIED)
    assert appeal.state == State.CLOSED and appeal.resolved is False
