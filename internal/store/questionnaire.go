package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/opora-project/opora/internal/opora"
)

// Questionnaires: the organisation's main questionnaire (form key
// "profile", one filling per client, answers with filling_id NULL) and
// repeatable named forms with dated fillings. Administrators with
// dictionary.manage edit the forms; answers point to field and option ids,
// so renaming, reordering or disabling never touches them.

// loadForm reads a form of the organisation with every section, field and
// option, disabled ones included, in display order.
func (s *Store) loadForm(ctx context.Context, q queryer, orgID, formID int64) (*opora.Form, error) {
	f := &opora.Form{}
	err := q.QueryRowContext(ctx, `SELECT id, organisation_id, key, name, repeatable, kind, position, disabled
		FROM forms WHERE id = $1 AND organisation_id = $2`, formID, orgID).
		Scan(&f.ID, &f.OrganisationID, &f.Key, &f.Name, &f.Repeatable, &f.Kind, &f.Position, &f.Disabled)
	if err != nil {
		return nil, notFound(err)
	}
	rows, err := q.QueryContext(ctx, `SELECT id, form_id, title, position, disabled FROM form_sections
		WHERE form_id = $1 ORDER BY position, id`, formID)
	if err != nil {
		return nil, fmt.Errorf("store: form sections: %w", err)
	}
	sections := map[int64]*opora.FormSection{}
	for rows.Next() {
		sec := &opora.FormSection{}
		if err := rows.Scan(&sec.ID, &sec.FormID, &sec.Title, &sec.Position, &sec.Disabled); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: form sections: %w", err)
		}
		f.Sections = append(f.Sections, sec)
		sections[sec.ID] = sec
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: form sections: %w", err)
	}
	rows, err = q.QueryContext(ctx, `SELECT f.id, f.section_id, f.key, f.label, f.hint, f.type, f.required, f.position,
		f.disabled, f.sensitivity, f.key_answer, f.show_if_field_id, f.show_if_option_id, f.show_if_not
		FROM form_fields f JOIN form_sections sec ON sec.id = f.section_id
		WHERE sec.form_id = $1 ORDER BY f.position, f.id`, formID)
	if err != nil {
		return nil, fmt.Errorf("store: form fields: %w", err)
	}
	fields := map[int64]*opora.FormField{}
	for rows.Next() {
		x := &opora.FormField{}
		var showField, showOption sql.NullInt64
		if err := rows.Scan(&x.ID, &x.SectionID, &x.Key, &x.Label, &x.Hint, &x.Type, &x.Required, &x.Position,
			&x.Disabled, &x.Sensitivity, &x.KeyAnswer, &showField, &showOption, &x.ShowIfNot); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: form fields: %w", err)
		}
		x.ShowIfFieldID, x.ShowIfOptionID = showField.Int64, showOption.Int64
		if sec := sections[x.SectionID]; sec != nil {
			sec.Fields = append(sec.Fields, x)
			fields[x.ID] = x
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: form fields: %w", err)
	}
	rows, err = q.QueryContext(ctx, `SELECT o.id, o.field_id, o.label, o.position, o.disabled, o.not_alone, o.score
		FROM field_options o JOIN form_fields f ON f.id = o.field_id JOIN form_sections sec ON sec.id = f.section_id
		WHERE sec.form_id = $1 ORDER BY o.position, o.id`, formID)
	if err != nil {
		return nil, fmt.Errorf("store: field options: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		o := &opora.FieldOption{}
		if err := rows.Scan(&o.ID, &o.FieldID, &o.Label, &o.Position, &o.Disabled, &o.NotAlone, &o.Score); err != nil {
			return nil, fmt.Errorf("store: field options: %w", err)
		}
		if x := fields[o.FieldID]; x != nil {
			x.Options = append(x.Options, o)
		}
	}
	return f, rows.Err()
}

// clientForm reads a form for filling in: fields of disabled sections count
// as disabled.
func (s *Store) clientForm(ctx context.Context, q queryer, orgID, formID int64) (*opora.Form, error) {
	f, err := s.loadForm(ctx, q, orgID, formID)
	if err != nil {
		return nil, err
	}
	for _, sec := range f.Sections {
		for _, x := range sec.Fields {
			x.Disabled = x.Disabled || sec.Disabled || f.Disabled
		}
	}
	return f, nil
}

