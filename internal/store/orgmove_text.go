package store

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"

	"github.com/opora-project/opora/internal/opora"
)

// Ids inside text (issue 24 item 6): some TEXT columns hold ids in JSON or
// in a URL query — a saved report names branches and questionnaire fields,
// a family visit lists the members present, a timeline line's changes name
// the new curator. The import rewrites them through the same mapping as
// the id columns (moveTextRefs). Every other TEXT column of a moved table
// is declared to hold no ids (moveTextPlain, with the reason);
// TestOrgMoveCoversEveryTable fails for a TEXT column that is neither.

// moveIDs maps a source id of a table's row to its id in the target; ok
// is false (and the miss is counted) when the row is not in the target.
type moveIDs func(table string, id int64) (int64, bool)

// moveTextRewriter rewrites the ids in a column's value. row is the whole
// row as read from the export (it may set another column of it, as a
// snapshot's hash). keep false leaves the row out (counted as dropped).
type moveTextRewriter func(v string, row map[string]any, ids moveIDs) (out string, keep bool)

// moveTextRefs are the TEXT columns that hold ids, with their rewriter.
var moveTextRefs = map[string]moveTextRewriter{
	"saved_reports.query":              rewriteSavedReportQuery,
	"family_visits.present_members":    rewriteIDList("family_members"),
	"client_events.changes":            rewriteChanges,
	"family_events.changes":            rewriteChanges,
	"council_decisions.changes":        rewriteChanges,
	"council_entries.payload":          rewriteCouncilPayload,
	"imports.mapping":                  rewriteImportMapping,
	"import_mappings.mapping":          rewriteImportMapping,
	"family_assessments.answers":       rewriteIDMap("form_fields", "field_options"),
	"family_assessments.domain_scores": rewriteIDMap("form_sections", ""),
	"assessment_snapshots.definition":  rewriteAssessmentDef,
	"hint_feedback.hint_ref":           rewriteHintRef,
}

// Reasons shared by many columns of moveTextPlain.
const (
	textTyped  = "text a person typed"
	textName   = "a name, title or label"
	textCode   = "a fixed code (a kind, status or choice)"
	textCodes  = "a list of fixed codes"
	textSearch = "the search's normalised form of names (rebuilt from the text)"
	textUUID   = "a UUID made by the device or the source"
	textHash   = "a hash of content, not of ids"
	textAddr   = "an address or contact"
	textTime   = "a time of day or date written as text"
	textDoc    = "a document's text (template placeholders are names, not ids)"
)

