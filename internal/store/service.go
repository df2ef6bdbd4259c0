package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/opora-project/opora/internal/opora"
)

// Services rendered and the catalog of service types.
//
// Decisions:
//   - A service's branch is where it was rendered: the client's branch when
//     the worker works there (or has no branch at all), otherwise the
//     worker's first branch. So a Moscow worker helping a St Petersburg
//     client counts for Moscow.
//   - Edit and delete: a worker with client.write changes their own records
//     while the record is no older (by creation day) than the organisation's
//     back-dating window; client.delete changes anyone's, at any time. The
//     client must be within the actor's scope for that permission.
//   - Lists apply the client scope: "My services" leaves out services of
//     clients the worker no longer reaches.

const serviceTypeColumns = `t.id, t.organisation_id, t.name, t.group_name, t.has_quantity, t.has_amount,
	t.comment_required, t.active, t.position`

func scanServiceType(row interface{ Scan(...any) error }) (*opora.ServiceType, error) {
	t := &opora.ServiceType{}
	err := row.Scan(&t.ID, &t.OrganisationID, &t.Name, &t.Group, &t.HasQuantity, &t.HasAmount, &t.CommentRequired,
		&t.Active, &t.Position)
	return t, err
}

// ServiceTypes lists the organisation's service catalog in display order
// (position). activeOnly leaves out deactivated types. Needs client.read or
// dictionary.manage.
func (s *Store) ServiceTypes(ctx context.Context, activeOnly bool) ([]*opora.ServiceType, error) {
	a := opora.ActorFrom(ctx)
	if !a.Can(opora.PermClientRead) && !a.Can(opora.PermDictionaryManage) && !a.Can(opora.PermReportRun) {
		return nil, opora.ErrForbidden
	}
	if _, cached := requestVersions(ctx); cached {
		all, err := s.orgServiceTypes(ctx, a.OrganisationID)
		if err != nil {
			return nil, err
		}
		return serviceTypePointers(all, activeOnly), nil
	}
	return s.serviceTypes(ctx, s.r, a.OrganisationID, activeOnly)
}