func (s *Store) profileFormID(ctx context.Context, q queryer, orgID int64) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT id FROM forms WHERE organisation_id = $1 AND key = $2 ORDER BY id LIMIT 1`,
		orgID, opora.ProfileFormKey).Scan(&id)
	if err != nil {
		return 0, notFound(err)
	}
	return id, nil
}

// ---- Reading and saving a client's answers ----

// ClientAnswers is a form as one actor may see it with a client's answers:
// only fields of sensitivity categories the actor may see; disabled fields
// only when they hold an answer.
type ClientAnswers struct {
	Form    *opora.Form
	Answers map[int64]*opora.Answer
	Filling *opora.Filling        // nil for the main questionnaire
	Files   map[int64]*opora.File // the files of the visible file answers, by file id
	// Hidden lists the sensitive categories of the form's fields that the
	// actor may not see, in display order: a part of the form, the same for
	// every client, so it tells nothing of this client's answers.
	Hidden []opora.Sensitivity
}

// Answer returns the answer to a field, or nil.
func (c *ClientAnswers) Answer(fieldID int64) *opora.Answer { return c.Answers[fieldID] }

// loadAnswers reads a client's answers of the main questionnaire
// (fillingID 0) or of one filling.
func (s *Store) loadAnswers(ctx context.Context, q queryer, f *opora.Form, clientID, fillingID int64) (map[int64]*opora.Answer, error) {
	query := `SELECT field_id, option_id, value_text, value_num, value_date, file_id, updated_by, updated_at
		FROM answers WHERE client_id = $1 AND organisation_id = $2 AND `
	args := []any{clientID, f.OrganisationID}
	if fillingID == 0 {
		query += `filling_id IS NULL`
	} else {
		query += `filling_id = $3`
		args = append(args, fillingID)
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: answers: %w", err)
	}
	defer rows.Close()
	out := map[int64]*opora.Answer{}
	for rows.Next() {
		var fieldID int64
		var option, file, by sql.NullInt64
		var text string
		var num sql.NullFloat64
		var date opora.Date
		var at sql.NullTime
		if err := rows.Scan(&fieldID, &option, &text, &num, &date, &file, &by, &at); err != nil {
			return nil, fmt.Errorf("store: answers: %w", err)
		}
		x := f.Field(fieldID)
		if x == nil {
			continue
		}
		a := out[fieldID]
		if a == nil {
			a = &opora.Answer{FieldID: fieldID}
			out[fieldID] = a
		}
		if option.Valid {
			a.OptionIDs = append(a.OptionIDs, option.Int64)
		}
		if text != "" {
			a.Text = text
		}
		if num.Valid {
			a.Num, a.HasNum = num.Float64, true
		}
		if !date.IsZero() {
			a.Date = date
		}
		if file.Valid {
			a.FileID = file.Int64
		}
		a.UpdatedBy, a.UpdatedAt = by.Int64, timeOf(at)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: answers: %w", err)
	}
	// Multiple choices in the options' order.
	for id, a := range out {
		if x := f.Field(id); len(a.OptionIDs) > 1 {
			pos := map[int64]int{}
			for i, o := range x.Options {
				pos[o.ID] = i
			}
			slices.SortFunc(a.OptionIDs, func(p, q int64) int { return pos[p] - pos[q] })
		}
	}
	return out, nil
}

// visibleAnswers cuts a form down to what the actor may see, as a copy down
// to the fields (their options stay shared and must not be modified).
func visibleAnswers(a *opora.Actor, f *opora.Form, answers map[int64]*opora.Answer) *ClientAnswers {
	out := &ClientAnswers{Answers: map[int64]*opora.Answer{}}
	vf := *f
	vf.Sections = nil
	for _, sec := range f.Sections {
		vs := *sec
		vs.Fields = nil
		for _, x := range sec.Fields {
			if !a.CanSee(x.Sensitivity) {
				if !x.Disabled && !slices.Contains(out.Hidden, x.Sensitivity) {
					out.Hidden = append(out.Hidden, x.Sensitivity)
				}
				continue
			}
			ans := answers[x.ID]
			if x.Disabled && ans.Empty() {
				continue
			}
			xc := *x // the form may be the shared cached one (profileForm)
			vs.Fields = append(vs.Fields, &xc)
			if !ans.Empty() {
				out.Answers[x.ID] = ans
			}
		}
		if len(vs.Fields) > 0 {
			vf.Sections = append(vf.Sections, &vs)
		}
	}
	out.Form = &vf
	slices.SortFunc(out.Hidden, func(p, q opora.Sensitivity) int {
		return slices.Index(opora.Sensitivities, p) - slices.Index(opora.Sensitivities, q)
	})
	return out
}

// Questionnaire returns a client's main questionnaire with the answers the
// actor may see. Needs client.read within scope.
func (s *Store) Questionnaire(ctx context.Context, clientID int64) (*ClientAnswers, error) {
	a := opora.ActorFrom(ctx)
	c, err := s.client(ctx, s.r, opora.PermClientRead, clientID)
	if err != nil {
		return nil, err
	}
	f, err := s.profileForm(ctx, c.OrganisationID)
	if err != nil {
		return nil, err
	}
	answers, err := s.loadAnswers(ctx, s.r, f, c.ID, 0)
	if err != nil {
		return nil, err
	}
	out := visibleAnswers(a, f, answers)
	return out, s.loadAnswerFiles(ctx, c, out)
}

// loadAnswerFiles fills out.Files with the rows of the files its (already
// visible) file answers hold.
func (s *Store) loadAnswerFiles(ctx context.Context, c *opora.Client, out *ClientAnswers) error {
	out.Files = map[int64]*opora.File{}
	var ids []int64
	for _, x := range out.Form.Fields() {
		if ans := out.Answers[x.ID]; x.Type == opora.FieldFile && ans != nil && ans.FileID != 0 {
			ids = append(ids, ans.FileID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	in, args := inList([]any{c.ID, c.OrganisationID, opora.FileKindAnswer}, ids)
	rows, err := s.r.QueryContext(ctx, `SELECT `+fileColumns+fileFrom+` WHERE f.client_id = $1 AND f.organisation_id = $2
		AND f.kind = $3 AND f.deleted_at IS NULL AND f.id IN (`+in+`)`, args...)
	if err != nil {
		return fmt.Errorf("store: answer files: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		f, err := scanFile(rows)
		if err != nil {
			return fmt.Errorf("store: answer files: %w", err)
		}
		out.Files[f.ID] = f
	}
	return rows.Err()
}

// insertAnswerFiles writes the rows of files uploaded (bytes already
// stored) as answers to file fields of form f, in the caller's transaction,
// and returns raw with each such field's value set to its new file id.
// The file name of a sensitive field never reaches the audit.
func (s *Store) insertAnswerFiles(ctx context.Context, tx *sql.Tx, c *opora.Client, f *opora.Form, raw map[int64][]string,
	uploads map[int64]*opora.File) (map[int64][]string, error) {
	if len(uploads) == 0 {
		return raw, nil
	}
	a := opora.ActorFrom(ctx)
	out := map[int64][]string{}
	for k, v := range raw {
		out[k] = v
	}
	for fieldID, up := range uploads {
		x := f.Field(fieldID)
		if x == nil || x.Type != opora.FieldFile || x.Disabled || !a.CanSee(x.Sensitivity) {
			return nil, opora.ErrNotFound
		}
		up.Kind, up.TypeID = opora.FileKindAnswer, 0
		if err := s.insertFile(ctx, tx, a, c, up); err != nil {
			return nil, err
		}
		changes := []opora.Change{{Field: "mime", New: up.MIME}, {Field: "size", New: strconv.FormatInt(up.Size, 10)}}
		if x.Sensitivity == opora.Ordinary {
			changes = append([]opora.Change{{Field: "name", New: up.Name}}, changes...)
		}
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "file", EntityID: up.ID,
			Section: clientSection(c.ID), Changes: changes}); err != nil {
			return nil, err
		}
		out[fieldID] = []string{strconv.FormatInt(up.ID, 10)}
	}
	return out, nil
}

// SaveQuestionnaire saves a client's main questionnaire from posted values
// by field id. Every field the actor may see and edit counts as posted (a
// missing one is an empty answer); fields of categories the actor may not
// see, disabled fields and file fields keep their answers. Fields hidden by
// their condition lose their answers. Invalid values answer EINVALID with
// errors keyed "f<field id>". Needs client.write within scope.
func (s *Store) SaveQuestionnaire(ctx context.Context, clientID int64, raw map[int64][]string) error {
	return s.SaveQuestionnaireFiles(ctx, clientID, raw, nil)
}

// SaveQuestionnaireFiles is SaveQuestionnaire with files uploaded (bytes
// already stored) as the answers of file fields, by field id: their rows
// are written in the same transaction, so a refused save keeps none.
func (s *Store) SaveQuestionnaireFiles(ctx context.Context, clientID int64, raw map[int64][]string,
	uploads map[int64]*opora.File) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		return s.recountClients(ctx, tx, []int64{clientID}, func() error {
			c, err := s.writableClient(ctx, tx, clientID)
			if err != nil {
				return err
			}
			formID, err := s.profileFormID(ctx, tx, c.OrganisationID)
			if err != nil {
				return err
			}
			f, err := s.clientForm(ctx, tx, c.OrganisationID, formID)
			if err != nil {
				return err
			}
			if raw, err = s.insertAnswerFiles(ctx, tx, c, f, raw, uploads); err != nil {
				return err
			}
			ch, err := s.saveAnswers(ctx, tx, c, f, 0, raw)
			if err != nil {
				return err
			}
			for _, x := range f.Fields() {
				if x.Key == homelessSinceKey && x.Type == opora.FieldMonth && ch.changed(x) {
					if err := homelessSinceFromAnswer(ctx, tx, c); err != nil {
						return err
					}
				}
			}
			return s.recordAnswerChanges(ctx, tx, c, ch, opora.EventQuestionnaire, "questionnaire", "form", f.ID, "")
		})
	})
}

// answerChanges is what one save changed, for the audit row and the timeline.
type answerChanges struct {
	audit     []opora.Change
	ordinary  []string                       // labels of changed ordinary fields
	sensitive map[opora.Sensitivity][]string // labels of changed sensitive fields per category
}

// changed reports whether the save changed the field's answer.
func (ch *answerChanges) changed(x *opora.FormField) bool {
	for _, c := range ch.audit {
		if c.Field == x.Label {
			return true
		}
	}
	return false
}

// answerPlan is a validated save: the stored and the new answers and the
// fields whose answers change.
type answerPlan struct {
	form      *opora.Form
	old, next map[int64]*opora.Answer
	changed   []*opora.FormField
	basis     map[int64]opora.Basis // the basis of each changed sensitive answer
}

// planAnswers validates the posted values against the form, given the
// stored answers, including the consent rule for sensitive answers.
func (s *Store) planAnswers(ctx context.Context, q queryer, c *opora.Client, f *opora.Form, old map[int64]*opora.Answer,
	raw map[int64][]string) (*answerPlan, error) {
	a := opora.ActorFrom(ctx)
	editable := func(x *opora.FormField) bool {
		return !x.Disabled && a.CanSee(x.Sensitivity)
	}
	next := map[int64]*opora.Answer{}
	for id, ans := range old {
		next[id] = ans
	}
	var v opora.Validation
	for _, x := range f.Fields() {
		if !editable(x) {
			continue
		}
		ans, msg := x.ParseAnswer(raw[x.ID], old[x.ID])
		if msg != "" {
			v.Add(fieldName(x.ID), msg)
			continue
		}
		if x.Type == opora.FieldFile && ans.FileID != 0 && (old[x.ID] == nil || ans.FileID != old[x.ID].FileID) {
			var n int
			if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM files WHERE id = $1 AND client_id = $2 AND organisation_id = $3
				AND kind = $4 AND deleted_at IS NULL`, ans.FileID, c.ID, c.OrganisationID, opora.FileKindAnswer).Scan(&n); err != nil {
				return nil, fmt.Errorf("store: answer file: %w", err)
			}
			if n == 0 {
				v.Add(fieldName(x.ID), "error.invalid_choice")
				continue
			}
		}
		next[x.ID] = ans
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	for _, x := range f.Fields() {
		if !editable(x) {
			continue
		}
		if !f.FieldShown(x, next) {
			next[x.ID] = nil
		} else if x.Required && next[x.ID].Empty() {
			v.Add(fieldName(x.ID), "error.required")
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	p := &answerPlan{form: f, old: old, next: next}
	for _, x := range f.Fields() {
		if editable(x) && !old[x.ID].Equal(next[x.ID]) {
			p.changed = append(p.changed, x)
		}
	}
	// Sensitive answers need a basis: a consent in force covering the
	// category or a legal basis (sensitiveBasis); without one, where the
	// organisation requires it, the save is refused field by field.
	p.basis = map[int64]opora.Basis{}
	var in *basisInputs
	today := s.Today()
	withdrawn := false
	for _, x := range p.changed {
		if x.Sensitivity == opora.Ordinary || next[x.ID].Empty() {
			continue
		}
		if in == nil {
			var err error
			if in, err = loadBasisInputs(ctx, q, c.OrganisationID, c.ID); err != nil {
				return nil, err
			}
		}
		b, reason := in.storeBasis(opora.CategoryOf(x.Sensitivity), today)
		if b.Kind == "" {
			key := "questionnaire.error.consent_field"
			if reason == opora.RefuseWithdrawn {
				key, withdrawn = "consent.error.withdrawn_field", true
			}
			v.Add(fieldName(x.ID), key)
			continue
		}
		p.basis[x.ID] = b
	}
	if len(v.Fields) > 0 {
		msg := "questionnaire.error.consent"
		if withdrawn {
			msg = "questionnaire.error.consent_withdrawn"
		}
		return nil, &opora.Error{Code: opora.EINVALID, Message: msg, Fields: v.Fields}
	}
	return p, nil
}

// applyAnswers replaces the answers of the changed fields, in the caller's
// transaction, and returns what changed for the audit row and timeline.
func (s *Store) applyAnswers(ctx context.Context, q queryer, c *opora.Client, p *answerPlan, fillingID int64) (*answerChanges, error) {
	a := opora.ActorFrom(ctx)
	now := s.Now()
	ch := &answerChanges{sensitive: map[opora.Sensitivity][]string{}}
	for _, x := range p.changed {
		del := `DELETE FROM answers WHERE client_id = $1 AND field_id = $2 AND filling_id IS NULL`
		args := []any{c.ID, x.ID}
		if fillingID != 0 {
			del = `DELETE FROM answers WHERE client_id = $1 AND field_id = $2 AND filling_id = $3`
			args = append(args, fillingID)
		}
		if _, err := q.ExecContext(ctx, del, args...); err != nil {
			return nil, fmt.Errorf("store: save answers: %w", err)
		}
		if err := insertAnswer(ctx, q, c, fillingID, x, p.next[x.ID], p.basis[x.ID], a.UserID, now); err != nil {
			return nil, err
		}
		if x.Sensitivity == opora.Ordinary {
			ch.audit = append(ch.audit, opora.Change{Field: x.Label, Old: answerText(x, p.old[x.ID]), New: answerText(x, p.next[x.ID])})
			ch.ordinary = append(ch.ordinary, x.Label)
		} else {
			ch.audit = append(ch.audit, opora.Change{Field: x.Label, Sensitive: true})
			ch.sensitive[x.Sensitivity] = append(ch.sensitive[x.Sensitivity], x.Label)
		}
	}
	return ch, nil
}

// saveAnswers plans and applies a save of existing answers.
func (s *Store) saveAnswers(ctx context.Context, tx *sql.Tx, c *opora.Client, f *opora.Form, fillingID int64,
	raw map[int64][]string) (*answerChanges, error) {
	old, err := s.loadAnswers(ctx, tx, f, c.ID, fillingID)
	if err != nil {
		return nil, err
	}
	p, err := s.planAnswers(ctx, tx, c, f, old, raw)
	if err != nil {
		return nil, err
	}
	return s.applyAnswers(ctx, tx, c, p, fillingID)
}

func fieldName(id int64) string { return "f" + strconv.FormatInt(id, 10) }

func insertAnswer(ctx context.Context, q queryer, c *opora.Client, fillingID int64, x *opora.FormField, ans *opora.Answer,
	b opora.Basis, userID int64, now time.Time) error {
	if ans.Empty() {
		return nil
	}
	ins := func(option any, text string, num any, date any, file any) error {
		_, err := q.ExecContext(ctx, `INSERT INTO answers (organisation_id, client_id, filling_id, field_id, option_id,
			value_text, value_num, value_date, file_id, updated_by, updated_at, basis, basis_consent_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			c.OrganisationID, c.ID, nullID(fillingID), x.ID, option, text, num, date, file, nullID(userID), now,
			b.Stored(), nullID(b.ConsentID))
		if err != nil {
			return fmt.Errorf("store: save answer: %w", err)
		}
		return nil
	}
	if x.Type.HasOptions() {
		for _, id := range ans.OptionIDs {
			if err := ins(id, "", nil, nil, nil); err != nil {
				return err
			}
		}
		return nil
	}
	var num any
	if ans.HasNum {
		num = ans.Num
	}
	return ins(nil, ans.Text, num, ans.Date, nullID(ans.FileID))
}

// answerText renders an answer for the audit log: option labels, ISO dates.
func answerText(x *opora.FormField, ans *opora.Answer) string {
	if ans.Empty() {
		return ""
	}
	switch x.Type {
	case opora.FieldChoice, opora.FieldMultiChoice:
		var labels []string
		for _, id := range ans.OptionIDs {
			if o := x.Option(id); o != nil {
				labels = append(labels, o.Label)
			}
		}
		return strings.Join(labels, ", ")
	case opora.FieldDate:
		return ans.Date.Format("2006-01-02")
	case opora.FieldMonth:
		return ans.Date.Format("2006-01")
	}
	return strings.Join(ans.Values(x.Type), "")
}

// recordAnswerChanges writes the audit row and the timeline events of one
// save: one event naming the changed ordinary fields, and one event per
// sensitive category naming its fields, marked with that category.
func (s *Store) recordAnswerChanges(ctx context.Context, tx *sql.Tx, c *opora.Client, ch *answerChanges, kind, section,
	entity string, entityID int64, prefix string) error {
	if len(ch.audit) == 0 && prefix == "" {
		return nil
	}
	if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "client", EntityID: c.ID,
		Section: section, Changes: ch.audit}); err != nil {
		return err
	}
	summary := func(labels []string) string {
		text := strings.Join(labels, ", ")
		if prefix != "" {
			if text == "" {
				return prefix
			}
			return prefix + ": " + text
		}
		return text
	}
	if len(ch.ordinary) > 0 || prefix != "" {
		if err := s.addEvent(ctx, tx, &opora.ClientEvent{ClientID: c.ID, Kind: kind, Entity: entity, EntityID: entityID,
			Summary: summary(ch.ordinary)}); err != nil {
			return err
		}
	}
	for _, sens := range opora.Sensitivities {
		if labels := ch.sensitive[sens]; len(labels) > 0 {
			if err := s.addEvent(ctx, tx, &opora.ClientEvent{ClientID: c.ID, Kind: kind, Entity: entity, EntityID: entityID,
				Sensitivity: sens, Summary: summary(labels)}); err != nil {
				return err
			}
		}
	}
	return nil
}

// ---- Repeatable forms and their fillings ----

// Forms lists the organisation's forms (without their fields), the main
// questionnaire first. Needs client.read or dictionary.manage.
func (s *Store) Forms(ctx context.Context) ([]*opora.Form, error) {
	a := opora.ActorFrom(ctx)
	if !a.Can(opora.PermDictionaryManage) {
		if err := a.Require(opora.PermClientRead); err != nil {
			return nil, err
		}
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, organisation_id, key, name, repeatable, kind, position, disabled
		FROM forms WHERE organisation_id = $1 ORDER BY kind DESC, repeatable, position, id`, a.OrganisationID)
	if err != nil {
		return nil, fmt.Errorf("store: forms: %w", err)
	}
	defer rows.Close()
	var out []*opora.Form
	for rows.Next() {
		f := &opora.Form{}
		if err := rows.Scan(&f.ID, &f.OrganisationID, &f.Key, &f.Name, &f.Repeatable, &f.Kind, &f.Position, &f.Disabled); err != nil {
			return nil, fmt.Errorf("store: forms: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

const fillingColumns = `ff.id, ff.client_id, ff.form_id, fm.name, ff.filled_on, ff.created_by, COALESCE(u.full_name, ''),
	ff.created_at, ff.updated_by, ff.updated_at`

func scanFilling(row interface{ Scan(...any) error }) (*opora.Filling, error) {
	f := &opora.Filling{}
	var created, updated sql.NullTime
	var createdBy, updatedBy sql.NullInt64
	if err := row.Scan(&f.ID, &f.ClientID, &f.FormID, &f.FormName, &f.FilledOn, &createdBy, &f.CreatedByName, &created,
		&updatedBy, &updated); err != nil {
		return nil, err
	}
	f.CreatedAt, f.UpdatedAt = timeOf(created), timeOf(updated)
	f.CreatedBy, f.UpdatedBy = createdBy.Int64, updatedBy.Int64
	return f, nil
}

// ClientFillings lists a client's fillings of repeatable forms, newest date
// first. Needs client.read within scope.
func (s *Store) ClientFillings(ctx context.Context, clientID int64) ([]*opora.Filling, error) {
	c, err := s.client(ctx, s.r, opora.PermClientRead, clientID)
	if err != nil || lacks(ctx, c.ID, holdsFillings) {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+fillingColumns+` FROM form_fillings ff
		JOIN forms fm ON fm.id = ff.form_id LEFT JOIN users u ON u.id = ff.created_by
		WHERE ff.client_id = $1 AND ff.organisation_id = $2 AND ff.deleted_at IS NULL
		ORDER BY ff.filled_on DESC, ff.id DESC`, c.ID, c.OrganisationID)
	if err != nil {
		return nil, fmt.Errorf("store: fillings: %w", err)
	}
	defer rows.Close()
	var out []*opora.Filling
	for rows.Next() {
		f, err := scanFilling(rows)
		if err != nil {
			return nil, fmt.Errorf("store: fillings: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// BlankFilling returns a repeatable form as the actor may fill it for a
// client, without answers. Needs client.read within scope.
func (s *Store) BlankFilling(ctx context.Context, clientID, formID int64) (*ClientAnswers, error) {
	a := opora.ActorFrom(ctx)
	c, err := s.client(ctx, s.r, opora.PermClientRead, clientID)
	if err != nil {
		return nil, err
	}
	f, err := s.clientForm(ctx, s.r, c.OrganisationID, formID)
	if err != nil {
		return nil, err
	}
	if !f.Repeatable || f.Disabled {
		return nil, opora.ErrNotFound
	}
	return visibleAnswers(a, f, nil), nil
}

// Filling returns one filling of a client with the answers the actor may
// see. Needs client.read within scope.
func (s *Store) Filling(ctx context.Context, clientID, fillingID int64) (*ClientAnswers, error) {
	a := opora.ActorFrom(ctx)
	c, err := s.client(ctx, s.r, opora.PermClientRead, clientID)
	if err != nil {
		return nil, err
	}
	fl, err := s.filling(ctx, s.r, c, fillingID)
	if err != nil {
		return nil, err
	}
	f, err := s.clientForm(ctx, s.r, c.OrganisationID, fl.FormID)
	if err != nil {
		return nil, err
	}
	answers, err := s.loadAnswers(ctx, s.r, f, c.ID, fl.ID)
	if err != nil {
		return nil, err
	}
	out := visibleAnswers(a, f, answers)
	out.Filling = fl
	return out, s.loadAnswerFiles(ctx, c, out)
}

func (s *Store) filling(ctx context.Context, q queryer, c *opora.Client, id int64) (*opora.Filling, error) {
	fl, err := scanFilling(q.QueryRowContext(ctx, `SELECT `+fillingColumns+` FROM form_fillings ff
		JOIN forms fm ON fm.id = ff.form_id LEFT JOIN users u ON u.id = ff.created_by
		WHERE ff.id = $1 AND ff.client_id = $2 AND ff.organisation_id = $3 AND ff.deleted_at IS NULL`, id, c.ID, c.OrganisationID))
	if err != nil {
		return nil, notFound(err)
	}
	return fl, nil
}

// checkFilledOn checks a filling's date against the day it is at now in the
// server's zone.
func checkFilledOn(d opora.Date, now time.Time) error {
	today := opora.Today(now, time.Local)
	var v opora.Validation
	if d.IsZero() {
		v.Add("filled_on", "error.date")
	} else if d.After(today) {
		v.Add("filled_on", "error.date_future")
	}
	return v.Err()
}

// CreateFilling saves a new dated filling of a repeatable form with its
// answers (see SaveQuestionnaire for how values are read) and returns its
// id. Needs client.write within scope.
func (s *Store) CreateFilling(ctx context.Context, clientID, formID int64, filledOn opora.Date, raw map[int64][]string) (int64, error) {
	return s.CreateFillingFiles(ctx, clientID, formID, filledOn, raw, nil)
}

// CreateFillingFiles is CreateFilling with uploaded files as answers (see
// SaveQuestionnaireFiles).
func (s *Store) CreateFillingFiles(ctx context.Context, clientID, formID int64, filledOn opora.Date, raw map[int64][]string,
	uploads map[int64]*opora.File) (int64, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return 0, err
	}
	var id int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		c, err := s.writableClient(ctx, tx, clientID)
		if err != nil {
			return err
		}
		f, err := s.clientForm(ctx, tx, c.OrganisationID, formID)
		if err != nil {
			return err
		}
		if !f.Repeatable || f.Disabled {
			return opora.ErrNotFound
		}
		now := s.Now()
		dateErr := checkFilledOn(filledOn, now)
		if raw, err = s.insertAnswerFiles(ctx, tx, c, f, raw, uploads); err != nil {
			return err
		}
		p, err := s.planAnswers(ctx, tx, c, f, map[int64]*opora.Answer{}, raw)
		if err != nil || dateErr != nil {
			return mergeInvalid(dateErr, err)
		}
		id, err = insertID(ctx, tx, `INSERT INTO form_fillings (organisation_id, client_id, form_id, filled_on, created_by,
			created_at, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $5, $6)`,
			c.OrganisationID, c.ID, f.ID, filledOn, nullID(a.UserID), now)
		if err != nil {
			return fmt.Errorf("store: create filling: %w", err)
		}
		ch, err := s.applyAnswers(ctx, tx, c, p, id)
		if err != nil {
			return err
		}
		ch.audit = append([]opora.Change{{Field: "form", New: f.Name}, {Field: "filled_on", New: dateString(filledOn)}}, ch.audit...)
		return s.recordAnswerChanges(ctx, tx, c, ch, opora.EventForm, "form_filling", "form_filling", id,
			f.Name+" "+filledOn.Format("02.01.2006"))
	})
	return id, err
}

// mergeInvalid joins the field errors of two EINVALID errors; any other
// error wins as it is.
func mergeInvalid(a, b error) error {
	if a == nil {
		return b
	}
	if b == nil {
		return a
	}
	if opora.ErrorCode(b) != opora.EINVALID {
		return b
	}
	eb := b.(*opora.Error)
	fields := map[string]string{}
	for k, v := range opora.FieldErrors(a) {
		fields[k] = v
	}
	for k, v := range eb.Fields {
		fields[k] = v
	}
	return &opora.Error{Code: opora.EINVALID, Message: eb.Message, Fields: fields}
}

// UpdateFilling changes a filling's date and answers. Needs client.write
// within scope.
func (s *Store) UpdateFilling(ctx context.Context, clientID, fillingID int64, filledOn opora.Date, raw map[int64][]string) error {
	return s.UpdateFillingFiles(ctx, clientID, fillingID, filledOn, raw, nil)
}

// UpdateFillingFiles is UpdateFilling with uploaded files as answers (see
// SaveQuestionnaireFiles).
func (s *Store) UpdateFillingFiles(ctx context.Context, clientID, fillingID int64, filledOn opora.Date, raw map[int64][]string,
	uploads map[int64]*opora.File) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		c, err := s.writableClient(ctx, tx, clientID)
		if err != nil {
			return err
		}
		fl, err := s.filling(ctx, tx, c, fillingID)
		if err != nil {
			return err
		}
		f, err := s.clientForm(ctx, tx, c.OrganisationID, fl.FormID)
		if err != nil {
			return err
		}
		now := s.Now()
		dateErr := checkFilledOn(filledOn, now)
		if raw, err = s.insertAnswerFiles(ctx, tx, c, f, raw, uploads); err != nil {
			return err
		}
		ch, err := s.saveAnswers(ctx, tx, c, f, fl.ID, raw)
		if err != nil || dateErr != nil {
			return mergeInvalid(dateErr, err)
		}
		if !filledOn.Equal(fl.FilledOn) {
			ch.audit = append(ch.audit, opora.Change{Field: "filled_on", Old: dateString(fl.FilledOn), New: dateString(filledOn)})
			ch.ordinary = append([]string{filledOn.Format("02.01.2006")}, ch.ordinary...)
		}
		if len(ch.audit) == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE form_fillings SET filled_on = $1, updated_by = $2, updated_at = $3 WHERE id = $4`,
			filledOn, nullID(a.UserID), now, fl.ID); err != nil {
			return fmt.Errorf("store: update filling: %w", err)
		}
		ch.audit = append([]opora.Change{{Field: "form", New: f.Name}}, ch.audit...)
		if len(ch.ordinary) == 0 && len(ch.sensitive) > 0 {
			// Only sensitive fields changed: the ordinary timeline gets no line.
			return s.recordAnswerChanges(ctx, tx, c, ch, opora.EventForm, "form_filling", "form_filling", fl.ID, "")
		}
		return s.recordAnswerChanges(ctx, tx, c, ch, opora.EventForm, "form_filling", "form_filling", fl.ID, f.Name)
	})
}

// ---- The administrator's editor (dictionary.manage) ----

// EditorForm returns a form with everything in it, disabled parts included,
// and marks the fields that already have answers. Needs dictionary.manage.
func (s *Store) EditorForm(ctx context.Context, formID int64) (*opora.Form, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermDictionaryManage); err != nil {
		return nil, err
	}
	f, err := s.loadForm(ctx, s.r, a.OrganisationID, formID)
	if err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT DISTINCT an.field_id FROM answers an
		JOIN form_fields f ON f.id = an.field_id JOIN form_sections sec ON sec.id = f.section_id
		WHERE sec.form_id = $1 AND an.organisation_id = $2`, formID, a.OrganisationID)
	if err != nil {
		return nil, fmt.Errorf("store: editor form: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: editor form: %w", err)
		}
		if x := f.Field(id); x != nil {
			x.HasAnswers = true
		}
	}
	return f, rows.Err()
}

// FieldForm returns the id of the form a field of the organisation belongs
// to. Needs dictionary.manage.
func (s *Store) FieldForm(ctx context.Context, fieldID int64) (int64, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermDictionaryManage); err != nil {
		return 0, err
	}
	return s.fieldForm(ctx, s.r, a.OrganisationID, fieldID)
}

func (s *Store) fieldForm(ctx context.Context, q queryer, orgID, fieldID int64) (int64, error) {
	var formID int64
	err := q.QueryRowContext(ctx, `SELECT sec.form_id FROM form_fields f JOIN form_sections sec ON sec.id = f.section_id
		WHERE f.id = $1 AND f.organisation_id = $2`, fieldID, orgID).Scan(&formID)
	return formID, notFound(err)
}

// CreateForm adds a repeatable named form. Needs dictionary.manage.
func (s *Store) CreateForm(ctx context.Context, f *opora.Form) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermDictionaryManage); err != nil {
		return err
	}
	if err := f.Validate(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		// An assessment form is never one of a client's repeatable forms.
		f.OrganisationID, f.Repeatable = a.OrganisationID, f.Kind != opora.FormKindAssessment
		if !f.Repeatable {
			f.Kind = opora.FormKindAssessment
		} else {
			f.Kind = opora.FormKindClient
		}
		var err error
		if f.Position, err = nextPosition(ctx, tx, "forms", "organisation_id", a.OrganisationID, 1); err != nil {
			return fmt.Errorf("store: create form: %w", err)
		}
		id, err := insertID(ctx, tx, `INSERT INTO forms (organisation_id, key, name, repeatable, kind, position) VALUES ($1, '', $2, $3, $4, $5)`,
			f.OrganisationID, f.Name, f.Repeatable, f.Kind, f.Position)
		if err != nil {
			return fmt.Errorf("store: create form: %w", err)
		}
		f.ID = id
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "form", EntityID: id,
			Changes: []opora.Change{{Field: "name", New: f.Name}}})
	})
}

