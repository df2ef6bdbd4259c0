package opora

import (
	"strings"
	"time"
	"unicode"
)

// PersonReport is what Opora holds about one person, for the person
// (152-ФЗ art. 14): every record about them, who viewed it, who received
// it, on what basis and how long it is kept. Data about other people (the
// family's other members, names in workers' notes) is masked.
type PersonReport struct {
	Client       *Client
	Organisation string
	MadeAt       time.Time
	MadeBy       string
	Sections     []*PersonSection // only those with rows
	Views        []*PersonView    // the audit log of the person's record, oldest first
	Recipients   []string         // other organisations that see or received the data
	Bases        []string         // consents and legal grounds, as lines
	Retention    []string         // how long the data are kept, as lines
}

// PersonSection is one kind of record: its columns (catalog keys
// "person.col.<name>") and rows of display text.
type PersonSection struct {
	Key     string // catalog "person.section.<key>"
	Columns []string
	Rows    [][]string
	Labels  map[string]string // column → catalog prefix of its coded values ("tasks.status.")
}

// PersonView is one audit row of the person's record.
type PersonView struct {
	At           time.Time
	User         string
	Organisation string
	Action       string
	Section      string
}

// Label is the catalog key of a coded value in column i of the section
// ("tasks.status.done"), "" when the column holds plain text.
func (s *PersonSection) Label(i int, value string) string {
	if p := s.Labels[s.Columns[i]]; p != "" && value != "" {
		return p + value
	}
	return ""
}

// Masked is the text that stands for another person's name.
const Masked = "[третье лицо]"

// MaskNames replaces every word of text that equals (ignoring case) one of
// names with Masked; words are runs of letters, so "Иванову" is not
// "Иванов" — names in texts are masked by the forms the records keep.
func MaskNames(text string, names map[string]bool) string {
	if len(names) == 0 || text == "" {
		return text
	}
	var b strings.Builder
	word := []rune{}
	flush := func() {
		if len(word) == 0 {
			return
		}
		w := string(word)
		if names[strings.ToLower(w)] {
			b.WriteString(Masked)
		} else {
			b.WriteString(w)
		}
		word = word[:0]
	}
	for _, r := range text {
		if unicode.IsLetter(r) || r == '-' && len(word) > 0 {
			word = append(word, r)
			continue
		}
		flush()
		b.WriteRune(r)
	}
	flush()
	return b.String()
}

// NameWords are the words of a person's name worth masking (two letters
// and more), lower-cased.
func NameWords(parts ...string) []string {
	var out []string
	for _, p := range parts {
		for _, w := range strings.FieldsFunc(p, func(r rune) bool { return !unicode.IsLetter(r) && r != '-' }) {
			if len([]rune(w)) >= 2 {
				out = append(out, strings.ToLower(w))
			}
		}
	}
	return out
}

// SubjectRequest is a person's request about their personal data (152-ФЗ
// art. 14, 20): registered when received, answered within ten working days.
type SubjectRequest struct {
	ID             int64
	OrganisationID int64
	ClientID       int64 // 0 until the person is found among the clients
	ClientName     string
	Requester      string // who asked: the person or their representative
	Kind           string // access, correction, withdrawal, destruction
	ReceivedOn     Date
	DueOn          Date // ten working days after ReceivedOn
	Details        string
	AnsweredOn     Date
	Answer         string
	AnsweredBy     int64
	AnsweredByName string
	CreatedBy      int64
	CreatedAt      time.Time
}

// The kinds of a subject request.
var SubjectRequestKinds = []string{"access", "correction", "withdrawal", "destruction"}

// SubjectRequestDays is the answer's deadline in working days.
const SubjectRequestDays = 10

// Open reports whether the request is not answered yet.
func (r *SubjectRequest) Open() bool { return r.AnsweredOn.IsZero() }

// Overdue reports whether the request is open past its deadline on today.
func (r *SubjectRequest) Overdue(today Date) bool { return r.Open() && today.After(r.DueOn) }

// AddWorkingDays is d moved n working days on (Saturdays and Sundays skipped).
func AddWorkingDays(d Date, n int) Date {
	for n > 0 {
		d = d.AddDays(1)
		if wd := d.Time().Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return d
}

// Normalize trims the request's text.
func (r *SubjectRequest) Normalize() {
	r.Requester = strings.TrimSpace(r.Requester)
	r.Details = strings.TrimSpace(strings.ReplaceAll(r.Details, "\r\n", "\n"))
	r.Answer = strings.TrimSpace(strings.ReplaceAll(r.Answer, "\r\n", "\n"))
}

// Validate checks a new request; today is the current date.
func (r *SubjectRequest) Validate(today Date) error {
	var v Validation
	if r.Requester == "" {
		v.Add("requester", "error.required")
	}
	known := false
	for _, k := range SubjectRequestKinds {
		known = known || k == r.Kind
	}
	if !known {
		v.Add("kind", "error.invalid_choice")
	}
	if r.ReceivedOn.IsZero() {
		v.Add("received_on", "error.date")
	} else if r.ReceivedOn.After(today) {
		v.Add("received_on", "error.date_future")
	}
	return v.Err()
}

// PrivacyOverview is the administrator's view of personal data in the
// organisation (issue 22 item 9): which sensitive fields exist and how
// many answers they hold, which roles and how many people may see each
// special category, and the work waiting (requests, records lacking
// consent or basis, data due for destruction).
type PrivacyOverview struct {
	Categories      []*PrivacyCategory
	OpenRequests    int
	OverdueRequests int
	DueSoonRequests int // open, due within three working days
	// Lacking: clients holding answers of a special category without a
	// basis recorded for them.
	Lacking int
	// DueDestruction: persons whose data the retention rules say are due.
	DueDestruction int
	// TwoFactor: the organisation requires it; users who must and have not enrolled.
	TwoFactorEnforced bool
	TwoFactorMissing  int
}

// PrivacyCategory is one special category of data.
type PrivacyCategory struct {
	Sensitivity Sensitivity
	Fields      []*PrivacyField
	Roles       []*Role // roles holding the category's permission
	Users       int     // active users holding it through any role
	Clients     int     // clients with an answer of this category
}

// PrivacyField is a questionnaire field of a special category.
type PrivacyField struct {
	Form     string
	Label    string
	Disabled bool
	Answers  int
}
