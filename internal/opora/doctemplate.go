package opora

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Document templates (issue 24 item 1): certificates and letters an
// organisation issues from its templates. A template's body is plain text
// with placeholders {{группа.поле}} from the list DocFields — nothing else
// is read inside the braces: no functions, no loops, no code. Paragraphs
// are separated by a blank line; a line starting with "# " is a centred
// heading, a line starting with "> " is set to the right (an addressee's
// block). The values are escaped wherever they are printed.

// DocField is one placeholder a template may use.
type DocField struct {
	Key    string // e.g. "клиент.фамилия"
	Label  string // catalog key describing it
	Sample string // the value shown in the editor's preview
}

// DocFields lists every placeholder in the editor's order. Its keys are
// Russian, as the administrators who write the templates read them.
var DocFields = []DocField{
	{"клиент.фамилия", "docfield.client_surname", "Иванов"},
	{"клиент.имя", "docfield.client_first_name", "Иван"},
	{"клиент.отчество", "docfield.client_patronymic", "Иванович"},
	{"клиент.фио", "docfield.client_full_name", "Иванов Иван Иванович"},
	{"клиент.фамилия_инициалы", "docfield.client_short_name", "Иванов И. И."},
	{"клиент.дата_рождения", "docfield.client_birth_date", "01.02.1975"},
	{"клиент.место_рождения", "docfield.client_birth_place", "г. Тверь"},
	{"клиент.документ", "docfield.client_document", "Паспорт 2800 123456, выдан ОВД г. Твери 01.03.2005"},
	{"клиент.номер", "docfield.client_number", "1024"},
	{"организация.название", "docfield.org_name", "АНО «Опора»"},
	{"организация.краткое_название", "docfield.org_short_name", "Опора"},
	{"организация.адрес", "docfield.org_address", "г. Тверь, ул. Советская, д. 1"},
	{"организация.инн", "docfield.org_inn", "6950000000"},
	{"организация.телефон", "docfield.org_phone", "+7 4822 00-00-00"},
	{"организация.почта", "docfield.org_email", "info@example.org"},
	{"организация.руководитель", "docfield.org_head", "Директор Петрова А. С."},
	{"сотрудник.фио", "docfield.worker_full_name", "Сидорова Мария Петровна"},
	{"случай.номер", "docfield.case_number", "57"},
	{"случай.тип", "docfield.case_type", "Социальное сопровождение"},
	{"случай.открыт", "docfield.case_opened_on", "10.11.2026"},
	{"случай.куратор", "docfield.case_curator", "Сидорова Мария Петровна"},
	{"семья.номер", "docfield.family_number", "12"},
	{"семья.адрес", "docfield.family_address", "г. Тверь, ул. Мира, д. 5, кв. 7"},
	{"семья.куратор", "docfield.family_curator", "Сидорова Мария Петровна"},
	{"документ.номер", "docfield.doc_number", "исх. № 12/2026"},
	{"документ.дата", "docfield.doc_date", "06.12.2026"},
}

var docFieldSet = func() map[string]bool {
	m := map[string]bool{}
	for _, f := range DocFields {
		m[f.Key] = true
	}
	return m
}()

// DocSample is the value set the editor's preview renders.
func DocSample() map[string]string {
	m := map[string]string{}
	for _, f := range DocFields {
		m[f.Key] = f.Sample
	}
	return m
}

// TemplateError says where a template body is wrong: the line (from 1),
// the text in braces as written, and a catalog key for people.
type TemplateError struct {
	Line  int
	Token string
	Key   string // doctemplate.err_unknown, doctemplate.err_code, doctemplate.err_unclosed, doctemplate.err_stray
}

func (e *TemplateError) Error() string {
	return "template line " + strconv.Itoa(e.Line) + ": " + e.Key + " " + e.Token
}

// docPart is a piece of a template body: literal text, or a placeholder.
type docPart struct {
	text  string
	field string
}

