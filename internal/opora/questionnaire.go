package opora

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// FieldType is the kind of answer a questionnaire field takes.
type FieldType string

// Field types. Catalog key: "questionnaire.type.<value>".
const (
	FieldText        FieldType = "text"
	FieldLongText    FieldType = "longtext"
	FieldNumber      FieldType = "number"
	FieldDate        FieldType = "date"
	FieldMonth       FieldType = "month" // month and year
	FieldYesNo       FieldType = "yesno" // yes / no / no answer
	FieldChoice      FieldType = "choice"
	FieldMultiChoice FieldType = "multichoice"
	FieldFile        FieldType = "file"
)

// FieldTypes lists the field types in display order.
var FieldTypes = []FieldType{FieldText, FieldLongText, FieldNumber, FieldDate, FieldMonth, FieldYesNo,
	FieldChoice, FieldMultiChoice, FieldFile}

// Valid reports whether t is a known type.
func (t FieldType) Valid() bool { return slices.Contains(FieldTypes, t) }

// HasOptions reports whether answers of this type are option ids.
func (t FieldType) HasOptions() bool { return t == FieldChoice || t == FieldMultiChoice }

// Yes/no answers, stored as text.
const (
	YesNoYes      = "yes"
	YesNoNo       = "no"
	YesNoNoAnswer = "na" // the client preferred not to answer
)

// YesNoValues lists the yes/no answers in display order.
var YesNoValues = []string{YesNoYes, YesNoNo, YesNoNoAnswer}

// FileKindAnswer is the kind of a file uploaded as the answer to a "file"
// field; it is reached only through the answer that holds it.
const FileKindAnswer = "answer"

// ProfileFormKey is the key of an organisation's main questionnaire: one
// filling per client. Other forms are repeatable and dated.
const ProfileFormKey = "profile"

// Form is a questionnaire: the main one (key "profile") or a repeatable
// named form such as a follow-up after leaving the shelter.
type Form struct {
	ID             int64
	OrganisationID int64
	Key            string
	Name           string
	Repeatable     bool
	Kind           string // FormKindClient or FormKindAssessment (assessment.go)
	Position       int
	Disabled       bool
	Sections       []*FormSection
}

// FormSection is a titled block of fields.
type FormSection struct {
	ID       int64
	FormID   int64
	Title    string
	Position int
	Disabled bool
	Fields   []*FormField
}

// FormField is one question. Answers to a field of a sensitivity category
// are seen only with that category's permission.
type FormField struct {
	ID          int64
	SectionID   int64
	Key         string
	Label       string
	Hint        string
	Type        FieldType
	Required    bool
	Position    int
	Disabled    bool // also true when its section is disabled, as read for clients
	Sensitivity Sensitivity
	KeyAnswer   bool // shown on the profile's key answers panel
	// Conditional display: shown only when field ShowIfFieldID has option
	// ShowIfOptionID (or, with ShowIfNot, is answered without it).
	ShowIfFieldID  int64
	ShowIfOptionID int64
	ShowIfNot      bool
	Options        []*FieldOption
	HasAnswers     bool // filled by the editor's read: the type can no longer change
}

// FieldOption is one choice of a choice or multiple-choice field. Answers
// store option ids, so renaming or reordering never touches them.
type FieldOption struct {
	ID       int64
	FieldID  int64
	Label    string
	Position int
	Disabled bool
	NotAlone bool // "cannot be the only answer" of a multiple choice
	Score    int  // the answer's score in an assessment form
}

// Option returns the field's option with the id, or nil.
func (f *FormField) Option(id int64) *FieldOption {
	for _, o := range f.Options {
		if o.ID == id {
			return o
		}
	}
	return nil
}

// Fields returns every field of the form in display order.
func (f *Form) Fields() []*FormField {
	var out []*FormField
	for _, s := range f.Sections {
		out = append(out, s.Fields...)
	}
	return out
}

// Field returns the form's field with the id, or nil.
func (f *Form) Field(id int64) *FormField {
	for _, s := range f.Sections {
		for _, x := range s.Fields {
			if x.ID == id {
				return x
			}
		}
	}
	return nil
}

