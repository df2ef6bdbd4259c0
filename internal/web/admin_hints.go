package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/opora-project/opora/internal/i18n"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// /admin/hints: the rule hints the region's methodologists edit
// (hints.manage, issue 23 item 1) — the list with the curators' verdicts
// per rule and the rules whose indicator is gone flagged; the editor with
// conditions chosen from lists (an indicator of the assessment forms, a
// life event, a reporting agency's type, a family status) and measures
// (a task type and the agency type responsible).

// Editor rows: how many empty condition and measure rows the form offers
// after the filled ones, and the most measures a rule may have.
const (
	hintSpareRows   = 2
	hintMaxMeasures = 8
)

// hintRuleLine is a rule as the list shows it.
type hintRuleLine struct {
	Rule       *opora.HintRule
	Conditions []hintCondLine
	Measures   []string
	Counts     *opora.HintFeedbackCounts
}

type hintCondLine struct {
	Text   string
	Broken bool
}

// optGroup is a labelled group of a select's options.
type optGroup struct {
	Label   string
	Options []option
}

// hintCondRow and hintMeasureRow are the editor's rows.
type hintCondRow struct {
	Index              int
	Value, Min, Months string // Value is "<kind>:<ref>" (condValue)
	Error              string // catalog key
	Broken             bool
}

type hintMeasureRow struct {
	Index        int
	Type, Agency string
	Error        string
}

// hintEditor is the editor page's data.
type hintEditor struct {
	Rule       *opora.HintRule // nil for a new rule
	CondGroups []optGroup
	Conditions []hintCondRow
	Measures   []hintMeasureRow
	Types      []option
	Agencies   []option
	Mins       []option
	Error      map[string]string // "conditions", "measures": catalog keys
}

// condValue is a condition's value in the editor's select.
func condValue(c opora.HintCondition) string { return string(c.Kind) + ":" + c.Ref }

// hintCondText words a condition for the list.
func hintCondText(l *i18n.Localizer, c opora.HintCondition, statuses map[string]string) string {
	switch c.Kind {
	case opora.CondIndicator:
		return l.T("hints.cond.indicator", "Label", c.Ref, "Min", max(c.Min, 1))
	case opora.CondEvent:
		return l.T("hints.cond.event", "Event", l.T("life_event."+c.Ref), "Months", c.Window())
	case opora.CondSignal:
		if c.Ref == "" {
			return l.T("hints.cond.signal_any", "Months", c.Window())
		}
		return l.T("hints.cond.signal", "Agency", l.T("orgtype."+c.Ref), "Months", c.Window())
	case opora.CondStatus:
		label := statuses[c.Ref]
		if label == "" {
			label = c.Ref
		}
		return l.T("hints.cond.status", "Status", label)
	}
	return c.Key()
}

func (s *Server) hintStatuses(r *http.Request) ([][2]string, map[string]string, error) {
	list, err := s.store.HintStatusKeys(r.Context())
	if err != nil {
		return nil, nil, err
	}
	m := make(map[string]string, len(list))
	for _, kv := range list {
		m[kv[0]] = kv[1]
	}
	return list, m, nil
}

func hintTypeLabels() map[string]string {
	m := map[string]string{}
	for _, t := range store.ProcedureTaskTypes() {
		m[t[0]] = t[1]
	}
	return m
}

func (s *Server) hintsAdmin(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	rules, err := s.store.HintRules(ctx, true)
	if err != nil {
		return err
	}
	counts, err := s.store.RuleHintFeedback(ctx)
	if err != nil {
		return err
	}
	_, statuses, err := s.hintStatuses(r)
	if err != nil {
		return err
	}
	l := s.loc(r)
	types := hintTypeLabels()
	var lines []hintRuleLine
	broken := 0
	for _, rule := range rules {
		line := hintRuleLine{Rule: rule, Counts: counts[rule.ID]}
		if line.Counts == nil {
			line.Counts = &opora.HintFeedbackCounts{}
		}
		for i, c := range rule.Conditions {
			line.Conditions = append(line.Conditions, hintCondLine{Text: hintCondText(l, c, statuses),
				Broken: slices.Contains(rule.Broken, i)})
		}
		if len(rule.Broken) > 0 {
			broken++
		}
		for _, m := range rule.Measures {
			text := types[m.TaskTypeKey]
			if text == "" {
				text = m.TaskTypeKey
			}
			if m.AgencyType != "" {
				text += " — " + l.T("orgtype."+string(m.AgencyType))
			}
			line.Measures = append(line.Measures, text)
		}
		lines = append(lines, line)
	}
	v := s.newView(r, "hints.admin.title")
	v.Nav = "hints"
	v.Data = map[string]any{"Rules": lines, "Broken": broken}
	return s.render(w, r, http.StatusOK, "hints_admin", v)
}