func (s *Store) serviceTypes(ctx context.Context, q queryer, orgID int64, activeOnly bool) ([]*opora.ServiceType, error) {
	where := ""
	if activeOnly {
		where = " AND t.active"
	}
	rows, err := q.QueryContext(ctx, `SELECT `+serviceTypeColumns+` FROM service_types t WHERE t.organisation_id = $1`+
		where+` ORDER BY t.position, t.id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("store: service types: %w", err)
	}
	defer rows.Close()
	var out []*opora.ServiceType
	for rows.Next() {
		t, err := scanServiceType(rows)
		if err != nil {
			return nil, fmt.Errorf("store: service types: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// ServiceType returns one type of the actor's organisation. Needs dictionary.manage.
func (s *Store) ServiceType(ctx context.Context, id int64) (*opora.ServiceType, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermDictionaryManage); err != nil {
		return nil, err
	}
	return s.serviceType(ctx, s.r, a.OrganisationID, id)
}

func (s *Store) serviceType(ctx context.Context, q queryer, orgID, id int64) (*opora.ServiceType, error) {
	t, err := scanServiceType(q.QueryRowContext(ctx, `SELECT `+serviceTypeColumns+` FROM service_types t
		WHERE t.id = $1 AND t.organisation_id = $2`, id, orgID))
	if err != nil {
		return nil, notFound(err)
	}
	return t, nil
}

// checkServiceTypeName refuses a name another type of the organisation
// already has (compared ignoring case, ё/е and spacing).
func checkServiceTypeName(ctx context.Context, q queryer, orgID, id int64, name string) error {
	rows, err := q.QueryContext(ctx, `SELECT id, name FROM service_types WHERE organisation_id = $1`, orgID)
	if err != nil {
		return fmt.Errorf("store: service type name: %w", err)
	}
	defer rows.Close()
	key := NameKey(name)
	for rows.Next() {
		var otherID int64
		var other string
		if err := rows.Scan(&otherID, &other); err != nil {
			return fmt.Errorf("store: service type name: %w", err)
		}
		if otherID != id && (NameKey(other) == key && key != "" || other == name) {
			var v opora.Validation
			v.Add("name", "services.error.name_taken")
			return v.Err()
		}
	}
	return rows.Err()
}

func serviceTypeChanges(old, t *opora.ServiceType) []opora.Change {
	var ch []opora.Change
	ch = opora.Diff(ch, "name", old.Name, t.Name)
	ch = opora.Diff(ch, "group", old.Group, t.Group)
	ch = opora.Diff(ch, "has_quantity", strconv.FormatBool(old.HasQuantity), strconv.FormatBool(t.HasQuantity))
	ch = opora.Diff(ch, "has_amount", strconv.FormatBool(old.HasAmount), strconv.FormatBool(t.HasAmount))
	ch = opora.Diff(ch, "comment_required", strconv.FormatBool(old.CommentRequired), strconv.FormatBool(t.CommentRequired))
	ch = opora.Diff(ch, "active", strconv.FormatBool(old.Active), strconv.FormatBool(t.Active))
	return ch
}

// CreateServiceType adds a type at the end of the catalog. Needs dictionary.manage.
func (s *Store) CreateServiceType(ctx context.Context, t *opora.ServiceType) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermDictionaryManage); err != nil {
		return err
	}
	t.Normalize()
	if err := t.Validate(); err != nil {
		return err
	}
	t.OrganisationID, t.Active = a.OrganisationID, true
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := checkServiceTypeName(ctx, tx, t.OrganisationID, 0, t.Name); err != nil {
			return err
		}
		if err := s.insertServiceType(ctx, tx, t); err != nil {
			return err
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "service_type", EntityID: t.ID,
			Changes: serviceTypeChanges(&opora.ServiceType{}, t)})
	})
}

func (s *Store) insertServiceType(ctx context.Context, q queryer, t *opora.ServiceType) error {
	var err error
	if t.Position, err = nextPosition(ctx, q, "service_types", "organisation_id", t.OrganisationID, 10); err != nil {
		return fmt.Errorf("store: service type position: %w", err)
	}
	now := s.Now()
	id, err := insertID(ctx, q, `INSERT INTO service_types (organisation_id, name, group_name, has_quantity, has_amount,
		comment_required, active, position, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
		t.OrganisationID, t.Name, t.Group, t.HasQuantity, t.HasAmount, t.CommentRequired, t.Active, t.Position, now)
	if err != nil {
		if isUniqueViolation(err) {
			var v opora.Validation
			v.Add("name", "services.error.name_taken")
			return v.Err()
		}
		return fmt.Errorf("store: create service type: %w", err)
	}
	t.ID = id
	return nil
}

// UpdateServiceType saves a type's name, group and flags (not its place nor
// whether it is active). Recorded services keep pointing to the type by id,
// so a rename shows on old records too. Needs dictionary.manage.
func (s *Store) UpdateServiceType(ctx context.Context, t *opora.ServiceType) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermDictionaryManage); err != nil {
		return err
	}
	t.Normalize()
	if err := t.Validate(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		old, err := s.serviceType(ctx, tx, a.OrganisationID, t.ID)
		if err != nil {
			return err
		}
		if err := checkServiceTypeName(ctx, tx, a.OrganisationID, t.ID, t.Name); err != nil {
			return err
		}
		t.OrganisationID, t.Active, t.Position = old.OrganisationID, old.Active, old.Position
		ch := serviceTypeChanges(old, t)
		if len(ch) == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE service_types SET name = $1, group_name = $2, has_quantity = $3,
			has_amount = $4, comment_required = $5, updated_at = $6 WHERE id = $7`,
			t.Name, t.Group, t.HasQuantity, t.HasAmount, t.CommentRequired, s.Now(), t.ID); err != nil {
			if isUniqueViolation(err) {
				var v opora.Validation
				v.Add("name", "services.error.name_taken")
				return v.Err()
			}
			return fmt.Errorf("store: update service type: %w", err)
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "service_type", EntityID: t.ID,
			Changes: ch})
	})
}

// SetServiceTypeActive activates or deactivates a type. Inactive types stay
// on recorded services but cannot be recorded. Needs dictionary.manage.
func (s *Store) SetServiceTypeActive(ctx context.Context, id int64, active bool) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermDictionaryManage); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		old, err := s.serviceType(ctx, tx, a.OrganisationID, id)
		if err != nil {
			return err
		}
		if old.Active == active {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE service_types SET active = $1, updated_at = $2 WHERE id = $3`,
			active, s.Now(), id); err != nil {
			return fmt.Errorf("store: service type active: %w", err)
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "service_type", EntityID: id,
			Changes: []opora.Change{{Field: "active", Old: strconv.FormatBool(old.Active), New: strconv.FormatBool(active)}}})
	})
}