// UpdateForm renames a form or disables it (the main questionnaire cannot be
// disabled). Needs dictionary.manage.
func (s *Store) UpdateForm(ctx context.Context, f *opora.Form) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermDictionaryManage); err != nil {
		return err
	}
	if err := f.Validate(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		old, err := s.loadForm(ctx, tx, a.OrganisationID, f.ID)
		if err != nil {
			return err
		}
		if old.Key == opora.ProfileFormKey {
			f.Disabled = false
		}
		if _, err := tx.ExecContext(ctx, `UPDATE forms SET name = $1, disabled = $2 WHERE id = $3`, f.Name, f.Disabled, f.ID); err != nil {
			return fmt.Errorf("store: update form: %w", err)
		}
		var ch []opora.Change
		ch = opora.Diff(ch, "name", old.Name, f.Name)
		ch = opora.Diff(ch, "disabled", strconv.FormatBool(old.Disabled), strconv.FormatBool(f.Disabled))
		if len(ch) == 0 {
			return nil
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "form", EntityID: f.ID, Changes: ch})
	})
}

// CreateSection adds a section at the end of a form. Needs dictionary.manage.
func (s *Store) CreateSection(ctx context.Context, sec *opora.FormSection) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermDictionaryManage); err != nil {
		return err
	}
	if err := sec.Validate(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := s.loadForm(ctx, tx, a.OrganisationID, sec.FormID); err != nil {
			return err
		}
		var err error
		if sec.Position, err = nextPosition(ctx, tx, "form_sections", "form_id", sec.FormID, 1); err != nil {
			return fmt.Errorf("store: create section: %w", err)
		}
		id, err := insertID(ctx, tx, `INSERT INTO form_sections (organisation_id, form_id, title, position) VALUES ($1, $2, $3, $4)`,
			a.OrganisationID, sec.FormID, sec.Title, sec.Position)
		if err != nil {
			return fmt.Errorf("store: create section: %w", err)
		}
		sec.ID = id
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "form_section", EntityID: id,
			Changes: []opora.Change{{Field: "title", New: sec.Title}}})
	})
}

