package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/opora-project/opora/internal/opora"
)

// Certificates and letters from templates (issue 24 item 1). An
// administrator (admin.org) edits the organisation's templates and its
// letterhead, signature and stamp images; a worker with client.write on
// the person issues a document: the template is filled with the person's,
// the case's, the family's, the organisation's and the worker's values,
// numbered (per organisation and year, in the issue's transaction) and
// stored as issued, so it prints again the same after anything changed.

const docTemplateColumns = `id, organisation_id, title, body, needs_case, needs_family, disabled, version, updated_at`

func scanDocTemplate(row interface{ Scan(...any) error }) (*opora.DocTemplate, error) {
	t := &opora.DocTemplate{}
	if err := row.Scan(&t.ID, &t.OrganisationID, &t.Title, &t.Body, &t.NeedsCase, &t.NeedsFamily, &t.Disabled,
		&t.Version, &t.UpdatedAt); err != nil {
		return nil, err
	}
	t.UpdatedAt = t.UpdatedAt.UTC()
	return t, nil
}

// requireDocs lets administrators (admin.org) and workers who issue
// documents (client.write) read the templates.
func requireDocs(a *opora.Actor) error {
	if a.Can(opora.PermAdminOrg) {
		return nil
	}
	return a.Require(opora.PermClientWrite)
}