// moveTextPlain are the TEXT columns of moved tables that hold no ids.
var moveTextPlain = map[string]string{
	"answers.basis":                         "a legal basis code",
	"answers.value_text":                    "the answer as typed (choices are option_id rows)",
	"assessment_levels.label":               textName,
	"assessment_snapshots.hash":             "the SHA-256 of definition, recomputed when its ids are rewritten",
	"branches.address":                      textAddr,
	"branches.name":                         textName,
	"case_participants.role":                textCode,
	"case_tasks.description":                textTyped,
	"case_tasks.fail_reason":                textTyped,
	"case_tasks.report":                     textTyped,
	"case_tasks.return_comment":             textTyped,
	"case_tasks.return_reason":              textTyped,
	"case_tasks.status":                     textCode,
	"cases.outcome":                         textCode,
	"cases.outcome_comment":                 textTyped,
	"cases.status":                          textCode,
	"cases.subject_type":                    "the table subject_id points into (client or family)",
	"checkin_items.name":                    textName,
	"checkin_persons.first_name":            textName,
	"checkin_persons.gender":                textCode,
	"checkin_persons.search_key":            textSearch,
	"checkin_persons.surname":               textName,
	"checkin_persons.uid":                   textUUID,
	"checkin_points.address":                textAddr,
	"checkin_points.kind":                   textCode,
	"checkin_points.name":                   textName,
	"checkin_shifts.ends":                   textTime,
	"checkin_shifts.starts":                 textTime,
	"checkin_shifts.status":                 textCode,
	"checkin_visits.device_at":              textTime,
	"checkin_visits.tick_id":                "the device's own id of an offline tick",
	"client_events.entity":                  "the table entity_id points into",
	"client_events.kind":                    textCode,
	"client_events.sensitivity":             textCode,
	"client_events.summary":                 "a line of text for people (names, not ids)",
	"clients.birth_place":                   textAddr,
	"clients.birth_precision":               textCode,
	"clients.delete_reason":                 textTyped,
	"clients.first_name":                    textName,
	"clients.gender":                        textCode,
	"clients.homeless_status":               textCode,
	"clients.patronymic":                    textName,
	"clients.search_key":                    textSearch,
	"clients.surname":                       textName,
	"consents.agency_types":                 textCodes,
	"consents.categories":                   textCodes,
	"consents.purposes":                     textCodes,
	"consents.rep_name":                     textName,
	"consents.rep_relation":                 textTyped,
	"consents.subject":                      textCode,
	"consents.withdraw_reason":              textTyped,
	"council_decision_tasks.reason":         textTyped,
	"council_decisions.kind":                textCode,
	"council_entries.client_uuid":           textUUID,
	"council_entries.kind":                  textCode,
	"council_entries.reason":                "a catalog key",
	"council_entries.state":                 textCode,
	"council_meetings.resolution_number":    "a number the council gives its resolution",
	"council_meetings.starts_at":            textTime,
	"council_meetings.status":               textCode,
	"council_members.position":              textName,
	"councils.name":                         textName,
	"councils.place":                        textAddr,
	"councils.starts_at":                    textTime,
	"councils.weeks":                        "weeks of the month (numbers 1–5, not ids)",
	"destructions.action":                   textCode,
	"destructions.categories":               textCodes,
	"destructions.reason":                   textTyped,
	"destructions.rule_name":                textName,
	"dictionary_items.dictionary":           textCode,
	"dictionary_items.key":                  textCode,
	"dictionary_items.label":                textName,
	"doc_images.kind":                       textCode,
	"doc_templates.body":                    textDoc,
	"doc_templates.title":                   textName,
	"draft_plan_tasks.indicator_label":      textName,
	"draft_plan_tasks.proposed_agency_type": textCode,
	"draft_plan_tasks.reason":               textTyped,
	"draft_plan_tasks.what":                 textTyped,
	"families.address":                      textAddr,
	"families.health":                       textTyped,
	"families.housing":                      textTyped,
	"families.income":                       textTyped,
	"families.offences":                     textTyped,
	"families.search_key":                   textSearch,
	"family_assessments.level_label":        textName,
	"family_assessments.status":             textCode,
	"family_events.kind":                    textCode,
	"family_events.status_key":              textCode,
	"family_events.summary":                 "a line of text for people (names, not ids)",
	"family_members.leave_reason":           textTyped,
	"family_members.role":                   textCode,
	"family_members.school_name":            textName,
	"family_visits.agreements":              textTyped,
	"family_visits.client_uuid":             textUUID,
	"family_visits.conflict_reason":         textCodes,
	"family_visits.kind":                    textCode,
	"family_visits.observations":            textTyped,
	"family_visits.present_other":           textTyped,
	"field_options.label":                   textName,
	"files.comment":                         textTyped,
	"files.kind":                            textCode,
	"files.mime":                            "a media type",
	"files.name":                            textName,
	"files.sha256":                          textHash,
	"form_fields.hint":                      textTyped,
	"form_fields.key":                       textCode,
	"form_fields.label":                     textName,
	"form_fields.sensitivity":               textCode,
	"form_fields.type":                      textCode,
	"form_sections.title":                   textName,
	"forms.key":                             textCode,
	"forms.kind":                            textCode,
	"forms.name":                            textName,
	"hint_feedback.comment":                 textTyped,
	"hint_feedback.hint_kind":               "what hint_ref names (a rule or a learned hint)",
	"hint_feedback.verdict":                 textCode,
	"identity_documents.address":            textAddr,
	"identity_documents.comment":            textTyped,
	"identity_documents.issued_by":          "the authority that issued the document",
	"identity_documents.number":             "the document's number",
	"identity_documents.series":             "the document's series",
	"import_map.kind":                       "the table opora_id points into",
	"import_map.source":                     "the source system's name",
	"import_map.ext_id":                     "the id in the source system (МКС), not an Opora id",
	"import_mappings.header_key":            "the normalised header row of a spreadsheet",
	"import_problems.col":                   "a spreadsheet column's name",
	"import_problems.message":               "a catalog key",
	"import_rows.row_key":                   textHash,
	"imports.failure":                       textTyped,
	"imports.file_hash":                     textHash,
	"imports.file_name":                     textName,
	"imports.header":                        "the spreadsheet's header row",
	"imports.header_key":                    "the normalised header row of a spreadsheet",
	"imports.status":                        textCode,
	"imports.storage_key":                   "where the uploaded spreadsheet was kept (not moved with the files)",
	"issued_documents.body":                 "the document as issued and printed (kept as printed, numbers included)",
	"issued_documents.number":               "the document's number",
	"issued_documents.title":                textName,
	"issued_documents.void_reason":          "the worker's words why the document was voided",
	"life_events.kind":                      textCode,
	"life_events.note":                      textTyped,
	"note_revisions.body":                   textTyped,
	"notes.body":                            textTyped,
	"notification_prefs.email_mode":         textCode,
	"notification_prefs.muted_kinds":        textCodes,
	"notification_settings.mail_from":       textAddr,
	"notification_settings.smtp_host":       textAddr,
	"notification_settings.smtp_tls":        textCode,
	"notification_settings.smtp_user":       "the mail server's login",
	"org_legal_bases.agency_type":           textCode,
	"org_legal_bases.basis_code":            "a legal basis code",
	"org_legal_bases.category":              textCode,
	"organisations.address":                 textAddr,
	"organisations.email":                   textAddr,
	"organisations.head":                    textName,
	"organisations.inn":                     "the tax number",
	"organisations.name":                    textName,
	"organisations.phone":                   textAddr,
	"organisations.short_name":              textName,
	"organisations.type":                    textCode,
	"plan_template_items.description":       textTyped,
	"plan_templates.key":                    textCode,
	"plan_templates.name":                   textName,
	"reminders.body":                        textTyped,
	"restrictions.description":              textTyped,
	"restrictions.kind":                     textCode,
	"retention_rules.action":                textCode,
	"retention_rules.name":                  textName,
	"retention_rules.trigger_kind":          textCode,
	"retention_rules.unit":                  textCode,
	"role_permissions.permission":           textCode,
	"roles.key":                             textCode,
	"roles.name":                            textName,
	"roles.scope":                           textCode,
	"saved_reports.name":                    textName,
	"screening_actions.comment":             textTyped,
	"screening_actions.outcome":             textCode,
	"service_types.group_name":              textName,
	"service_types.name":                    textName,
	"services.comment":                      textTyped,
	"services.delete_reason":                textTyped,
	"shelter_medical_checks.check_type":     textCode,
	"shelter_medical_checks.comment":        textTyped,
	"shelter_rooms.comment":                 textTyped,
	"shelter_rooms.name":                    textName,
	"shelter_stays.comment":                 textTyped,
	"shelter_stays.reason":                  textTyped,
	"shelter_stays.status":                  textCode,
	"signal_children.name":                  textName,
	"signals.address":                       textAddr,
	"signals.channel":                       textCode,
	"signals.close_reason":                  textTyped,
	"signals.description":                   textTyped,
	"signals.forwarded_to":                  "the name of where the signal went",
	"signals.reporter_contact":              textAddr,
	"signals.reporter_kind":                 textCode,
	"signals.reporter_name":                 textName,
	"signals.search_key":                    textSearch,
	"signals.status":                        textCode,
	"signals.surname":                       textName,
	"signals.urgency":                       textCode,
	"subject_grants.reason":                 textTyped,
	"subject_grants.subject_type":           "the table subject_id points into (client or family)",
	"subject_requests.answer":               textTyped,
	"subject_requests.details":              textTyped,
	"subject_requests.kind":                 textCode,
	"subject_requests.requester":            textName,
	"task_comments.body":                    textTyped,
	"task_escalations.level":                textCode,
	"users.email":                           textAddr,
	"users.full_name":                       textName,
	"users.locale":                          textCode,
	"users.login":                           "the login name",
	"users.position":                        textName,
}