// hintEditorPage renders the editor for rule (nil: a new one) with the
// submitted rule's rows (sub; nil: the rule's own) and err's messages.
func (s *Server) hintEditorPage(w http.ResponseWriter, r *http.Request, status int, rule, sub *opora.HintRule, f *form, err error) error {
	l := s.loc(r)
	labels, e := s.store.HintIndicatorLabels(r.Context())
	if e != nil {
		return e
	}
	statusList, _, e := s.hintStatuses(r)
	if e != nil {
		return e
	}
	if sub == nil {
		sub = rule
	}
	if sub == nil {
		sub = &opora.HintRule{}
	}
	fields := opora.FieldErrors(err)
	ed := &hintEditor{Rule: rule, Error: map[string]string{"conditions": fields["conditions"], "measures": fields["measures"]}}
	// The references, grouped by kind; an indicator a rule names that no
	// form has any more stays choosable, flagged.
	known := map[string]bool{}
	ind := optGroup{Label: l.T("hints.kind.indicator")}
	for _, lb := range labels {
		known[lb] = true
		ind.Options = append(ind.Options, option{Value: condValue(opora.HintCondition{Kind: opora.CondIndicator, Ref: lb}), Label: lb})
	}
	for _, c := range sub.Conditions {
		if c.Kind == opora.CondIndicator && !known[c.Ref] {
			known[c.Ref] = true
			ind.Options = append(ind.Options, option{Value: condValue(c), Label: c.Ref + " — " + l.T("hints.broken")})
		}
	}
	ev := optGroup{Label: l.T("hints.kind.event")}
	for _, k := range opora.LifeEventKinds {
		ev.Options = append(ev.Options, option{Value: condValue(opora.HintCondition{Kind: opora.CondEvent, Ref: k}), Label: l.T("life_event." + k)})
	}
	sg := optGroup{Label: l.T("hints.kind.signal")}
	sg.Options = append(sg.Options, option{Value: condValue(opora.HintCondition{Kind: opora.CondSignal}), Label: l.T("hints.signal_any")})
	for _, t := range opora.OrgTypes {
		sg.Options = append(sg.Options, option{Value: condValue(opora.HintCondition{Kind: opora.CondSignal, Ref: string(t)}), Label: l.T("orgtype." + string(t))})
	}
	st := optGroup{Label: l.T("hints.kind.status")}
	for _, kv := range statusList {
		st.Options = append(st.Options, option{Value: condValue(opora.HintCondition{Kind: opora.CondStatus, Ref: kv[0]}), Label: kv[1]})
	}
	ed.CondGroups = []optGroup{ind, ev, sg, st}
	for i, c := range sub.Conditions {
		row := hintCondRow{Index: i, Value: condValue(c), Error: fields["conditions."+strconv.Itoa(i)]}
		if c.Min > 0 {
			row.Min = strconv.Itoa(c.Min)
		}
		if c.Months > 0 {
			row.Months = strconv.Itoa(c.Months)
		}
		row.Broken = c.Kind == opora.CondIndicator && slices.Contains(sub.Broken, i)
		ed.Conditions = append(ed.Conditions, row)
	}
	for i := len(ed.Conditions); i < min(len(sub.Conditions)+hintSpareRows, opora.MaxHintConditions) || i < 3; i++ {
		ed.Conditions = append(ed.Conditions, hintCondRow{Index: i})
	}
	for i, m := range sub.Measures {
		ed.Measures = append(ed.Measures, hintMeasureRow{Index: i, Type: m.TaskTypeKey, Agency: string(m.AgencyType),
			Error: fields["measures."+strconv.Itoa(i)]})
	}
	for i := len(ed.Measures); i < min(len(sub.Measures)+hintSpareRows, hintMaxMeasures) || i < 3; i++ {
		ed.Measures = append(ed.Measures, hintMeasureRow{Index: i})
	}
	ed.Types = []option{{Value: "", Label: l.T("cases.choose")}}
	for _, t := range store.ProcedureTaskTypes() {
		ed.Types = append(ed.Types, option{Value: t[0], Label: t[1]})
	}
	ed.Agencies = []option{{Value: "", Label: l.T("hints.any_agency")}}
	for _, t := range opora.OrgTypes {
		ed.Agencies = append(ed.Agencies, option{Value: string(t), Label: l.T("orgtype." + string(t))})
	}
	ed.Mins = []option{{Value: "1", Label: l.T("hints.min.1")}, {Value: "2", Label: l.T("hints.min.2")}, {Value: "3", Label: l.T("hints.min.3")}}
	if f == nil {
		vals := map[string][]string{"difficulty": {sub.Difficulty}, "source": {sub.Source}, "version": {strconv.Itoa(sub.Version)}}
		if sub.EarlyCrisis {
			vals["early_crisis"] = []string{"1"}
		}
		f = newForm(vals, err)
	}
	title := "hints.admin.new"
	if rule != nil {
		title = "hints.admin.edit"
	}
	v := s.newView(r, title)
	v.Nav = "hints"
	v.Data = ed
	v.Form = f
	return s.render(w, r, status, "hints_rule", v)
}