// Validate checks a form before saving.
func (f *Form) Validate() error {
	var v Validation
	f.Name = strings.TrimSpace(f.Name)
	checkText(&v, "name", f.Name, true, 200)
	return v.Err()
}

// Validate checks a section before saving.
func (s *FormSection) Validate() error {
	var v Validation
	s.Title = strings.TrimSpace(s.Title)
	checkText(&v, "title", s.Title, true, 200)
	return v.Err()
}

// Validate checks a field's settings before saving.
func (f *FormField) Validate() error {
	var v Validation
	f.Label = strings.TrimSpace(f.Label)
	f.Hint = strings.TrimSpace(f.Hint)
	checkText(&v, "label", f.Label, true, 300)
	checkText(&v, "hint", f.Hint, false, 1000)
	if !f.Type.Valid() {
		v.Add("type", "error.invalid_choice")
	}
	if !f.Sensitivity.Valid() {
		v.Add("sensitivity", "error.invalid_choice")
	}
	if f.ShowIfOptionID == 0 {
		f.ShowIfFieldID, f.ShowIfNot = 0, false
	}
	return v.Err()
}

// Validate checks an option before saving.
func (o *FieldOption) Validate() error {
	var v Validation
	o.Label = strings.TrimSpace(o.Label)
	checkText(&v, "label", o.Label, true, 300)
	if o.Score < 0 || o.Score > 100 {
		v.Add("score", "assessment.error.score")
	}
	return v.Err()
}

// Answer is a client's answer to one field. Which part is used depends on
// the field's type; an empty answer is no answer at all.
type Answer struct {
	FieldID   int64
	OptionIDs []int64 // choice: one; multiple choice: in the options' order
	Text      string  // text, long text, yes/no
	Num       float64
	HasNum    bool
	Date      Date // date; month: the first day of the month
	FileID    int64
	UpdatedBy int64
	UpdatedAt time.Time
}

// Empty reports whether the answer holds nothing.
func (a *Answer) Empty() bool {
	return a == nil || (len(a.OptionIDs) == 0 && a.Text == "" && !a.HasNum && a.Date.IsZero() && a.FileID == 0)
}

// Has reports whether the answer chose the option.
func (a *Answer) Has(optionID int64) bool { return a != nil && slices.Contains(a.OptionIDs, optionID) }

// Equal reports whether two answers hold the same value.
func (a *Answer) Equal(b *Answer) bool {
	if a.Empty() || b.Empty() {
		return a.Empty() == b.Empty()
	}
	return a.Text == b.Text && a.HasNum == b.HasNum && a.Num == b.Num && a.Date.Equal(b.Date) &&
		a.FileID == b.FileID && slices.Equal(a.OptionIDs, b.OptionIDs)
}

// Values returns the answer as the texts a form field holds: dates as
// ДД.ММ.ГГГГ, months as ММ.ГГГГ, option ids as decimal strings.
func (a *Answer) Values(t FieldType) []string {
	if a.Empty() {
		return nil
	}
	switch t {
	case FieldNumber:
		return []string{strconv.FormatFloat(a.Num, 'f', -1, 64)}
	case FieldDate:
		return []string{a.Date.Format("02.01.2006")}
	case FieldMonth:
		return []string{a.Date.Format("01.2006")}
	case FieldChoice, FieldMultiChoice:
		var out []string
		for _, id := range a.OptionIDs {
			out = append(out, strconv.FormatInt(id, 10))
		}
		return out
	case FieldFile:
		if a.FileID != 0 {
			return []string{strconv.FormatInt(a.FileID, 10)}
		}
		return nil
	}
	return []string{a.Text}
}

// ParseMonth reads a month typed as 03.2021, 3.2021 or 2021-03.
// The month is its first day.
func ParseMonth(s string) (Date, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"01.2006", "1.2006", "2006-01"} {
		if t, err := time.Parse(layout, s); err == nil {
			d := DateOf(t)
			return d, !d.IsZero() // 01.0001 is how "no date" is kept
		}
	}
	return Date{}, false
}

