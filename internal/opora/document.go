package opora

import (
	"strings"
	"time"
)

// File kinds (files.kind).
const (
	FileKindPhoto   = "photo"   // a client's photo, re-encoded JPEG
	FileKindThumb   = "thumb"   // the square thumbnail of a photo
	FileKindScan    = "scan"    // an uploaded document or scan of any type
	FileKindConsent = "consent" // the scan of a signed consent
)

// File is an uploaded file's record; the bytes live in the data folder
// under StorageKey and are served only through an authorised handler.
type File struct {
	ID             int64
	OrganisationID int64
	ClientID       int64
	Kind           string
	Name           string // the name the browser sent, cleaned; shown and offered on download only
	MIME           string // sniffed from the content, never taken from the browser
	Size           int64
	SHA256         string
	StorageKey     string
	TypeID         int64 // document type (dictionary document_type), 0 if none
	TypeLabel      string
	Comment        string
	CreatedBy      int64
	CreatedByName  string
	CreatedAt      time.Time
	DeletedAt      time.Time
}

// Normalize trims the comment.
func (f *File) Normalize() { f.Comment = normalizeText(f.Comment) }

// Validate checks an uploaded file's description.
func (f *File) Validate() error {
	var v Validation
	checkText(&v, "file_comment", f.Comment, false, 2000)
	checkText(&v, "file", f.Name, false, 300)
	return v.Err()
}

// IdentityDocument is a client's passport, birth certificate, etc.
type IdentityDocument struct {
	ID             int64
	OrganisationID int64
	ClientID       int64
	TypeID         int64 // dictionary document_type
	TypeLabel      string
	Series         string
	Number         string
	IssuedBy       string
	IssuedOn       Date   // zero when unknown
	Address        string // registration address written in the document
	Comment        string
	CreatedBy      int64
	CreatedByName  string
	CreatedAt      time.Time
	UpdatedBy      int64
	UpdatedAt      time.Time
	DeletedAt      time.Time
}

// Normalize trims the document's fields.
func (d *IdentityDocument) Normalize() {
	for _, p := range []*string{&d.Series, &d.Number, &d.IssuedBy, &d.Address} {
		*p = strings.Join(strings.Fields(*p), " ")
	}
	d.Comment = normalizeText(d.Comment)
}

// Validate checks a document before saving; today is the current date.
func (d *IdentityDocument) Validate(today Date) error {
	var v Validation
	if d.TypeID == 0 {
		v.Add("type_id", "error.required")
	}
	checkText(&v, "series", d.Series, false, 20)
	checkText(&v, "number", d.Number, false, 50)
	checkText(&v, "issued_by", d.IssuedBy, false, 500)
	checkText(&v, "address", d.Address, false, 500)
	checkText(&v, "comment", d.Comment, false, 2000)
	if !d.IssuedOn.IsZero() {
		if d.IssuedOn.After(today) {
			v.Add("issued_on", "error.date_future")
		} else if d.IssuedOn.Year() < today.Year()-120 {
			v.Add("issued_on", "error.date_too_old")
		}
	}
	return v.Err()
}