// hintRuleFrom reads the editor's form: the rows in order, blank ones
// dropped (the page shows them again compacted, errors at their rows).
func hintRuleFrom(r *http.Request) (*opora.HintRule, error) {
	f := r.PostForm
	rule := &opora.HintRule{Difficulty: f.Get("difficulty"), Source: f.Get("source"), EarlyCrisis: f.Get("early_crisis") != ""}
	rule.Version, _ = strconv.Atoi(f.Get("version"))
	var v opora.Validation
	for i := range opora.MaxHintConditions + hintSpareRows {
		n := strconv.Itoa(i)
		val := strings.TrimSpace(f.Get("cond." + n))
		if val == "" {
			continue
		}
		kind, ref, _ := strings.Cut(val, ":")
		c := opora.HintCondition{Kind: opora.HintCondKind(kind), Ref: ref}
		at := "conditions." + strconv.Itoa(len(rule.Conditions))
		if c.Kind == opora.CondIndicator {
			c.Min, _ = strconv.Atoi(f.Get("min." + n))
		}
		if m := strings.TrimSpace(f.Get("months." + n)); m != "" && (c.Kind == opora.CondEvent || c.Kind == opora.CondSignal) {
			months, err := strconv.Atoi(m)
			if err != nil {
				v.Add(at, "hints.error.months")
			}
			c.Months = months
		}
		rule.Conditions = append(rule.Conditions, c)
	}
	for i := range hintMaxMeasures + hintSpareRows {
		n := strconv.Itoa(i)
		typ := strings.TrimSpace(f.Get("type." + n))
		if typ == "" {
			continue
		}
		rule.Measures = append(rule.Measures, opora.HintMeasure{TaskTypeKey: typ, AgencyType: opora.OrgType(f.Get("agency." + n))})
	}
	types := hintTypeLabels()
	for i, m := range rule.Measures {
		if types[m.TaskTypeKey] == "" {
			v.Add("measures."+strconv.Itoa(i), "error.invalid_choice")
		}
	}
	return rule, v.Err()
}

func (s *Server) hintRuleNew(w http.ResponseWriter, r *http.Request) error {
	return s.hintEditorPage(w, r, http.StatusOK, nil, nil, nil, nil)
}

func (s *Server) hintRuleEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rule, err := s.store.HintRule(r.Context(), id)
	if err != nil {
		return err
	}
	return s.hintEditorPage(w, r, http.StatusOK, rule, nil, nil, nil)
}

// hintRuleSave creates (old nil) or updates a rule from the editor.
func (s *Server) hintRuleSave(w http.ResponseWriter, r *http.Request, old *opora.HintRule) error {
	sub, err := hintRuleFrom(r)
	if old != nil {
		sub.ID, sub.Disabled = old.ID, old.Disabled
	}
	if err == nil {
		if old == nil {
			err = s.store.CreateHintRule(r.Context(), sub)
		} else {
			err = s.store.UpdateHintRule(r.Context(), sub)
		}
	} else {
		// The other fields' errors too, on one page.
		sub.Normalize()
		err = mergeFieldErrors(err, sub.Validate())
	}
	if err != nil {
		if c := opora.ErrorCode(err); c == opora.EINVALID || c == opora.ECONFLICT {
			f := newForm(r.PostForm, err)
			if c == opora.ECONFLICT && old != nil {
				// Saving again overwrites what the other user saved: the
				// message says so, the form keeps this user's values.
				if cur, e := s.store.HintRule(r.Context(), old.ID); e == nil {
					f.Values.Set("version", strconv.Itoa(cur.Version))
				}
			}
			return s.hintEditorPage(w, r, http.StatusUnprocessableEntity, old, sub, f, err)
		}
		return err
	}
	return s.redirect(w, r, "/admin/hints#rule-"+idString(sub.ID), "common.saved")
}

// mergeFieldErrors joins two validation errors' fields (a's first).
func mergeFieldErrors(a, b error) error {
	fa, fb := opora.FieldErrors(a), opora.FieldErrors(b)
	var v opora.Validation
	for k, e := range fb {
		if fa[k] == "" {
			fa[k] = e
		}
	}
	for k, e := range fa {
		v.Add(k, e)
	}
	if err := v.Err(); err != nil {
		return err
	}
	return a
}

func (s *Server) hintRuleCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	return s.hintRuleSave(w, r, nil)
}

func (s *Server) hintRuleUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	old, err := s.store.HintRule(r.Context(), id)
	if err != nil {
		return err
	}
	return s.hintRuleSave(w, r, old)
}

func (s *Server) hintRuleSwitch(w http.ResponseWriter, r *http.Request, disabled bool) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.store.SetHintRuleDisabled(r.Context(), id, disabled); err != nil {
		return err
	}
	flash := "hints.admin.enabled"
	if disabled {
		flash = "hints.admin.disabled"
	}
	return s.redirect(w, r, "/admin/hints#rule-"+idString(id), flash)
}

func (s *Server) hintRuleDisable(w http.ResponseWriter, r *http.Request) error {
	return s.hintRuleSwitch(w, r, true)
}

func (s *Server) hintRuleEnable(w http.ResponseWriter, r *http.Request) error {
	return s.hintRuleSwitch(w, r, false)
}

func (s *Server) hintRuleDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.store.DeleteHintRule(r.Context(), id); err != nil {
		return err
	}
	return s.redirect(w, r, "/admin/hints", "hints.admin.deleted")
}
