package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/opora-project/opora/internal/i18n"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// Rule hints on the family card and the draft plan page (issue 23 items 1
// and 4): the «Подсказки» block (templates/family_hints.html) lists the
// rules that fire for the family with why, their measures with a one-tap
// «Добавить в проект плана», and a verdict form per hint. Both forms
// return to the page they came from ("from": card or plan); a refused
// form re-renders that page with the error next to the hint's field.

// hintsFrom values: the page a hint form returns to.
const (
	hintsFromCard = "card"
	hintsFromPlan = "plan"
)

// hintsBlock is the «Подсказки» block of a family page.
type hintsBlock struct {
	FamilyID int64
	CaseID   int64  // 0: no open case, nothing can be added to a draft plan
	From     string // hintsFromCard or hintsFromPlan
	Hints    []*hintView
	Verdicts []string // opora.HintVerdicts
}

// hintView is one hint as the block shows it.
type hintView struct {
	*store.FamilyHint
	Because  string // "потому что: …"
	Form     *form  // the verdict form: the failed submission or this user's last verdict
	AddError string // catalog key: why adding a measure failed
}

// hintFailure is a refused hint form, carried to the re-rendered page.
type hintFailure struct {
	RuleID   int64
	Feedback *form
	AddError string
}

type hintFailureKey struct{}

// familyHintsBlock reads the family's hints for a page (from), worded
// for the reader. statusLabel is the family's status label (a status
// condition holds on the current status).
func (s *Server) familyHintsBlock(r *http.Request, familyID int64, from, statusLabel string) (*hintsBlock, error) {
	list, err := s.store.FamilyHints(r.Context(), familyID)
	if err != nil {
		return nil, err
	}
	failed, _ := r.Context().Value(hintFailureKey{}).(*hintFailure)
	l := s.loc(r)
	b := &hintsBlock{FamilyID: familyID, CaseID: list.CaseID, From: from, Verdicts: opora.HintVerdicts}
	for _, h := range list.Hints {
		v := &hintView{FamilyHint: h, Because: becauseText(l, h.Because, statusLabel)}
		if failed != nil && failed.RuleID == h.Rule.ID {
			v.Form, v.AddError = failed.Feedback, failed.AddError
		}
		if v.Form == nil {
			v.Form = newForm(nil, nil)
			if h.Feedback != nil {
				v.Form.Values.Set("verdict", h.Feedback.Verdict)
				v.Form.Values.Set("comment", h.Feedback.Comment)
			}
		}
		b.Hints = append(b.Hints, v)
	}
	return b, nil
}

// becauseText words why a hint fires: «потому что: показатель «…» — 2
// балла (оценка 12.03.2026); Иванов С. — событие «Потеря работы»
// 05.03.2026; 2 сигнала — Школа, за 12 мес.».
func becauseText(l *i18n.Localizer, bs []opora.Because, statusLabel string) string {
	var parts []string
	for _, b := range bs {
		c := b.Cond
		switch c.Kind {
		case opora.CondIndicator:
			parts = append(parts, l.T("hints.because.indicator", "Label", c.Ref, "Score", l.N("hints.points", b.Score),
				"On", b.On.Format("02.01.2006")))
		case opora.CondEvent:
			parts = append(parts, l.T("hints.because.event", "Member", b.Member, "Event", l.T("life_event."+c.Ref),
				"On", b.On.Format("02.01.2006")))
		case opora.CondSignal:
			n := l.N("hints.signals", b.Count)
			if c.Ref == "" {
				parts = append(parts, l.T("hints.because.signals_any", "Signals", n, "Months", c.Window()))
			} else {
				parts = append(parts, l.T("hints.because.signals", "Signals", n, "Agency", l.T("orgtype."+c.Ref),
					"Months", c.Window()))
			}
		case opora.CondStatus:
			label := statusLabel
			if label == "" {
				label = c.Ref
			}
			parts = append(parts, l.T("hints.because.status", "Status", label))
		}
	}
	return l.T("hints.because", "Reasons", strings.Join(parts, "; "))
}

// hintIDs reads the family and rule of a hint form's path.
func hintIDs(r *http.Request) (familyID, ruleID int64, err error) {
	if familyID, err = pathID(r, "id"); err != nil {
		return 0, 0, err
	}
	ruleID, err = pathID(r, "rule")
	return familyID, ruleID, err
}

// hintBack renders the page a hint form came from again with the failure.
func (s *Server) hintBack(w http.ResponseWriter, r *http.Request, f *hintFailure) error {
	r = r.WithContext(context.WithValue(r.Context(), hintFailureKey{}, f))
	if r.PostForm.Get("from") == hintsFromPlan {
		return s.familyPlanPage(w, r, http.StatusUnprocessableEntity, 0, nil)
	}
	return s.renderFamilyCard(w, r, http.StatusUnprocessableEntity, "", nil)
}

// hintAdd adds a hint's measure to the family's draft plan and returns to
// the page with the task in view.
func (s *Server) hintAdd(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	famID, ruleID, err := hintIDs(r)
	if err != nil {
		return err
	}
	index, err := strconv.Atoi(r.PostForm.Get("measure"))
	if err != nil {
		return opora.ErrNotFound
	}
	task, err := s.store.AddHintMeasure(r.Context(), famID, ruleID, index)
	if err != nil {
		switch opora.ErrorCode(err) {
		case opora.EINVALID, opora.ECONFLICT:
			msg := opora.ErrorMessage(err)
			for _, e := range opora.FieldErrors(err) {
				msg = e
				break
			}
			return s.hintBack(w, r, &hintFailure{RuleID: ruleID, AddError: msg})
		}
		return err
	}
	if r.PostForm.Get("from") == hintsFromPlan {
		return s.redirect(w, r, "/families/"+idString(famID)+"/plan#t"+idString(task.ID), "hints.added")
	}
	return s.redirect(w, r, "/families/"+idString(famID)+"#plan", "hints.added")
}

// hintFeedback records the user's verdict on a hint.
func (s *Server) hintFeedback(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	famID, ruleID, err := hintIDs(r)
	if err != nil {
		return err
	}
	fb := &opora.HintFeedback{HintKind: opora.HintKindRule, HintRef: idString(ruleID), FamilyID: famID,
		Verdict: r.PostForm.Get("verdict"), Comment: r.PostForm.Get("comment")}
	if err := s.store.SaveHintFeedback(r.Context(), fb); err != nil {
		if opora.ErrorCode(err) == opora.EINVALID {
			return s.hintBack(w, r, &hintFailure{RuleID: ruleID, Feedback: newForm(r.PostForm, err)})
		}
		return err
	}
	to := "/families/" + idString(famID)
	if r.PostForm.Get("from") == hintsFromPlan {
		to += "/plan"
	}
	return s.redirect(w, r, to+"#hint-"+idString(ruleID), "hints.feedback_saved")
}
