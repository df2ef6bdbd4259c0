package mksimport

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/opora-project/opora/internal/opora"
)

// The kinds of records, each read from its МКС table and written through
// the store method an Opora worker's entry goes through.

type mksClient struct {
	ID                              int64
	Last, First, Middle, BirthPlace sql.NullString
	BirthDate, CreatedAt            sql.NullTime
	Gender                          sql.NullInt64
	Homeless                        bool
}

func (im *importer) clients(ctx context.Context) error {
	rows, err := im.db.QueryContext(ctx, `SELECT id, lastname, firstname, middlename, birth_place, birth_date,
		created_at, gender, is_homeless FROM client ORDER BY id`)
	if err != nil {
		return err
	}
	var recs []mksClient
	for rows.Next() {
		var c mksClient
		if err := rows.Scan(&c.ID, &c.Last, &c.First, &c.Middle, &c.BirthPlace, &c.BirthDate, &c.CreatedAt,
			&c.Gender, &c.Homeless); err != nil {
			rows.Close()
			return err
		}
		recs = append(recs, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	return batch(ctx, im, "client", recs, func(c mksClient) int64 { return c.ID },
		func(ctx context.Context, m mksClient) (int64, error) {
			c := &opora.Client{BranchID: im.opt.BranchID, Surname: clean(m.Last), FirstName: clean(m.First),
				Patronymic: clean(m.Middle), BirthPlace: clean(m.BirthPlace), HomelessStatus: opora.Housed}
			if c.Surname == "" && c.FirstName == "" {
				im.rep.skip("client", "missing", "no name", m.ID)
				return 0, nil
			}
			if m.BirthDate.Valid {
				c.BirthDate, c.BirthPrecision = opora.DateOf(m.BirthDate.Time), opora.BirthExact
			}
			switch m.Gender.Int64 {
			case 1:
				c.Gender = opora.GenderMale
			case 2:
				c.Gender = opora.GenderFemale
			}
			if m.Homeless {
				c.HomelessStatus = opora.Homeless
			}
			if err := im.st.CreateClient(ctx, c); err != nil {
				if invalid(err) {
					im.rep.skip("client", "invalid", "refused by Opora's checks", m.ID)
					return 0, nil
				}
				return 0, err
			}
			if m.CreatedAt.Valid {
				if err := im.st.SetImportedTimes(ctx, "client", c.ID, m.CreatedAt.Time); err != nil {
					return 0, err
				}
			}
			return c.ID, nil
		})
}

type mksNote struct {
	ID, Client int64
	Text       sql.NullString
	Important  bool
	CreatedAt  sql.NullTime
}

func (im *importer) notes(ctx context.Context) error {
	rows, err := im.db.QueryContext(ctx, `SELECT id, COALESCE(client_id, 0), text, important, created_at FROM note ORDER BY id`)
	if err != nil {
		return err
	}
	var recs []mksNote
	for rows.Next() {
		var n mksNote
		if err := rows.Scan(&n.ID, &n.Client, &n.Text, &n.Important, &n.CreatedAt); err != nil {
			rows.Close()
			return err
		}
		recs = append(recs, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	return batch(ctx, im, "note", recs, func(n mksNote) int64 { return n.ID },
		func(ctx context.Context, m mksNote) (int64, error) {
			cid := im.ids["client"][m.Client]
			if cid == 0 {
				im.rep.skip("note", "missing", "client not imported", m.ID)
				return 0, nil
			}
			body := strings.TrimSpace(stripTags(m.Text.String))
			if body == "" {
				im.rep.skip("note", "missing", "empty text", m.ID)
				return 0, nil
			}
			n := &opora.Note{ClientID: cid, Body: body, Important: m.Important}
			if err := im.st.CreateNote(ctx, n); err != nil {
				if invalid(err) {
					im.rep.skip("note", "invalid", "refused by Opora's checks", m.ID)
					return 0, nil
				}
				return 0, err
			}
			if m.CreatedAt.Valid {
				if err := im.st.SetImportedTimes(ctx, "note", n.ID, m.CreatedAt.Time); err != nil {
					return 0, err
				}
			}
			return n.ID, nil
		})
}

type mksService struct {
	ID, Client, Type int64
	Comment          sql.NullString
	Amount           sql.NullInt64
	CreatedAt        sql.NullTime
}

func (im *importer) services(ctx context.Context) error {
	types, err := im.st.ServiceTypes(ctx, false)
	if err != nil {
		return err
	}
	byName := map[string]*opora.ServiceType{}
	for _, t := range types {
		byName[key(t.Name)] = t
	}
	mksTypes, err := im.names(ctx, "service_type")
	if err != nil {
		return err
	}
	rows, err := im.db.QueryContext(ctx, `SELECT id, COALESCE(client_id, 0), COALESCE(type_id, 0), comment, amount, created_at
		FROM service ORDER BY id`)
	if err != nil {
		return err
	}
	var recs []mksService
	for rows.Next() {
		var s mksService
		if err := rows.Scan(&s.ID, &s.Client, &s.Type, &s.Comment, &s.Amount, &s.CreatedAt); err != nil {
			rows.Close()
			return err
		}
		recs = append(recs, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	return batch(ctx, im, "service", recs, func(s mksService) int64 { return s.ID },
		func(ctx context.Context, m mksService) (int64, error) {
			cid := im.ids["client"][m.Client]
			if cid == 0 {
				im.rep.skip("service", "missing", "client not imported", m.ID)
				return 0, nil
			}
			name := mksTypes[m.Type]
			t := byName[key(name)]
			if t == nil {
				im.rep.skip("service", "service_type", name, m.ID)
				return 0, nil
			}
			if !m.CreatedAt.Valid {
				im.rep.skip("service", "missing", "no date", m.ID)
				return 0, nil
			}
			sv := &opora.Service{TypeID: t.ID, Quantity: 1, Comment: strings.TrimSpace(m.Comment.String)}
			if t.HasAmount && m.Amount.Valid && m.Amount.Int64 > 0 {
				sv.HasAmount, sv.Amount = true, m.Amount.Int64*100 // МКС keeps roubles
			}
			if t.HasQuantity && m.Amount.Valid && m.Amount.Int64 > 0 && !t.HasAmount {
				sv.Quantity = int(m.Amount.Int64) // МКС's amount is a count for such types
			}
			if err := im.st.RecordServices(ctx, cid, opora.DateOf(m.CreatedAt.Time), []*opora.Service{sv}); err != nil {
				if invalid(err) {
					im.rep.skip("service", "invalid", "refused by Opora's checks", m.ID)
					return 0, nil
				}
				return 0, err
			}
			if err := im.st.SetImportedTimes(ctx, "service", sv.ID, m.CreatedAt.Time); err != nil {
				return 0, err
			}
			return sv.ID, nil
		})
}

// names reads an МКС dictionary table: id → name. table is a constant of
// the calling code.
func (im *importer) names(ctx context.Context, table string) (map[int64]string, error) {
	rows, err := im.db.QueryContext(ctx, `SELECT id, COALESCE(name, '') FROM `+table)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", table, err)
	}
	defer rows.Close()
	m := map[int64]string{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		m[id] = strings.TrimSpace(name)
	}
	return m, rows.Err()
}

// stripTags turns МКС's HTML note text (a rich-text editor's) into plain text.
func stripTags(s string) string {
	r := strings.NewReplacer("<br>", "\n", "<br/>", "\n", "<br />", "\n", "</p>", "\n", "&nbsp;", " ",
		"&laquo;", "«", "&raquo;", "»", "&quot;", `"`, "&amp;", "&")
	s = r.Replace(s)
	var b strings.Builder
	in := false
	for _, c := range s {
		switch {
		case c == '<':
			in = true
		case c == '>' && in:
			in = false
		case !in:
			b.WriteRune(c)
		}
	}
	return b.String()
}