func (s *Store) section(ctx context.Context, q queryer, orgID, id int64) (*opora.FormSection, error) {
	sec := &opora.FormSection{}
	err := q.QueryRowContext(ctx, `SELECT id, form_id, title, position, disabled FROM form_sections
		WHERE id = $1 AND organisation_id = $2`, id, orgID).Scan(&sec.ID, &sec.FormID, &sec.Title, &sec.Position, &sec.Disabled)
	if err != nil {
		return nil, notFound(err)
	}
	return sec, nil
}

// UpdateSection renames, disables or enables a section; answers stay.
// Needs dictionary.manage.
func (s *Store) UpdateSection(ctx context.Context, sec *opora.FormSection) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermDictionaryManage); err != nil {
		return err
	}
	if err := sec.Validate(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		old, err := s.section(ctx, tx, a.OrganisationID, sec.ID)
		if err != nil {
			return err
		}
		sec.FormID = old.FormID
		if _, err := tx.ExecContext(ctx, `UPDATE form_sections SET title = $1, disabled = $2 WHERE id = $3`,
			sec.Title, sec.Disabled, sec.ID); err != nil {
			return fmt.Errorf("store: update section: %w", err)
		}
		var ch []opora.Change
		ch = opora.Diff(ch, "title", old.Title, sec.Title)
		ch = opora.Diff(ch, "disabled", strconv.FormatBool(old.Disabled), strconv.FormatBool(sec.Disabled))
		if len(ch) == 0 {
			return nil
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "form_section", EntityID: sec.ID, Changes: ch})
	})
}