// DocTemplates lists the actor's organisation's templates by title; the
// disabled ones only when all is true.
func (s *Store) DocTemplates(ctx context.Context, all bool) ([]*opora.DocTemplate, error) {
	a := opora.ActorFrom(ctx)
	if err := requireDocs(a); err != nil {
		return nil, err
	}
	q := `SELECT ` + docTemplateColumns + ` FROM doc_templates WHERE organisation_id = $1`
	if !all {
		q += ` AND NOT disabled`
	}
	rows, err := s.r.QueryContext(ctx, q+` ORDER BY title, id`, a.OrganisationID)
	if err != nil {
		return nil, fmt.Errorf("store: doc templates: %w", err)
	}
	defer rows.Close()
	var out []*opora.DocTemplate
	for rows.Next() {
		t, err := scanDocTemplate(rows)
		if err != nil {
			return nil, fmt.Errorf("store: doc templates: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// DocTemplate returns one template of the actor's organisation.
func (s *Store) DocTemplate(ctx context.Context, id int64) (*opora.DocTemplate, error) {
	a := opora.ActorFrom(ctx)
	if err := requireDocs(a); err != nil {
		return nil, err
	}
	return s.docTemplate(ctx, s.r, a, id)
}

func (s *Store) docTemplate(ctx context.Context, q queryer, a *opora.Actor, id int64) (*opora.DocTemplate, error) {
	t, err := scanDocTemplate(q.QueryRowContext(ctx, `SELECT `+docTemplateColumns+` FROM doc_templates
		WHERE id = $1 AND organisation_id = $2`, id, a.OrganisationID))
	if err != nil {
		return nil, notFound(err)
	}
	return t, nil
}

// SaveDocTemplate creates (t.ID 0) or updates a template. A body with a
// placeholder not in opora.DocFields, or anything else in braces, is
// refused (EINVALID with the line and the text in Args). Needs admin.org.
func (s *Store) SaveDocTemplate(ctx context.Context, t *opora.DocTemplate) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermAdminOrg); err != nil {
		return err
	}
	t.Normalize()
	if err := t.Validate(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		now := s.Now()
		if t.ID == 0 {
			id, err := insertID(ctx, tx, `INSERT INTO doc_templates (organisation_id, title, body, needs_case, needs_family,
				disabled, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7)`,
				a.OrganisationID, t.Title, t.Body, t.NeedsCase, t.NeedsFamily, t.Disabled, now)
			if err != nil {
				return fmt.Errorf("store: create doc template: %w", err)
			}
			t.ID, t.OrganisationID, t.Version, t.UpdatedAt = id, a.OrganisationID, 1, now
			return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "doc_template", EntityID: id,
				Changes: []opora.Change{{Field: "title", New: t.Title}}})
		}
		old, err := s.docTemplate(ctx, tx, a, t.ID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE doc_templates SET title = $1, body = $2, needs_case = $3, needs_family = $4,
			disabled = $5, version = version + 1, updated_at = $6 WHERE id = $7`,
			t.Title, t.Body, t.NeedsCase, t.NeedsFamily, t.Disabled, now, t.ID); err != nil {
			return fmt.Errorf("store: update doc template: %w", err)
		}
		t.OrganisationID, t.Version, t.UpdatedAt = a.OrganisationID, old.Version+1, now
		changes := []opora.Change{}
		if old.Title != t.Title {
			changes = append(changes, opora.Change{Field: "title", Old: old.Title, New: t.Title})
		}
		if old.Body != t.Body {
			changes = append(changes, opora.Change{Field: "body", Old: "v" + strconv.Itoa(old.Version), New: "v" + strconv.Itoa(t.Version)})
		}
		if old.Disabled != t.Disabled {
			changes = append(changes, opora.Change{Field: "disabled", Old: strconv.FormatBool(old.Disabled), New: strconv.FormatBool(t.Disabled)})
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "doc_template", EntityID: t.ID,
			Changes: changes})
	})
}

// DocImages returns the organisation's current document images: kind → file id.
func (s *Store) DocImages(ctx context.Context) (map[string]int64, error) {
	a := opora.ActorFrom(ctx)
	if err := requireDocs(a); err != nil {
		return nil, err
	}
	return docImages(ctx, s.r, a.OrganisationID)
}

func docImages(ctx context.Context, q queryer, orgID int64) (map[string]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT kind, file_id FROM doc_images WHERE organisation_id = $1`, orgID)
	if err != nil {
		return nil, fmt.Errorf("store: doc images: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var k string
		var id int64
		if err := rows.Scan(&k, &id); err != nil {
			return nil, fmt.Errorf("store: doc images: %w", err)
		}
		out[k] = id
	}
	return out, rows.Err()
}

func validDocImage(kind string) bool {
	for _, k := range opora.DocImageKinds {
		if k == kind {
			return true
		}
	}
	return false
}

// SetDocImage records a new letterhead, signature or stamp image (bytes
// already stored, a re-encoded JPEG). The previous file row stays: the
// documents issued with it print with it. Needs admin.org.
func (s *Store) SetDocImage(ctx context.Context, kind string, f *opora.File) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermAdminOrg); err != nil {
		return err
	}
	if !validDocImage(kind) {
		return opora.ErrNotFound
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		f.OrganisationID, f.Kind, f.CreatedBy, f.CreatedAt = a.OrganisationID, "doc_"+kind, a.UserID, s.Now()
		id, err := insertID(ctx, tx, `INSERT INTO files (organisation_id, client_id, kind, name, mime, size, sha256, storage_key,
			comment, created_by, created_at) VALUES ($1, NULL, $2, $3, $4, $5, $6, $7, '', $8, $9)`,
			f.OrganisationID, f.Kind, f.Name, f.MIME, f.Size, f.SHA256, f.StorageKey, nullID(a.UserID), f.CreatedAt)
		if err != nil {
			return fmt.Errorf("store: doc image: %w", err)
		}
		f.ID = id
		if _, err := tx.ExecContext(ctx, `INSERT INTO doc_images (organisation_id, kind, file_id) VALUES ($1, $2, $3)
			ON CONFLICT (organisation_id, kind) DO UPDATE SET file_id = excluded.file_id`, a.OrganisationID, kind, id); err != nil {
			return fmt.Errorf("store: doc image: %w", err)
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "organisation", EntityID: a.OrganisationID,
			Section: "doc_image", Changes: []opora.Change{{Field: kind, New: strconv.FormatInt(id, 10)}}})
	})
}

// DocImageFile returns the file row of a document image of the actor's
// organisation (for the settings page).
func (s *Store) DocImageFile(ctx context.Context, fileID int64) (*opora.File, error) {
	a := opora.ActorFrom(ctx)
	if err := requireDocs(a); err != nil {
		return nil, err
	}
	f, err := scanFile(s.r.QueryRowContext(ctx, `SELECT `+fileColumns+` FROM files f LEFT JOIN dictionary_items d ON d.id = f.type_id
		LEFT JOIN users u ON u.id = f.created_by
		WHERE f.id = $1 AND f.organisation_id = $2 AND f.client_id IS NULL AND f.kind IN ('doc_letterhead', 'doc_signature', 'doc_stamp')`,
		fileID, a.OrganisationID))
	if err != nil {
		return nil, notFound(err)
	}
	return f, nil
}

