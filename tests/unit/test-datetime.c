/* test-datetime.c - calendar rules, date-times with zones, weekdays. */
#include <string.h>

#include "datetime.h"
#include "tap.h"

static int date_ok(const char *s)
{
	struct date d;
	const char *why = NULL;
	return date_parse(s, &d, &why) == 0;
}

int main(void)
{
	struct date d;
	const char *why = NULL;
	time_t t;

	ok(date_ok("2020-10-15"), "an ordinary date");
	ok(date_ok("2024-02-29"), "29 February in a leap year");
	ok(!date_ok("2021-02-29"), "no 29 February in 2021");
	ok(date_ok("2000-02-29"), "2000 was a leap year");
	ok(!date_ok("2100-02-29"), "2100 is out of range anyway");
	ok(!date_ok("2020-04-31"), "April has 30 days");
	ok(!date_ok("2020-13-01"), "no 13th month");
	ok(!date_ok("2020-00-10"), "no month 0");
	ok(!date_ok("99999-01-01"), "a five-digit year (xs:date accepts it)");
	ok(!date_ok("-0044-03-15"), "a negative year");
	ok(!date_ok("1900-01-01"), "before 1975");
	ok(!date_ok("2020-1-15"), "one-digit month");
	ok(!date_ok("2020-10-15 "), "trailing space");
	ok(date_parse("2021-02-29", &d, &why) < 0 && why && strstr(why, "day"),
	   "the reason names the day: %s", why ? why : "(none)");

	d.year = 2020, d.month = 10, d.day = 15;
	ok(date_weekday(&d) == 4, "15 October 2020 was a Thursday");
	d.year = 1975, d.month = 8, d.day = 1;
	ok(date_weekday(&d) == 5, "1 August 1975 was a Friday");
	d.year = 2024, d.month = 2, d.day = 29;
	ok(date_to_days(&d) == 19782, "2024-02-29 is day 19782 of the epoch");

	ok(datetime_parse("2020-10-15T09:00:00+02:00", &t, &d, &why) == 0 && t == 1602745200,
	   "an offset is applied (07:00 UTC)");
	ok(datetime_parse("2020-10-15T07:00Z", &t, &d, &why) == 0 && t == 1602745200,
	   "Z and no seconds");
	ok(datetime_parse("2020-10-15T09:00:00", &t, &d, &why) < 0 && strstr(why, "zone"),
	   "a missing zone is refused");
	ok(datetime_parse("2020-10-15T25:00:00Z", &t, &d, &why) < 0, "25 o'clock is refused");
	ok(datetime_parse("2020-10-15T10:00:00+15:00", &t, &d, &why) < 0, "offset +15:00 is refused");
	ok(datetime_parse("2021-02-29T10:00:00Z", &t, &d, &why) < 0, "the date part is checked too");

	date_from_time(1602745200, &d);
	ok(d.year == 2020 && d.month == 10 && d.day == 15, "epoch seconds back to a date");
	date_from_time(951782400, &d);
	ok(d.year == 2000 && d.month == 2 && d.day == 29, "2000-02-29 from epoch seconds");
	return tap_done();
}
