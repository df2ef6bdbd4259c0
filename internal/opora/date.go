package opora

import (
	"database/sql/driver"
	"fmt"
	"strings"
	"time"
)

// Date is a calendar day with no time zone: a birth date, the day a
// service was rendered, a task's due day. It prints as the day it is,
// whatever the server's zone; a moment (time.Time) is an instant and is
// shown in the server's zone. The zero Date is "no date" and is stored as
// NULL.
//
// In the database a Date is the same DATE column as before: it is written
// as midnight UTC of its day (the form both drivers already read and
// compare) and read back from whatever the driver returns by taking the
// day that value names, so no migration is needed.
type Date struct {
	t time.Time // midnight UTC of the day; zero for none
}

// NewDate is the day y-m-d; out-of-range parts normalise as time.Date does.
func NewDate(y int, m time.Month, d int) Date {
	return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// DateOf is the calendar day t names in its own location; zero for zero.
func DateOf(t time.Time) Date {
	if t.IsZero() {
		return Date{}
	}
	y, m, d := t.Date()
	return NewDate(y, m, d)
}

// Today is the day it is at now in loc (the server's time.Local when nil).
func Today(now time.Time, loc *time.Location) Date {
	if loc == nil {
		loc = time.Local
	}
	return DateOf(now.In(loc))
}

// ParseDate reads a date typed as 01.02.1975, 1.2.1975 or 1975-02-01.
// ok is false for anything else, including impossible days like 31.02 and
// 01.01.0001, which is how "no date" is kept (found by FuzzParseDate).
func ParseDate(s string) (Date, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"02.01.2006", "2.1.2006", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			d := DateOf(t)
			return d, !d.IsZero()
		}
	}
	return Date{}, false
}

// IsZero reports whether d is no date.
func (d Date) IsZero() bool { return d.t.IsZero() }

// Year, Month and Day are d's parts.
func (d Date) Year() int         { return d.t.Year() }
func (d Date) Month() time.Month { return d.t.Month() }
func (d Date) Day() int          { return d.t.Day() }

// Weekday is the day of the week d falls on.
func (d Date) Weekday() time.Weekday { return d.t.Weekday() }

// Before, After, Equal and Compare order days.
func (d Date) Before(e Date) bool   { return d.t.Before(e.t) }
func (d Date) After(e Date) bool    { return d.t.After(e.t) }
func (d Date) Equal(e Date) bool    { return d.t.Equal(e.t) }
func (d Date) Compare(e Date) int   { return d.t.Compare(e.t) }
func (d Date) AddDays(n int) Date   { return Date{d.t.AddDate(0, 0, n)} }
func (d Date) AddMonths(n int) Date { return DateOf(AddMonths(d.t, n)) }

// DaysSince is the number of days from e to d (negative when d is earlier).
func (d Date) DaysSince(e Date) int { return int(d.t.Sub(e.t).Hours()) / 24 }

// Time is midnight UTC of the day (zero for none): for arithmetic with
// code that still works on time.Time and for the database.
func (d Date) Time() time.Time { return d.t }

// In is the first moment of the day in loc.
func (d Date) In(loc *time.Location) time.Time {
	if d.IsZero() {
		return time.Time{}
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
}

// String is the ISO form 2006-01-02, "" for none.
func (d Date) String() string { return d.Format("2006-01-02") }

// Format formats the day with a time layout, "" for none.
func (d Date) Format(layout string) string {
	if d.IsZero() {
		return ""
	}
	return d.t.Format(layout)
}

// Value stores the day as midnight UTC, NULL for none.
func (d Date) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	return d.t, nil
}

// Scan reads a DATE column: a time (the day it names, whatever its zone,
// as both drivers return a DATE), or its text, or NULL.
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = Date{}
		return nil
	case time.Time:
		*d = DateOf(v)
		return nil
	case []byte:
		return d.scanText(string(v))
	case string:
		return d.scanText(v)
	}
	return fmt.Errorf("opora: cannot read %T as a date", src)
}

func (d *Date) scanText(s string) error {
	if len(s) >= 10 {
		if t, err := time.Parse("2006-01-02", s[:10]); err == nil {
			*d = DateOf(t)
			return nil
		}
	}
	return fmt.Errorf("opora: cannot read %q as a date", s)
}

// AddDate adds years, months and days as time.Time's AddDate does
// (31 January + 1 month is 3 March; AddMonths clamps instead).
func (d Date) AddDate(years, months, days int) Date { return Date{d.t.AddDate(years, months, days)} }
