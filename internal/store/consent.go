package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/sqldb"
)

// Consents, legal bases and the basis of sensitive data (issue 22 items 1,
// 2; opora/consent.go). sensitiveBasis is the one store function that
// decides whether a sensitive category may be stored (or shared) for a
// client now; every path writing sensitive answers calls it (planAnswers
// for forms, questionnaires, fillings and the API; the bulk loader applies
// the same opora.DecideBasis to its batch) and records the basis on each
// answer row. The trigger answers_sensitive_basis (migration 00048)
// refuses a sensitive answer row without one, so a new path that forgets
// fails at once.

const consentColumns = `c.id, c.organisation_id, c.client_id, c.subject, c.rep_name, c.rep_relation, c.purposes,
	c.categories, c.agency_types, c.valid_from, c.valid_to, COALESCE(c.file_id, 0), COALESCE(c.taken_by, 0),
	COALESCE(tu.full_name, ''), c.created_at, c.withdrawn_on, COALESCE(c.withdrawn_by, 0), COALESCE(wu.full_name, ''),
	c.withdraw_reason`

const consentFrom = ` FROM consents c LEFT JOIN users tu ON tu.id = c.taken_by LEFT JOIN users wu ON wu.id = c.withdrawn_by`

func scanConsent(row interface{ Scan(...any) error }) (*opora.Consent, error) {
	c := &opora.Consent{}
	var purposes, cats, types string
	var created sql.NullTime
	if err := row.Scan(&c.ID, &c.OrganisationID, &c.ClientID, &c.Subject, &c.RepName, &c.RepRelation, &purposes, &cats,
		&types, &c.From, &c.To, &c.FileID, &c.TakenBy, &c.TakenByName, &created, &c.WithdrawnOn, &c.WithdrawnBy,
		&c.WithdrawnName, &c.WithdrawReason); err != nil {
		return nil, err
	}
	c.CreatedAt = sqldb.TimeOf(created)
	for _, p := range splitList(purposes) {
		c.Purposes = append(c.Purposes, opora.ConsentPurpose(p))
	}
	for _, x := range splitList(cats) {
		c.Categories = append(c.Categories, opora.DataCategory(x))
	}
	for _, t := range splitList(types) {
		c.AgencyTypes = append(c.AgencyTypes, opora.OrgType(t))
	}
	return c, nil
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func joinList[T ~string](xs []T) string {
	ss := make([]string, len(xs))
	for i, x := range xs {
		ss[i] = string(x)
	}
	return strings.Join(ss, ",")
}

// clientConsents reads the consents of clients, newest first.
func clientConsents(ctx context.Context, q queryer, clientIDs ...int64) ([]*opora.Consent, error) {
	if len(clientIDs) == 0 {
		return nil, nil
	}
	in, args := inList(nil, clientIDs)
	rows, err := q.QueryContext(ctx, `SELECT `+consentColumns+consentFrom+` WHERE c.client_id IN (`+in+`)
		ORDER BY c.valid_from DESC, c.id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: consents: %w", err)
	}
	defer rows.Close()
	var out []*opora.Consent
	for rows.Next() {
		c, err := scanConsent(rows)
		if err != nil {
			return nil, fmt.Errorf("store: consents: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: consents: %w", err)
	}
	return out, nil
}

// ClientConsents lists a client's consents, newest first. Needs client.read
// on the client.
func (s *Store) ClientConsents(ctx context.Context, clientID int64) ([]*opora.Consent, error) {
	c, err := s.Client(ctx, clientID)
	if err != nil {
		return nil, err
	}
	return clientConsents(ctx, s.r, c.ID)
}

// RecordConsent records a new consent of a client (the scan, if any, is
// stored with it). Needs client.write. A consent ending before it starts,
// without a purpose or category, or for a representative without name and
// relation is refused with field errors.
func (s *Store) RecordConsent(ctx context.Context, cs *opora.Consent) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return err
	}
	cs.Normalize()
	if err := cs.Validate(s.Today()); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		c, err := s.writableClient(ctx, tx, cs.ClientID)
		if err != nil {
			return err
		}
		if err := s.checkOrgUser(ctx, tx, a, cs.TakenBy, "consent_by"); err != nil {
			return err
		}
		if cs.File != nil {
			cs.File.Kind = opora.FileKindConsent
			if err := s.insertFile(ctx, tx, a, c, cs.File); err != nil {
				return err
			}
			cs.FileID = cs.File.ID
		}
		cs.OrganisationID, cs.CreatedAt = c.OrganisationID, s.Now()
		if err := tx.QueryRowContext(ctx, `INSERT INTO consents (organisation_id, client_id, subject, rep_name, rep_relation,
			purposes, categories, agency_types, valid_from, valid_to, file_id, taken_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
			c.OrganisationID, c.ID, cs.Subject, cs.RepName, cs.RepRelation, joinList(cs.Purposes), joinList(cs.Categories),
			joinList(cs.AgencyTypes), cs.From, cs.To, nullID(cs.FileID), cs.TakenBy, cs.CreatedAt).Scan(&cs.ID); err != nil {
			return fmt.Errorf("store: record consent: %w", err)
		}
		ch := []opora.Change{{Field: "purposes", New: joinList(cs.Purposes)}, {Field: "categories", New: joinList(cs.Categories)},
			{Field: "valid_from", New: dateString(cs.From)}}
		if !cs.To.IsZero() {
			ch = append(ch, opora.Change{Field: "valid_to", New: dateString(cs.To)})
		}
		if cs.Subject == opora.SubjectRepresentative {
			ch = append(ch, opora.Change{Field: "rep_relation", New: cs.RepRelation})
		}
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "consent", EntityID: cs.ID,
			Section: clientSection(c.ID), Changes: ch}); err != nil {
			return err
		}
		var by string
		if err := tx.QueryRowContext(ctx, `SELECT full_name FROM users WHERE id = $1`, cs.TakenBy).Scan(&by); err != nil {
			return fmt.Errorf("store: record consent: %w", err)
		}
		return s.addEvent(ctx, tx, &opora.ClientEvent{ClientID: c.ID, Kind: opora.EventConsent, Entity: "consent", EntityID: cs.ID,
			Summary: cs.From.Format("02.01.2006") + " · " + joinList(cs.Purposes) + " · " + by})
	})
}

