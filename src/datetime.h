/*
 * datetime.h - the dates of releases: parsing, checking, the clock.
 *
 * Dates are proleptic Gregorian, years 1975-2099 (the Helsinki Final Act to
 * far enough); XML Schema's own xs:date would take 99999-01-01 and -0044.
 * The clock can be set with PR_PUBLISH_NOW (an ISO date-time or @epoch), so
 * that tests and scheduled rebuilds see a fixed "now".
 */
#ifndef PR_DATETIME_H
#define PR_DATETIME_H

#include <time.h>

#define DATE_MIN_YEAR 1975
#define DATE_MAX_YEAR 2099

struct date {
	int year, month, day;
};

/* 0 when s is exactly YYYY-MM-DD and a real day in range; -1 otherwise,
 * with *why set to a short reason. */
int date_parse(const char *s, struct date *out, const char **why);
/* YYYY-MM-DDThh:mm[:ss](Z|+hh:mm) -> seconds since the epoch (UTC) and the
 * local calendar date it names. */
int datetime_parse(const char *s, time_t *out, struct date *local, const char **why);

int date_cmp(const struct date *a, const struct date *b);
int date_days_in_month(int year, int month);
/* Days since 1970-01-01 for a valid date. */
long date_to_days(const struct date *d);
/* 0 = Sunday ... 6 = Saturday. */
int date_weekday(const struct date *d);
/* The UTC calendar date of t. */
void date_from_time(time_t t, struct date *out);

/* Now: PR_PUBLISH_NOW when set and valid, else the system clock.  Returns -1
 * and sets *why when PR_PUBLISH_NOW is set but unreadable. */
int clock_now(time_t *out, const char **why);

#endif