// parseDoc splits a body into text and placeholders, refusing anything in
// braces that is not a listed field.
func parseDoc(body string) ([]docPart, error) {
	var parts []docPart
	line := 1
	rest := body
	for {
		open := strings.Index(rest, "{{")
		closeAt := strings.Index(rest, "}}")
		if closeAt >= 0 && (open < 0 || closeAt < open) {
			return nil, &TemplateError{Line: line + strings.Count(rest[:closeAt], "\n"), Token: "}}", Key: "doctemplate.err_stray"}
		}
		if open < 0 {
			parts = append(parts, docPart{text: rest})
			return parts, nil
		}
		parts = append(parts, docPart{text: rest[:open]})
		line += strings.Count(rest[:open], "\n")
		rest = rest[open+2:]
		end := strings.Index(rest, "}}")
		if end < 0 || strings.Contains(rest[:end], "{{") {
			tok := rest
			if i := strings.IndexByte(tok, '\n'); i >= 0 {
				tok = tok[:i]
			}
			if i := strings.Index(tok, "{{"); i >= 0 {
				tok = tok[:i]
			}
			return nil, &TemplateError{Line: line, Token: "{{" + clip(strings.TrimRight(tok, " \t")), Key: "doctemplate.err_unclosed"}
		}
		raw := rest[:end]
		name := strings.TrimSpace(raw)
		if !docFieldSet[name] {
			key := "doctemplate.err_unknown"
			if strings.ContainsAny(name, " .()|$\"'`<>/\\:=") && !isFieldShape(name) {
				key = "doctemplate.err_code"
			}
			return nil, &TemplateError{Line: line, Token: "{{" + clip(raw) + "}}", Key: key}
		}
		parts = append(parts, docPart{field: name})
		line += strings.Count(raw, "\n")
		rest = rest[end+2:]
	}
}