// rewriteIDList maps a JSON array of ids of one table; ids not in the
// target are left out.
func rewriteIDList(table string) moveTextRewriter {
	return func(v string, _ map[string]any, ids moveIDs) (string, bool) {
		var in []int64
		if v == "" || json.Unmarshal([]byte(v), &in) != nil {
			return v, true
		}
		out := make([]int64, 0, len(in))
		for _, id := range in {
			if n, ok := ids(table, id); ok {
				out = append(out, n)
			}
		}
		b, _ := json.Marshal(out)
		return string(b), true
	}
}

// rewriteIDMap maps a JSON object whose keys are ids of keyTable and,
// when valTable is not empty, whose values are ids of valTable (an
// assessment's answers: field → option; its scores: section → score).
func rewriteIDMap(keyTable, valTable string) moveTextRewriter {
	return func(v string, _ map[string]any, ids moveIDs) (string, bool) {
		var in map[string]json.Number
		if v == "" || json.Unmarshal([]byte(v), &in) != nil {
			return v, true
		}
		out := map[string]json.Number{}
		for k, val := range in {
			kid, err := strconv.ParseInt(k, 10, 64)
			if err != nil {
				continue
			}
			nk, ok := ids(keyTable, kid)
			if !ok {
				continue
			}
			if valTable != "" {
				vid, err := val.Int64()
				if err != nil {
					continue
				}
				nv, ok := ids(valTable, vid)
				if !ok {
					continue
				}
				val = json.Number(strconv.FormatInt(nv, 10))
			}
			out[strconv.FormatInt(nk, 10)] = val
		}
		b, _ := json.Marshal(out)
		return string(b), true
	}
}