// reorder moves one row of table up or down among the rows sharing its
// parent, renumbering positions 1…n. table and parent are constants.
func (s *Store) reorder(ctx context.Context, q queryer, table, parent string, parentID, id int64, up bool) (bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT id FROM `+table+` WHERE `+parent+` = $1 ORDER BY position, id`, parentID)
	if err != nil {
		return false, fmt.Errorf("store: reorder: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var x int64
		if err := rows.Scan(&x); err != nil {
			rows.Close()
			return false, fmt.Errorf("store: reorder: %w", err)
		}
		ids = append(ids, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("store: reorder: %w", err)
	}
	i := slices.Index(ids, id)
	j := i + 1
	if up {
		j = i - 1
	}
	if i < 0 || j < 0 || j >= len(ids) {
		return false, nil
	}
	ids[i], ids[j] = ids[j], ids[i]
	for n, x := range ids {
		if _, err := q.ExecContext(ctx, `UPDATE `+table+` SET position = $1 WHERE id = $2`, n+1, x); err != nil {
			return false, fmt.Errorf("store: reorder: %w", err)
		}
	}
	return true, nil
}

func direction(up bool) string {
	if up {
		return "up"
	}
	return "down"
}

// MoveSection moves a section up or down in its form. Needs dictionary.manage.
func (s *Store) MoveSection(ctx context.Context, id int64, up bool) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermDictionaryManage); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		sec, err := s.section(ctx, tx, a.OrganisationID, id)
		if err != nil {
			return err
		}
		moved, err := s.reorder(ctx, tx, "form_sections", "form_id", sec.FormID, id, up)
		if err != nil || !moved {
			return err
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "form_section", EntityID: id,
			Changes: []opora.Change{{Field: "position", New: direction(up)}}})
	})
}

// CreateField adds a field at the end of a section. Needs dictionary.manage.
func (s *Store) CreateField(ctx context.Context, x *opora.FormField) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermDictionaryManage); err != nil {
		return err
	}
	x.ShowIfOptionID = 0
	if err := x.Validate(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := s.section(ctx, tx, a.OrganisationID, x.SectionID); err != nil {
			return err
		}
		var err error
		if x.Position, err = nextPosition(ctx, tx, "form_fields", "section_id", x.SectionID, 1); err != nil {
			return fmt.Errorf("store: create field: %w", err)
		}
		id, err := insertID(ctx, tx, `INSERT INTO form_fields (organisation_id, section_id, key, label, hint, type, required,
			position, sensitivity, key_answer) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			a.OrganisationID, x.SectionID, x.Key, x.Label, x.Hint, string(x.Type), x.Required, x.Position, string(x.Sensitivity), x.KeyAnswer)
		if err != nil {
			return fmt.Errorf("store: create field: %w", err)
		}
		x.ID = id
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "form_field", EntityID: id,
			Changes: []opora.Change{{Field: "label", New: x.Label}, {Field: "type", New: string(x.Type)}}})
	})
}

