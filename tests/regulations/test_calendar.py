"""The production calendar: seeded 2025/2026 decrees, 2027 provisional by the Labour Code, editable rows, one query
per selector."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from billing_core.error_codes import ErrorCode
from tenants.regulations.models import (
    WORKING_DAY_KINDS,
    CalendarDay,
    CalendarDayKind,
    CalendarYear,
    CalendarYearStatus,
)
from tenants.regulations.selectors import (
    calendar_coverage,
    calendar_year_loaded,
    is_working_day,
    next_working_day,
    previous_working_day,
    working_days_between,
)

pytestmark = pytest.mark.django_db


def python_oracle():
    """The same rule in plain Python over the stored rows: a row decides, else Monday–Friday."""
    kinds = dict(CalendarDay.objects.values_list("date", "kind"))

    def working(d: date) -> bool:
        return kinds[d] in WORKING_DAY_KINDS if d in kinds else d.isoweekday() < 6

    return working


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 1, 8), False),  # New Year holidays
        (date(2026, 1, 9), False),  # Friday, a day off moved from Saturday 3 January by the 2026 decree
        (date(2026, 1, 12), True),
        (date(2026, 2, 23), False),
        (date(2026, 3, 9), False),  # 8 March is a Sunday
        (date(2026, 5, 8), True),  # shortened, still working
        (date(2026, 5, 11), False),  # 9 May is a Saturday
        (date(2026, 11, 3), True),
        (date(2026, 11, 4), False),
        (date(2026, 12, 31), False),  # moved from Sunday 4 January
        (date(2026, 6, 6), False),  # an ordinary Saturday
        (date(2026, 6, 3), True),  # an ordinary Wednesday
        (date(2025, 2, 24), True),  # the day off for 23 Feb went to 8 May
        (date(2025, 5, 8), False),
        (date(2025, 6, 13), False),
        (date(2025, 11, 1), True),  # a working Saturday
        (date(2025, 11, 3), False),
        (date(2025, 12, 31), False),
    ],
)
def test_known_days(day, working):
    assert is_working_day(day) is working


def test_neighbouring_working_days_across_the_new_year_and_transfers():
    assert next_working_day(date(2025, 12, 30)) == date(2026, 1, 12)
    assert previous_working_day(date(2026, 1, 12)) == date(2025, 12, 30)
    assert next_working_day(date(2026, 5, 8)) == date(2026, 5, 12)
    assert next_working_day(date(2025, 10, 31)) == date(2025, 11, 1)  # Friday → the working Saturday
    assert previous_working_day(date(2025, 11, 5)) == date(2025, 11, 1)
    assert next_working_day(date(2026, 6, 3)) == date(2026, 6, 4)  # strictly after, even from a working day


def test_published_counts_of_working_days():
    assert working_days_between(date(2025, 1, 1), date(2025, 12, 31)) == 247
    assert working_days_between(date(2026, 1, 1), date(2026, 12, 31)) == 247
    assert working_days_between(date(2026, 1, 1), date(2026, 1, 31)) == 15
    assert working_days_between(date(2026, 5, 1), date(2026, 5, 31)) == 19
    # 1972 hours at 40 a week: a shortened day is an hour shorter
    shortened = CalendarDay.objects.filter(date__year=2026, kind=CalendarDayKind.SHORTENED).count()
    assert 8 * working_days_between(date(2026, 1, 1), date(2026, 12, 31)) - shortened == 1972


def test_selectors_agree_with_a_python_oracle_on_every_day_of_both_years():
    working = python_oracle()
    start = date(2025, 1, 1)
    days = [start + timedelta(days=i) for i in range(730)]
    running = 0
    for d in days[:400:7]:  # a spread of days keeps this quick; each call is one query
        assert is_working_day(d) is working(d)
        following = d + timedelta(days=1)
        while not working(following):
            following += timedelta(days=1)
        assert next_working_day(d) == following
        preceding = d - timedelta(days=1)
        while not working(preceding):
            preceding -= timedelta(days=1)
        assert previous_working_day(d) == preceding
    for d in days:
        running += working(d)
        if d.day == 1 or d == days[-1]:
            assert working_days_between(start, d) == running


def test_each_selector_is_one_query(django_assert_num_queries):
    is_working_day(date(2026, 1, 1))  # the tenant connection sets its search_path on first use
    with django_assert_num_queries(1):
        is_working_day(date(2026, 1, 9))
    with django_assert_num_queries(1):
        next_working_day(date(2025, 12, 30))
    with django_assert_num_queries(1):
        previous_working_day(date(2026, 1, 12))
    with django_assert_num_queries(1):
        assert working_days_between(date(2025, 1, 1), date(2026, 12, 31)) == 494
    with django_assert_num_queries(0):
        assert working_days_between(date(2026, 2, 1), date(2026, 1, 31)) == 0


def test_the_calendar_is_editable_data():
    # a regional holiday declared for an ordinary Wednesday, and a Saturday made a working day
    CalendarDay.objects.create(date=date(2026, 6, 3), kind=CalendarDayKind.HOLIDAY, note="региональный")
    CalendarDay.objects.create(date=date(2026, 6, 6), kind=CalendarDayKind.WORKING)
    assert not is_working_day(date(2026, 6, 3))
    assert next_working_day(date(2026, 6, 2)) == date(2026, 6, 4)
    assert next_working_day(date(2026, 6, 5)) == date(2026, 6, 6)
    assert working_days_between(date(2026, 6, 1), date(2026, 6, 7)) == 5  # Mon, Tue, Thu, Fri, Sat
    CalendarDay.objects.filter(date=date(2026, 1, 9)).update(kind=CalendarDayKind.WORKING)
    assert is_working_day(date(2026, 1, 9))


def test_no_working_day_within_reach_is_an_error():
    start = date(2030, 3, 1)
    CalendarDay.objects.bulk_create(
        [CalendarDay(date=start + timedelta(days=i), kind=CalendarDayKind.HOLIDAY) for i in range(61)]
    )
    with pytest.raises(ValidationError) as exc:
        next_working_day(start - timedelta(days=1))
    assert exc.value.code == ErrorCode.CALENDAR_NO_WORKING_DAY
    assert previous_working_day(start + timedelta(days=10)) == date(2030, 2, 28)


def test_which_years_are_loaded():
    assert calendar_year_loaded(2025) and calendar_year_loaded(2026) and calendar_year_loaded(2027)
    assert not calendar_year_loaded(2028)
    assert not calendar_year_loaded(2031)


def test_seed_sources_and_confidence():
    jan9 = CalendarDay.objects.get(date=date(2026, 1, 9))
    assert (jan9.kind, jan9.confidence) == (CalendarDayKind.WEEKEND, "practice")
    assert "1466" in jan9.source
    assert CalendarDay.objects.get(date=date(2026, 1, 1)).confidence == "law"
    assert not CalendarDay.objects.exclude(kind__in=[k.value for k in CalendarDayKind]).exists()


# --- the warning before the loaded calendar runs out (issue 13, item 11) -------------------------------------------


def test_coverage_warns_within_sixty_days_of_the_end_of_the_decreed_calendar(settings):
    settings.CALENDAR_WARN_DAYS = 60
    assert CalendarYear.objects.get(year=2026).status == CalendarYearStatus.OFFICIAL  # the 2026 decree
    assert CalendarYear.objects.get(year=2027).status == CalendarYearStatus.PROVISIONAL  # by the Labour Code only

    # 07.12.2026: 31.12.2026 − 07.12.2026 = 24 days of the decreed calendar left, within 60: warned, and told
    # that 2027 is provisional (payouts can be dated into it, but its decree is still due)
    now = calendar_coverage(date(2026, 12, 7))
    assert (now.last_year, now.last_day, now.days_left, now.warn) == (2026, date(2026, 12, 31), 24, True)
    assert (now.provisional_years, now.covered_until) == ((2027,), date(2027, 12, 31))
    assert now.message.startswith("Производственный календарь утверждён по 31.12.2026, осталось дней: 24.")
    assert "На 2027 год загружен предварительный календарь по ТК РФ ст.112" in now.message
    # 01.11.2026 is exactly 60 days before 31.12.2026 (30 in November + 30 in December): warned; 31.10 is 61: not
    assert (calendar_coverage(date(2026, 11, 1)).days_left, calendar_coverage(date(2026, 11, 1)).warn) == (60, True)
    quiet = calendar_coverage(date(2026, 10, 31))
    assert (quiet.days_left, quiet.warn) == (61, False)
    # into the provisional year: nothing decreed is left, the warning stays on while 2027 has no decree
    january = calendar_coverage(date(2027, 1, 11))
    assert (january.days_left, january.warn, january.provisional_years) == (0, True, (2027,))
    assert "Внесите постановление о переносе выходных дней" in january.message
    # once the decree is entered the year is official: the warning counts down to 31.12.2027 instead
    CalendarYear.objects.filter(year=2027).update(status=CalendarYearStatus.OFFICIAL)
    decreed = calendar_coverage(date(2027, 1, 11))
    assert (decreed.last_year, decreed.days_left, decreed.warn, decreed.provisional_years) == (2027, 354, False, ())
    assert decreed.message == "Производственный календарь загружен по 31.12.2027, осталось дней: 354."
    # past the end of every loaded year: payouts cannot be built
    late = calendar_coverage(date(2028, 1, 11))
    assert (late.days_left, late.warn) == (0, True) and late.message.startswith(
        "Производственный календарь закончился 31.12.2027")
    # the setting moves the threshold
    settings.CALENDAR_WARN_DAYS = 10
    assert calendar_coverage(date(2027, 12, 7)).warn is False


def test_2027_is_loaded_provisionally_from_the_labour_code():
    """ТК РФ ст.112 ч.1: 1–8 January, 23 February, 8 March, 1 and 9 May, 12 June and 4 November are public
    holidays. Ч.2: a holiday on a Saturday or Sunday (January's excepted) moves the day off to the next working
    day. In 2027, 1 May is a Saturday (→ Monday 3 May), 9 May a Sunday (→ Monday 10 May), 12 June a Saturday
    (→ Monday 14 June). The decree's own transfers (the January weekends, working Saturdays) are not known."""
    for day in [*(date(2027, 1, d) for d in range(1, 9)), date(2027, 2, 23), date(2027, 3, 8), date(2027, 5, 1),
                date(2027, 5, 9), date(2027, 6, 12), date(2027, 11, 4)]:
        assert CalendarDay.objects.get(date=day).kind == CalendarDayKind.HOLIDAY, day
    for day in (date(2027, 5, 3), date(2027, 5, 10), date(2027, 6, 14)):
        row = CalendarDay.objects.get(date=day)
        assert (row.kind, row.confidence, "ст.112 ч.2" in row.source) == (CalendarDayKind.WEEKEND, "check", True)
    assert calendar_year_loaded(2027)
    # money received on Thursday 31.12.2026 is paid out by the next working day (ПП 253 п.6): 1–8 January are
    # holidays, 9–10 January a weekend, so Monday 11 January 2027
    assert next_working_day(date(2026, 12, 31)) == date(2027, 1, 11)
    # Friday 30 April → Saturday 1 May (holiday), Sunday 2 May, Monday 3 May (moved from 1 May): Tuesday 4 May
    assert next_working_day(date(2027, 4, 30)) == date(2027, 5, 4)
    # Friday 11 June → 12 June (Saturday, holiday), 13 June (Sunday), 14 June (moved): Tuesday 15 June
    assert next_working_day(date(2027, 6, 11)) == date(2027, 6, 15)
    # 365 days − 104 weekend days (52 Saturdays, 52 Sundays; 2027 starts and ends on a Friday, so 53 Fridays)
    # − holidays on weekdays (1, 4–8 January: 6; 23 Feb; 8 Mar; 4 Nov: 9) − the three moved days = 249
    assert working_days_between(date(2027, 1, 1), date(2027, 12, 31)) == 249


def test_coverage_without_any_calendar_warns():
    CalendarDay.objects.all().delete()
    empty = calendar_coverage(date(2026, 12, 7))
    assert (empty.last_year, empty.days_left, empty.warn) == (None, 0, True)
    assert empty.message.startswith("Производственный календарь не загружен")
