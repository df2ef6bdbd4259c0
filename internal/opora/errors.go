// Package opora holds Opora's domain types, validation, permission rules and
// error codes. It imports only the standard library: no SQL, no HTTP.
package opora

import (
	"errors"
	"fmt"
)

// Error codes. The web layer maps each code to an HTTP status in one place.
const (
	ECONFLICT     = "conflict"     // the action conflicts with the current state
	EINTERNAL     = "internal"     // a bug or an outside failure
	EINVALID      = "invalid"      // input failed validation
	ENOTFOUND     = "not_found"    // no such object, or not visible to the actor
	EFORBIDDEN    = "forbidden"    // visible, but the actor lacks the permission
	EUNAUTHORIZED = "unauthorized" // no valid session
)

// Error is a domain error with a machine code and a message key for people.
// Message is a message-catalog key (or plain English for internal errors);
// Fields carries per-field validation errors, each a catalog key.
type Error struct {
	Code    string
	Message string
	Fields  map[string]string
	// Args fill the message's placeholders ({{.Name}}), e.g. who changed a
	// record in a conflict. Plain text; the page escapes it.
	Args map[string]string
}

func (e *Error) Error() string {
	if len(e.Fields) > 0 {
		return fmt.Sprintf("opora %s: %s %v", e.Code, e.Message, e.Fields)
	}
	return fmt.Sprintf("opora %s: %s", e.Code, e.Message)
}

// Errorf returns a domain error with the given code.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrNotFound is returned when an object does not exist or the actor may not see it.
var ErrNotFound = &Error{Code: ENOTFOUND, Message: "error.not_found"}

// ErrForbidden is returned when the actor lacks a permission.
var ErrForbidden = &Error{Code: EFORBIDDEN, Message: "error.forbidden"}

// ErrorCode returns the code of a domain error anywhere in err's chain, or
// EINTERNAL for any other non-nil error.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message key of a domain error, or "error.internal".
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return "error.internal"
}

// Validation collects per-field errors. Its zero value is ready to use.
type Validation struct {
	Fields map[string]string
}

// Add records an error for a field; the first error for a field wins.
func (v *Validation) Add(field, key string) {
	if v.Fields == nil {
		v.Fields = map[string]string{}
	}
	if _, ok := v.Fields[field]; !ok {
		v.Fields[field] = key
	}
}

// Err returns an EINVALID *Error when any field failed, or nil.
func (v *Validation) Err() error {
	if len(v.Fields) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: "error.invalid", Fields: v.Fields}
}

// FieldErrors returns the per-field errors of an EINVALID error, or nil.
func FieldErrors(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}
