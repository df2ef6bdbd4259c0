package reports

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/opora-project/opora/internal/opora"
)

// The services register (Реестр услуг): every service rendered in a period,
// one line each with the client's name, for the screen and for exports of
// hundreds of thousands of rows. Rows are streamed to a callback as the
// database returns them, never collected.
//
// It shows names, so it needs client.read as well as report.run, and the
// rows are limited in SQL to the clients the actor reaches with the
// narrower of the two scopes. Services of soft-deleted clients appear only
// to those who may see deleted clients (client.delete), as on the client's
// own services list; soft-deleted services and merged-away clients never.

// RegisterRow is one line of the services register. Amount is in kopecks
// and meaningful only when HasAmount; BirthYear is 0 when unknown.
type RegisterRow struct {
	ServiceID                      int64
	RenderedOn                     opora.Date
	ClientID                       int64
	Surname, FirstName, Patronymic string
	BirthYear                      int
	TypeName                       string
	Quantity                       int
	Amount                         int64
	HasAmount                      bool
	WorkerName                     string
	BranchName                     string
	Comment                        string
}

// ClientName is the client's full name: surname, first name, patronymic.
func (r *RegisterRow) ClientName() string {
	return strings.Join(strings.Fields(r.Surname+" "+r.FirstName+" "+r.Patronymic), " ")
}

// RegisterTotals are the number of rows a register query selects and the
// sum of their amounts in kopecks.
type RegisterTotals struct {
	Rows   int
	Amount int64
}

// RegisterSQL is what the store sends to the database for a register
// query: the rows in order, and the count with the sum of amounts. The
// benchmark's raw-SQL floor runs it, so the floor measures the server's SQL.
type RegisterSQL struct {
	Query     string
	Args      []any
	Count     string
	CountArgs []any
}

// registerColumns are scanned by scanRegisterRow, in this order.
const registerColumns = `s.id, s.rendered_on, s.client_id, c.surname, c.first_name, c.patronymic, c.birth_year,
	COALESCE(t.name, ''), s.quantity, s.amount_kopecks, COALESCE(u.full_name, ''), COALESCE(b.name, ''), s.comment`

// The service drives the query (services_report: organisation, date); the
// client row is one primary-key lookup per service, the type, worker and
// branch too.
const (
	registerFrom = ` FROM services s JOIN clients c ON c.id = s.client_id
	LEFT JOIN service_types t ON t.id = s.type_id LEFT JOIN users u ON u.id = s.worker_id
	LEFT JOIN branches b ON b.id = s.branch_id`
	registerCountFrom = ` FROM services s JOIN clients c ON c.id = s.client_id`
)

// compileRegister builds the WHERE clause shared by the rows and the count,
// so both always select the same services.
func compileRegister(a *opora.Actor, q *opora.RegisterQuery) (string, []any, error) {
	if err := q.Validate(); err != nil {
		return "", nil, err
	}
	cond, args, err := registerScope(a, nil)
	if err != nil {
		return "", nil, err
	}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	where := []string{
		"s.organisation_id = " + arg(a.OrganisationID),
		"s.rendered_on >= " + arg(q.From),
		"s.rendered_on <= " + arg(q.To),
		"s.deleted_at IS NULL",
		cond,
		"c.merged_into IS NULL",
	}
	if !a.Can(opora.PermClientDelete) {
		where = append(where, "c.deleted_at IS NULL")
	}
	for _, f := range []struct {
		col string
		ids []int64
	}{{"s.branch_id", q.BranchIDs}, {"s.worker_id", q.WorkerIDs}, {"s.type_id", q.ServiceTypeIDs}} {
		if len(f.ids) > 0 {
			var in string
			in, args = inList(args, f.ids)
			where = append(where, f.col+" IN ("+in+")")
		}
	}
	return " WHERE " + strings.Join(where, " AND "), args, nil
}

// CompileServiceRegister returns the SQL the register sends for the query
// and the actor in ctx, as ServiceRegister and CountServiceRegister run it
// (without a row limit). Needs report.run and client.read.
func (s *Planner) CompileServiceRegister(ctx context.Context, q *opora.RegisterQuery) (*RegisterSQL, error) {
	where, args, err := compileRegister(opora.ActorFrom(ctx), q)
	if err != nil {
		return nil, err
	}
	return &RegisterSQL{
		Query:     `SELECT ` + registerColumns + registerFrom + where + ` ORDER BY s.rendered_on, s.id`,
		Args:      args,
		Count:     `SELECT COUNT(*), COALESCE(SUM(s.amount_kopecks), 0)` + registerCountFrom + where,
		CountArgs: args,
	}, nil
}

// CountServiceRegister counts the rows of a register query and sums their
// amounts. Needs report.run and client.read.
func (s *Planner) CountServiceRegister(ctx context.Context, q *opora.RegisterQuery) (RegisterTotals, error) {
	var t RegisterTotals
	st, err := s.CompileServiceRegister(ctx, q)
	if err != nil {
		return t, err
	}
	if err := s.r.QueryRowContext(ctx, st.Count, st.CountArgs...).Scan(&t.Rows, &t.Amount); err != nil {
		return t, fmt.Errorf("store: count services register: %w", err)
	}
	return t, nil
}

// ServiceRegister streams the rows of a register query to each, ordered by
// date then service number, as the database returns them; limit > 0 stops
// after that many rows. each gets the same *RegisterRow every time (copy it
// to keep it); an error from each stops the query and is returned. The
// result is the number of rows passed to each. Needs report.run and
// client.read; the caller audit-logs what it shows or exports.
func (s *Planner) ServiceRegister(ctx context.Context, q *opora.RegisterQuery, limit int, each func(*RegisterRow) error) (int, error) {
	st, err := s.CompileServiceRegister(ctx, q)
	if err != nil {
		return 0, err
	}
	query, args := st.Query, st.Args
	if limit > 0 {
		args = append(args, limit)
		query += " LIMIT $" + strconv.Itoa(len(args))
	}
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return 0, fmt.Errorf("store: services register: %w", err)
	}
	defer rows.Close()
	var (
		r      RegisterRow
		year   sql.NullInt64
		amount sql.NullInt64
		n      int
	)
	for rows.Next() {
		if err := rows.Scan(&r.ServiceID, &r.RenderedOn, &r.ClientID, &r.Surname, &r.FirstName, &r.Patronymic, &year,
			&r.TypeName, &r.Quantity, &amount, &r.WorkerName, &r.BranchName, &r.Comment); err != nil {
			return n, fmt.Errorf("store: services register: %w", err)
		}
		r.BirthYear = int(year.Int64)
		r.Amount, r.HasAmount = amount.Int64, amount.Valid
		if err := each(&r); err != nil {
			return n, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("store: services register: %w", err)
	}
	return n, nil
}