// isFieldShape: a word, a dot and a word — a misspelt field rather than code.
func isFieldShape(s string) bool {
	a, b, ok := strings.Cut(s, ".")
	if !ok || a == "" || b == "" {
		return false
	}
	for _, r := range a + b {
		if !(r == '_' || r >= 'а' && r <= 'я' || r == 'ё' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func clip(s string) string {
	if utf8.RuneCountInString(s) <= 60 {
		return s
	}
	return string([]rune(s)[:60]) + "…"
}

// CheckTemplate parses a body and returns its first error, or nil.
func CheckTemplate(body string) error {
	_, err := parseDoc(body)
	return err
}

// FillTemplate replaces every placeholder of body by its value from vals
// (a missing value is empty). The result is plain text: escaping is the
// printer's job.
func FillTemplate(body string, vals map[string]string) (string, error) {
	parts, err := parseDoc(body)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, p := range parts {
		if p.field != "" {
			b.WriteString(vals[p.field])
		} else {
			b.WriteString(p.text)
		}
	}
	return b.String(), nil
}

// DocBlock is a paragraph of a filled document.
type DocBlock struct {
	Kind  string // "p", "h" (centred heading), "r" (right-aligned)
	Lines []string
}

// DocBlocks splits filled text into paragraphs: a blank line ends one; a
// line "# …" is a heading of its own; lines "> …" make a right-aligned block.
func DocBlocks(text string) []DocBlock {
	var out []DocBlock
	var cur *DocBlock
	flush := func() {
		if cur != nil && len(cur.Lines) > 0 {
			out = append(out, *cur)
		}
		cur = nil
	}
	for _, ln := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		ln = strings.TrimRight(ln, " \t")
		switch {
		case strings.TrimSpace(ln) == "":
			flush()
		case strings.HasPrefix(ln, "# "):
			flush()
			out = append(out, DocBlock{Kind: "h", Lines: []string{strings.TrimSpace(ln[2:])}})
		case strings.HasPrefix(ln, "> ") || ln == ">":
			if cur == nil || cur.Kind != "r" {
				flush()
				cur = &DocBlock{Kind: "r"}
			}
			cur.Lines = append(cur.Lines, strings.TrimSpace(strings.TrimPrefix(ln, ">")))
		default:
			if cur == nil || cur.Kind != "p" {
				flush()
				cur = &DocBlock{Kind: "p"}
			}
			cur.Lines = append(cur.Lines, ln)
		}
	}
	flush()
	return out
}

// DocTemplate is an organisation's template of a certificate or letter.
type DocTemplate struct {
	ID             int64
	OrganisationID int64
	Title          string // the document's name, shown in lists and as the default heading
	Body           string
	NeedsCase      bool // the worker chooses one of the client's cases
	NeedsFamily    bool // the worker chooses the client's family card
	Disabled       bool
	Version        int
	UpdatedAt      time.Time
}

// Normalize trims the title and the body's trailing space.
func (t *DocTemplate) Normalize() {
	t.Title = strings.TrimSpace(t.Title)
	t.Body = strings.TrimRight(strings.ReplaceAll(t.Body, "\r\n", "\n"), " \n\t")
}

// Validate checks the title and the body's placeholders. The body's error
// is a *TemplateError in the chain (errors.As) as well as a field error.
func (t *DocTemplate) Validate() error {
	var v Validation
	if t.Title == "" {
		v.Add("title", "error.required")
	} else if utf8.RuneCountInString(t.Title) > 200 {
		v.Add("title", "error.too_long")
	}
	var terr *TemplateError
	switch {
	case strings.TrimSpace(t.Body) == "":
		v.Add("body", "error.required")
	case len(t.Body) > 50000:
		v.Add("body", "error.too_long")
	default:
		if err := CheckTemplate(t.Body); err != nil {
			terr = err.(*TemplateError)
			v.Add("body", terr.Key)
		}
	}
	if err := v.Err(); err != nil {
		e := err.(*Error)
		if terr != nil {
			e.Args = map[string]string{"Line": strconv.Itoa(terr.Line), "Token": terr.Token}
		}
		return e
	}
	return nil
}

// IssuedDocument is a document as it was issued: its number and the filled
// text, so it prints again the same after the person or the template changed.
type IssuedDocument struct {
	ID             int64
	OrganisationID int64
	ClientID       int64
	TemplateID     int64
	CaseID         int64
	FamilyID       int64
	Title          string
	Number         string // "исх. № 12/2026"
	Year           int
	Seq            int
	Text           string // the filled body
	IssuedOn       Date
	LetterheadID   int64 // the organisation's images at the time of issue, 0 if none
	SignatureID    int64
	StampID        int64
	CreatedBy      int64
	CreatedByName  string
	CreatedAt      time.Time
	// A voided (annulled) document keeps its row and its number; it prints
	// again only with the «АННУЛИРОВАН» mark. Zero VoidedAt: valid.
	VoidedAt     time.Time
	VoidedBy     int64
	VoidedByName string
	VoidReason   string
}

// Voided reports whether the document was annulled.
func (d *IssuedDocument) Voided() bool { return !d.VoidedAt.IsZero() }

// VoidWord is the mark every output of a voided document carries. Like
// the outgoing number (DocNumber), it is part of the document, which is
// written in Russian whatever the worker's interface language.
const VoidWord = "АННУЛИРОВАН"

// VoidMark is the line a voided document prints at its top: the mark, the
// date (local time) and the reason; "" for a valid document.
func (d *IssuedDocument) VoidMark() string {
	if !d.Voided() {
		return ""
	}
	m := VoidWord + " " + d.VoidedAt.Local().Format("02.01.2006")
	if d.VoidReason != "" {
		m += ". Причина: " + d.VoidReason
	}
	return m
}

// MaxVoidReason caps the reason given for voiding a document, in characters.
const MaxVoidReason = 500

// DocNumber formats an outgoing number.
func DocNumber(seq, year int) string {
	return "исх. № " + strconv.Itoa(seq) + "/" + strconv.Itoa(year)
}

// Document images kept in the organisation's settings.
const (
	DocImageLetterhead = "letterhead"
	DocImageSignature  = "signature"
	DocImageStamp      = "stamp"
)

// DocImageKinds lists them in the settings' order.
var DocImageKinds = []string{DocImageLetterhead, DocImageSignature, DocImageStamp}