// MoveServiceType moves a type one place up (or down) within its group.
// Needs dictionary.manage.
func (s *Store) MoveServiceType(ctx context.Context, id int64, up bool) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermDictionaryManage); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		types, err := s.serviceTypes(ctx, tx, a.OrganisationID, false)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(types, func(t *opora.ServiceType) bool { return t.ID == id })
		if i < 0 {
			return opora.ErrNotFound
		}
		j := -1
		if up {
			for k := i - 1; k >= 0 && j < 0; k-- {
				if types[k].Group == types[i].Group {
					j = k
				}
			}
		} else {
			for k := i + 1; k < len(types) && j < 0; k++ {
				if types[k].Group == types[i].Group {
					j = k
				}
			}
		}
		if j < 0 {
			return nil // already first (last) in its group
		}
		types[i], types[j] = types[j], types[i]
		// Renumber the whole catalog so positions stay distinct.
		for n, t := range types {
			if t.Position != (n+1)*10 {
				if _, err := tx.ExecContext(ctx, `UPDATE service_types SET position = $1 WHERE id = $2`, (n+1)*10, t.ID); err != nil {
					return fmt.Errorf("store: move service type: %w", err)
				}
			}
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "service_type", EntityID: id,
			Changes: []opora.Change{{Field: "position", Old: strconv.Itoa(i + 1), New: strconv.Itoa(j + 1)}}})
	})
}

// defaultServiceTypes is the catalog a new organisation starts with (DOMAIN.md).
var defaultServiceTypes = []opora.ServiceType{
	{Group: "Консультации", Name: "Консультация специалиста по социальной работе"},
	{Group: "Консультации", Name: "Консультация психолога первичная"},
	{Group: "Консультации", Name: "Консультация психолога повторная"},
	{Group: "Консультации", Name: "Консультация юриста"},
	{Group: "Вещи и продукты", Name: "Продуктовый набор", HasQuantity: true},
	{Group: "Вещи и продукты", Name: "Комплект одежды", HasQuantity: true},
	{Group: "Вещи и продукты", Name: "Гигиенический набор", HasQuantity: true},
	{Group: "Вещи и продукты", Name: "Костыли / трость", HasQuantity: true},
	{Group: "Вещи и продукты", Name: "Телефон", HasQuantity: true},
	{Group: "Помощь", Name: "Получение почты", HasQuantity: true},
	{Group: "Помощь", Name: "Отправка почты", HasQuantity: true},
	{Group: "Помощь", Name: "Помощь в получении медицинской помощи"},
	{Group: "Помощь", Name: "Направление в медицинское учреждение", CommentRequired: true},
	{Group: "Помощь", Name: "Фотографии", HasQuantity: true},
	{Group: "Помощь", Name: "Составление заявлений", HasQuantity: true},
	{Group: "Деньги", Name: "Оплата проезда", HasAmount: true},
	{Group: "Деньги", Name: "Оплата госпошлины", HasAmount: true, CommentRequired: true},
}

// seedServices fills an organisation's service catalog unless it has one.
func (s *Store) seedServices(ctx context.Context, q queryer, orgID int64) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM service_types WHERE organisation_id = $1`, orgID).Scan(&n); err != nil {
		return fmt.Errorf("store: seed services: %w", err)
	}
	if n > 0 {
		return nil
	}
	// One statement: positions 10, 20, … as insertServiceType gives them.
	now := s.Now()
	var args []any
	for i, t := range defaultServiceTypes {
		args = append(args, orgID, t.Name, t.Group, t.HasQuantity, t.HasAmount, t.CommentRequired, true, (i+1)*10, now, now)
	}
	if _, err := q.ExecContext(ctx, rowsInsert("service_types", []string{"organisation_id", "name", "group_name", "has_quantity",
		"has_amount", "comment_required", "active", "position", "created_at", "updated_at"}, len(defaultServiceTypes)),
		args...); err != nil {
		return fmt.Errorf("store: seed services: %w", err)
	}
	return nil
}

// mergeServices moves the services to the survivor of a merge (mergeSteps);
// their branch stays where they were rendered.
func mergeServices(s *Store, ctx context.Context, tx *sql.Tx, from, to int64) error {
	// A deleted client's services were not counted; on the survivor they are.
	if live, err := liveClient(ctx, tx, from); err != nil {
		return err
	} else if !live {
		if err := countClientServices(ctx, tx, from, 1); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE services SET client_id = $1 WHERE client_id = $2`, to, from); err != nil {
		return fmt.Errorf("store: merge services: %w", err)
	}
	if err := refreshActive(ctx, tx, s.dialect, from); err != nil {
		return err
	}
	return refreshActive(ctx, tx, s.dialect, to)
}