// IssuedDocImage returns the file of an image printed on an issued
// document, if the actor may read the document (client.read on its person).
func (s *Store) IssuedDocImage(ctx context.Context, clientID, docID int64, kind string) (*opora.File, error) {
	d, err := s.issuedDocument(ctx, clientID, docID)
	if err != nil {
		return nil, err
	}
	id := map[string]int64{opora.DocImageLetterhead: d.LetterheadID, opora.DocImageSignature: d.SignatureID,
		opora.DocImageStamp: d.StampID}[kind]
	if id == 0 {
		return nil, opora.ErrNotFound
	}
	f, err := scanFile(s.r.QueryRowContext(ctx, `SELECT `+fileColumns+` FROM files f LEFT JOIN dictionary_items d ON d.id = f.type_id
		LEFT JOIN users u ON u.id = f.created_by WHERE f.id = $1 AND f.organisation_id = $2`, id, d.OrganisationID))
	if err != nil {
		return nil, notFound(err)
	}
	return f, nil
}

// DocChoice is what a worker picks when issuing: the template, and the
// case and family when the template uses them.
type DocChoice struct {
	ClientID, TemplateID, CaseID, FamilyID int64
}

// docContext reads what a document may need beyond the client (in the
// actor's reach, before the transaction: refusals are audit-logged on
// their own): the case (one of the client's) and the family card (one the
// client is a present member of, its members section in reach).
func (s *Store) docContext(ctx context.Context, ch DocChoice) (*opora.Case, *opora.Family, error) {
	var k *opora.Case
	var f *opora.Family
	if ch.CaseID != 0 {
		var err error
		if k, err = s.loadCase(ctx, s.r, opora.PermClientRead, ch.CaseID); err != nil {
			return nil, nil, err
		}
		if k.ClientID != ch.ClientID {
			return nil, nil, opora.ErrNotFound
		}
	}
	if ch.FamilyID != 0 {
		fam, acc, err := s.loadFamilySection(ctx, s.r, ch.FamilyID, opora.SectionMembers)
		if err != nil {
			return nil, nil, err
		}
		hideSections(fam, acc)
		var n int
		if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM family_members WHERE family_id = $1 AND client_id = $2
			AND left_on IS NULL`, ch.FamilyID, ch.ClientID).Scan(&n); err != nil {
			return nil, nil, fmt.Errorf("store: document family: %w", err)
		}
		if n == 0 || fam.MergedInto != 0 {
			return nil, nil, opora.ErrNotFound
		}
		f = fam
	}
	return k, f, nil
}

func ruDate(d opora.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.Format("02.01.2006")
}

func initials(surname, first, patronymic string) string {
	out := surname
	for _, p := range []string{first, patronymic} {
		if r := []rune(strings.TrimSpace(p)); len(r) > 0 {
			out += " " + string(r[0]) + "."
		}
	}
	return strings.TrimSpace(out)
}

// docValues fills the placeholders' values for client c.
func (s *Store) docValues(ctx context.Context, q queryer, a *opora.Actor, c *opora.Client, k *opora.Case, f *opora.Family,
	number string, on opora.Date) (map[string]string, error) {
	o, err := scanOrganisation(q.QueryRowContext(ctx, `SELECT `+orgColumns+` FROM organisations WHERE id = $1`, c.OrganisationID))
	if err != nil {
		return nil, fmt.Errorf("store: document organisation: %w", err)
	}
	v := map[string]string{
		"клиент.фамилия": c.Surname, "клиент.имя": c.FirstName, "клиент.отчество": c.Patronymic,
		"клиент.фио": c.FullName(), "клиент.фамилия_инициалы": initials(c.Surname, c.FirstName, c.Patronymic),
		"клиент.место_рождения": c.BirthPlace, "клиент.номер": strconv.FormatInt(c.ID, 10),
		"организация.название": o.Name, "организация.краткое_название": o.ShortName, "организация.адрес": o.Address,
		"организация.инн": o.INN, "организация.телефон": o.Phone, "организация.почта": o.Email, "организация.руководитель": o.Head,
		"сотрудник.фио": a.FullName, "документ.номер": number, "документ.дата": ruDate(on),
	}
	switch c.BirthPrecision {
	case opora.BirthExact:
		v["клиент.дата_рождения"] = ruDate(c.BirthDate)
	default:
		if c.BirthYear != 0 {
			v["клиент.дата_рождения"] = strconv.Itoa(c.BirthYear)
		}
	}
	var typ, series, num, by string
	var issued sql.NullTime
	err = q.QueryRowContext(ctx, `SELECT COALESCE(d.label, ''), i.series, i.number, i.issued_by, i.issued_on
		FROM identity_documents i LEFT JOIN dictionary_items d ON d.id = i.type_id
		WHERE i.client_id = $1 AND i.deleted_at IS NULL ORDER BY i.id LIMIT 1`, c.ID).Scan(&typ, &series, &num, &by, &issued)
	switch {
	case err == sql.ErrNoRows:
	case err != nil:
		return nil, fmt.Errorf("store: document identity: %w", err)
	default:
		doc := strings.Join(strings.Fields(typ+" "+series+" "+num), " ")
		if by != "" || issued.Valid {
			doc += ", выдан " + strings.TrimSpace(by+" "+ruDate(opora.DateOf(dateOf(issued))))
		}
		v["клиент.документ"] = doc
	}
	if k != nil {
		v["случай.номер"], v["случай.тип"] = strconv.FormatInt(k.ID, 10), k.TypeLabel
		v["случай.открыт"], v["случай.куратор"] = ruDate(k.OpenedOn), k.CuratorName
	}
	if f != nil {
		v["семья.номер"], v["семья.адрес"], v["семья.куратор"] = strconv.FormatInt(f.ID, 10), f.Address, f.CuratorName
	}
	return v, nil
}

// PreviewDocument fills a template for a client without issuing it: the
// number reads "исх. № —". The view is audit-logged. Needs client.write.
func (s *Store) PreviewDocument(ctx context.Context, ch DocChoice) (*opora.IssuedDocument, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return nil, err
	}
	c, err := s.writableClient(ctx, s.r, ch.ClientID)
	if err != nil {
		return nil, err
	}
	t, err := s.docTemplate(ctx, s.r, a, ch.TemplateID)
	if err != nil || t.Disabled {
		return nil, opora.ErrNotFound
	}
	k, f, err := s.docContext(ctx, ch)
	if err != nil {
		return nil, err
	}
	on := s.Today()
	vals, err := s.docValues(ctx, s.r, a, c, k, f, "исх. № —", on)
	if err != nil {
		return nil, err
	}
	text, err := opora.FillTemplate(t.Body, vals)
	if err != nil {
		return nil, opora.Errorf(opora.EINVALID, "doctemplate.broken")
	}
	imgs, err := docImages(ctx, s.r, a.OrganisationID)
	if err != nil {
		return nil, err
	}
	d := &opora.IssuedDocument{OrganisationID: c.OrganisationID, ClientID: c.ID, TemplateID: t.ID, CaseID: ch.CaseID,
		FamilyID: ch.FamilyID, Title: t.Title, Number: "исх. № —", Year: on.Year(), Text: text, IssuedOn: on,
		LetterheadID: imgs[opora.DocImageLetterhead], SignatureID: imgs[opora.DocImageSignature], StampID: imgs[opora.DocImageStamp],
		CreatedBy: a.UserID, CreatedByName: a.FullName}
	return d, s.logView(ctx, "client", c.ID, "document_preview")
}

// IssueDocument fills the template, takes the organisation's next
// outgoing number of the year and stores the document as issued — all in
// one transaction with its audit row and the line on the client's
// timeline. Needs client.write on the client.
func (s *Store) IssueDocument(ctx context.Context, ch DocChoice) (*opora.IssuedDocument, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return nil, err
	}
	k, f, err := s.docContext(ctx, ch)
	if err != nil {
		return nil, err
	}
	var d *opora.IssuedDocument
	err = s.tx(ctx, func(tx *sql.Tx) error {
		c, err := s.writableClient(ctx, tx, ch.ClientID)
		if err != nil {
			return err
		}
		t, err := s.docTemplate(ctx, tx, a, ch.TemplateID)
		if err != nil || t.Disabled {
			return opora.ErrNotFound
		}
		on := s.Today()
		var seq int
		if err := tx.QueryRowContext(ctx, `INSERT INTO doc_numbers (organisation_id, year, last_seq) VALUES ($1, $2, 1)
			ON CONFLICT (organisation_id, year) DO UPDATE SET last_seq = doc_numbers.last_seq + 1 RETURNING last_seq`,
			c.OrganisationID, on.Year()).Scan(&seq); err != nil {
			return fmt.Errorf("store: document number: %w", err)
		}
		number := opora.DocNumber(seq, on.Year())
		vals, err := s.docValues(ctx, tx, a, c, k, f, number, on)
		if err != nil {
			return err
		}
		text, err := opora.FillTemplate(t.Body, vals)
		if err != nil {
			return opora.Errorf(opora.EINVALID, "doctemplate.broken")
		}
		imgs, err := docImages(ctx, tx, c.OrganisationID)
		if err != nil {
			return err
		}
		d = &opora.IssuedDocument{OrganisationID: c.OrganisationID, ClientID: c.ID, TemplateID: t.ID, CaseID: ch.CaseID,
			FamilyID: ch.FamilyID, Title: t.Title, Number: number, Year: on.Year(), Seq: seq, Text: text, IssuedOn: on,
			LetterheadID: imgs[opora.DocImageLetterhead], SignatureID: imgs[opora.DocImageSignature], StampID: imgs[opora.DocImageStamp],
			CreatedBy: a.UserID, CreatedByName: a.FullName, CreatedAt: s.Now()}
		id, err := insertID(ctx, tx, `INSERT INTO issued_documents (organisation_id, client_id, template_id, case_id, family_id,
			title, year, seq, number, body, issued_on, letterhead_id, signature_id, stamp_id, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
			d.OrganisationID, d.ClientID, d.TemplateID, nullID(d.CaseID), nullID(d.FamilyID), d.Title, d.Year, d.Seq, d.Number,
			d.Text, d.IssuedOn, nullID(d.LetterheadID), nullID(d.SignatureID), nullID(d.StampID), nullID(a.UserID), d.CreatedAt)
		if err != nil {
			return fmt.Errorf("store: issue document: %w", err)
		}
		d.ID = id
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "issued_document", EntityID: id,
			Section: clientSection(c.ID), Changes: []opora.Change{{Field: "template_id", New: strconv.FormatInt(t.ID, 10)},
				{Field: "number", New: number}, {Field: "body", Sensitive: true}}}); err != nil {
			return err
		}
		return s.addEvent(ctx, tx, &opora.ClientEvent{OrganisationID: c.OrganisationID, ClientID: c.ID, Kind: opora.EventIssuedDocument,
			Entity: "issued_document", EntityID: id, Summary: d.Title + ", " + number})
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

