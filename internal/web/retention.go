package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/opora-project/opora/internal/opora"
)

// Retention and destruction (issue 22 item 3; store/retention.go): the
// rules ("Сроки хранения") with the grace period of deleted files, the list
// the daily job found due ("К уничтожению") with the approval of one or
// many, and the destruction records with the printable act. Everything
// needs retention.approve.

func (s *Server) retentionAdmin(w http.ResponseWriter, r *http.Request) error {
	days, err := s.store.FileGraceDays(r.Context())
	if err != nil {
		return err
	}
	return s.renderRetentionAdmin(w, r, http.StatusOK, newForm(url.Values{"active": {"1"}, "unit": {opora.UnitYears},
		"trigger": {string(opora.TriggerCaseClosed)}, "action": {string(opora.ActionAnonymise)}}, nil),
		newForm(url.Values{"grace_days": {strconv.Itoa(days)}}, nil))
}

func (s *Server) renderRetentionAdmin(w http.ResponseWriter, r *http.Request, status int, rule, grace *form) error {
	rules, err := s.store.RetentionRules(r.Context())
	if err != nil {
		return err
	}
	v := s.newView(r, "retention.title")
	v.Nav = "retention"
	v.Form = rule
	opts, err := s.retentionOptions(r, v)
	if err != nil {
		return err
	}
	opts["Rules"], opts["Grace"] = rules, grace
	v.Data = opts
	return s.render(w, r, status, "retention_admin", v)
}

// retentionOptions are the choices of the rule form.
func (s *Server) retentionOptions(r *http.Request, v *view) (map[string]any, error) {
	types, err := s.store.CaseDictionary(r.Context(), opora.DictCaseType, false)
	if err != nil {
		return nil, err
	}
	caseTypes := []option{{Value: "", Label: v.T("retention.any_case_type")}}
	for _, t := range types {
		caseTypes = append(caseTypes, option{Value: strconv.FormatInt(t.ID, 10), Label: t.Label})
	}
	var triggers, units, actions []option
	for _, t := range opora.RetentionTriggers {
		triggers = append(triggers, option{Value: string(t), Label: v.T("retention.trigger." + string(t))})
	}
	for _, u := range opora.RetentionUnits {
		units = append(units, option{Value: u, Label: v.T("retention.unit." + u)})
	}
	for _, a := range opora.RetentionActions {
		actions = append(actions, option{Value: string(a), Label: v.T("retention.action." + string(a))})
	}
	return map[string]any{"CaseTypes": caseTypes, "Triggers": triggers, "Units": units, "Actions": actions}, nil
}

func ruleFromForm(f url.Values) *opora.RetentionRule {
	rule := &opora.RetentionRule{Name: f.Get("name"), Trigger: opora.RetentionTrigger(f.Get("trigger")), Unit: f.Get("unit"),
		Action: opora.RetentionAction(f.Get("action")), Active: f.Get("active") == "1"}
	rule.CaseTypeID, _ = strconv.ParseInt(f.Get("case_type_id"), 10, 64)
	rule.Amount, _ = strconv.Atoi(f.Get("amount"))
	return rule
}

func (s *Server) retentionRuleCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	err := s.store.SaveRetentionRule(r.Context(), ruleFromForm(r.PostForm))
	if err == nil {
		return s.redirect(w, r, "/admin/retention", "common.saved")
	}
	if opora.ErrorCode(err) != opora.EINVALID {
		return err
	}
	days, derr := s.store.FileGraceDays(r.Context())
	if derr != nil {
		return derr
	}
	return s.renderRetentionAdmin(w, r, http.StatusUnprocessableEntity, newForm(r.PostForm, err),
		newForm(url.Values{"grace_days": {strconv.Itoa(days)}}, nil))
}

func (s *Server) retentionRuleEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rule, err := s.store.RetentionRule(r.Context(), id)
	if err != nil {
		return err
	}
	f := url.Values{"name": {rule.Name}, "trigger": {string(rule.Trigger)}, "amount": {strconv.Itoa(rule.Amount)},
		"unit": {rule.Unit}, "action": {string(rule.Action)}}
	if rule.CaseTypeID != 0 {
		f.Set("case_type_id", strconv.FormatInt(rule.CaseTypeID, 10))
	}
	if rule.Active {
		f.Set("active", "1")
	}
	return s.renderRetentionRule(w, r, http.StatusOK, rule, newForm(f, nil))
}

func (s *Server) renderRetentionRule(w http.ResponseWriter, r *http.Request, status int, rule *opora.RetentionRule, f *form) error {
	v := s.newView(r, "retention.edit_rule")
	v.Nav = "retention"
	v.Form = f
	opts, err := s.retentionOptions(r, v)
	if err != nil {
		return err
	}
	opts["Rule"] = rule
	v.Data = opts
	return s.render(w, r, status, "retention_rule", v)
}