// changeRefs are the fields of a timeline line's changes (opora.Change)
// whose old and new values are ids (lists of ids, comma-separated, for
// branches and roles). TestOrgMoveChangeFields fails for a change field
// named like an id (…_id) that is not here.
var changeRefs = map[string]string{
	"assignee_id":             "users",
	"branch_id":               "branches",
	"branches":                "branches",
	"case_id":                 "cases",
	"curator_id":              "users",
	"family_id":               "families",
	"indicator_field_id":      "form_fields",
	"location_id":             "resource_locations",
	"network_organisation_id": "organisations",
	"organisation_id":         "organisations",
	"organization_id":         "resource_organizations",
	"photo_id":                "files",
	"report_file_id":          "files",
	"responsible_id":          "users",
	"responsible_org_id":      "organisations",
	"roles":                   "roles",
	"show_if_option_id":       "field_options",
	"task_id":                 "case_tasks",
	"territory_id":            "territories",
	"type_id":                 "dictionary_items",
}

// changeNotRefs are change fields named like ids that hold none.
var changeNotRefs = map[string]string{
	"tax_id": "a tax number",
}

// rewriteChanges maps the ids in a timeline line's changes; an id not in
// the target (another organisation's, a territory of the region) becomes
// empty rather than naming a wrong row.
func rewriteChanges(v string, _ map[string]any, ids moveIDs) (string, bool) {
	var cs []opora.Change
	if v == "" || json.Unmarshal([]byte(v), &cs) != nil {
		return v, true
	}
	mapOne := func(table, s string) string {
		var out []string
		for _, p := range strings.Split(s, ",") {
			id, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
			if err != nil || id == 0 {
				continue
			}
			if n, ok := ids(table, id); ok {
				out = append(out, strconv.FormatInt(n, 10))
			}
		}
		return strings.Join(out, ",")
	}
	for i, c := range cs {
		if table, ok := changeRefs[c.Field]; ok {
			cs[i].Old, cs[i].New = mapOne(table, c.Old), mapOne(table, c.New)
		}
	}
	b, err := marshalNoEscape(cs)
	if err != nil {
		return v, true
	}
	return string(b), true
}

// rewriteSavedReportQuery maps the ids of a saved builder report (the
// parameters parseReportQuery in internal/web/reports.go reads): the
// branches, workers, service, case and task types chosen, the
// questionnaire fields filtered on (field_<id>=<option id>) and grouped by
// (group=field:<id>). A choice not in the target is left out.
func rewriteSavedReportQuery(v string, _ map[string]any, ids moveIDs) (string, bool) {
	vals, err := url.ParseQuery(v)
	if err != nil {
		return v, true
	}
	out := url.Values{}
	mapIDs := func(table string, in []string) []string {
		var res []string
		for _, s := range in {
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				res = append(res, s)
				continue
			}
			if n, ok := ids(table, id); ok {
				res = append(res, strconv.FormatInt(n, 10))
			}
		}
		return res
	}
	for k, vs := range vals {
		switch k {
		case "branch":
			vs = mapIDs("branches", vs)
		case "worker":
			vs = mapIDs("users", vs)
		case "service_type":
			vs = mapIDs("service_types", vs)
		case "case_type", "task_type":
			vs = mapIDs("dictionary_items", vs)
		case "group", "group2":
			var res []string
			for _, g := range vs {
				if fid, ok := opora.Dimension(g).FieldID(); ok {
					n, ok := ids("form_fields", fid)
					if !ok {
						continue
					}
					g = string(opora.FieldDimension(n))
				}
				res = append(res, g)
			}
			vs = res
		default:
			if fid, ok := strings.CutPrefix(k, "field_"); ok {
				id, err := strconv.ParseInt(fid, 10, 64)
				if err != nil {
					continue
				}
				n, ok := ids("form_fields", id)
				if !ok {
					continue
				}
				k, vs = "field_"+strconv.FormatInt(n, 10), mapIDs("field_options", vs)
			}
		}
		if len(vs) > 0 {
			out[k] = vs
		}
	}
	return out.Encode(), true
}