// BackdateDays returns the actor's organisation's back-dating window for services.
func (s *Store) BackdateDays(ctx context.Context) (int, error) {
	a := opora.ActorFrom(ctx)
	if a == nil {
		return 0, opora.ErrForbidden
	}
	v, cached := requestVersions(ctx)
	if cached {
		if n, ok := s.dict.backdate.get(a.OrganisationID, v.Dict); ok {
			return n, nil
		}
	}
	n, err := backdateDays(ctx, s.r, a.OrganisationID)
	if err == nil && cached {
		s.dict.backdate.put(a.OrganisationID, v.Dict, n)
	}
	return n, err
}

func backdateDays(ctx context.Context, q queryer, orgID int64) (int, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT backdate_days FROM organisations WHERE id = $1`, orgID).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: backdate days: %w", err)
	}
	return n, nil
}

const serviceColumns = `s.id, s.organisation_id, s.branch_id, s.client_id, s.type_id, s.rendered_on, s.quantity,
	s.amount_kopecks, s.comment, s.worker_id, s.created_at, s.updated_at, s.deleted_at, COALESCE(s.deleted_by, 0),
	s.delete_reason, s.version, t.name, t.group_name, COALESCE(u.full_name, ''), COALESCE(b.name, ''),
	c.surname, c.first_name, c.patronymic`

const serviceFrom = ` FROM services s JOIN service_types t ON t.id = s.type_id JOIN clients c ON c.id = s.client_id
	LEFT JOIN users u ON u.id = s.worker_id LEFT JOIN branches b ON b.id = s.branch_id`

func scanService(row interface{ Scan(...any) error }) (*opora.Service, error) {
	sv := &opora.Service{}
	var rendered, created, updated, deleted sql.NullTime
	var amount sql.NullInt64
	var sur, first, patr string
	if err := row.Scan(&sv.ID, &sv.OrganisationID, &sv.BranchID, &sv.ClientID, &sv.TypeID, &rendered, &sv.Quantity,
		&amount, &sv.Comment, &sv.WorkerID, &created, &updated, &deleted, &sv.DeletedBy, &sv.DeleteReason, &sv.Version,
		&sv.TypeName, &sv.Group, &sv.WorkerName, &sv.BranchName, &sur, &first, &patr); err != nil {
		return nil, err
	}
	sv.RenderedOn = opora.DateOf(dateOf(rendered))
	sv.CreatedAt, sv.UpdatedAt, sv.DeletedAt = timeOf(created), timeOf(updated), timeOf(deleted)
	sv.Amount, sv.HasAmount = amount.Int64, amount.Valid
	sv.ClientName = strings.Join(strings.Fields(sur+" "+first+" "+patr), " ")
	return sv, nil
}

// serviceBranch is where a service is rendered: the client's branch when
// the worker works there or has no branch, else the worker's first branch.
func serviceBranch(a *opora.Actor, c *opora.Client) int64 {
	if len(a.BranchIDs) == 0 || slices.Contains(a.BranchIDs, c.BranchID) {
		return c.BranchID
	}
	return a.BranchIDs[0]
}

func serviceAudit(sv *opora.Service) []opora.Change {
	ch := []opora.Change{{Field: "client_id", New: strconv.FormatInt(sv.ClientID, 10)},
		{Field: "type", New: sv.TypeName}, {Field: "rendered_on", New: dateString(sv.RenderedOn)},
		{Field: "quantity", New: strconv.Itoa(sv.Quantity)}}
	if sv.HasAmount {
		ch = append(ch, opora.Change{Field: "amount", New: opora.FormatRubles(sv.Amount)})
	}
	if sv.Comment != "" {
		ch = append(ch, opora.Change{Field: "comment", Sensitive: true})
	}
	return ch
}

// RecordServices records several services for one client in one
// transaction: all of them or none. Each item needs TypeID and, as its type
// asks, Quantity, Amount (HasAmount) and Comment. renderedOn must be today
// or within the organisation's back-dating window. Validation errors are
// keyed "rendered_on", "service_type" and opora.ServiceField(…) per type.
// Needs client.write on the client.
func (s *Store) RecordServices(ctx context.Context, clientID int64, renderedOn opora.Date, items []*opora.Service) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return err
	}
	return s.tx(ctx, func(t *sql.Tx) error {
		tx := traced(ctx, t) // the bench's floor replays this transaction
		c, err := s.client(ctx, tx, opora.PermClientWrite, clientID)
		if err != nil {
			return err
		}
		if c.Deleted() || c.MergedInto != 0 {
			return opora.ErrNotFound
		}
		window, err := backdateDays(ctx, tx, c.OrganisationID)
		if err != nil {
			return err
		}
		today := opora.ServiceToday(s.Now())
		if opora.ImportFrom(ctx) != "" {
			window = max(window, today.DaysSince(renderedOn)+1) // an import brings the past with it
		}
		var v opora.Validation
		opora.CheckServiceDate(&v, "rendered_on", renderedOn, today, window)
		if len(items) == 0 {
			v.Add("service_type", "services.error.none")
			return v.Err()
		}
		ids := make([]int64, 0, len(items))
		for _, it := range items {
			ids = append(ids, it.TypeID)
		}
		in, args := inList([]any{c.OrganisationID}, ids)
		rows, err := tx.QueryContext(ctx, `SELECT `+serviceTypeColumns+` FROM service_types t WHERE t.organisation_id = $1
			AND t.id IN (`+in+`)`, args...)
		if err != nil {
			return fmt.Errorf("store: record services: %w", err)
		}
		types := map[int64]*opora.ServiceType{}
		for rows.Next() {
			t, err := scanServiceType(rows)
			if err != nil {
				rows.Close()
				return fmt.Errorf("store: record services: %w", err)
			}
			types[t.ID] = t
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: record services: %w", err)
		}
		seen := map[int64]bool{}
		for _, it := range items {
			t := types[it.TypeID]
			switch {
			case t == nil:
				v.Add("service_type", "error.invalid_choice")
				continue
			case !t.Active:
				v.Add("service_type", "services.error.inactive")
				continue
			case seen[t.ID]:
				v.Add("service_type", "services.error.twice")
				continue
			}
			seen[t.ID] = true
			it.ValidateFor(t, &v, true)
			it.TypeName, it.Group = t.Name, t.Group
		}
		if err := v.Err(); err != nil {
			return err
		}
		now := s.Now()
		branch := serviceBranch(a, c)
		for _, it := range items {
			it.OrganisationID, it.ClientID, it.BranchID, it.WorkerID = c.OrganisationID, c.ID, branch, a.UserID
			it.RenderedOn, it.CreatedAt, it.UpdatedAt, it.Version, it.ClientName = renderedOn, now, now, 1, c.FullName()
			id, err := insertID(ctx, tx, `INSERT INTO services (organisation_id, branch_id, client_id, type_id, rendered_on,
				quantity, amount_kopecks, comment, worker_id, created_at, updated_at, version)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, 1)`,
				it.OrganisationID, it.BranchID, it.ClientID, it.TypeID, it.RenderedOn, it.Quantity, nullAmount(it),
				it.Comment, it.WorkerID, now)
			if err != nil {
				return fmt.Errorf("store: record service: %w", err)
			}
			it.ID = id
			if err := countService(ctx, tx, it, 1); err != nil {
				return err
			}
			if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "service", EntityID: id,
				Changes: serviceAudit(it)}); err != nil {
				return err
			}
			if err := s.addEvent(ctx, tx, &opora.ClientEvent{OrganisationID: c.OrganisationID, ClientID: c.ID,
				Kind: opora.EventService, Entity: "service", EntityID: id, Summary: it.Summary()}); err != nil {
				return err
			}
		}
		return refreshActive(ctx, tx, s.dialect, c.ID, renderedOn.Year())
	})
}

// loadService reads a service whose client the actor reaches with p.
func (s *Store) loadService(ctx context.Context, q queryer, p opora.Permission, id int64) (*opora.Service, error) {
	a := opora.ActorFrom(ctx)
	cond, args, err := clientScope(a, p, []any{id})
	if err != nil {
		return nil, err
	}
	where := ` WHERE s.id = $1 AND ` + cond
	if !a.Can(opora.PermClientDelete) {
		where += ` AND c.deleted_at IS NULL`
	}
	sv, err := scanService(q.QueryRowContext(ctx, `SELECT `+serviceColumns+serviceFrom+where, args...))
	if err != nil {
		return nil, notFound(err)
	}
	return sv, nil
}

// Service returns one service record. Needs client.read on its client.
func (s *Store) Service(ctx context.Context, id int64) (*opora.Service, error) {
	sv, err := s.loadService(ctx, s.r, opora.PermClientRead, id)
	if err != nil {
		return nil, err
	}
	return sv, s.logView(ctx, "client", sv.ClientID, "services")
}

// CanChangeService reports whether the actor may edit or delete the record now.
func (s *Store) CanChangeService(ctx context.Context, sv *opora.Service) (bool, error) {
	a := opora.ActorFrom(ctx)
	window, err := backdateDays(ctx, s.r, sv.OrganisationID)
	if err != nil {
		return false, err
	}
	return opora.CanChangeService(a, sv, opora.ServiceToday(s.Now()), window), nil
}

// changeableService loads a record for an edit or delete and checks the rule
// of opora.CanChangeService; it also returns the organisation's window.
func (s *Store) changeableService(ctx context.Context, tx *sql.Tx, id int64) (*opora.Service, int, error) {
	a := opora.ActorFrom(ctx)
	p := opora.PermClientWrite
	if a.Can(opora.PermClientDelete) {
		p = opora.PermClientDelete
	}
	if !a.Can(p) {
		return nil, 0, opora.ErrForbidden
	}
	old, err := s.loadService(ctx, tx, p, id)
	if err != nil {
		return nil, 0, err
	}
	if old.Deleted() {
		return nil, 0, opora.ErrNotFound
	}
	var merged sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT merged_into FROM clients WHERE id = $1`, old.ClientID).Scan(&merged); err != nil {
		return nil, 0, fmt.Errorf("store: service client: %w", err)
	}
	if merged.Valid {
		return nil, 0, opora.ErrNotFound
	}
	window, err := backdateDays(ctx, tx, old.OrganisationID)
	if err != nil {
		return nil, 0, err
	}
	if !opora.CanChangeService(a, old, opora.ServiceToday(s.Now()), window) {
		return nil, 0, opora.ErrForbidden
	}
	return old, window, nil
}