// ParseAnswer reads the posted values of a field. prev is the stored answer
// (an option already chosen stays acceptable after it was disabled). The
// error is a catalog key for the message shown next to the field.
func (f *FormField) ParseAnswer(raw []string, prev *Answer) (*Answer, string) {
	a := &Answer{FieldID: f.ID}
	first := ""
	for _, r := range raw {
		if r = strings.TrimSpace(r); r != "" {
			first = r
			break
		}
	}
	switch f.Type {
	case FieldText, FieldLongText:
		if strings.ContainsRune(first, 0) {
			return nil, "error.invalid_text"
		}
		if f.Type == FieldText {
			first = strings.Join(strings.Fields(first), " ")
		} else {
			first = strings.TrimSpace(strings.ReplaceAll(strings.Join(raw, "\n"), "\r\n", "\n"))
		}
		if len([]rune(first)) > 5000 {
			return nil, "error.too_long"
		}
		a.Text = first
	case FieldNumber:
		if first != "" {
			n, err := strconv.ParseFloat(strings.ReplaceAll(strings.ReplaceAll(first, " ", ""), ",", "."), 64)
			if err != nil {
				return nil, "questionnaire.error.number"
			}
			a.Num, a.HasNum = n, true
		}
	case FieldDate:
		if first != "" {
			d, ok := ParseDate(first)
			if !ok {
				return nil, "error.date"
			}
			a.Date = d
		}
	case FieldMonth:
		if first != "" {
			d, ok := ParseMonth(first)
			if !ok {
				return nil, "questionnaire.error.month"
			}
			a.Date = d
		}
	case FieldYesNo:
		if first != "" {
			if !slices.Contains(YesNoValues, first) {
				return nil, "error.invalid_choice"
			}
			a.Text = first
		}
	case FieldChoice, FieldMultiChoice:
		seen := map[int64]bool{}
		for _, r := range raw {
			if r = strings.TrimSpace(r); r == "" {
				continue
			}
			id, err := strconv.ParseInt(r, 10, 64)
			o := f.Option(id)
			if err != nil || o == nil || (o.Disabled && !prev.Has(id)) {
				return nil, "error.invalid_choice"
			}
			if !seen[id] {
				seen[id] = true
				a.OptionIDs = append(a.OptionIDs, id)
			}
		}
		if f.Type == FieldChoice && len(a.OptionIDs) > 1 {
			return nil, "error.invalid_choice"
		}
		// Options in the field's order, so equal choices compare equal.
		pos := map[int64]int{}
		for i, o := range f.Options {
			pos[o.ID] = i
		}
		sort.Slice(a.OptionIDs, func(i, j int) bool { return pos[a.OptionIDs[i]] < pos[a.OptionIDs[j]] })
		if f.Type == FieldMultiChoice && len(a.OptionIDs) > 0 {
			alone := true
			for _, id := range a.OptionIDs {
				if !f.Option(id).NotAlone {
					alone = false
				}
			}
			if alone {
				return nil, "questionnaire.error.not_alone"
			}
		}
	case FieldFile:
		// Nothing posted keeps the stored file; "0" removes it; an id is a
		// file the store checks belongs to the client.
		switch {
		case first == "":
			if prev != nil {
				a.FileID = prev.FileID
			}
		case first == "0":
		default:
			id, err := strconv.ParseInt(first, 10, 64)
			if err != nil || id <= 0 {
				return nil, "error.invalid_choice"
			}
			a.FileID = id
		}
	}
	return a, ""
}

// FieldShown reports whether a field is shown given the answers by field
// id: a field with a condition is shown only when the controlling field is
// itself shown and its answer matches.
func (f *Form) FieldShown(x *FormField, answers map[int64]*Answer) bool {
	for depth := 0; x != nil && x.ShowIfOptionID != 0 && depth < 20; depth++ {
		ctrl := answers[x.ShowIfFieldID]
		has := ctrl.Has(x.ShowIfOptionID)
		if x.ShowIfNot {
			if ctrl.Empty() || has {
				return false
			}
		} else if !has {
			return false
		}
		x = f.Field(x.ShowIfFieldID)
	}
	return true
}

// Filling is one dated filling of a repeatable form for a client.
type Filling struct {
	ID            int64
	ClientID      int64
	FormID        int64
	FormName      string
	FilledOn      Date
	CreatedBy     int64
	CreatedByName string
	CreatedAt     time.Time
	UpdatedBy     int64
	UpdatedAt     time.Time
}
