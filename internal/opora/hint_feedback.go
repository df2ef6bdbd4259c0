package opora

import (
	"slices"
	"strings"
	"time"
)

// MaxHintComment bounds a hint feedback comment (in characters).
const MaxHintComment = 1000

// HintFeedback is a curator's verdict on a hint shown for a family
// (hint_feedback): HintKind HintKindRule with HintRef the rule's id, or
// HintKindLearned with the learned hint's key.
type HintFeedback struct {
	ID             int64
	OrganisationID int64
	HintKind       string
	HintRef        string
	FamilyID       int64
	Verdict        string
	Comment        string
	CreatedBy      int64
	CreatedByName  string
	CreatedAt      time.Time
}

// Normalize trims the comment.
func (f *HintFeedback) Normalize() { f.Comment = strings.TrimSpace(f.Comment) }

// Validate checks the verdict ("verdict") and the comment ("comment").
func (f *HintFeedback) Validate() error {
	var v Validation
	if f.HintKind != HintKindRule && f.HintKind != HintKindLearned || f.HintRef == "" {
		v.Add("hint", "error.invalid_choice")
	}
	if !slices.Contains(HintVerdicts, f.Verdict) {
		v.Add("verdict", "hints.error.verdict")
	}
	checkText(&v, "comment", f.Comment, false, MaxHintComment)
	return v.Err()
}

// HintFeedbackCounts are the verdicts on one hint, with the latest
// comments (newest first).
type HintFeedbackCounts struct {
	Useful, NotUseful, Wrong int
	Latest                   []HintFeedback
}

// Total is the number of verdicts.
func (c *HintFeedbackCounts) Total() int { return c.Useful + c.NotUseful + c.Wrong }