const issuedColumns = `i.id, i.organisation_id, i.client_id, COALESCE(i.template_id, 0), COALESCE(i.case_id, 0),
	COALESCE(i.family_id, 0), i.title, i.year, i.seq, i.number, i.body, i.issued_on, COALESCE(i.letterhead_id, 0),
	COALESCE(i.signature_id, 0), COALESCE(i.stamp_id, 0), COALESCE(i.created_by, 0), COALESCE(u.full_name, ''), i.created_at,
	i.voided_at, COALESCE(i.voided_by, 0), COALESCE(vu.full_name, ''), i.void_reason`

const issuedFrom = ` FROM issued_documents i JOIN clients c ON c.id = i.client_id LEFT JOIN users u ON u.id = i.created_by
	LEFT JOIN users vu ON vu.id = i.voided_by`

func scanIssued(row interface{ Scan(...any) error }) (*opora.IssuedDocument, error) {
	d := &opora.IssuedDocument{}
	var on, voided sql.NullTime
	if err := row.Scan(&d.ID, &d.OrganisationID, &d.ClientID, &d.TemplateID, &d.CaseID, &d.FamilyID, &d.Title, &d.Year,
		&d.Seq, &d.Number, &d.Text, &on, &d.LetterheadID, &d.SignatureID, &d.StampID, &d.CreatedBy, &d.CreatedByName,
		&d.CreatedAt, &voided, &d.VoidedBy, &d.VoidedByName, &d.VoidReason); err != nil {
		return nil, err
	}
	d.IssuedOn, d.CreatedAt = opora.DateOf(dateOf(on)), d.CreatedAt.UTC()
	if voided.Valid {
		d.VoidedAt = voided.Time.UTC()
	}
	return d, nil
}