// UpdateField saves a field's settings. The type may change only while the
// field has no answers; the condition's option must belong to another
// choice field of the same form. Answers are never touched. Needs
// dictionary.manage.
func (s *Store) UpdateField(ctx context.Context, x *opora.FormField) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermDictionaryManage); err != nil {
		return err
	}
	if err := x.Validate(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		formID, err := s.fieldForm(ctx, tx, a.OrganisationID, x.ID)
		if err != nil {
			return err
		}
		f, err := s.loadForm(ctx, tx, a.OrganisationID, formID)
		if err != nil {
			return err
		}
		old := f.Field(x.ID)
		var v opora.Validation
		if x.Type != old.Type {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM answers WHERE field_id = $1`, x.ID).Scan(&n); err != nil {
				return fmt.Errorf("store: update field: %w", err)
			}
			if n > 0 {
				v.Add("type", "forms.error.type_has_answers")
			}
		}
		x.ShowIfFieldID = 0
		if x.ShowIfOptionID != 0 {
			for _, other := range f.Fields() {
				if other.ID != x.ID && other.Type.HasOptions() && other.Option(x.ShowIfOptionID) != nil {
					x.ShowIfFieldID = other.ID
				}
			}
			// No loops: the controlling field must not depend on this one.
			for c, depth := f.Field(x.ShowIfFieldID), 0; c != nil && depth < 50; depth++ {
				if c.ShowIfFieldID == x.ID {
					x.ShowIfFieldID = 0
					break
				}
				c = f.Field(c.ShowIfFieldID)
			}
			if x.ShowIfFieldID == 0 {
				v.Add("show_if", "error.invalid_choice")
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		x.SectionID, x.Key, x.Position = old.SectionID, old.Key, old.Position
		if _, err := tx.ExecContext(ctx, `UPDATE form_fields SET label = $1, hint = $2, type = $3, required = $4, disabled = $5,
			sensitivity = $6, key_answer = $7, show_if_field_id = $8, show_if_option_id = $9, show_if_not = $10 WHERE id = $11`,
			x.Label, x.Hint, string(x.Type), x.Required, x.Disabled, string(x.Sensitivity), x.KeyAnswer,
			nullID(x.ShowIfFieldID), nullID(x.ShowIfOptionID), x.ShowIfNot, x.ID); err != nil {
			return fmt.Errorf("store: update field: %w", err)
		}
		var ch []opora.Change
		ch = opora.Diff(ch, "label", old.Label, x.Label)
		ch = opora.Diff(ch, "hint", old.Hint, x.Hint)
		ch = opora.Diff(ch, "type", string(old.Type), string(x.Type))
		ch = opora.Diff(ch, "required", strconv.FormatBool(old.Required), strconv.FormatBool(x.Required))
		ch = opora.Diff(ch, "disabled", strconv.FormatBool(old.Disabled), strconv.FormatBool(x.Disabled))
		ch = opora.Diff(ch, "sensitivity", string(old.Sensitivity), string(x.Sensitivity))
		ch = opora.Diff(ch, "key_answer", strconv.FormatBool(old.KeyAnswer), strconv.FormatBool(x.KeyAnswer))
		ch = opora.Diff(ch, "show_if_option_id", intString(int(old.ShowIfOptionID)), intString(int(x.ShowIfOptionID)))
		ch = opora.Diff(ch, "show_if_not", strconv.FormatBool(old.ShowIfNot), strconv.FormatBool(x.ShowIfNot))
		if len(ch) == 0 {
			return nil
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "form_field", EntityID: x.ID, Changes: ch})
	})
}

// MoveField moves a field up or down in its section. Needs dictionary.manage.
func (s *Store) MoveField(ctx context.Context, id int64, up bool) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermDictionaryManage); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		var sectionID int64
		if err := tx.QueryRowContext(ctx, `SELECT section_id FROM form_fields WHERE id = $1 AND organisation_id = $2`,
			id, a.OrganisationID).Scan(&sectionID); err != nil {
			return notFound(err)
		}
		moved, err := s.reorder(ctx, tx, "form_fields", "section_id", sectionID, id, up)
		if err != nil || !moved {
			return err
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "form_field", EntityID: id,
			Changes: []opora.Change{{Field: "position", New: direction(up)}}})
	})
}

// CreateOption adds an option at the end of a choice field. Needs dictionary.manage.
func (s *Store) CreateOption(ctx context.Context, o *opora.FieldOption) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermDictionaryManage); err != nil {
		return err
	}
	if err := o.Validate(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := s.fieldForm(ctx, tx, a.OrganisationID, o.FieldID); err != nil {
			return err
		}
		var err error
		if o.Position, err = nextPosition(ctx, tx, "field_options", "field_id", o.FieldID, 1); err != nil {
			return fmt.Errorf("store: create option: %w", err)
		}
		id, err := insertID(ctx, tx, `INSERT INTO field_options (field_id, label, position, not_alone, score) VALUES ($1, $2, $3, $4, $5)`,
			o.FieldID, o.Label, o.Position, o.NotAlone, o.Score)
		if err != nil {
			return fmt.Errorf("store: create option: %w", err)
		}
		o.ID = id
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "field_option", EntityID: id,
			Changes: []opora.Change{{Field: "label", New: o.Label}}})
	})
}

func (s *Store) option(ctx context.Context, q queryer, orgID, id int64) (*opora.FieldOption, error) {
	o := &opora.FieldOption{}
	err := q.QueryRowContext(ctx, `SELECT o.id, o.field_id, o.label, o.position, o.disabled, o.not_alone, o.score
		FROM field_options o JOIN form_fields f ON f.id = o.field_id WHERE o.id = $1 AND f.organisation_id = $2`, id, orgID).
		Scan(&o.ID, &o.FieldID, &o.Label, &o.Position, &o.Disabled, &o.NotAlone, &o.Score)
	if err != nil {
		return nil, notFound(err)
	}
	return o, nil
}

// UpdateOption renames an option, disables or enables it, or sets "cannot be
// the only answer". Answers keep pointing at it. Needs dictionary.manage.
func (s *Store) UpdateOption(ctx context.Context, o *opora.FieldOption) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermDictionaryManage); err != nil {
		return err
	}
	if err := o.Validate(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		old, err := s.option(ctx, tx, a.OrganisationID, o.ID)
		if err != nil {
			return err
		}
		o.FieldID = old.FieldID
		if _, err := tx.ExecContext(ctx, `UPDATE field_options SET label = $1, disabled = $2, not_alone = $3, score = $4 WHERE id = $5`,
			o.Label, o.Disabled, o.NotAlone, o.Score, o.ID); err != nil {
			return fmt.Errorf("store: update option: %w", err)
		}
		var ch []opora.Change
		ch = opora.Diff(ch, "label", old.Label, o.Label)
		ch = opora.Diff(ch, "disabled", strconv.FormatBool(old.Disabled), strconv.FormatBool(o.Disabled))
		ch = opora.Diff(ch, "not_alone", strconv.FormatBool(old.NotAlone), strconv.FormatBool(o.NotAlone))
		ch = opora.Diff(ch, "score", strconv.Itoa(old.Score), strconv.Itoa(o.Score))
		if len(ch) == 0 {
			return nil
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "field_option", EntityID: o.ID, Changes: ch})
	})
}

// MoveOption moves an option up or down in its field. Needs dictionary.manage.
func (s *Store) MoveOption(ctx context.Context, id int64, up bool) (int64, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermDictionaryManage); err != nil {
		return 0, err
	}
	var fieldID int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		o, err := s.option(ctx, tx, a.OrganisationID, id)
		if err != nil {
			return err
		}
		fieldID = o.FieldID
		moved, err := s.reorder(ctx, tx, "field_options", "field_id", o.FieldID, id, up)
		if err != nil || !moved {
			return err
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "field_option", EntityID: id,
			Changes: []opora.Change{{Field: "position", New: direction(up)}}})
	})
	return fieldID, err
}

// Option returns an option of the organisation's forms. Needs dictionary.manage.
func (s *Store) Option(ctx context.Context, id int64) (*opora.FieldOption, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermDictionaryManage); err != nil {
		return nil, err
	}
	return s.option(ctx, s.r, a.OrganisationID, id)
}

// Section returns a section of the organisation's forms. Needs dictionary.manage.
func (s *Store) Section(ctx context.Context, id int64) (*opora.FormSection, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermDictionaryManage); err != nil {
		return nil, err
	}
	return s.section(ctx, s.r, a.OrganisationID, id)
}