func (s *Server) retentionRuleUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	cur, err := s.store.RetentionRule(r.Context(), id)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	rule := ruleFromForm(r.PostForm)
	rule.ID = id
	err = s.store.SaveRetentionRule(r.Context(), rule)
	if err == nil {
		return s.redirect(w, r, "/admin/retention", "common.saved")
	}
	if opora.ErrorCode(err) != opora.EINVALID {
		return err
	}
	return s.renderRetentionRule(w, r, http.StatusUnprocessableEntity, cur, newForm(r.PostForm, err))
}

func (s *Server) retentionRuleDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.store.DeleteRetentionRule(r.Context(), id); err != nil {
		return err
	}
	return s.redirect(w, r, "/admin/retention", "retention.rule_deleted")
}

func (s *Server) retentionGraceSave(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	days, convErr := strconv.Atoi(r.PostForm.Get("grace_days"))
	if convErr != nil {
		days = 0
	}
	err := s.store.SetFileGraceDays(r.Context(), days)
	if err == nil {
		return s.redirect(w, r, "/admin/retention", "common.saved")
	}
	if opora.ErrorCode(err) != opora.EINVALID {
		return err
	}
	return s.renderRetentionAdmin(w, r, http.StatusUnprocessableEntity, newForm(url.Values{"active": {"1"}}, nil), newForm(r.PostForm, err))
}

// refusal is a client of the due list the approval could not destroy.
type refusal struct {
	ClientID int64
	Message  string
}

func (s *Server) retentionDue(w http.ResponseWriter, r *http.Request) error {
	return s.renderRetentionDue(w, r, http.StatusOK, newForm(nil, nil), nil)
}

func (s *Server) renderRetentionDue(w http.ResponseWriter, r *http.Request, status int, f *form, refused []refusal) error {
	list, err := s.store.DueDestructions(r.Context())
	if err != nil {
		return err
	}
	v := s.newView(r, "retention.due_title")
	v.Nav = "retention"
	v.Form = f
	why := map[int64]string{}
	for _, x := range refused {
		why[x.ClientID] = x.Message
	}
	chosen := map[string]bool{}
	for _, id := range f.Values["client"] {
		chosen[id] = true
	}
	v.Data = map[string]any{"Due": list, "Refused": why, "Chosen": chosen}
	return s.render(w, r, status, "retention_due", v)
}

// retentionDestroy approves the destruction of the chosen clients, each in
// its own transaction. A client refused (an open case) stays on the list
// with the reason next to it; the others are destroyed.
func (s *Server) retentionDestroy(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	ids := formIDs(r.PostForm["client"])
	if len(ids) == 0 {
		var v opora.Validation
		v.Add("client", "retention.error_none_chosen")
		return s.renderRetentionDue(w, r, http.StatusUnprocessableEntity, newForm(r.PostForm, v.Err()), nil)
	}
	loc := s.loc(r)
	var refused []refusal
	done := 0
	for _, id := range ids {
		_, err := s.store.DestroyClient(r.Context(), id, r.PostForm.Get("reason"), s.files)
		if err == nil {
			done++
			continue
		}
		fe := opora.FieldErrors(err)
		if fe["reason"] != "" {
			// Nothing was destroyed yet: the reason is the same for all.
			return s.renderRetentionDue(w, r, http.StatusUnprocessableEntity, newForm(r.PostForm, err), nil)
		}
		switch {
		case fe["client"] != "":
			refused = append(refused, refusal{id, loc.T(fe["client"], "n", strconv.FormatInt(id, 10))})
		case opora.ErrorCode(err) == opora.ENOTFOUND:
			refused = append(refused, refusal{id, loc.T("retention.error_not_due", "n", strconv.FormatInt(id, 10))})
		default:
			return err
		}
	}
	if len(refused) == 0 {
		return s.redirect(w, r, "/admin/retention/acts", "retention.destroyed")
	}
	f := newForm(r.PostForm, nil)
	f.Error, f.Args = "retention.partly_done", map[string]string{"done": strconv.Itoa(done), "refused": strconv.Itoa(len(refused))}
	return s.renderRetentionDue(w, r, http.StatusUnprocessableEntity, f, refused)
}

func (s *Server) retentionActs(w http.ResponseWriter, r *http.Request) error {
	list, err := s.store.Destructions(r.Context(), 200)
	if err != nil {
		return err
	}
	v := s.newView(r, "retention.acts_title")
	v.Nav = "retention"
	v.Data = list
	return s.render(w, r, http.StatusOK, "retention_acts", v)
}

// retentionAct is the printable act of one destruction (A4).
func (s *Server) retentionAct(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	d, err := s.store.Destruction(r.Context(), id)
	if err != nil {
		return err
	}
	org, err := s.store.Organisation(r.Context(), d.OrganisationID)
	if err != nil {
		return err
	}
	v := s.newView(r, "retention.act_title")
	v.Nav = "retention"
	v.Data = map[string]any{"Act": d, "Org": org}
	return s.render(w, r, http.StatusOK, "retention_act", v)
}
