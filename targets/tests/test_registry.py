"""The registry: values, rates rolled up as numerators and denominators, the sections the apps fill."""

from decimal import Decimal

from targets import registry
from targets.registry import Aggregation, Indicator, Value, add_values


def test_a_rate_is_numerator_over_denominator_and_rolls_up_by_sums():
    a, b = Value(numerator=1, denominator=4), Value(numerator=3, denominator=4)
    assert a.value == Decimal("25.00") and a.shown() == "25.00%" and a.detail() == "1/4"
    # Not the mean of 25% and 75% weighted wrong: (1+3)/(4+4).
    total = add_values([a, b, Value(numerator=0, denominator=2)])
    assert total.value == Decimal("40.00")
    assert Value(numerator=0, denominator=0).value is None and Value(numerator=0, denominator=0).shown() == "—"


def test_counts_add_up_and_nothing_stays_nothing():
    assert add_values([Value(3), Value(None), Value(4)]).value == 7
    assert add_values([Value(None)]).value is None
    assert Value(12).shown() == "12"


def test_registered_apps_fill_the_sections_and_another_app_can_join(db):
    keys = [key for key, _label, _items in registry.sections()]
    assert keys[:2] == ["demands", "care"]
    assert {i.code for i in registry.registered()} >= {
        "demands.received",
        "demands.closed",
        "demands.closed_late",
        "demands.response_rate",
        "demands.resolution_rate",
        "demands.satisfaction_rate",
        "care.people",
        "care.coverage",
        "care.visits_on_time",
    }

    def canteens(units, period):
        return {unit.pk: Value(2) for unit in units}

    # Another app joins at start-up: its section takes its place by its order, and leaves when it goes.
    registry.register(
        Indicator(
            "joining.canteens",
            "社区食堂",
            "个",
            Aggregation.SUM,
            canteens,
            section="joining",
            section_label="新加入",
            section_order=999,
        )
    )
    try:
        keys = [key for key, _l, _i in registry.sections()]
        assert keys[:2] == ["demands", "care"] and keys[-1] == "joining"
    finally:
        registry.unregister("joining.canteens")
    assert "joining" not in [key for key, _l, _i in registry.sections()]
