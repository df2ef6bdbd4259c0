package mksimport

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"

	"github.com/opora-project/opora/internal/opora"
)

// МКС's questionnaire (client_field, client_field_option, client_field_value
// and, for multiple choices, client_field_value_client_field_option) goes
// into Opora's main questionnaire. A field is matched by its name to an
// Opora field's label, an option by name to the Opora field's option; the
// rest is reported. One client's answers are saved together, on top of the
// answers the client already has in Opora. File answers need МКС's upload
// folder and are reported, not imported.

const (
	mksFieldText     = 1
	mksFieldOption   = 2
	mksFieldFile     = 3
	mksFieldDatetime = 4
)

type mksField struct {
	Name     string
	Type     int64
	Multiple bool
}

type mksValue struct {
	ID, Field int64
	Option    sql.NullInt64
	Text      sql.NullString
	At        sql.NullTime
	Options   []int64 // multiple choice
}

type mksAnswers struct {
	Client int64
	Values []*mksValue
}

func (im *importer) answers(ctx context.Context) error {
	fields := map[int64]mksField{}
	rows, err := im.db.QueryContext(ctx, `SELECT id, COALESCE(name, ''), COALESCE(type, 0), multiple FROM client_field`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		var f mksField
		if err := rows.Scan(&id, &f.Name, &f.Type, &f.Multiple); err != nil {
			rows.Close()
			return err
		}
		f.Name = strings.TrimSpace(f.Name)
		fields[id] = f
	}
	rows.Close()
	options, err := im.names(ctx, "client_field_option")
	if err != nil {
		return err
	}
	rows, err = im.db.QueryContext(ctx, `SELECT id, COALESCE(client_id, 0), COALESCE(field_id, 0), option_id, text, datetime
		FROM client_field_value ORDER BY client_id, id`)
	if err != nil {
		return err
	}
	var recs []*mksAnswers
	byValue := map[int64]*mksValue{}
	for rows.Next() {
		var client int64
		v := &mksValue{}
		if err := rows.Scan(&v.ID, &client, &v.Field, &v.Option, &v.Text, &v.At); err != nil {
			rows.Close()
			return err
		}
		if len(recs) == 0 || recs[len(recs)-1].Client != client {
			recs = append(recs, &mksAnswers{Client: client})
		}
		recs[len(recs)-1].Values = append(recs[len(recs)-1].Values, v)
		byValue[v.ID] = v
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = im.db.QueryContext(ctx, `SELECT client_field_value_id, client_field_option_id
		FROM client_field_value_client_field_option`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var v, o int64
		if err := rows.Scan(&v, &o); err != nil {
			rows.Close()
			return err
		}
		if x := byValue[v]; x != nil {
			x.Options = append(x.Options, o)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	return batch(ctx, im, "questionnaire", recs, func(a *mksAnswers) int64 { return a.Client },
		func(ctx context.Context, m *mksAnswers) (int64, error) {
			cid := im.ids["client"][m.Client]
			if cid == 0 {
				im.rep.skip("questionnaire", "missing", "client not imported", m.Client)
				return 0, nil
			}
			q, err := im.st.Questionnaire(ctx, cid)
			if err != nil {
				return 0, err
			}
			byLabel := map[string]*opora.FormField{}
			raw := map[int64][]string{}
			for _, sec := range q.Form.Sections {
				for _, f := range sec.Fields {
					if f.Disabled || f.Type == opora.FieldFile {
						continue
					}
					byLabel[key(f.Label)] = f
					if a := q.Answers[f.ID]; a != nil {
						raw[f.ID] = answerRaw(f, a)
					}
				}
			}
			mapped := 0
			for _, v := range m.Values {
				mf := fields[v.Field]
				if mf.Type == mksFieldFile {
					im.rep.unmapped("questionnaire", "file answer (needs МКС's upload folder)", mf.Name, v.ID)
					continue
				}
				f := byLabel[key(mf.Name)]
				if f == nil {
					im.rep.unmapped("questionnaire", "client_field", mf.Name, v.ID)
					continue
				}
				if slices.Contains(q.Hidden, f.Sensitivity) {
					im.rep.unmapped("questionnaire", "client_field not visible to the importing account", mf.Name, v.ID)
					continue
				}
				vals, ok := im.answerValues(f, mf, v, options)
				if !ok {
					continue
				}
				raw[f.ID] = vals
				mapped++
			}
			if mapped == 0 {
				im.rep.Skipped["questionnaire"]++
				return 0, nil
			}
			if err := im.st.SaveQuestionnaire(ctx, cid, raw); err != nil {
				if invalid(err) {
					im.rep.skip("questionnaire", "invalid", "answers refused by Opora's checks", m.Client)
					return 0, nil
				}
				return 0, err
			}
			return cid, nil
		})
}

// answerValues turns one МКС value into the posted values of Opora field
// f; false (reported) when it does not fit.
func (im *importer) answerValues(f *opora.FormField, mf mksField, v *mksValue, options map[int64]string) ([]string, bool) {
	switch f.Type {
	case opora.FieldChoice, opora.FieldMultiChoice:
		ids := v.Options
		if v.Option.Valid {
			ids = append([]int64{v.Option.Int64}, ids...)
		}
		var out []string
		for _, id := range ids {
			found := false
			for _, o := range f.Options {
				if !o.Disabled && key(o.Label) == key(options[id]) {
					out = append(out, strconv.FormatInt(o.ID, 10))
					found = true
					break
				}
			}
			if !found {
				im.rep.unmapped("questionnaire", "client_field_option", mf.Name+": "+options[id], v.ID)
			}
		}
		if f.Type == opora.FieldChoice && len(out) > 1 {
			out = out[:1]
		}
		return out, len(out) > 0
	case opora.FieldText, opora.FieldLongText, opora.FieldNumber:
		t := strings.TrimSpace(stripTags(v.Text.String))
		if t == "" && v.Option.Valid {
			t = options[v.Option.Int64]
		}
		return []string{t}, t != ""
	case opora.FieldDate:
		if v.At.Valid {
			return []string{opora.DateOf(v.At.Time).String()}, true
		}
	case opora.FieldMonth:
		if v.At.Valid {
			return []string{v.At.Time.Format("2006-01")}, true
		}
	case opora.FieldYesNo:
		name := key(options[v.Option.Int64])
		switch {
		case name == "да":
			return []string{opora.YesNoYes}, true
		case name == "нет":
			return []string{opora.YesNoNo}, true
		}
	}
	im.rep.unmapped("questionnaire", "client_field of another type", mf.Name, v.ID)
	return nil, false
}

// answerRaw is a stored answer as posted values, to save it unchanged.
func answerRaw(f *opora.FormField, a *opora.Answer) []string {
	switch f.Type {
	case opora.FieldChoice, opora.FieldMultiChoice:
		out := make([]string, len(a.OptionIDs))
		for i, id := range a.OptionIDs {
			out[i] = strconv.FormatInt(id, 10)
		}
		return out
	case opora.FieldNumber:
		if a.HasNum {
			return []string{strconv.FormatFloat(a.Num, 'f', -1, 64)}
		}
		return nil
	case opora.FieldDate:
		if !a.Date.IsZero() {
			return []string{a.Date.String()}
		}
		return nil
	case opora.FieldMonth:
		if !a.Date.IsZero() {
			return []string{a.Date.Format("2006-01")}
		}
		return nil
	}
	return []string{a.Text}
}
