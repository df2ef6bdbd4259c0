package opora

import "strings"

// DictionaryItem is one item of an organisation's editable dictionary
// (dictionary_items): document types, case types, task types, …
// Key is the stable key of a seeded item, "" for items people added.
type DictionaryItem struct {
	ID             int64
	OrganisationID int64
	Dictionary     string
	Key            string
	Label          string
	Position       int
	Disabled       bool
}

// DictDocumentType is the dictionary of identity document types.
const DictDocumentType = "document_type"

// Normalize trims the label.
func (d *DictionaryItem) Normalize() { d.Label = strings.Join(strings.Fields(d.Label), " ") }

// Validate checks an item before saving.
func (d *DictionaryItem) Validate() error {
	var v Validation
	checkText(&v, "label", d.Label, true, 200)
	if d.Dictionary == "" {
		v.Add("dictionary", "error.required")
	}
	checkText(&v, "dictionary", d.Dictionary, false, 50)
	checkText(&v, "key", d.Key, false, 50)
	return v.Err()
}