var errServiceConflict = &opora.Error{Code: opora.ECONFLICT, Message: "services.error.conflict"}

// UpdateService changes a record's type, date, quantity, amount and
// comment (TypeID 0 keeps the type). sv.Version must be the version the
// edit was based on. A new date must be within the back-dating window; a new
// type must be active. Field errors are keyed "type_id", "rendered_on",
// "quantity", "amount", "comment". The counts move from the old type to the
// new in the same transaction.
func (s *Store) UpdateService(ctx context.Context, sv *opora.Service) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		old, window, err := s.changeableService(ctx, tx, sv.ID)
		if err != nil {
			return err
		}
		if sv.Version != old.Version {
			return errServiceConflict
		}
		var v opora.Validation
		if sv.TypeID == 0 {
			sv.TypeID = old.TypeID
		}
		t, err := s.serviceType(ctx, tx, old.OrganisationID, sv.TypeID)
		if opora.ErrorCode(err) == opora.ENOTFOUND {
			v.Add("type_id", "error.invalid_choice")
			return v.Err()
		}
		if err != nil {
			return err
		}
		if t.ID != old.TypeID && !t.Active {
			v.Add("type_id", "services.error.inactive")
		}
		if sv.RenderedOn.IsZero() || !sv.RenderedOn.Equal(old.RenderedOn) {
			opora.CheckServiceDate(&v, "rendered_on", sv.RenderedOn, opora.ServiceToday(s.Now()), window)
		}
		sv.ValidateFor(t, &v, false)
		if err := v.Err(); err != nil {
			return err
		}
		var ch []opora.Change
		ch = opora.Diff(ch, "type", old.TypeName, t.Name)
		ch = opora.Diff(ch, "rendered_on", dateString(old.RenderedOn), dateString(sv.RenderedOn))
		ch = opora.Diff(ch, "quantity", strconv.Itoa(old.Quantity), strconv.Itoa(sv.Quantity))
		ch = opora.Diff(ch, "amount", old.AmountText(), sv.AmountText())
		if old.Comment != sv.Comment {
			ch = append(ch, opora.Change{Field: "comment", Sensitive: true})
		}
		// Copy what the caller does not set, for the summary and the caller.
		sv.OrganisationID, sv.BranchID, sv.ClientID, sv.WorkerID = old.OrganisationID, old.BranchID, old.ClientID, old.WorkerID
		sv.TypeName, sv.Group, sv.ClientName, sv.WorkerName, sv.CreatedAt = t.Name, t.Group, old.ClientName,
			old.WorkerName, old.CreatedAt
		if len(ch) == 0 {
			return nil
		}
		now := s.Now()
		res, err := tx.ExecContext(ctx, `UPDATE services SET rendered_on = $1, quantity = $2, amount_kopecks = $3,
			comment = $4, updated_at = $5, version = version + 1, type_id = $8 WHERE id = $6 AND version = $7`,
			sv.RenderedOn, sv.Quantity, nullAmount(sv), sv.Comment, now, sv.ID, sv.Version, sv.TypeID)
		if err != nil {
			return fmt.Errorf("store: update service: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errServiceConflict
		}
		sv.Version, sv.UpdatedAt = sv.Version+1, now
		if err := countService(ctx, tx, old, -1); err != nil {
			return err
		}
		if err := countService(ctx, tx, sv, 1); err != nil {
			return err
		}
		if err := refreshActive(ctx, tx, s.dialect, sv.ClientID, old.RenderedOn.Year(), sv.RenderedOn.Year()); err != nil {
			return err
		}
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "service", EntityID: sv.ID,
			Changes: ch}); err != nil {
			return err
		}
		return s.addEvent(ctx, tx, &opora.ClientEvent{OrganisationID: sv.OrganisationID, ClientID: sv.ClientID,
			Kind: opora.EventService, Entity: "service", EntityID: sv.ID, Summary: sv.Summary()})
	})
}