// ClientIssuedDocuments lists the documents issued to a client, the
// latest first. Needs client.read on the client.
func (s *Store) ClientIssuedDocuments(ctx context.Context, clientID int64) ([]*opora.IssuedDocument, error) {
	if _, err := s.client(ctx, s.r, opora.PermClientRead, clientID); err != nil {
		return nil, err
	}
	if lacks(ctx, clientID, holdsIssuedDocuments) {
		return nil, nil
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+issuedColumns+issuedFrom+` WHERE i.client_id = $1
		ORDER BY i.created_at DESC, i.id DESC`, clientID)
	if err != nil {
		return nil, fmt.Errorf("store: issued documents: %w", err)
	}
	defer rows.Close()
	var out []*opora.IssuedDocument
	for rows.Next() {
		d, err := scanIssued(rows)
		if err != nil {
			return nil, fmt.Errorf("store: issued documents: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

func (s *Store) issuedDocument(ctx context.Context, clientID, id int64) (*opora.IssuedDocument, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientRead); err != nil {
		return nil, err
	}
	cond, args, err := clientScope(a, opora.PermClientRead, []any{id, clientID})
	if err != nil {
		return nil, err
	}
	d, err := scanIssued(s.r.QueryRowContext(ctx, `SELECT `+issuedColumns+issuedFrom+` WHERE i.id = $1 AND i.client_id = $2
		AND `+cond, args...))
	if err != nil {
		return nil, notFound(err)
	}
	return d, nil
}

// IssuedDocument returns a document as issued, for printing again (HTML,
// PDF or DOCX: format names it in the audit row). Needs client.read on its
// person; the print is audit-logged.
func (s *Store) IssuedDocument(ctx context.Context, clientID, id int64, format string) (*opora.IssuedDocument, error) {
	d, err := s.issuedDocument(ctx, clientID, id)
	if err != nil {
		return nil, err
	}
	return d, s.LogAudit(ctx, &opora.AuditEntry{Action: opora.ActionView, Entity: "client", EntityID: d.ClientID,
		Section: "issued_document " + strconv.FormatInt(d.ID, 10) + " " + format})
}

// VoidIssuedDocument annuls a document issued by mistake (wrong person,
// wrong text) with the reason the worker gives. The row stays: its number
// is never given again, and the document prints again only with the
// «АННУЛИРОВАН» mark, the date and the reason. In one transaction: the
// write check on the person (client.write, the permission that issues),
// the mark, the audit row (the number and the reason, never the text) and
// the line on the client's timeline. A document already voided is refused
// (ECONFLICT); an empty reason is EINVALID on the field "reason".
func (s *Store) VoidIssuedDocument(ctx context.Context, clientID, id int64, reason string) (*opora.IssuedDocument, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	var d *opora.IssuedDocument
	err := s.tx(ctx, func(tx *sql.Tx) error {
		c, err := s.writableClient(ctx, tx, clientID)
		if err != nil {
			return err
		}
		d, err = scanIssued(tx.QueryRowContext(ctx, `SELECT `+issuedColumns+issuedFrom+` WHERE i.id = $1 AND i.client_id = $2
			AND i.organisation_id = $3`, id, c.ID, c.OrganisationID))
		if err != nil {
			return notFound(err)
		}
		if d.Voided() {
			return opora.Errorf(opora.ECONFLICT, "doc.error.already_voided")
		}
		var v opora.Validation
		switch {
		case reason == "":
			v.Add("reason", "doc.error.void_reason")
		case utf8.RuneCountInString(reason) > opora.MaxVoidReason:
			v.Add("reason", "doc.error.void_reason_long")
		}
		if err := v.Err(); err != nil {
			return err
		}
		now := s.Now()
		res, err := tx.ExecContext(ctx, `UPDATE issued_documents SET voided_at = $1, voided_by = $2, void_reason = $3
			WHERE id = $4 AND voided_at IS NULL`, now, nullID(a.UserID), reason, d.ID)
		if err != nil {
			return fmt.Errorf("store: void document: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return opora.Errorf(opora.ECONFLICT, "doc.error.already_voided")
		}
		d.VoidedAt, d.VoidedBy, d.VoidedByName, d.VoidReason = now, a.UserID, a.FullName, reason
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionVoid, Entity: "issued_document", EntityID: d.ID,
			Section: clientSection(c.ID), Changes: []opora.Change{{Field: "number", New: d.Number},
				{Field: "void_reason", New: reason}}}); err != nil {
			return err
		}
		return s.addEvent(ctx, tx, &opora.ClientEvent{OrganisationID: c.OrganisationID, ClientID: c.ID, Kind: opora.EventVoidedDocument,
			Entity: "issued_document", EntityID: d.ID, Summary: d.Title + ", " + d.Number,
			Changes: []opora.Change{{Field: "void_reason", New: reason}}})
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// seedDocTemplates gives an organisation the default templates, once.
func (s *Store) seedDocTemplates(ctx context.Context, q queryer, orgID int64) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM doc_templates WHERE organisation_id = $1`, orgID).Scan(&n); err != nil {
		return fmt.Errorf("store: seed doc templates: %w", err)
	}
	if n > 0 {
		return nil
	}
	now := s.Now()
	for _, t := range defaultDocTemplates {
		if _, err := q.ExecContext(ctx, `INSERT INTO doc_templates (organisation_id, title, body, needs_case, needs_family,
			disabled, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, FALSE, 1, $6, $6)`,
			orgID, t.Title, t.Body, t.NeedsCase, t.NeedsFamily, now); err != nil {
			return fmt.Errorf("store: seed doc templates: %w", err)
		}
	}
	return nil
}

// defaultDocTemplates are the templates every organisation starts with.
var defaultDocTemplates = []opora.DocTemplate{
	{Title: "Справка о регистрации по адресу организации", Body: `{{документ.номер}} от {{документ.дата}}

# СПРАВКА

Выдана {{клиент.фио}}, {{клиент.дата_рождения}} г. р., {{клиент.документ}}, в том, что он (она) зарегистрирован(а) по месту пребывания по адресу организации {{организация.название}}: {{организация.адрес}}, и состоит на учёте в организации под номером {{клиент.номер}}.

Справка выдана для предъявления по месту требования.

{{организация.руководитель}}

Исполнитель: {{сотрудник.фио}}, тел. {{организация.телефон}}`},
	{Title: "Направление в поликлинику", NeedsCase: true, Body: `> Главному врачу
> медицинской организации по месту обращения

{{документ.номер}} от {{документ.дата}}

# НАПРАВЛЕНИЕ

{{организация.название}} направляет {{клиент.фио}}, {{клиент.дата_рождения}} г. р., {{клиент.документ}}, для осмотра и оказания медицинской помощи.

Человек получает помощь в нашей организации (случай № {{случай.номер}}, {{случай.тип}}, с {{случай.открыт}}, куратор — {{случай.куратор}}). Просим принять его (её) и сообщить о результатах по телефону {{организация.телефон}} или по почте {{организация.почта}}.

{{организация.руководитель}}

Исполнитель: {{сотрудник.фио}}`},
	{Title: "Письмо в государственный орган", Body: `> Руководителю
> ________________________________

{{документ.номер}} от {{документ.дата}}

# О содействии в восстановлении документов

{{организация.название}} (ИНН {{организация.инн}}, адрес: {{организация.адрес}}) оказывает социальную помощь {{клиент.фио}}, {{клиент.дата_рождения}} г. р.

Просим оказать содействие в рассмотрении его (её) обращения и сообщить о принятом решении по адресу организации или по почте {{организация.почта}}.

{{организация.руководитель}}

Исполнитель: {{сотрудник.фио}}, тел. {{организация.телефон}}`},
}