// rewriteCouncilPayload maps the ids of a council decision as entered on
// the secretary's device (opora.ParseCouncilEntry): the plan drafts
// approved (draft, tasks.<draft>.…), the task reassigned (task,
// reassign.<task>.…), the organisations named (….org) and the family
// status (status_id).
func rewriteCouncilPayload(v string, _ map[string]any, ids moveIDs) (string, bool) {
	var in map[string][]string
	if v == "" || json.Unmarshal([]byte(v), &in) != nil {
		return v, true
	}
	mapStr := func(table, s string) (string, bool) {
		id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return s, true
		}
		n, ok := ids(table, id)
		return strconv.FormatInt(n, 10), ok
	}
	mapAll := func(table string, vs []string) []string {
		var out []string
		for _, s := range vs {
			if n, ok := mapStr(table, s); ok {
				out = append(out, n)
			}
		}
		return out
	}
	out := map[string][]string{}
	for k, vs := range in {
		switch k {
		case "draft":
			vs = mapAll("draft_plan_tasks", vs)
		case "task":
			vs = mapAll("case_tasks", vs)
		case "status_id":
			vs = mapAll("dictionary_items", vs)
		default:
			for prefix, table := range map[string]string{"tasks.": "draft_plan_tasks", "reassign.": "case_tasks"} {
				rest, ok := strings.CutPrefix(k, prefix)
				if !ok {
					continue
				}
				id, name, _ := strings.Cut(rest, ".")
				n, ok := mapStr(table, id)
				if !ok {
					vs = nil
					break
				}
				k = prefix + n + "." + name
				if name == "org" {
					vs = mapAll("organisations", vs)
				}
				break
			}
		}
		if len(vs) > 0 {
			out[k] = vs
		}
	}
	b, err := marshalNoEscape(out)
	if err != nil {
		return v, true
	}
	return string(b), true
}

// rewriteImportMapping maps a spreadsheet import's mapping (a target key
// per column: a client field's name, or "f<id>" for a questionnaire field).
func rewriteImportMapping(v string, _ map[string]any, ids moveIDs) (string, bool) {
	var in []string
	if v == "" || json.Unmarshal([]byte(v), &in) != nil {
		return v, true
	}
	for i, k := range in {
		rest, ok := strings.CutPrefix(k, "f")
		if !ok {
			continue
		}
		id, err := strconv.ParseInt(rest, 10, 64)
		if err != nil {
			continue
		}
		if n, ok := ids("form_fields", id); ok {
			in[i] = fieldName(n)
		} else {
			in[i] = ""
		}
	}
	b, err := marshalNoEscape(in)
	if err != nil {
		return v, true
	}
	return string(b), true
}

// rewriteAssessmentDef maps an assessment's definition as answered (the
// form, its sections, indicators, options and levels) and sets the row's
// hash to the new definition's, as Store.snapshot computes it.
func rewriteAssessmentDef(v string, row map[string]any, ids moveIDs) (string, bool) {
	var d opora.AssessmentDef
	if v == "" || json.Unmarshal([]byte(v), &d) != nil {
		return v, true
	}
	m := func(table string, id int64) int64 {
		if id == 0 {
			return 0
		}
		n, _ := ids(table, id)
		return n
	}
	d.FormID = m("forms", d.FormID)
	for i := range d.Domains {
		dm := &d.Domains[i]
		dm.ID = m("form_sections", dm.ID)
		for j := range dm.Indicators {
			x := &dm.Indicators[j]
			x.ID = m("form_fields", x.ID)
			for k := range x.Options {
				x.Options[k].ID = m("field_options", x.Options[k].ID)
			}
		}
	}
	for i := range d.Levels {
		d.Levels[i].ID = m("assessment_levels", d.Levels[i].ID)
	}
	body, err := json.Marshal(&d)
	if err != nil {
		return v, true
	}
	sum := sha256.Sum256(body)
	row["hash"] = hex.EncodeToString(sum[:])
	return string(body), true
}

// rewriteHintRef: a verdict on a learned hint names it by its features
// (kept); a verdict on a hint rule names the region's rule by id, and the
// region's rules do not move, so the verdict is left out.
func rewriteHintRef(v string, row map[string]any, ids moveIDs) (string, bool) {
	if kind, _ := row["hint_kind"].(string); kind == opora.HintKindRule {
		id, _ := strconv.ParseInt(v, 10, 64)
		ids("hint_rules", id) // counted as unresolved
		return v, false
	}
	return v, true
}