// DeleteService soft-deletes a record with a reason; the audit log keeps it.
func (s *Store) DeleteService(ctx context.Context, id int64, reason string) error {
	a := opora.ActorFrom(ctx)
	reason = strings.Join(strings.Fields(reason), " ")
	return s.tx(ctx, func(tx *sql.Tx) error {
		old, _, err := s.changeableService(ctx, tx, id)
		if err != nil {
			return err
		}
		var v opora.Validation
		if reason == "" {
			v.Add("reason", "error.required")
		} else if len([]rune(reason)) > 500 {
			v.Add("reason", "error.too_long")
		}
		if err := v.Err(); err != nil {
			return err
		}
		now := s.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE services SET deleted_at = $1, deleted_by = $2, delete_reason = $3,
			updated_at = $1, version = version + 1 WHERE id = $4`, now, nullID(a.UserID), reason, id); err != nil {
			return fmt.Errorf("store: delete service: %w", err)
		}
		if err := countService(ctx, tx, old, -1); err != nil {
			return err
		}
		if err := refreshActive(ctx, tx, s.dialect, old.ClientID, old.RenderedOn.Year()); err != nil {
			return err
		}
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionDelete, Entity: "service", EntityID: id,
			Changes: []opora.Change{{Field: "delete_reason", New: reason}}}); err != nil {
			return err
		}
		return s.addEvent(ctx, tx, &opora.ClientEvent{OrganisationID: old.OrganisationID, ClientID: old.ClientID,
			Kind: opora.EventService, Entity: "service", EntityID: id, Summary: "✕ " + old.Summary() + " — " + reason})
	})
}

// ClientServices lists a client's services (not deleted), newest first, and
// the total count. Needs client.read on the client.
func (s *Store) ClientServices(ctx context.Context, clientID int64, offset, limit int) ([]*opora.Service, int, error) {
	c, err := s.Client(ctx, clientID)
	if err != nil {
		return nil, 0, err
	}
	if limit <= 0 {
		limit = 50
	}
	// The client's access was checked above (the request's read memo
	// answers it); the rows come from services alone, with the total (a
	// window over all the client's rows, counted before LIMIT), and the
	// names from the organisation's dictionaries, kept in memory (see
	// versions.go): a join of five tables took PostgreSQL 0.5 ms to plan
	// on every page. The page size is written in (ints): PostgreSQL plans
	// a LIMIT parameter afresh on every page (0.18 ms here), a written one
	// once.
	rows, err := s.r.QueryContext(ctx, fmt.Sprintf(`SELECT `+serviceRowColumns+`, COUNT(*) OVER () FROM services s
		WHERE s.client_id = $1 AND s.deleted_at IS NULL ORDER BY s.rendered_on DESC, s.id DESC LIMIT %d OFFSET %d`,
		limit, offset), clientID)
	if err != nil {
		return nil, 0, fmt.Errorf("store: client services: %w", err)
	}
	defer rows.Close()
	var out []*opora.Service
	total := 0
	for rows.Next() {
		sv, err := scanServiceRow(scanPlus{rows, &total})
		if err != nil {
			return nil, 0, fmt.Errorf("store: client services: %w", err)
		}
		out = append(out, sv)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("store: client services: %w", err)
	}
	if len(out) == 0 && offset > 0 {
		// A page past the end still says how many there are.
		if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM services s WHERE s.client_id = $1 AND s.deleted_at IS NULL`,
			clientID).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("store: client services: %w", err)
		}
	}
	if err := s.nameServices(ctx, c, out); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// nameServices fills the names a service row refers to (type, worker,