// WithdrawConsent records the withdrawal of a consent on a date (not in
// the future, not before the consent's start) with a reason. From that day
// the consent is no basis for new sensitive answers nor for sharing.
// Needs client.write on the consent's client.
func (s *Store) WithdrawConsent(ctx context.Context, clientID, consentID int64, on opora.Date, reason string) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		c, err := s.writableClient(ctx, tx, clientID)
		if err != nil {
			return err
		}
		cs, err := scanConsent(tx.QueryRowContext(ctx, `SELECT `+consentColumns+consentFrom+` WHERE c.id = $1 AND c.client_id = $2`,
			consentID, c.ID))
		if err == sql.ErrNoRows {
			return opora.ErrNotFound
		} else if err != nil {
			return fmt.Errorf("store: withdraw consent: %w", err)
		}
		if !cs.WithdrawnOn.IsZero() {
			var v opora.Validation
			v.Add("withdrawn_on", "consent.error.already_withdrawn")
			return v.Err()
		}
		cs.WithdrawReason = reason
		cs.Normalize()
		if err := cs.ValidateWithdrawal(on, s.Today()); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE consents SET withdrawn_on = $1, withdrawn_by = $2, withdraw_reason = $3
			WHERE id = $4`, on, nullID(a.UserID), cs.WithdrawReason, cs.ID); err != nil {
			return fmt.Errorf("store: withdraw consent: %w", err)
		}
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "consent", EntityID: cs.ID,
			Section: clientSection(c.ID), Changes: []opora.Change{{Field: "withdrawn_on", New: dateString(on)}}}); err != nil {
			return err
		}
		return s.addEvent(ctx, tx, &opora.ClientEvent{ClientID: c.ID, Kind: opora.EventConsent, Entity: "consent", EntityID: cs.ID,
			Summary: "✕ " + on.Format("02.01.2006") + " · " + joinList(cs.Purposes)})
	})
}

// LegalBases lists the coded statutory grounds.
func (s *Store) LegalBases(ctx context.Context) ([]*opora.LegalBasis, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT code, title, reference FROM legal_bases ORDER BY position, code`)
	if err != nil {
		return nil, fmt.Errorf("store: legal bases: %w", err)
	}
	defer rows.Close()
	var out []*opora.LegalBasis
	for rows.Next() {
		b := &opora.LegalBasis{}
		if err := rows.Scan(&b.Code, &b.Title, &b.Reference); err != nil {
			return nil, fmt.Errorf("store: legal bases: %w", err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// OrgLegalBases returns the actor's organisation's table (only the cells
// set). Needs admin.org.
func (s *Store) OrgLegalBases(ctx context.Context) ([]opora.OrgLegalBasis, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermAdminOrg); err != nil {
		return nil, err
	}
	return orgLegalBases(ctx, s.r, a.OrganisationID)
}

func orgLegalBases(ctx context.Context, q queryer, orgID int64) ([]opora.OrgLegalBasis, error) {
	rows, err := q.QueryContext(ctx, `SELECT category, agency_type, basis_code FROM org_legal_bases WHERE organisation_id = $1
		ORDER BY category, agency_type`, orgID)
	if err != nil {
		return nil, fmt.Errorf("store: legal bases: %w", err)
	}
	defer rows.Close()
	var out []opora.OrgLegalBasis
	for rows.Next() {
		var b opora.OrgLegalBasis
		if err := rows.Scan(&b.Category, &b.AgencyType, &b.Code); err != nil {
			return nil, fmt.Errorf("store: legal bases: %w", err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// SetOrgLegalBases replaces the actor's organisation's table. A cell with
// an unknown category, agency type or basis code is refused. Needs
// admin.org.
func (s *Store) SetOrgLegalBases(ctx context.Context, cells []opora.OrgLegalBasis) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermAdminOrg); err != nil {
		return err
	}
	bases, err := s.LegalBases(ctx)
	if err != nil {
		return err
	}
	var v opora.Validation
	for _, b := range cells {
		if !b.Category.Valid() || !b.Category.Sensitive() || !b.AgencyType.Valid() ||
			(b.Code != "" && !slices.ContainsFunc(bases, func(x *opora.LegalBasis) bool { return x.Code == b.Code })) {
			v.Add("basis_"+string(b.Category)+"_"+string(b.AgencyType), "error.invalid_choice")
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		old, err := orgLegalBases(ctx, tx, a.OrganisationID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM org_legal_bases WHERE organisation_id = $1`, a.OrganisationID); err != nil {
			return fmt.Errorf("store: legal bases: %w", err)
		}
		now := s.Now()
		var ch []opora.Change
		was := map[string]string{}
		for _, b := range old {
			was[string(b.Category)+"/"+string(b.AgencyType)] = b.Code
		}
		for _, b := range cells {
			if _, err := tx.ExecContext(ctx, `INSERT INTO org_legal_bases (organisation_id, category, agency_type, basis_code,
				updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6)`, a.OrganisationID, string(b.Category),
				string(b.AgencyType), b.Code, nullID(a.UserID), now); err != nil {
				return fmt.Errorf("store: legal bases: %w", err)
			}
			key := string(b.Category) + "/" + string(b.AgencyType)
			if old, ok := was[key]; !ok || old != b.Code {
				ch = append(ch, opora.Change{Field: key, Old: was[key], New: b.Code})
			}
			delete(was, key)
		}
		for key, code := range was {
			ch = append(ch, opora.Change{Field: key, Old: code})
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "organisation",
			EntityID: a.OrganisationID, Section: "legal_bases", Changes: ch})
	})
}

// basisInputs is what sensitiveBasis decides on for one client of one
// organisation: its consents, the organisation's table, its own type and
// its consent setting.
type basisInputs struct {
	consents []*opora.Consent
	cells    []opora.OrgLegalBasis
	orgType  opora.OrgType
	required bool
}

func loadBasisInputs(ctx context.Context, q queryer, orgID int64, clientIDs ...int64) (*basisInputs, error) {
	in := &basisInputs{}
	if err := q.QueryRowContext(ctx, `SELECT type, consent_required FROM organisations WHERE id = $1`, orgID).
		Scan(&in.orgType, &in.required); err != nil {
		return nil, fmt.Errorf("store: consent setting: %w", err)
	}
	var err error
	if in.cells, err = orgLegalBases(ctx, q, orgID); err != nil {
		return nil, err
	}
	if in.consents, err = clientConsents(ctx, q, clientIDs...); err != nil {
		return nil, err
	}
	return in, nil
}

// storeBasis is opora.StoreBasis on the loaded inputs.
func (in *basisInputs) storeBasis(cat opora.DataCategory, on opora.Date) (opora.Basis, string) {
	return opora.StoreBasis(in.consents, in.cells, in.orgType, in.required, cat, on)
}

// SensitiveBasis decides whether a sensitive category may be stored for a
// client now (the client's organisation storing it): the basis used, or
// the reason it may not (opora.RefuseNoBasis, opora.RefuseWithdrawn).
// Needs client.read on the client.
func (s *Store) SensitiveBasis(ctx context.Context, clientID int64, cat opora.DataCategory) (opora.Basis, string, error) {
	c, err := s.Client(ctx, clientID)
	if err != nil {
		return opora.Basis{}, "", err
	}
	in, err := loadBasisInputs(ctx, s.r, c.OrganisationID, c.ID)
	if err != nil {
		return opora.Basis{}, "", err
	}
	b, reason := in.storeBasis(cat, s.Today())
	return b, reason, nil
}

// ClientBases is SensitiveBasis for every sensitive category at once: what
// the client's card shows the worker about what may be stored today. A
// category without a basis has Kind "" (and not_required where the
// organisation does not require one). Needs client.read on the client.
func (s *Store) ClientBases(ctx context.Context, clientID int64) (map[opora.DataCategory]opora.Basis, error) {
	c, err := s.Client(ctx, clientID)
	if err != nil {
		return nil, err
	}
	in, err := loadBasisInputs(ctx, s.r, c.OrganisationID, c.ID)
	if err != nil {
		return nil, err
	}
	var titles map[string]string
	out := map[opora.DataCategory]opora.Basis{}
	today := s.Today()
	for _, cat := range opora.DataCategories {
		if !cat.Sensitive() {
			continue
		}
		b, _ := in.storeBasis(cat, today)
		if b.Kind == opora.BasisLegal {
			if titles == nil {
				if titles, err = s.legalBasisTitles(ctx, s.r); err != nil {
					return nil, err
				}
			}
			b.Title = titles[b.Code]
		}
		out[cat] = b
	}
	return out, nil
}
