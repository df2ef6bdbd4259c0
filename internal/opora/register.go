package opora

// MaxRegisterDays is the longest period the services register covers, both
// ends counted: a leap year.
const MaxRegisterDays = 366

// MaxXLSXRows is how many data rows fit on one spreadsheet sheet under a
// header row (an XLSX sheet holds 1,048,576 rows).
const MaxXLSXRows = 1048575

// RegisterQuery selects the services register (Реестр услуг): the services
// rendered in a period, one line each, with the client's name. From and To
// are calendar days, both inclusive; the id lists are optional filters
// (empty = all).
type RegisterQuery struct {
	From, To       Date
	BranchIDs      []int64
	WorkerIDs      []int64
	ServiceTypeIDs []int64
}

// Days is the number of calendar days the period covers, both ends counted.
func (q *RegisterQuery) Days() int {
	return q.To.DaysSince(q.From) + 1
}

// Validate checks the period: both dates given, the end not before the
// start, at most MaxRegisterDays days.
func (q *RegisterQuery) Validate() error {
	var v Validation
	if q.From.IsZero() {
		v.Add("from", "error.date")
	}
	if q.To.IsZero() {
		v.Add("to", "error.date")
	}
	if !q.From.IsZero() && !q.To.IsZero() {
		switch {
		case q.To.Before(q.From):
			v.Add("to", "error.period_reversed")
		case q.Days() > MaxRegisterDays:
			v.Add("to", "error.period_too_long")
		}
	}
	return v.Err()
}