// branch, client) from the organisation's dictionaries.
func (s *Store) nameServices(ctx context.Context, c *opora.Client, list []*opora.Service) error {
	if len(list) == 0 {
		return nil
	}
	types, err := s.orgServiceTypes(ctx, c.OrganisationID)
	if err != nil {
		return err
	}
	branches, err := s.orgBranches(ctx, c.OrganisationID)
	if err != nil {
		return err
	}
	workers := make([]int64, 0, len(list))
	for _, sv := range list {
		workers = append(workers, sv.WorkerID)
	}
	names, err := s.anyUserNames(ctx, dedupe(workers))
	if err != nil {
		return err
	}
	client := strings.Join(strings.Fields(c.Surname+" "+c.FirstName+" "+c.Patronymic), " ")
	for _, sv := range list {
		for i := range types {
			if types[i].ID == sv.TypeID {
				sv.TypeName, sv.Group = types[i].Name, types[i].Group
				break
			}
		}
		for i := range branches {
			if branches[i].ID == sv.BranchID {
				sv.BranchName = branches[i].Name
				break
			}
		}
		sv.WorkerName, sv.ClientName = names[sv.WorkerID], client
	}
	return nil
}

// serviceRowColumns are a service's own columns, for scanServiceRow.
const serviceRowColumns = `s.id, s.organisation_id, s.branch_id, s.client_id, s.type_id, s.rendered_on, s.quantity,
	s.amount_kopecks, s.comment, s.worker_id, s.created_at, s.updated_at, s.deleted_at, COALESCE(s.deleted_by, 0),
	s.delete_reason, s.version`

