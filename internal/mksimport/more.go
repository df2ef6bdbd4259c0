package mksimport

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/opora-project/opora/internal/auth"
	"github.com/opora-project/opora/internal/opora"
)

// Users, identity documents, shelter stays and reminders.

type mksUser struct {
	ID                         int64
	Username, Email            string
	First, Last                string
	Middle, PositionText, Post sql.NullString
	Enabled                    bool
}

// users: each МКС account becomes an Opora account in the clients' branch
// with the "specialist" role and no password (an administrator sets one,
// or the worker is given a reset), disabled if it was in МКС. An Opora
// account with the same login in the organisation is taken as the same
// person; one in another organisation is reported.
func (im *importer) users(ctx context.Context) error {
	roles, err := im.st.Roles(ctx)
	if err != nil {
		return err
	}
	var role int64
	for _, r := range roles {
		if r.Key == "specialist" {
			role = r.ID
		}
	}
	if role == 0 {
		return fmt.Errorf("the organisation has no specialist role")
	}
	rows, err := im.db.QueryContext(ctx, `SELECT u.id, u.username, u.email, u.firstname, u.lastname, u.middlename,
		u.position_text, p.name, u.enabled FROM fos_user_user u LEFT JOIN position p ON p.id = u.position_id ORDER BY u.id`)
	if err != nil {
		return err
	}
	var recs []mksUser
	for rows.Next() {
		var u mksUser
		if err := rows.Scan(&u.ID, &u.Username, &u.Email, &u.First, &u.Last, &u.Middle, &u.PositionText, &u.Post, &u.Enabled); err != nil {
			rows.Close()
			return err
		}
		recs = append(recs, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	a := opora.ActorFrom(ctx)
	return batch(ctx, im, "user", recs, func(u mksUser) int64 { return u.ID },
		func(ctx context.Context, m mksUser) (int64, error) {
			login := strings.ToLower(strings.TrimSpace(m.Username))
			if cand, err := im.st.UserForLogin(ctx, login); err == nil {
				if cand.User.OrganisationID == a.OrganisationID {
					return cand.User.ID, nil
				}
				im.rep.skip("user", "conflict", "login taken in another organisation", m.ID)
				return 0, nil
			}
			position := clean(m.PositionText)
			if position == "" {
				position = clean(m.Post)
			}
			u := &opora.User{Login: login, FullName: strings.Join(strings.Fields(m.Last+" "+m.First+" "+m.Middle.String), " "),
				Position: position, Email: strings.TrimSpace(m.Email), BranchIDs: []int64{im.opt.BranchID}, RoleIDs: []int64{role}}
			// A hash of a random secret nobody knows: the account cannot log
			// in until a password is set, and a try takes as long as any.
			hash, err := auth.Hash(auth.NewToken())
			if err != nil {
				return 0, err
			}
			if err := im.st.CreateUser(ctx, u, hash); err != nil {
				if invalid(err) {
					im.rep.skip("user", "invalid", "account refused by Opora's checks", m.ID)
					return 0, nil
				}
				return 0, err
			}
			if !m.Enabled {
				if err := im.st.SetUserDisabled(ctx, u.ID, true); err != nil {
					return 0, err
				}
			}
			return u.ID, nil
		})
}

// docAliases maps МКС document type names (lower case) to Opora's keys.
var docAliases = map[string]string{
	"паспорт":                  "passport",
	"паспорт рф":               "passport",
	"паспорт ссср":             "ussr_passport",
	"военный билет":            "military_id",
	"свидетельство о рождении": "birth_certificate",
	"справка об освобождении":  "release_certificate",
	"временное удостоверение":  "temporary_id",
	"загранпаспорт":            "foreign_passport",
	"вид на жительство":        "residence_permit",
}

type mksDocument struct {
	ID, Client, Type                      int64
	Prefix, Number, Issued, Address, City sql.NullString
	Date                                  sql.NullTime
}

func (im *importer) documents(ctx context.Context) error {
	docType, err := im.docTypes(ctx)
	if err != nil {
		return err
	}
	types, err := im.names(ctx, "document_type")
	if err != nil {
		return err
	}
	rows, err := im.db.QueryContext(ctx, `SELECT id, COALESCE(client_id, 0), COALESCE(type_id, 0), number_prefix, number,
		issued, address, city, date FROM document ORDER BY id`)
	if err != nil {
		return err
	}
	var recs []mksDocument
	for rows.Next() {
		var d mksDocument
		if err := rows.Scan(&d.ID, &d.Client, &d.Type, &d.Prefix, &d.Number, &d.Issued, &d.Address, &d.City, &d.Date); err != nil {
			rows.Close()
			return err
		}
		recs = append(recs, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	today := im.st.Today()
	return batch(ctx, im, "document", recs, func(d mksDocument) int64 { return d.ID },
		func(ctx context.Context, m mksDocument) (int64, error) {
			cid := im.ids["client"][m.Client]
			if cid == 0 {
				im.rep.skip("document", "missing", "client not imported", m.ID)
				return 0, nil
			}
			name := types[m.Type]
			tid := docType(name)
			if tid == 0 {
				im.rep.skip("document", "document_type", name, m.ID)
				return 0, nil
			}
			address := strings.TrimSpace(strings.Trim(clean(m.City)+", "+clean(m.Address), ", "))
			d := &opora.IdentityDocument{ClientID: cid, TypeID: tid, Series: clean(m.Prefix), Number: clean(m.Number),
				IssuedBy: clean(m.Issued), Address: address}
			if on := dateOf(m.Date); !on.IsZero() && !on.After(today) {
				d.IssuedOn = on
			}
			if err := im.st.CreateIdentityDocument(ctx, d); err != nil {
				if invalid(err) {
					im.rep.skip("document", "invalid", "refused by Opora's checks", m.ID)
					return 0, nil
				}
				return 0, err
			}
			return d.ID, nil
		})
}

type mksStay struct {
	ID, Client, Room, Status int64
	Comment                  sql.NullString
	From, To                 sql.NullTime
}

// stays: МКС's shelter history. Rooms are matched by number to the
// organisation's rooms by name; a room with no counterpart is reported.
func (im *importer) stays(ctx context.Context) error {
	rooms, err := im.st.Rooms(ctx, true)
	if err != nil {
		return err
	}
	byName := map[string]int64{}
	for _, r := range rooms {
		byName[key(r.Name)] = r.ID
	}
	roomNames := map[int64]string{}
	rows, err := im.db.QueryContext(ctx, `SELECT id, COALESCE(number, '') FROM shelter_room`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		var n string
		if err := rows.Scan(&id, &n); err != nil {
			rows.Close()
			return err
		}
		roomNames[id] = strings.TrimSpace(n)
	}
	rows.Close()
	statuses, err := im.names(ctx, "shelter_status")
	if err != nil {
		return err
	}
	rows, err = im.db.QueryContext(ctx, `SELECT id, COALESCE(client_id, 0), COALESCE(room_id, 0), COALESCE(status_id, 0),
		comment, date_from, date_to FROM shelter_history ORDER BY date_from, id`)
	if err != nil {
		return err
	}
	var recs []mksStay
	for rows.Next() {
		var s mksStay
		if err := rows.Scan(&s.ID, &s.Client, &s.Room, &s.Status, &s.Comment, &s.From, &s.To); err != nil {
			rows.Close()
			return err
		}
		recs = append(recs, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	today := im.st.Today()
	return batch(ctx, im, "stay", recs, func(s mksStay) int64 { return s.ID },
		func(ctx context.Context, m mksStay) (int64, error) {
			cid := im.ids["client"][m.Client]
			if cid == 0 {
				im.rep.skip("stay", "missing", "client not imported", m.ID)
				return 0, nil
			}
			room := byName[key(roomNames[m.Room])]
			if room == 0 {
				im.rep.skip("stay", "shelter_room", roomNames[m.Room], m.ID)
				return 0, nil
			}
			in := dateOf(m.From)
			if in.IsZero() || in.After(today) {
				im.rep.skip("stay", "missing", "no check-in date", m.ID)
				return 0, nil
			}
			st := &opora.Stay{ClientID: cid, RoomID: room, CheckIn: in, Comment: clean(m.Comment)}
			if err := im.st.CheckIn(ctx, st); err != nil {
				if invalid(err) {
					im.rep.skip("stay", "invalid", "check-in refused (room full or client living elsewhere)", m.ID)
					return 0, nil
				}
				return 0, err
			}
			out := dateOf(m.To)
			if out.IsZero() || out.After(today) {
				return st.ID, nil // still living
			}
			end := &opora.Stay{ID: st.ID, ClientID: cid, CheckOut: out, Status: opora.StayLeft}
			if strings.Contains(key(statuses[m.Status]), "выселен") {
				end.Status, end.Reason = opora.StayEvicted, "МКС: "+statuses[m.Status]
			}
			if err := im.st.CheckOut(ctx, end); err != nil {
				return 0, fmt.Errorf("check-out: %w", err)
			}
			return st.ID, nil
		})
}

// invalid reports whether Opora's checks refused a record (nothing was
// written: the batch goes on without it).
func invalid(err error) bool {
	var e *opora.Error
	return errors.As(err, &e) && e.Code == opora.EINVALID
}

type mksNotice struct {
	ID, Client int64
	Text       sql.NullString
	Date       sql.NullTime
	Users      []int64
}

// reminders: МКС notices, to the Opora accounts their МКС users became, or
// to everyone when none of them was imported.
func (im *importer) reminders(ctx context.Context) error {
	rows, err := im.db.QueryContext(ctx, `SELECT id, COALESCE(client_id, 0), text, date FROM notice ORDER BY id`)
	if err != nil {
		return err
	}
	var recs []*mksNotice
	byID := map[int64]*mksNotice{}
	for rows.Next() {
		n := &mksNotice{}
		if err := rows.Scan(&n.ID, &n.Client, &n.Text, &n.Date); err != nil {
			rows.Close()
			return err
		}
		recs = append(recs, n)
		byID[n.ID] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = im.db.QueryContext(ctx, `SELECT notice_id, user_id FROM notice_user`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var n, u int64
		if err := rows.Scan(&n, &u); err != nil {
			rows.Close()
			return err
		}
		if x := byID[n]; x != nil {
			x.Users = append(x.Users, u)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	return batch(ctx, im, "reminder", recs, func(n *mksNotice) int64 { return n.ID },
		func(ctx context.Context, m *mksNotice) (int64, error) {
			cid := im.ids["client"][m.Client]
			if cid == 0 {
				im.rep.skip("reminder", "missing", "client not imported", m.ID)
				return 0, nil
			}
			body := strings.TrimSpace(stripTags(m.Text.String))
			if body == "" || !m.Date.Valid {
				im.rep.skip("reminder", "missing", "no text or date", m.ID)
				return 0, nil
			}
			r := &opora.Reminder{ClientID: cid, DueOn: dateOf(m.Date), Body: body}
			for _, u := range m.Users {
				if id := im.ids["user"][u]; id != 0 {
					r.RecipientIDs = append(r.RecipientIDs, id)
				}
			}
			r.ForAll = len(r.RecipientIDs) == 0
			if err := im.st.CreateReminder(ctx, r); err != nil {
				if invalid(err) && !r.ForAll {
					// A recipient cannot see the client (or is disabled): to everyone.
					r.RecipientIDs, r.ForAll = nil, true
					err = im.st.CreateReminder(ctx, r)
				}
				if err != nil {
					return 0, err
				}
			}
			return r.ID, nil
		})
}
