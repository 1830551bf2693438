/* datetime.c - calendar arithmetic without the C library's time zones. */
#include "datetime.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int date_days_in_month(int year, int month)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (month < 1 || month > 12)
		return 0;
	return days[month - 1] + (month == 2 && is_leap(year));
}

static int digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int parse_ymd(const char *s, struct date *out, const char **why)
{
	if (digits(s, 4, &out->year) || s[4] != '-' || digits(s + 5, 2, &out->month) ||
	    s[7] != '-' || digits(s + 8, 2, &out->day)) {
		*why = "not a date of the form YYYY-MM-DD";
		return -1;
	}
	if (out->year < DATE_MIN_YEAR || out->year > DATE_MAX_YEAR) {
		*why = "year out of range (1975-2099)";
		return -1;
	}
	if (out->month < 1 || out->month > 12) {
		*why = "no such month";
		return -1;
	}
	if (out->day < 1 || out->day > date_days_in_month(out->year, out->month)) {
		*why = "no such day in that month";
		return -1;
	}
	return 0;
}

int date_parse(const char *s, struct date *out, const char **why)
{
	if (strlen(s) != 10) {
		*why = "not a date of the form YYYY-MM-DD";
		return -1;
	}
	return parse_ymd(s, out, why);
}

long date_to_days(const struct date *d)
{
	/* Howard Hinnant's days_from_civil. */
	int y = d->year - (d->month <= 2);
	long era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (unsigned)((153 * (d->month + (d->month > 2 ? -3 : 9)) + 2) / 5 + d->day - 1);
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

void date_from_time(time_t t, struct date *out)
{
	long z = (long)(t >= 0 ? t / 86400 : (t - 86399) / 86400) + 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1;
	unsigned m = mp < 10 ? mp + 3 : mp - 9;

	out->year = (int)((long)yoe + era * 400 + (m <= 2));
	out->month = (int)m;
	out->day = (int)d;
}

int date_weekday(const struct date *d)
{
	long days = date_to_days(d);
	return (int)(((days % 7) + 11) % 7);  /* 1970-01-01 was a Thursday */
}

int date_cmp(const struct date *a, const struct date *b)
{
	if (a->year != b->year)
		return a->year < b->year ? -1 : 1;
	if (a->month != b->month)
		return a->month < b->month ? -1 : 1;
	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	return 0;
}

int datetime_parse(const char *s, time_t *out, struct date *local, const char **why)
{
	int hh, mm, ss = 0, oh = 0, om = 0, sign = 1;
	const char *p;

	if (strlen(s) < 17) {
		*why = "not a date-time of the form YYYY-MM-DDThh:mm:ss+hh:mm";
		return -1;
	}
	if (parse_ymd(s, local, why))
		return -1;
	if (s[10] != 'T' || digits(s + 11, 2, &hh) || s[13] != ':' || digits(s + 14, 2, &mm)) {
		*why = "not a date-time of the form YYYY-MM-DDThh:mm:ss+hh:mm";
		return -1;
	}
	p = s + 16;
	if (*p == ':') {
		if (digits(p + 1, 2, &ss)) {
			*why = "bad seconds";
			return -1;
		}
		p += 3;
	}
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om)) {
			*why = "bad time zone offset (write +hh:mm or Z)";
			return -1;
		}
		p += 6;
	} else {
		*why = "the time zone is missing (add Z or an offset such as +01:00)";
		return -1;
	}
	if (*p) {
		*why = "unexpected text after the time zone";
		return -1;
	}
	if (hh > 23 || mm > 59 || ss > 59) {
		*why = "no such time of day";
		return -1;
	}
	if (oh > 14 || om > 59 || (oh == 14 && om)) {
		*why = "time zone offset out of range";
		return -1;
	}
	*out = (time_t)(date_to_days(local) * 86400L + hh * 3600L + mm * 60L + ss) -
	       sign * (time_t)(oh * 3600L + om * 60L);
	return 0;
}

int clock_now(time_t *out, const char **why)
{
	const char *env = getenv("PR_PUBLISH_NOW");
	struct date d;

	*why = NULL;
	if (!env || !*env) {
		*out = time(NULL);
		return 0;
	}
	if (env[0] == '@') {
		char *end;
		long long v = strtoll(env + 1, &end, 10);
		if (*end || end == env + 1) {
			*why = "PR_PUBLISH_NOW: '@' must be followed by seconds since 1970";
			return -1;
		}
		*out = (time_t)v;
		return 0;
	}
	if (strlen(env) == 10 && !date_parse(env, &d, why)) {
		*out = (time_t)date_to_days(&d) * 86400;
		return 0;
	}
	if (datetime_parse(env, out, &d, why) < 0) {
		*why = "PR_PUBLISH_NOW must be YYYY-MM-DD, YYYY-MM-DDThh:mm:ssZ or @seconds";
		return -1;
	}
	return 0;
}