func scanServiceRow(row interface{ Scan(...any) error }) (*opora.Service, error) {
	sv := &opora.Service{}
	var rendered, created, updated, deleted sql.NullTime
	var amount sql.NullInt64
	if err := row.Scan(&sv.ID, &sv.OrganisationID, &sv.BranchID, &sv.ClientID, &sv.TypeID, &rendered, &sv.Quantity,
		&amount, &sv.Comment, &sv.WorkerID, &created, &updated, &deleted, &sv.DeletedBy, &sv.DeleteReason, &sv.Version); err != nil {
		return nil, err
	}
	sv.RenderedOn = opora.DateOf(dateOf(rendered))
	sv.CreatedAt, sv.UpdatedAt, sv.DeletedAt = timeOf(created), timeOf(updated), timeOf(deleted)
	sv.Amount, sv.HasAmount = amount.Int64, amount.Valid
	return sv, nil
}

// scanPlus scans a row whose last column is extra to what its scanner
// reads, into more.
type scanPlus struct {
	rows *sql.Rows
	more *int
}

func (r scanPlus) Scan(dest ...any) error {
	return r.rows.Scan(append(dest, r.more)...)
}

// ServiceFilter selects services for "My services".
type ServiceFilter struct {
	From, To      opora.Date // days, both inclusive; zero means open
	TypeID        int64
	Offset, Limit int
}

// ServiceTotals sums the services a filter selects.
type ServiceTotals struct {
	Count    int
	Quantity int
	Amount   int64 // kopecks
}

// MyServices lists the services the actor recorded (not deleted), newest
// first, with totals over the whole selection. Services of clients the
// actor no longer reaches with client.read are left out.
func (s *Store) MyServices(ctx context.Context, f ServiceFilter) ([]*opora.Service, ServiceTotals, error) {
	a := opora.ActorFrom(ctx)
	var tot ServiceTotals
	cond, args, err := clientScope(a, opora.PermClientRead, []any{a.UserID})
	if err != nil {
		return nil, tot, err
	}
	where := ` WHERE s.worker_id = $1 AND s.deleted_at IS NULL AND s.organisation_id = c.organisation_id AND ` + cond
	if !f.From.IsZero() {
		args = append(args, f.From)
		where += fmt.Sprintf(` AND s.rendered_on >= $%d`, len(args))
	}
	if !f.To.IsZero() {
		args = append(args, f.To)
		where += fmt.Sprintf(` AND s.rendered_on <= $%d`, len(args))
	}
	if f.TypeID != 0 {
		args = append(args, f.TypeID)
		where += fmt.Sprintf(` AND s.type_id = $%d`, len(args))
	}
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(s.quantity), 0), COALESCE(SUM(s.amount_kopecks), 0)
		FROM services s JOIN clients c ON c.id = s.client_id`+where, args...).Scan(&tot.Count, &tot.Quantity, &tot.Amount); err != nil {
		return nil, tot, fmt.Errorf("store: my services: %w", err)
	}
	out, err := s.listServices(ctx, where+` ORDER BY s.rendered_on DESC, s.id DESC`, args, f.Offset, f.Limit)
	return out, tot, err
}

func (s *Store) listServices(ctx context.Context, where string, args []any, offset, limit int) ([]*opora.Service, error) {
	if limit <= 0 {
		limit = 50
	}
	args = append(args, limit, offset)
	rows, err := s.r.QueryContext(ctx, `SELECT `+serviceColumns+serviceFrom+where+
		fmt.Sprintf(` LIMIT $%d OFFSET $%d`, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("store: services: %w", err)
	}
	defer rows.Close()
	var out []*opora.Service
	for rows.Next() {
		sv, err := scanService(rows)
		if err != nil {
			return nil, fmt.Errorf("store: services: %w", err)
		}
		out = append(out, sv)
	}
	return out, rows.Err()
}
